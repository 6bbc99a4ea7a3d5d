/**
 * KMS answers as AWS gives them: predefined and AWS managed keys, tag limits, RSA ciphertexts made
 * outside KMS, on-demand rotation, and another account's key used by its ARN.
 */
import { constants, publicEncrypt } from 'node:crypto';
import {
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EncryptCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  GetPublicKeyCommand,
  KMSClient,
  ListAliasesCommand,
  ListKeyRotationsCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
} from '@aws-sdk/client-kms';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';

const OWNER = '000000000000';
const OTHER = '111111111111';
const FRESH = '222222222222';

type Statement = { Sid?: string; Action: string | string[]; Condition?: Record<string, Record<string, string>>; Principal: { AWS: string } };

describe('KMS fidelity', () => {
  const server = useServer();
  const client = <T>(Client: new (config: object) => T, account = OWNER) =>
    new Client({ ...server.clientConfig, credentials: { accessKeyId: account === OWNER ? 'test' : account, secretAccessKey: 'test' } });
  const allAliases = async (kms: KMSClient) => {
    const out = [];
    let Marker: string | undefined;
    do {
      const page = await kms.send(new ListAliasesCommand({ Marker, Limit: 5 }));
      out.push(...page.Aliases!);
      Marker = page.NextMarker;
    } while (Marker);
    return out;
  };

  it('lists the predefined alias/aws/* aliases without a key until a service creates it', async () => {
    const kms = client(KMSClient, FRESH);
    const before = await allAliases(kms);
    const names = before.map((a) => a.AliasName);
    for (const alias of ['alias/aws/ebs', 'alias/aws/s3', 'alias/aws/secretsmanager', 'alias/aws/ssm']) expect(names).toContain(alias);
    expect(names).toEqual([...names].sort());
    const ssmAlias = before.find((a) => a.AliasName === 'alias/aws/ssm')!;
    expect(ssmAlias).toEqual({ AliasName: 'alias/aws/ssm', AliasArn: `arn:aws:kms:us-east-1:${FRESH}:alias/aws/ssm` });
    expect((await kms.send(new ListKeysCommand({}))).Keys).toEqual([]);

    // SSM creates its AWS managed key through KMS when a SecureString names no key.
    await client(SSMClient, FRESH).send(new PutParameterCommand({ Name: '/fresh/secret', Value: 's3cr3t', Type: 'SecureString' }));
    const after = (await allAliases(kms)).find((a) => a.AliasName === 'alias/aws/ssm')!;
    expect(after.TargetKeyId).toMatch(/^[0-9a-f-]{36}$/);
    expect(after.CreationDate).toBeInstanceOf(Date);
    const key = (await kms.send(new DescribeKeyCommand({ KeyId: 'alias/aws/ssm' }))).KeyMetadata!;
    expect(key).toMatchObject({ KeyId: after.TargetKeyId, KeyManager: 'AWS', Description: 'Default key that protects my SSM parameters when no other key is defined' });
    const policy = JSON.parse((await kms.send(new GetKeyPolicyCommand({ KeyId: key.KeyId }))).Policy!) as { Id: string; Statement: Statement[] };
    expect(policy.Id).toBe('auto-ssm-1');
    expect(policy.Statement[0]).toMatchObject({
      Sid: 'Allow access through SSM for all principals in the account that are authorized to use SSM',
      Principal: { AWS: '*' },
      Condition: { StringEquals: { 'kms:CallerAccount': FRESH, 'kms:ViaService': 'ssm.us-east-1.amazonaws.com' } },
    });
    expect(policy.Statement[1]).toMatchObject({ Principal: { AWS: `arn:aws:iam::${FRESH}:root` }, Action: ['kms:Describe*', 'kms:Get*', 'kms:List*'] });
    // Aliases still page in name order with the new key among them.
    expect((await allAliases(kms)).length).toBe(before.length);
  });

  it('creates Secrets Manager’s managed key with its own policy, and DescribeKey of a predefined alias creates the key', async () => {
    await client(SecretsManagerClient, FRESH).send(new CreateSecretCommand({ Name: 'fresh-secret', SecretString: 'x' }));
    const kms = client(KMSClient, FRESH);
    const key = (await kms.send(new DescribeKeyCommand({ KeyId: 'alias/aws/secretsmanager' }))).KeyMetadata!;
    expect(key).toMatchObject({ KeyManager: 'AWS', Description: 'Default key that protects my Secrets Manager data when no other key is defined' });
    const policy = JSON.parse((await kms.send(new GetKeyPolicyCommand({ KeyId: key.KeyId }))).Policy!) as { Id: string; Statement: Statement[] };
    expect(policy.Id).toBe('auto-secretsmanager-2');
    expect(policy.Statement[1]).toMatchObject({ Action: 'kms:GenerateDataKey*', Condition: { StringLike: { 'kms:ViaService': 'secretsmanager.*.amazonaws.com' } } });

    const s3 = (await kms.send(new DescribeKeyCommand({ KeyId: 'alias/aws/s3' }))).KeyMetadata!;
    expect(s3).toMatchObject({ KeyManager: 'AWS', Description: 'Default key that protects my S3 objects when no other key is defined', KeyState: 'Enabled' });
    expect((await allAliases(kms)).find((a) => a.AliasName === 'alias/aws/s3')!.TargetKeyId).toBe(s3.KeyId);
    // Only services that have AWS managed keys get one.
    await expectAwsError(kms.send(new EncryptCommand({ KeyId: 'alias/aws/no-such-service', Plaintext: Buffer.from('x') })), {
      code: 'NotFoundException',
      status: 400,
      message: `Alias 'arn:aws:kms:us-east-1:${FRESH}:alias/aws/no-such-service' is not found.`,
    });
  });

  it('refuses changes to AWS managed keys as their key policy does, even to the account root', async () => {
    const kms = client(KMSClient, FRESH);
    const key = (await kms.send(new DescribeKeyCommand({ KeyId: 'alias/aws/ebs' }))).KeyMetadata!;
    const denied = (action: string) => ({
      code: 'AccessDeniedException',
      status: 400,
      message: `User: arn:aws:iam::${FRESH}:root is not authorized to perform: kms:${action} on resource: ${key.Arn} because no resource-based policy allows the kms:${action} action`,
    });
    await expectAwsError(kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.KeyId, PendingWindowInDays: 7 })), denied('ScheduleKeyDeletion'));
    await expectAwsError(kms.send(new DisableKeyCommand({ KeyId: key.KeyId })), denied('DisableKey'));
    await expectAwsError(kms.send(new PutKeyPolicyCommand({ KeyId: key.KeyId, PolicyName: 'default', Policy: '{"Statement":[]}' })), denied('PutKeyPolicy'));
    const unchanged = (await kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }))).KeyMetadata!;
    expect(unchanged.KeyState).toBe('Enabled');
    expect(unchanged).not.toHaveProperty('DeletionDate');
  });

  it('answers TagException for duplicate tag keys and tag limits, and writes nothing', async () => {
    const kms = client(KMSClient);
    const keysBefore = (await kms.send(new ListKeysCommand({ Limit: 1000 }))).Keys!.length;
    await expectAwsError(
      kms.send(
        new CreateKeyCommand({
          Tags: [
            { TagKey: 'team', TagValue: 'a' },
            { TagKey: 'team', TagValue: 'b' },
          ],
        }),
      ),
      { code: 'TagException', status: 400, message: 'Duplicate tag keys' },
    );
    const fiftyOne = Array.from({ length: 51 }, (_, i) => ({ TagKey: `k${i}`, TagValue: 'v' }));
    await expectAwsError(kms.send(new CreateKeyCommand({ Tags: fiftyOne })), { code: 'TagException', status: 400, message: 'Too many tags' });
    expect((await kms.send(new ListKeysCommand({ Limit: 1000 }))).Keys!.length).toBe(keysBefore);

    const keyId = (await kms.send(new CreateKeyCommand({ Tags: fiftyOne.slice(0, 49) }))).KeyMetadata!.KeyId!;
    await expectAwsError(
      kms.send(
        new TagResourceCommand({
          KeyId: keyId,
          Tags: [
            { TagKey: 'x', TagValue: '1' },
            { TagKey: 'y', TagValue: '2' },
          ],
        }),
      ),
      { code: 'TagException', status: 400, message: 'Too many tags' },
    );
    await expectAwsError(
      kms.send(
        new TagResourceCommand({
          KeyId: keyId,
          Tags: [
            { TagKey: 'x', TagValue: '1' },
            { TagKey: 'x', TagValue: '2' },
          ],
        }),
      ),
      { code: 'TagException', status: 400, message: 'Duplicate tag keys' },
    );
    expect((await kms.send(new ListResourceTagsCommand({ KeyId: keyId, Limit: 50 }))).Tags).toHaveLength(49);
    // Replacing a tag's value does not count against the limit.
    await kms.send(new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: 'k0', TagValue: 'new' }] }));
  });

  it('decrypts data encrypted outside KMS with the RSA public key under RSAES_OAEP_SHA_1 and RSAES_OAEP_SHA_256', async () => {
    const kms = client(KMSClient);
    const keyId = (await kms.send(new CreateKeyCommand({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' }))).KeyMetadata!.KeyId!;
    const publicKey = (await kms.send(new GetPublicKeyCommand({ KeyId: keyId }))).PublicKey!;
    const key = { key: Buffer.from(publicKey), format: 'der' as const, type: 'spki' as const };
    for (const [algorithm, oaepHash] of [
      ['RSAES_OAEP_SHA_1', 'sha1'],
      ['RSAES_OAEP_SHA_256', 'sha256'],
    ] as const) {
      const ciphertext = publicEncrypt({ ...key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, Buffer.from(`made outside with ${algorithm}`));
      const decrypted = await kms.send(new DecryptCommand({ KeyId: keyId, CiphertextBlob: ciphertext, EncryptionAlgorithm: algorithm }));
      expect(Buffer.from(decrypted.Plaintext!).toString()).toBe(`made outside with ${algorithm}`);
      expect(decrypted.EncryptionAlgorithm).toBe(algorithm);
    }
    // OpenSSL's default OAEP (SHA-1) is what RSAES_OAEP_SHA_1 means.
    const ciphertext = publicEncrypt({ ...key, padding: constants.RSA_PKCS1_OAEP_PADDING }, Buffer.from('default oaep'));
    const decrypted = await kms.send(new DecryptCommand({ KeyId: keyId, CiphertextBlob: ciphertext, EncryptionAlgorithm: 'RSAES_OAEP_SHA_1' }));
    expect(Buffer.from(decrypted.Plaintext!).toString()).toBe('default oaep');
    await expectAwsError(kms.send(new DecryptCommand({ KeyId: keyId, CiphertextBlob: ciphertext, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' })), {
      code: 'InvalidCiphertextException',
      status: 400,
    });
  });

  it('completes an on-demand rotation asynchronously and lists it in ListKeyRotations', async () => {
    const kms = client(KMSClient);
    const keyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    const before = (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata!.CurrentKeyMaterialId;
    const caller = { principal: { kind: 'root' as const, account: OWNER, arn: `arn:aws:iam::${OWNER}:root`, userId: OWNER, accessKeyId: 'test' }, region: 'us-east-1' };
    // A second request while the first rotation is in progress conflicts.
    const [first, second] = await Promise.allSettled([
      server.runtime.call('kms', 'RotateKeyOnDemand', { KeyId: keyId }, caller),
      server.runtime.call('kms', 'RotateKeyOnDemand', { KeyId: keyId }, caller),
    ]);
    expect(first).toMatchObject({ status: 'fulfilled', value: { KeyId: `arn:aws:kms:us-east-1:${OWNER}:key/${keyId}` } });
    expect(second).toMatchObject({ status: 'rejected', reason: { code: 'ConflictException' } });
    let status = await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }));
    for (let i = 0; i < 50 && status.OnDemandRotationStartDate; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      status = await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }));
    }
    expect(status.OnDemandRotationStartDate).toBeUndefined();
    const after = (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata!.CurrentKeyMaterialId;
    expect(after).not.toBe(before);
    const rotations = (await kms.send(new ListKeyRotationsCommand({ KeyId: keyId }))).Rotations!;
    expect(rotations).toEqual([{ KeyId: keyId, KeyMaterialId: after, RotationDate: expect.any(Date), RotationType: 'ON_DEMAND' }]);
    // The rotation is done: another one may start.
    await kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId }));
  });

  it("uses another account's key by its ARN when the key policy allows that account", async () => {
    const owner = client(KMSClient);
    const other = client(KMSClient, OTHER);
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'owner', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OWNER}:root` }, Action: 'kms:*', Resource: '*' },
        { Sid: 'other', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OTHER}:root` }, Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey'], Resource: '*' },
      ],
    });
    const shared = (await owner.send(new CreateKeyCommand({ Policy: policy }))).KeyMetadata!;
    const encrypted = await other.send(new EncryptCommand({ KeyId: shared.Arn, Plaintext: Buffer.from('across accounts') }));
    expect(encrypted.KeyId).toBe(shared.Arn);
    const decrypted = await other.send(new DecryptCommand({ KeyId: shared.Arn, CiphertextBlob: encrypted.CiphertextBlob }));
    expect(Buffer.from(decrypted.Plaintext!).toString()).toBe('across accounts');
    expect((await other.send(new DescribeKeyCommand({ KeyId: shared.Arn }))).KeyMetadata).toMatchObject({ AWSAccountId: OWNER, Arn: shared.Arn });
    // The owner decrypts it too; the key id alone names a key of the caller's own account.
    expect(Buffer.from((await owner.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob }))).Plaintext!).toString()).toBe('across accounts');
    await expectAwsError(other.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob })), { code: 'NotFoundException', status: 400 });
    await expectAwsError(other.send(new EncryptCommand({ KeyId: shared.KeyId, Plaintext: Buffer.from('x') })), { code: 'NotFoundException', status: 400 });
    // Management operations stay with the owner, and a key whose policy does not name the account is refused.
    await expectAwsError(other.send(new DisableKeyCommand({ KeyId: shared.Arn })), { code: 'AccessDeniedException', status: 400 });
    const privateKey = (await owner.send(new CreateKeyCommand({}))).KeyMetadata!;
    await expectAwsError(other.send(new EncryptCommand({ KeyId: privateKey.Arn, Plaintext: Buffer.from('x') })), { code: 'AccessDeniedException', status: 400 });
  });
});
