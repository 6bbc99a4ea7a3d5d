import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateAliasCommand, CreateKeyCommand, DecryptCommand, DisableKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  DescribeParametersCommand,
  GetParameterCommand,
  GetParameterHistoryCommand,
  LabelParameterVersionCommand,
  ListTagsForResourceCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, failure, startTestServer, type TestServer } from '../helpers.js';

/** Every byte SQLite keeps for this data directory (database, WAL and shared memory files). */
function databaseBytes(dataDir: string): Buffer {
  return Buffer.concat(
    readdirSync(dataDir)
      .filter((f) => f.startsWith('drydock.sqlite'))
      .map((f) => readFileSync(join(dataDir, f))),
  );
}

describe('SSM SecureString through KMS', () => {
  let server: TestServer;
  let ssm: SSMClient;
  let kms: KMSClient;
  beforeAll(async () => {
    server = await startTestServer();
    ssm = new SSMClient(server.clientConfig);
    kms = new KMSClient(server.clientConfig);
  });
  afterAll(async () => server.stop());

  it('stores only KMS ciphertext bound to the parameter ARN', async () => {
    const secret = 'correct-horse-battery-staple-7f3a9';
    await ssm.send(new PutParameterCommand({ Name: '/secure/db/password', Value: secret, Type: 'SecureString' }));

    const hidden = await ssm.send(new GetParameterCommand({ Name: '/secure/db/password' }));
    expect(hidden.Parameter).toMatchObject({ Type: 'SecureString', Version: 1 });
    expect(hidden.Parameter?.Value).not.toContain(secret);
    expect(hidden.Parameter?.Value).toMatch(/^[A-Za-z0-9+/]+=*$/);

    const shown = await ssm.send(new GetParameterCommand({ Name: '/secure/db/password', WithDecryption: true }));
    expect(shown.Parameter?.Value).toBe(secret);

    // The value is a real KMS ciphertext: KMS decrypts it with Parameter Store's encryption context, and only with it.
    const blob = Buffer.from(hidden.Parameter!.Value!, 'base64');
    const arn = 'arn:aws:ssm:us-east-1:000000000000:parameter/secure/db/password';
    const decrypted = await kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: { PARAMETER_ARN: arn } }));
    expect(Buffer.from(decrypted.Plaintext!).toString('utf8')).toBe(secret);
    expect((await failure(kms.send(new DecryptCommand({ CiphertextBlob: blob })))).name).toBe('InvalidCiphertextException');

    const described = await ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Values: ['/secure/db/password'] }] }));
    expect(described.Parameters?.[0].KeyId).toBe('alias/aws/ssm');

    expect(databaseBytes(server.dataDir).includes(Buffer.from(secret))).toBe(false);
  });

  it('encrypts with a customer key named by alias or id and keeps it across overwrites', async () => {
    const key = await kms.send(new CreateKeyCommand({}));
    const keyId = key.KeyMetadata!.KeyId!;
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/params', TargetKeyId: keyId }));

    await ssm.send(new PutParameterCommand({ Name: '/secure/by-alias', Value: 'a1', Type: 'SecureString', KeyId: 'alias/params' }));
    await ssm.send(new PutParameterCommand({ Name: '/secure/by-id', Value: 'b1', Type: 'SecureString', KeyId: keyId }));
    await ssm.send(new PutParameterCommand({ Name: '/secure/by-alias', Value: 'a2', Overwrite: true }));

    const history = await ssm.send(new GetParameterHistoryCommand({ Name: '/secure/by-alias', WithDecryption: true }));
    expect(history.Parameters?.map((h) => [h.Version, h.Value, h.KeyId])).toEqual([
      [1, 'a1', 'alias/params'],
      [2, 'a2', 'alias/params'],
    ]);
    const encrypted = await ssm.send(new GetParameterHistoryCommand({ Name: '/secure/by-alias' }));
    expect(encrypted.Parameters?.map((h) => h.Value)).not.toContain('a1');
    const described = await ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'KeyId', Values: [keyId] }] }));
    expect(described.Parameters?.map((p) => p.Name)).toEqual(['/secure/by-id']);

    // Decryption goes through KMS, so a disabled key stops it.
    await kms.send(new DisableKeyCommand({ KeyId: keyId }));
    const disabled = await failure(ssm.send(new GetParameterCommand({ Name: '/secure/by-id', WithDecryption: true })));
    expect(disabled.name).toBe('DisabledException');
    expect((await ssm.send(new GetParameterCommand({ Name: '/secure/by-id' }))).Parameter?.Value).not.toBe('b1');
  });

  it('encrypts Advanced-tier values larger than 4 KB', async () => {
    const large = 'é'.repeat(8192);
    const put = await ssm.send(new PutParameterCommand({ Name: '/secure/large', Value: large, Type: 'SecureString', Tier: 'Advanced' }));
    expect(put.Tier).toBe('Advanced');
    expect((await ssm.send(new GetParameterCommand({ Name: '/secure/large', WithDecryption: true }))).Parameter?.Value).toBe(large);
  });

  it('rejects a KeyId on other types and an unknown key', async () => {
    const onString = await failure(ssm.send(new PutParameterCommand({ Name: '/secure/plain', Value: 'v', Type: 'String', KeyId: 'alias/aws/ssm' })));
    expect(onString.name).toBe('ValidationException');
    await expectAwsError(ssm.send(new PutParameterCommand({ Name: '/secure/unknown', Value: 'v', Type: 'SecureString', KeyId: 'alias/does-not-exist' })), { code: 'InvalidKeyId', status: 400 });
    expect((await failure(ssm.send(new GetParameterCommand({ Name: '/secure/unknown' })))).name).toBe('ParameterNotFound');
  });

  it('switches a String to SecureString on overwrite and encrypts from then on', async () => {
    await ssm.send(new PutParameterCommand({ Name: '/secure/switch', Value: 'visible', Type: 'String' }));
    await ssm.send(new PutParameterCommand({ Name: '/secure/switch', Value: 'now-secret-91c2', Type: 'SecureString', Overwrite: true }));
    const got = await ssm.send(new GetParameterCommand({ Name: '/secure/switch' }));
    expect(got.Parameter?.Type).toBe('SecureString');
    expect(got.Parameter?.Value).not.toBe('now-secret-91c2');
    expect((await ssm.send(new GetParameterCommand({ Name: '/secure/switch:1' }))).Parameter).toMatchObject({ Type: 'String', Value: 'visible' });
    expect(databaseBytes(server.dataDir).includes(Buffer.from('now-secret-91c2'))).toBe(false);
  });
});

