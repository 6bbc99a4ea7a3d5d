import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  ListAliasesCommand,
  ListKeyRotationsCommand,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsEvent } from '../../src/core/events.js';
import { startTestServer, type TestServer } from '../helpers.js';

const DAY_MS = 86_400_000;

/** Time travel and restarts get their own server: the clock only moves forward. */
describe('kms lifecycle', () => {
  let dataDir: string;
  let server: TestServer;
  let kms: KMSClient;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'kms-lifecycle-'));
    server = await startTestServer({ dataDir });
    kms = new KMSClient(server.clientConfig);
  });
  afterAll(async () => {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keys and ciphertexts survive a restart', async () => {
    const keyId = (await kms.send(new CreateKeyCommand({ Description: 'durable' }))).KeyMetadata!.KeyId!;
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/durable', TargetKeyId: keyId }));
    const enc = await kms.send(new EncryptCommand({ KeyId: 'alias/durable', Plaintext: Buffer.from('persisted'), EncryptionContext: { a: 'b' } }));
    await server.stop();
    server = await startTestServer({ dataDir });
    kms = new KMSClient(server.clientConfig);
    const dec = await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { a: 'b' } }));
    expect(Buffer.from(dec.Plaintext!).toString()).toBe('persisted');
    expect((await kms.send(new DescribeKeyCommand({ KeyId: 'alias/durable' }))).KeyMetadata!.KeyId).toBe(keyId);
  });

  it('rotates automatically when the period passes; old ciphertexts still decrypt', async () => {
    const keyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    const events: AwsEvent[] = [];
    const unsubscribe = server.runtime.events.subscribe((e) => events.push(e));
    await kms.send(new EnableKeyRotationCommand({ KeyId: keyId, RotationPeriodInDays: 90 }));
    const old = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('old') }));
    const materialBefore = (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata!.CurrentKeyMaterialId;
    server.runtime.clock.advance(91 * DAY_MS);
    const rotations = await kms.send(new ListKeyRotationsCommand({ KeyId: keyId }));
    expect(rotations.Rotations).toHaveLength(1);
    expect(rotations.Rotations![0].RotationType).toBe('AUTOMATIC');
    const materialAfter = (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata!.CurrentKeyMaterialId;
    expect(materialAfter).not.toBe(materialBefore);
    const status = await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }));
    expect(status.NextRotationDate!.getTime()).toBeGreaterThan(server.runtime.clock.now());
    expect(Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob: old.CiphertextBlob }))).Plaintext!).toString()).toBe('old');
    unsubscribe();
    expect(events.filter((e) => e['detail-type'] === 'KMS CMK Rotation')).toEqual([
      expect.objectContaining({ source: 'aws.kms', resources: [`arn:aws:kms:us-east-1:000000000000:key/${keyId}`], detail: { 'key-id': keyId } }),
    ]);
    const fresh = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('new') }));
    expect(Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob: fresh.CiphertextBlob }))).Plaintext!).toString()).toBe('new');
  });

  it('deletes a key with its aliases when the waiting period ends', async () => {
    const keyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/doomed', TargetKeyId: keyId }));
    const enc = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('gone soon') }));
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
    const deletions: AwsEvent[] = [];
    server.runtime.events.subscribe((e) => e['detail-type'] === 'KMS CMK Deletion' && deletions.push(e));
    server.runtime.clock.advance(6 * DAY_MS);
    expect((await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata!.KeyState).toBe('PendingDeletion');
    server.runtime.clock.advance(2 * DAY_MS);
    await expect(kms.send(new DescribeKeyCommand({ KeyId: keyId }))).rejects.toMatchObject({ name: 'NotFoundException' });
    expect(deletions.map((e) => e.detail)).toEqual([{ 'key-id': keyId }]);
    await expect(kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }))).rejects.toMatchObject({ name: 'NotFoundException' });
    const aliases = await kms.send(new ListAliasesCommand({}));
    expect(aliases.Aliases!.map((a) => a.AliasName)).not.toContain('alias/doomed');
  });
});
