import { CreateKeyCommand, DescribeKeyCommand, DisableKeyCommand, EnableKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  DeleteResourcePolicyCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetResourcePolicyCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  ListSecretVersionIdsCommand,
  PutResourcePolicyCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  RotateSecretCommand,
  SecretsManagerClient,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { beforeAll, describe, expect, it } from 'vitest';
import { useServer } from '../helpers.js';

const token = (n: number) => `${String(n).padStart(8, '0')}-aaaa-bbbb-cccc-000000000000`;

describe('secretsmanager', () => {
  const server = useServer();
  let sm: SecretsManagerClient;
  let kms: KMSClient;
  beforeAll(async () => {
    sm = new SecretsManagerClient(server.clientConfig);
    kms = new KMSClient(server.clientConfig);
  });

  it('creates and reads a string secret by name and ARN, encrypted under alias/aws/secretsmanager', async () => {
    const created = await sm.send(new CreateSecretCommand({ Name: 'app/db', SecretString: '{"password":"p1"}', Description: 'db creds', Tags: [{ Key: 'env', Value: 'dev' }] }));
    expect(created.ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:000000000000:secret:app\/db-[A-Za-z0-9]{6}$/);
    expect(created.VersionId).toMatch(/^[0-9a-f-]{36}$/);
    for (const id of [created.Name!, created.ARN!, created.ARN!.slice(0, -7)]) {
      const got = await sm.send(new GetSecretValueCommand({ SecretId: id }));
      expect(got).toMatchObject({ SecretString: '{"password":"p1"}', VersionStages: ['AWSCURRENT'], VersionId: created.VersionId, ARN: created.ARN, Name: 'app/db' });
      expect(got.CreatedDate).toBeInstanceOf(Date);
    }
    const managed = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/aws/secretsmanager' }));
    expect(managed.KeyMetadata!.KeyManager).toBe('AWS');
    const described = await sm.send(new DescribeSecretCommand({ SecretId: 'app/db' }));
    expect(described).toMatchObject({ Name: 'app/db', Description: 'db creds', Tags: [{ Key: 'env', Value: 'dev' }], VersionIdsToStages: { [created.VersionId!]: ['AWSCURRENT'] } });
    expect(described.LastAccessedDate).toBeInstanceOf(Date);
    expect(described.KmsKeyId).toBeUndefined();
    await expect(sm.send(new GetSecretValueCommand({ SecretId: 'nope' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 400 } });
    await expect(sm.send(new CreateSecretCommand({ Name: 'app/db', SecretString: 'x' }))).rejects.toMatchObject({ name: 'ResourceExistsException' });
  });

  it('stores binary secrets and refuses both or bad names', async () => {
    const bytes = Buffer.from([0, 1, 2, 254, 255]);
    await sm.send(new CreateSecretCommand({ Name: 'bin', SecretBinary: bytes }));
    const got = await sm.send(new GetSecretValueCommand({ SecretId: 'bin' }));
    expect(Buffer.from(got.SecretBinary!)).toEqual(bytes);
    expect(got.SecretString).toBeUndefined();
    await expect(sm.send(new CreateSecretCommand({ Name: 'both', SecretBinary: bytes, SecretString: 's' }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await expect(sm.send(new CreateSecretCommand({ Name: 'bad name!?', SecretString: 's' }))).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(sm.send(new CreateSecretCommand({ Name: '', SecretString: 's' }))).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('PutSecretValue moves AWSCURRENT and AWSPREVIOUS; idempotency tokens', async () => {
    const v1 = await sm.send(new CreateSecretCommand({ Name: 'rot', SecretString: 'one', ClientRequestToken: token(1) }));
    expect(v1.VersionId).toBe(token(1));
    const retry = await sm.send(new CreateSecretCommand({ Name: 'rot', SecretString: 'one', ClientRequestToken: token(1) }));
    expect(retry.VersionId).toBe(token(1));
    const v2 = await sm.send(new PutSecretValueCommand({ SecretId: 'rot', SecretString: 'two', ClientRequestToken: token(2) }));
    expect(v2.VersionStages).toEqual(['AWSCURRENT']);
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 'rot' }))).SecretString).toBe('two');
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 'rot', VersionStage: 'AWSPREVIOUS' }))).SecretString).toBe('one');
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 'rot', VersionId: token(1) }))).VersionStages).toEqual(['AWSPREVIOUS']);
    // same token + same value: no new version; same token + other value: refused
    const again = await sm.send(new PutSecretValueCommand({ SecretId: 'rot', SecretString: 'two', ClientRequestToken: token(2) }));
    expect(again.VersionId).toBe(token(2));
    await expect(sm.send(new PutSecretValueCommand({ SecretId: 'rot', SecretString: 'changed', ClientRequestToken: token(2) }))).rejects.toMatchObject({ name: 'ResourceExistsException' });
    await sm.send(new PutSecretValueCommand({ SecretId: 'rot', SecretString: 'three', ClientRequestToken: token(3) }));
    const described = await sm.send(new DescribeSecretCommand({ SecretId: 'rot' }));
    expect(described.VersionIdsToStages).toEqual({ [token(3)]: ['AWSCURRENT'], [token(2)]: ['AWSPREVIOUS'] });
    const versions = await sm.send(new ListSecretVersionIdsCommand({ SecretId: 'rot' }));
    expect(versions.Versions!.map((v) => v.VersionId).sort()).toEqual([token(2), token(3)]);
    const all = await sm.send(new ListSecretVersionIdsCommand({ SecretId: 'rot', IncludeDeprecated: true }));
    expect(all.Versions).toHaveLength(3);
    expect(all.Versions![0].KmsKeyIds).toEqual(['DefaultEncryptionKey']);
    // pending version with a custom label
    await sm.send(new PutSecretValueCommand({ SecretId: 'rot', SecretString: 'four', ClientRequestToken: token(4), VersionStages: ['AWSPENDING', 'mine'] }));
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 'rot' }))).SecretString).toBe('three');
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 'rot', VersionStage: 'mine' }))).SecretString).toBe('four');
    await expect(sm.send(new GetSecretValueCommand({ SecretId: 'rot', VersionStage: 'nolabel' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(sm.send(new PutSecretValueCommand({ SecretId: 'rot' }))).rejects.toMatchObject({ name: 'InvalidRequestException' });
    await expect(sm.send(new PutSecretValueCommand({ SecretId: 'rot', SecretString: 'x', ClientRequestToken: 'short' }))).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('the first version of a secret created without a value becomes AWSCURRENT', async () => {
    const created = await sm.send(new CreateSecretCommand({ Name: 'empty-first' }));
    expect(created.VersionId).toBeUndefined();
    await expect(sm.send(new GetSecretValueCommand({ SecretId: 'empty-first' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    const put = await sm.send(new PutSecretValueCommand({ SecretId: 'empty-first', SecretString: 'v', VersionStages: ['AWSPENDING'] }));
    expect(put.VersionStages!.sort()).toEqual(['AWSCURRENT', 'AWSPENDING']);
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 'empty-first' }))).SecretString).toBe('v');
  });

  it('UpdateSecretVersionStage moves labels with AWS checks', async () => {
    await sm.send(new CreateSecretCommand({ Name: 'stages', SecretString: 'a', ClientRequestToken: token(11) }));
    await sm.send(new PutSecretValueCommand({ SecretId: 'stages', SecretString: 'b', ClientRequestToken: token(12), VersionStages: ['AWSPENDING'] }));
    await expect(sm.send(new UpdateSecretVersionStageCommand({ SecretId: 'stages', VersionStage: 'AWSCURRENT', MoveToVersionId: token(12) }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
    await expect(sm.send(new UpdateSecretVersionStageCommand({ SecretId: 'stages', VersionStage: 'AWSCURRENT', MoveToVersionId: token(12), RemoveFromVersionId: token(12) }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
    await sm.send(new UpdateSecretVersionStageCommand({ SecretId: 'stages', VersionStage: 'AWSCURRENT', MoveToVersionId: token(12), RemoveFromVersionId: token(11) }));
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 'stages' }))).SecretString).toBe('b');
    const moved = (await sm.send(new DescribeSecretCommand({ SecretId: 'stages' }))).VersionIdsToStages!;
    expect(moved[token(12)].sort()).toEqual(['AWSCURRENT', 'AWSPENDING']);
    expect(moved[token(11)]).toEqual(['AWSPREVIOUS']);
    await sm.send(new UpdateSecretVersionStageCommand({ SecretId: 'stages', VersionStage: 'AWSPENDING', RemoveFromVersionId: token(12) }));
    await expect(sm.send(new UpdateSecretVersionStageCommand({ SecretId: 'stages', VersionStage: 'AWSCURRENT', RemoveFromVersionId: token(12) }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
    await sm.send(new UpdateSecretVersionStageCommand({ SecretId: 'stages', VersionStage: 'custom', MoveToVersionId: token(11) }));
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 'stages', VersionStage: 'custom' }))).SecretString).toBe('a');
    await expect(sm.send(new UpdateSecretVersionStageCommand({ SecretId: 'stages', VersionStage: 'custom', MoveToVersionId: token(99) }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('UpdateSecret changes value, description and KMS key; disabled keys make values unreadable', async () => {
    const key = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    await sm.send(new CreateSecretCommand({ Name: 'upd', SecretString: 'v1' }));
    const noValue = await sm.send(new UpdateSecretCommand({ SecretId: 'upd', Description: 'now described', KmsKeyId: key }));
    expect(noValue.VersionId).toBeUndefined();
    const described = await sm.send(new DescribeSecretCommand({ SecretId: 'upd' }));
    expect(described).toMatchObject({ Description: 'now described', KmsKeyId: key });
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 'upd' }))).SecretString).toBe('v1');
    const withValue = await sm.send(new UpdateSecretCommand({ SecretId: 'upd', SecretString: 'v2' }));
    expect(withValue.VersionId).toBeDefined();
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 'upd' }))).SecretString).toBe('v2');
    await kms.send(new DisableKeyCommand({ KeyId: key }));
    await expect(sm.send(new GetSecretValueCommand({ SecretId: 'upd' }))).rejects.toMatchObject({ name: 'DecryptionFailure' });
    await expect(sm.send(new PutSecretValueCommand({ SecretId: 'upd', SecretString: 'v3' }))).rejects.toMatchObject({ name: 'EncryptionFailure' });
    await kms.send(new EnableKeyCommand({ KeyId: key }));
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 'upd' }))).SecretString).toBe('v2');
    await expect(sm.send(new CreateSecretCommand({ Name: 'badkey', SecretString: 'x', KmsKeyId: 'alias/does-not-exist' }))).rejects.toMatchObject({ name: 'EncryptionFailure' });
    await expect(sm.send(new DescribeSecretCommand({ SecretId: 'badkey' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('deletes with a recovery window, restores, and force-deletes', async () => {
    await sm.send(new CreateSecretCommand({ Name: 'del', SecretString: 's' }));
    await expect(sm.send(new DeleteSecretCommand({ SecretId: 'del', RecoveryWindowInDays: 6 }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await expect(sm.send(new DeleteSecretCommand({ SecretId: 'del', RecoveryWindowInDays: 7, ForceDeleteWithoutRecovery: true }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
    const before = Date.now();
    const deleted = await sm.send(new DeleteSecretCommand({ SecretId: 'del' }));
    expect(deleted.DeletionDate!.getTime()).toBeGreaterThanOrEqual(before + 30 * 86_400_000 - 2000);
    await expect(sm.send(new GetSecretValueCommand({ SecretId: 'del' }))).rejects.toMatchObject({
      name: 'InvalidRequestException',
      message: "You can't perform this operation on the secret because it was marked for deletion.",
    });
    expect((await sm.send(new DescribeSecretCommand({ SecretId: 'del' }))).DeletedDate).toBeInstanceOf(Date);
    await expect(sm.send(new CreateSecretCommand({ Name: 'del', SecretString: 's' }))).rejects.toMatchObject({ name: 'InvalidRequestException' });
    const listed = await sm.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: ['del'] }] }));
    expect(listed.SecretList).toHaveLength(0);
    const planned = await sm.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: ['del'] }], IncludePlannedDeletion: true }));
    expect(planned.SecretList).toHaveLength(1);
    await sm.send(new RestoreSecretCommand({ SecretId: 'del' }));
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 'del' }))).SecretString).toBe('s');
    await sm.send(new DeleteSecretCommand({ SecretId: 'del', ForceDeleteWithoutRecovery: true }));
    await expect(sm.send(new DescribeSecretCommand({ SecretId: 'del' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await sm.send(new CreateSecretCommand({ Name: 'del', SecretString: 'reborn' }));
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 'del' }))).SecretString).toBe('reborn');
  });

  it('lists with filters and pagination; tags', async () => {
    await sm.send(new CreateSecretCommand({ Name: 'list/alpha', SecretString: 's', Description: 'First one', Tags: [{ Key: 'team', Value: 'red' }] }));
    await sm.send(new CreateSecretCommand({ Name: 'list/beta', SecretString: 's', Description: 'second', Tags: [{ Key: 'team', Value: 'blue' }] }));
    await sm.send(new CreateSecretCommand({ Name: 'list/gamma', SecretString: 's' }));
    const names = async (filters: { Key: 'name' | 'description' | 'tag-key' | 'tag-value' | 'all'; Values: string[] }[]) =>
      ((await sm.send(new ListSecretsCommand({ Filters: filters, SortOrder: 'asc', SortBy: 'name' }))).SecretList ?? []).map((s) => s.Name);
    expect(await names([{ Key: 'name', Values: ['list/'] }])).toEqual(['list/alpha', 'list/beta', 'list/gamma']);
    expect(await names([{ Key: 'description', Values: ['first'] }])).toEqual(['list/alpha']);
    expect(await names([{ Key: 'tag-key', Values: ['team'] }])).toEqual(['list/alpha', 'list/beta']);
    expect(await names([{ Key: 'tag-value', Values: ['blue'] }])).toEqual(['list/beta']);
    expect(
      await names([
        { Key: 'name', Values: ['list/'] },
        { Key: 'tag-value', Values: ['!blue'] },
      ]),
    ).toEqual(['list/alpha', 'list/gamma']);
    expect(await names([{ Key: 'all', Values: ['gamma'] }])).toEqual(['list/gamma']);
    const seen: string[] = [];
    let next: string | undefined;
    do {
      const res = await sm.send(new ListSecretsCommand({ MaxResults: 2, NextToken: next, Filters: [{ Key: 'name', Values: ['list/'] }] }));
      expect(res.SecretList!.length).toBeLessThanOrEqual(2);
      seen.push(...res.SecretList!.map((s) => s.Name!));
      next = res.NextToken;
    } while (next);
    expect(seen.sort()).toEqual(['list/alpha', 'list/beta', 'list/gamma']);
    await expect(sm.send(new ListSecretsCommand({ NextToken: 'garbage' }))).rejects.toMatchObject({ name: 'InvalidNextTokenException' });

    await sm.send(
      new TagResourceCommand({
        SecretId: 'list/gamma',
        Tags: [
          { Key: 'a', Value: '1' },
          { Key: 'b', Value: '2' },
        ],
      }),
    );
    await sm.send(new UntagResourceCommand({ SecretId: 'list/gamma', TagKeys: ['a'] }));
    expect((await sm.send(new DescribeSecretCommand({ SecretId: 'list/gamma' }))).Tags).toEqual([{ Key: 'b', Value: '2' }]);
    await expect(sm.send(new TagResourceCommand({ SecretId: 'missing', Tags: [{ Key: 'a', Value: '1' }] }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });

    const batch = await sm.send(new BatchGetSecretValueCommand({ SecretIdList: ['list/alpha', 'missing'] }));
    expect(batch.SecretValues!.map((v) => v.Name)).toEqual(['list/alpha']);
    expect(batch.Errors).toEqual([expect.objectContaining({ SecretId: 'missing', ErrorCode: 'ResourceNotFoundException' })]);
  });

  it('generates random passwords with every option', async () => {
    const def = (await sm.send(new GetRandomPasswordCommand({}))).RandomPassword!;
    expect(def).toHaveLength(32);
    const digits = (await sm.send(new GetRandomPasswordCommand({ PasswordLength: 50, ExcludeLowercase: true, ExcludeUppercase: true, ExcludePunctuation: true }))).RandomPassword!;
    expect(digits).toMatch(/^[0-9]{50}$/);
    const noChars = (await sm.send(new GetRandomPasswordCommand({ PasswordLength: 200, ExcludeCharacters: 'abcABC123!"' }))).RandomPassword!;
    expect(noChars).not.toMatch(/[abcABC123!"]/);
    const each = (await sm.send(new GetRandomPasswordCommand({ PasswordLength: 4, RequireEachIncludedType: true }))).RandomPassword!;
    expect(each).toMatch(/[a-z]/);
    expect(each).toMatch(/[A-Z]/);
    expect(each).toMatch(/[0-9]/);
    expect(each).toMatch(/[^A-Za-z0-9]/);
    const spaced = (await sm.send(new GetRandomPasswordCommand({ PasswordLength: 3000, IncludeSpace: true, ExcludePunctuation: true }))).RandomPassword!;
    expect(spaced).toMatch(/^[A-Za-z0-9 ]{3000}$/);
    expect(spaced).toMatch(/ /);
    await expect(sm.send(new GetRandomPasswordCommand({ PasswordLength: 3 }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await expect(sm.send(new GetRandomPasswordCommand({ ExcludeLowercase: true, ExcludeUppercase: true, ExcludeNumbers: true, ExcludePunctuation: true }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
    await expect(sm.send(new GetRandomPasswordCommand({ PasswordLength: 5000 }))).rejects.toMatchObject({ name: 'ValidationException' });
    const a = (await sm.send(new GetRandomPasswordCommand({}))).RandomPassword;
    expect(a).not.toBe(def);
  });

  it('resource policies; rotation needs a rotation function', async () => {
    await sm.send(new CreateSecretCommand({ Name: 'pol', SecretString: 's' }));
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'secretsmanager:GetSecretValue', Resource: '*' }],
    });
    await sm.send(new PutResourcePolicyCommand({ SecretId: 'pol', ResourcePolicy: policy }));
    expect((await sm.send(new GetResourcePolicyCommand({ SecretId: 'pol' }))).ResourcePolicy).toBe(policy);
    const open = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'secretsmanager:GetSecretValue', Resource: '*' }] });
    await expect(sm.send(new PutResourcePolicyCommand({ SecretId: 'pol', ResourcePolicy: open, BlockPublicPolicy: true }))).rejects.toMatchObject({ name: 'PublicPolicyException' });
    await expect(sm.send(new PutResourcePolicyCommand({ SecretId: 'pol', ResourcePolicy: '{' }))).rejects.toMatchObject({ name: 'MalformedPolicyDocumentException' });
    await sm.send(new DeleteResourcePolicyCommand({ SecretId: 'pol' }));
    expect((await sm.send(new GetResourcePolicyCommand({ SecretId: 'pol' }))).ResourcePolicy).toBeUndefined();
    await expect(sm.send(new RotateSecretCommand({ SecretId: 'pol' }))).rejects.toMatchObject({ name: 'InvalidRequestException', $metadata: { httpStatusCode: 400 } });
  });

  it('scopes secrets by region', async () => {
    await sm.send(new CreateSecretCommand({ Name: 'regional', SecretString: 'us' }));
    const eu = new SecretsManagerClient({ ...server.clientConfig, region: 'eu-west-1' });
    await expect(eu.send(new GetSecretValueCommand({ SecretId: 'regional' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    const created = await eu.send(new CreateSecretCommand({ Name: 'regional', SecretString: 'eu' }));
    expect(created.ARN).toMatch(/^arn:aws:secretsmanager:eu-west-1:/);
    expect((await eu.send(new GetSecretValueCommand({ SecretId: 'regional' }))).SecretString).toBe('eu');
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 'regional' }))).SecretString).toBe('us');
  });

  it('works with the aws CLI', async () => {
    const { stdout } = await server.aws(['secretsmanager', 'create-secret', '--name', 'cli/secret', '--secret-string', 'from-cli']);
    const created = JSON.parse(stdout);
    expect(created.ARN).toMatch(/secret:cli\/secret-[A-Za-z0-9]{6}$/);
    const got = JSON.parse((await server.aws(['secretsmanager', 'get-secret-value', '--secret-id', 'cli/secret'])).stdout);
    expect(got).toMatchObject({ SecretString: 'from-cli', VersionStages: ['AWSCURRENT'], VersionId: created.VersionId });
    await expect(server.aws(['secretsmanager', 'get-secret-value', '--secret-id', 'cli/none'])).rejects.toMatchObject({ stderr: expect.stringContaining('ResourceNotFoundException') });
  });
});
