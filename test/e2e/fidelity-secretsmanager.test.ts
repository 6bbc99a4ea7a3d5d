/**
 * Secrets Manager answers as AWS gives them: ListSecrets filters (words, negation, filters ANDed),
 * a reused ClientRequestToken, invalid names, and another account's secret read by its full ARN.
 */
import { CreateKeyCommand, GetKeyLastUsageCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  type Filter,
  GetSecretValueCommand,
  ListSecretsCommand,
  ListSecretVersionIdsCommand,
  PutResourcePolicyCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  TagResourceCommand,
  UpdateSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';

const OWNER = '000000000000';
const OTHER = '111111111111';

describe('Secrets Manager fidelity', () => {
  const server = useServer();
  const client = (account = OWNER, region = 'us-east-1') =>
    new SecretsManagerClient({ ...server.clientConfig, region, credentials: { accessKeyId: account === OWNER ? 'test' : account, secretAccessKey: 'test' } });

  describe('ListSecrets filters', () => {
    // Their own Region, so that secrets of other tests do not match.
    const region = 'eu-west-2';
    let sm: SecretsManagerClient;
    const names = async (Filters: Filter[]) => (await sm.send(new ListSecretsCommand({ Filters, SortBy: 'name' }))).SecretList!.map((s) => s.Name).sort();

    beforeAll(async () => {
      sm = client(OWNER, region);
      await sm.send(new CreateSecretCommand({ Name: 'prod/AppBeta/x', Description: 'one two', Tags: [{ Key: 'Team', Value: 'payments' }] }));
      await sm.send(new CreateSecretCommand({ Name: 'prod/other', Description: 'one and two' }));
      await sm.send(new CreateSecretCommand({ Name: 'dev/AppGamma', Description: 'three', Tags: [{ Key: 'team', Value: 'core' }] }));
    });

    it('splits names and descriptions into words at / _ + = . @ - and camel case, each filter word starting a word', async () => {
      expect(await names([{ Key: 'all', Values: ['Beta'] }])).toEqual(['prod/AppBeta/x']);
      expect(await names([{ Key: 'all', Values: ['app'] }])).toEqual(['dev/AppGamma', 'prod/AppBeta/x']);
      expect(await names([{ Key: 'all', Values: ['eta'] }])).toEqual([]);
      expect(await names([{ Key: 'all', Values: ['pay'] }])).toEqual(['prod/AppBeta/x']);
      expect(await names([{ Key: 'description', Values: ['two'] }])).toEqual(['prod/AppBeta/x', 'prod/other']);
      expect(await names([{ Key: 'description', Values: ['one two'] }])).toEqual(['prod/AppBeta/x', 'prod/other']);
      expect(await names([{ Key: 'description', Values: ['TW'] }])).toEqual(['prod/AppBeta/x', 'prod/other']);
      expect(await names([{ Key: 'description', Values: ['wo'] }])).toEqual([]);
    });

    it('keeps name, tag-key and tag-value prefix matches case-sensitive', async () => {
      expect(await names([{ Key: 'name', Values: ['prod/App'] }])).toEqual(['prod/AppBeta/x']);
      expect(await names([{ Key: 'name', Values: ['Prod'] }])).toEqual([]);
      expect(await names([{ Key: 'tag-key', Values: ['Team'] }])).toEqual(['prod/AppBeta/x']);
      expect(await names([{ Key: 'tag-value', Values: ['co'] }])).toEqual(['dev/AppGamma']);
    });

    it('negates with a leading !, ORs the values of a filter and ANDs filters, the same key twice too', async () => {
      expect(await names([{ Key: 'name', Values: ['!prod'] }])).toEqual(['dev/AppGamma']);
      expect(await names([{ Key: 'name', Values: ['dev', 'prod/o'] }])).toEqual(['dev/AppGamma', 'prod/other']);
      expect(
        await names([
          { Key: 'description', Values: ['one'] },
          { Key: 'description', Values: ['and'] },
        ]),
      ).toEqual(['prod/other']);
      expect(
        await names([
          { Key: 'name', Values: ['prod'] },
          { Key: 'description', Values: ['!and'] },
        ]),
      ).toEqual(['prod/AppBeta/x']);
    });

    it('accepts the primary-region and owning-service keys and refuses others', async () => {
      expect(await names([{ Key: 'primary-region', Values: ['eu-west'] }])).toEqual(['dev/AppGamma', 'prod/AppBeta/x', 'prod/other']);
      expect(await names([{ Key: 'primary-region', Values: ['us-'] }])).toEqual([]);
      expect(await names([{ Key: 'owning-service', Values: ['rds'] }])).toEqual([]);
      await expectAwsError(sm.send(new ListSecretsCommand({ Filters: [{ Key: 'bogus' as Filter['Key'], Values: ['x'] }] })), { code: 'ValidationException', status: 400 });
    });
  });

  it('refuses a ClientRequestToken reused with another value in AWS’s words, and writes nothing', async () => {
    const sm = client();
    const token = '11111111-2222-3333-4444-555555555555';
    const created = await sm.send(new CreateSecretCommand({ Name: 'token-reuse', SecretString: 'first', ClientRequestToken: token }));
    expect(created.VersionId).toBe(token);
    // The same request again is a retry: it succeeds and changes nothing.
    expect((await sm.send(new CreateSecretCommand({ Name: 'token-reuse', SecretString: 'first', ClientRequestToken: token }))).VersionId).toBe(token);
    const inUse = { code: 'ResourceExistsException', status: 400, message: `You can't use ClientRequestToken ${token} because that value is already in use for a version of secret ${created.ARN}.` };
    await expectAwsError(sm.send(new CreateSecretCommand({ Name: 'token-reuse', SecretString: 'second', ClientRequestToken: token })), inUse);
    await expectAwsError(sm.send(new PutSecretValueCommand({ SecretId: 'token-reuse', SecretString: 'second', ClientRequestToken: token })), inUse);
    await expectAwsError(sm.send(new UpdateSecretCommand({ SecretId: 'token-reuse', SecretString: 'second', ClientRequestToken: token })), inUse);
    await expectAwsError(sm.send(new CreateSecretCommand({ Name: 'token-reuse', SecretString: 'first' })), {
      code: 'ResourceExistsException',
      status: 400,
      message: 'The operation failed because the secret token-reuse already exists.',
    });
    expect((await sm.send(new ListSecretVersionIdsCommand({ SecretId: 'token-reuse' }))).Versions).toHaveLength(1);
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 'token-reuse' }))).SecretString).toBe('first');
  });

  it('answers ValidationException, not ResourceNotFoundException, for an invalid name', async () => {
    const sm = client();
    const invalid = { code: 'ValidationException', status: 400, message: 'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!' };
    for (const name of ['Inv Name', ' Inv*Name? ', '"quoted"']) {
      await expectAwsError(sm.send(new CreateSecretCommand({ Name: name, SecretString: 's' })), invalid);
      await expectAwsError(sm.send(new DescribeSecretCommand({ SecretId: name })), invalid);
      await expectAwsError(sm.send(new GetSecretValueCommand({ SecretId: name })), invalid);
      await expectAwsError(sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: 's' })), invalid);
      await expectAwsError(sm.send(new UpdateSecretCommand({ SecretId: name, Description: 'd' })), invalid);
      await expectAwsError(sm.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true })), invalid);
      await expectAwsError(sm.send(new TagResourceCommand({ SecretId: name, Tags: [{ Key: 'k', Value: 'v' }] })), invalid);
      await expectAwsError(sm.send(new ListSecretVersionIdsCommand({ SecretId: name })), invalid);
    }
    await expectAwsError(sm.send(new GetSecretValueCommand({ SecretId: 'valid/but-missing' })), { code: 'ResourceNotFoundException', status: 400 });
    expect((await sm.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: ['Inv'] }] }))).SecretList).toEqual([]);
  });

  it("reads another account's secret by its full ARN when its resource policy and key policy allow it", async () => {
    const owner = client();
    const other = client(OTHER);
    const kms = new KMSClient(server.clientConfig);
    const keyPolicy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OWNER}:root` }, Action: 'kms:*', Resource: '*' },
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OTHER}:root` }, Action: 'kms:Decrypt', Resource: '*' },
      ],
    });
    const key = (await kms.send(new CreateKeyCommand({ Policy: keyPolicy }))).KeyMetadata!;
    const shared = await owner.send(new CreateSecretCommand({ Name: 'shared/db', SecretString: 'shared value', KmsKeyId: key.Arn }));
    // The value is sealed under a data key KMS made for the caller, and read by decrypting that data key.
    expect((await kms.send(new GetKeyLastUsageCommand({ KeyId: key.KeyId }))).KeyLastUsage).toMatchObject({ Operation: 'GenerateDataKey' });
    const resourcePolicy = (arn: string) =>
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OTHER}:root` }, Action: 'secretsmanager:GetSecretValue', Resource: arn }] });

    await expectAwsError(other.send(new GetSecretValueCommand({ SecretId: shared.ARN })), { code: 'AccessDeniedException', status: 400 });
    await owner.send(new PutResourcePolicyCommand({ SecretId: 'shared/db', ResourcePolicy: resourcePolicy(shared.ARN!) }));
    const read = await other.send(new GetSecretValueCommand({ SecretId: shared.ARN }));
    expect(read).toMatchObject({ ARN: shared.ARN, Name: 'shared/db', SecretString: 'shared value', VersionStages: ['AWSCURRENT'] });
    expect((await kms.send(new GetKeyLastUsageCommand({ KeyId: key.KeyId }))).KeyLastUsage).toMatchObject({ Operation: 'Decrypt' });
    // Its name means a secret of the caller's own account; the policy grants nothing else.
    await expectAwsError(other.send(new GetSecretValueCommand({ SecretId: 'shared/db' })), { code: 'ResourceNotFoundException', status: 400 });
    await expectAwsError(other.send(new DescribeSecretCommand({ SecretId: shared.ARN })), { code: 'AccessDeniedException', status: 400 });

    // The AWS managed key's policy lets only its own account use it: another account cannot decrypt.
    const managed = await owner.send(new CreateSecretCommand({ Name: 'shared/managed-key', SecretString: 'not for others' }));
    await owner.send(new PutResourcePolicyCommand({ SecretId: 'shared/managed-key', ResourcePolicy: resourcePolicy(managed.ARN!) }));
    await expectAwsError(other.send(new GetSecretValueCommand({ SecretId: managed.ARN })), { code: 'AccessDeniedException', status: 400, message: 'Access to KMS is not allowed' });
    expect((await owner.send(new GetSecretValueCommand({ SecretId: managed.ARN }))).SecretString).toBe('not for others');
  });
});
