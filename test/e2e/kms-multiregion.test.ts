import {
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  ReplicateKeyCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
  UpdatePrimaryRegionCommand,
} from '@aws-sdk/client-kms';
import { beforeAll, describe, expect, it } from 'vitest';
import { useServer } from '../helpers.js';

const DAY_MS = 86_400_000;

describe('kms multi-Region keys', () => {
  const server = useServer();
  let us: KMSClient;
  let eu: KMSClient;
  beforeAll(async () => {
    us = new KMSClient(server.clientConfig);
    eu = new KMSClient({ ...server.clientConfig, region: 'eu-west-1' });
  });

  it('replicates a key whose ciphertexts decrypt in every Region, shares rotation, moves the primary and deletes replicas first', async () => {
    const primary = (await us.send(new CreateKeyCommand({ MultiRegion: true, Description: 'global' }))).KeyMetadata!;
    expect(primary.KeyId).toMatch(/^mrk-[0-9a-f]{32}$/);
    expect(primary.MultiRegionConfiguration).toEqual({ MultiRegionKeyType: 'PRIMARY', PrimaryKey: { Arn: primary.Arn, Region: 'us-east-1' }, ReplicaKeys: [] });
    const fromUs = await us.send(new EncryptCommand({ KeyId: primary.KeyId, Plaintext: Buffer.from('travels'), EncryptionContext: { app: 'mr' } }));

    const replicated = await us.send(new ReplicateKeyCommand({ KeyId: primary.KeyId, ReplicaRegion: 'eu-west-1', Description: 'eu copy', Tags: [{ TagKey: 'r', TagValue: 'eu' }] }));
    const replicaArn = `arn:aws:kms:eu-west-1:000000000000:key/${primary.KeyId}`;
    expect(replicated.ReplicaKeyMetadata).toMatchObject({
      Arn: replicaArn,
      Description: 'eu copy',
      KeyState: 'Enabled',
      MultiRegionConfiguration: { MultiRegionKeyType: 'REPLICA', PrimaryKey: { Region: 'us-east-1' } },
    });
    expect(replicated.ReplicaTags).toEqual([{ TagKey: 'r', TagValue: 'eu' }]);
    expect((await us.send(new DescribeKeyCommand({ KeyId: primary.KeyId }))).KeyMetadata!.MultiRegionConfiguration!.ReplicaKeys).toEqual([{ Arn: replicaArn, Region: 'eu-west-1' }]);

    const inEu = await eu.send(new DecryptCommand({ CiphertextBlob: fromUs.CiphertextBlob, EncryptionContext: { app: 'mr' } }));
    expect(Buffer.from(inEu.Plaintext!).toString()).toBe('travels');
    expect(inEu.KeyId).toBe(replicaArn);
    const fromEu = await eu.send(new EncryptCommand({ KeyId: primary.KeyId, Plaintext: Buffer.from('back') }));
    expect(Buffer.from((await us.send(new DecryptCommand({ CiphertextBlob: fromEu.CiphertextBlob }))).Plaintext!).toString()).toBe('back');

    await expect(us.send(new ReplicateKeyCommand({ KeyId: primary.KeyId, ReplicaRegion: 'eu-west-1' }))).rejects.toMatchObject({ name: 'AlreadyExistsException' });
    await expect(eu.send(new ReplicateKeyCommand({ KeyId: primary.KeyId, ReplicaRegion: 'ap-south-1' }))).rejects.toMatchObject({ name: 'UnsupportedOperationException' });
    const single = (await us.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    await expect(us.send(new ReplicateKeyCommand({ KeyId: single, ReplicaRegion: 'eu-west-1' }))).rejects.toMatchObject({ name: 'UnsupportedOperationException' });

    // Rotation is shared and managed on the primary.
    await expect(eu.send(new EnableKeyRotationCommand({ KeyId: primary.KeyId }))).rejects.toMatchObject({ name: 'UnsupportedOperationException' });
    await us.send(new RotateKeyOnDemandCommand({ KeyId: primary.KeyId }));
    // On-demand rotation completes asynchronously (a job), as on AWS.
    for (let i = 0; i < 50 && (await eu.send(new GetKeyRotationStatusCommand({ KeyId: primary.KeyId }))).OnDemandRotationStartDate; i++) await new Promise((resolve) => setImmediate(resolve));
    const usMaterial = (await us.send(new DescribeKeyCommand({ KeyId: primary.KeyId }))).KeyMetadata!.CurrentKeyMaterialId;
    expect((await eu.send(new DescribeKeyCommand({ KeyId: primary.KeyId }))).KeyMetadata!.CurrentKeyMaterialId).toBe(usMaterial);
    expect(Buffer.from((await eu.send(new DecryptCommand({ CiphertextBlob: fromUs.CiphertextBlob, EncryptionContext: { app: 'mr' } }))).Plaintext!).toString()).toBe('travels');

    await us.send(new UpdatePrimaryRegionCommand({ KeyId: primary.KeyId, PrimaryRegion: 'eu-west-1' }));
    expect((await us.send(new DescribeKeyCommand({ KeyId: primary.KeyId }))).KeyMetadata!.MultiRegionConfiguration!.MultiRegionKeyType).toBe('REPLICA');
    expect((await eu.send(new DescribeKeyCommand({ KeyId: primary.KeyId }))).KeyMetadata!.MultiRegionConfiguration).toMatchObject({
      MultiRegionKeyType: 'PRIMARY',
      PrimaryKey: { Region: 'eu-west-1' },
      ReplicaKeys: [{ Region: 'us-east-1' }],
    });

    const primaryDeletion = await eu.send(new ScheduleKeyDeletionCommand({ KeyId: primary.KeyId, PendingWindowInDays: 7 }));
    expect(primaryDeletion).toMatchObject({ KeyState: 'PendingReplicaDeletion', PendingWindowInDays: 7 });
    expect(primaryDeletion.DeletionDate).toBeUndefined();
    await expect(eu.send(new EncryptCommand({ KeyId: primary.KeyId, Plaintext: Buffer.from('x') }))).rejects.toMatchObject({ name: 'KMSInvalidStateException' });
    await us.send(new ScheduleKeyDeletionCommand({ KeyId: primary.KeyId, PendingWindowInDays: 7 }));
    server.runtime.clock.advance(8 * DAY_MS);
    await expect(us.send(new DescribeKeyCommand({ KeyId: primary.KeyId }))).rejects.toMatchObject({ name: 'NotFoundException' });
    const waiting = (await eu.send(new DescribeKeyCommand({ KeyId: primary.KeyId }))).KeyMetadata!;
    expect(waiting.KeyState).toBe('PendingDeletion');
    expect(waiting.DeletionDate!.getTime()).toBeGreaterThan(server.runtime.clock.now() + 6 * DAY_MS);
    expect(waiting.MultiRegionConfiguration!.ReplicaKeys).toEqual([]);
  });
});