describe('SSM parameter policies', () => {
  let server: TestServer;
  let ssm: SSMClient;
  beforeAll(async () => {
    server = await startTestServer();
    ssm = new SSMClient(server.clientConfig);
  });
  afterAll(async () => server.stop());

  it('deletes a parameter when its Expiration policy comes due', async () => {
    const at = new Date(server.runtime.clock.now() + 3_600_000).toISOString();
    const policies = JSON.stringify([
      { Type: 'Expiration', Version: '1.0', Attributes: { Timestamp: at } },
      { Type: 'NoChangeNotification', Version: '1.0', Attributes: { After: '20', Unit: 'Days' } },
    ]);
    const put = await ssm.send(new PutParameterCommand({ Name: '/expiring/p', Value: 'v', Type: 'String', Tier: 'Intelligent-Tiering', Policies: policies }));
    expect(put.Tier).toBe('Advanced');
    const described = await ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Values: ['/expiring/p'] }] }));
    expect(described.Parameters?.[0].Policies?.map((p) => [p.PolicyType, p.PolicyStatus])).toEqual([
      ['Expiration', 'Pending'],
      ['NoChangeNotification', 'Pending'],
    ]);
    expect(JSON.parse(described.Parameters![0].Policies![0].PolicyText!).Attributes.Timestamp).toBe(at);

    server.runtime.clock.advance(2 * 3_600_000);
    const deadline = Date.now() + 5000;
    let code = '';
    while (Date.now() < deadline && code !== 'ParameterNotFound') {
      await new Promise((r) => setTimeout(r, 100));
      code = await ssm.send(new GetParameterCommand({ Name: '/expiring/p' })).then(
        () => '',
        (e: { name: string }) => e.name,
      );
    }
    expect(code).toBe('ParameterNotFound');
  });

  it('rejects policies on the Standard tier and malformed policies', async () => {
    const at = new Date(server.runtime.clock.now() + 3_600_000).toISOString();
    const expiration = JSON.stringify([{ Type: 'Expiration', Version: '1.0', Attributes: { Timestamp: at } }]);
    const standard = await failure(ssm.send(new PutParameterCommand({ Name: '/policy/std', Value: 'v', Type: 'String', Policies: expiration })));
    expect(standard.name).toBe('ValidationException');
    const badType = await failure(
      ssm.send(new PutParameterCommand({ Name: '/policy/x', Value: 'v', Type: 'String', Tier: 'Advanced', Policies: '[{"Type":"Nope","Version":"1.0","Attributes":{}}]' })),
    );
    expect(badType.name).toBe('InvalidPolicyTypeException');
    const past = await failure(
      ssm.send(
        new PutParameterCommand({
          Name: '/policy/x',
          Value: 'v',
          Type: 'String',
          Tier: 'Advanced',
          Policies: '[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2001-01-01T00:00:00Z"}}]',
        }),
      ),
    );
    expect(past.name).toBe('InvalidPolicyAttributeException');
  });

  it('carries an Expiration over an overwrite and drops it when the policies are replaced', async () => {
    const at = new Date(server.runtime.clock.now() + 60_000).toISOString();
    const policies = JSON.stringify([{ Type: 'Expiration', Version: '1.0', Attributes: { Timestamp: at } }]);
    await ssm.send(new PutParameterCommand({ Name: '/policy/carried', Value: 'v1', Type: 'String', Tier: 'Advanced', Policies: policies }));
    await ssm.send(new PutParameterCommand({ Name: '/policy/carried', Value: 'v2', Overwrite: true }));
    await ssm.send(new PutParameterCommand({ Name: '/policy/removed', Value: 'v1', Type: 'String', Tier: 'Advanced', Policies: policies }));
    await ssm.send(new PutParameterCommand({ Name: '/policy/removed', Value: 'v2', Overwrite: true, Policies: '[]' }));
    const removed = await ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Values: ['/policy/removed'] }] }));
    expect(removed.Parameters?.[0].Policies).toEqual([]);

    server.runtime.clock.advance(120_000);
    const deadline = Date.now() + 5000;
    let carried = '';
    while (Date.now() < deadline && carried !== 'ParameterNotFound') {
      await new Promise((r) => setTimeout(r, 100));
      carried = await ssm.send(new GetParameterCommand({ Name: '/policy/carried' })).then(
        () => '',
        (e: { name: string }) => e.name,
      );
    }
    expect(carried).toBe('ParameterNotFound');
    expect((await ssm.send(new GetParameterCommand({ Name: '/policy/removed' }))).Parameter?.Value).toBe('v2');
  });
});

describe('SSM persistence across a restart', () => {
  it('a second server on the same data directory sees every parameter, version, label, tag and secret', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'drydock-ssm-'));
    try {
      const first = await startTestServer({ dataDir });
      const a = new SSMClient(first.clientConfig);
      await a.send(new PutParameterCommand({ Name: '/persist/plain', Value: 'p1', Type: 'String', Tags: [{ Key: 'k', Value: 'v' }] }));
      await a.send(new PutParameterCommand({ Name: '/persist/plain', Value: 'p2', Overwrite: true }));
      await a.send(new LabelParameterVersionCommand({ Name: '/persist/plain', ParameterVersion: 1, Labels: ['old'] }));
      await a.send(new PutParameterCommand({ Name: '/persist/secret', Value: 'kept-secret', Type: 'SecureString' }));
      await first.stop();

      const second = await startTestServer({ dataDir });
      try {
        const b = new SSMClient(second.clientConfig);
        expect((await b.send(new GetParameterCommand({ Name: '/persist/plain' }))).Parameter).toMatchObject({ Value: 'p2', Version: 2 });
        expect((await b.send(new GetParameterCommand({ Name: '/persist/plain:old' }))).Parameter).toMatchObject({ Value: 'p1', Version: 1 });
        expect((await b.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: '/persist/plain' }))).TagList).toEqual([{ Key: 'k', Value: 'v' }]);
        expect((await b.send(new GetParameterCommand({ Name: '/persist/secret', WithDecryption: true }))).Parameter?.Value).toBe('kept-secret');
        const existing = await failure(b.send(new PutParameterCommand({ Name: '/persist/plain', Value: 'x', Type: 'String' })));
        expect(existing.name).toBe('ParameterAlreadyExists');
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
