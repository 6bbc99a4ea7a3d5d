import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, DescribeLogGroupsCommand, GetLogEventsCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, IAMClient, PutRolePolicyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { CreateAliasCommand, CreateKeyCommand, DecryptCommand, DescribeKeyCommand, EncryptCommand, GetKeyPolicyCommand, KMSClient, ListKeysCommand, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import { CreateSecretCommand, DescribeSecretCommand, GetSecretValueCommand, PutResourcePolicyCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DeleteParameterCommand, DescribeParametersCommand, GetParameterCommand, GetParametersByPathCommand, GetParametersCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';

const server = useServer();
const ACCOUNT = '000000000000';
const PARAM = (name: string) => `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/${name}`;

function policy(...statements: Record<string, unknown>[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

const denied = (who: string, action: string, resource: string, why = `because no identity-based policy allows the ${action} action`) =>
  `User: ${who} is not authorized to perform: ${action} on resource: ${resource} ${why}`;

describe('authorization of SSM, Secrets Manager, KMS and CloudWatch Logs requests', () => {
  let rootIam: IAMClient;
  let rootSsm: SSMClient;
  let rootKms: KMSClient;
  let rootSecrets: SecretsManagerClient;

  /** An IAM user with these identity policy statements (none: no policy at all), and clients signed with its key. */
  async function user(name: string, ...statements: Record<string, unknown>[]) {
    const created = (await rootIam.send(new CreateUserCommand({ UserName: name }))).User!;
    if (statements.length) await rootIam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: policy(...statements) }));
    const key = (await rootIam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
    const config = { ...server.clientConfig, credentials: { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! }, maxAttempts: 1 };
    return {
      arn: created.Arn!,
      ssm: new SSMClient(config),
      kms: new KMSClient(config),
      secrets: new SecretsManagerClient(config),
      logs: new CloudWatchLogsClient(config),
      sts: new STSClient(config),
    };
  }

  beforeAll(async () => {
    rootIam = new IAMClient(server.clientConfig);
    rootSsm = new SSMClient(server.clientConfig);
    rootKms = new KMSClient(server.clientConfig);
    rootSecrets = new SecretsManagerClient(server.clientConfig);
    for (const [name, value] of [
      ['/app/db/host', 'db.local'],
      ['/app/db/port', '5432'],
      ['/app/name', 'demo'],
      ['/other', 'secret-ish'],
    ]) {
      await rootSsm.send(new PutParameterCommand({ Name: name, Value: value, Type: 'String' }));
    }
  });

  describe('SSM Parameter Store', () => {
    it('denies a user without a policy with the exact AWS message, and allows reads on the parameters its policy names', async () => {
      const dev = await user('dev', { Effect: 'Allow', Action: ['ssm:GetParameter', 'ssm:GetParameters'], Resource: PARAM('app/*') });
      expect((await dev.ssm.send(new GetParameterCommand({ Name: '/app/name' }))).Parameter!.Value).toBe('demo');
      await expectAwsError(dev.ssm.send(new GetParameterCommand({ Name: '/other' })), {
        code: 'AccessDeniedException',
        status: 400,
        message: `User: arn:aws:iam::${ACCOUNT}:user/dev is not authorized to perform: ssm:GetParameter on resource: arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/other because no identity-based policy allows the ssm:GetParameter action`,
      });
      // A name given as an ARN or with a selector is checked on the parameter itself.
      expect((await dev.ssm.send(new GetParameterCommand({ Name: `${PARAM('app/name')}:1` }))).Parameter!.Value).toBe('demo');
      // GetParameters needs the permission on every parameter it names.
      expect((await dev.ssm.send(new GetParametersCommand({ Names: ['/app/name', '/app/db/host'] }))).Parameters).toHaveLength(2);
      await expectAwsError(dev.ssm.send(new GetParametersCommand({ Names: ['/app/name', '/other'] })), {
        code: 'AccessDeniedException',
        status: 400,
        message: denied(dev.arn, 'ssm:GetParameters', PARAM('other')),
      });
    });

    it('checks writes on the parameter, lists on *, and an explicit deny wins', async () => {
      const writer = await user(
        'writer',
        { Effect: 'Allow', Action: ['ssm:PutParameter', 'ssm:DeleteParameter', 'ssm:DescribeParameters'], Resource: '*' },
        { Effect: 'Deny', Action: 'ssm:*', Resource: PARAM('app/db/*') },
      );
      await writer.ssm.send(new PutParameterCommand({ Name: '/team/flag', Value: 'on', Type: 'String' }));
      expect((await writer.ssm.send(new DescribeParametersCommand({}))).Parameters!.length).toBeGreaterThan(0);
      await expectAwsError(writer.ssm.send(new PutParameterCommand({ Name: '/app/db/host', Value: 'x', Type: 'String', Overwrite: true })), {
        code: 'AccessDeniedException',
        status: 400,
        message: `User: ${writer.arn} is not authorized to perform: ssm:PutParameter on resource: ${PARAM('app/db/host')} with an explicit deny in an identity-based policy`,
      });
      await writer.ssm.send(new DeleteParameterCommand({ Name: '/team/flag' }));
      const reader = await user('lister', { Effect: 'Allow', Action: 'ssm:GetParameter', Resource: '*' });
      await expectAwsError(reader.ssm.send(new DescribeParametersCommand({})), {
        code: 'AccessDeniedException',
        status: 400,
        message: /ssm:DescribeParameters because no identity-based policy allows/,
      });
      // Nothing was written by the denied put.
      expect((await rootSsm.send(new GetParameterCommand({ Name: '/app/db/host' }))).Parameter!.Value).toBe('db.local');
    });

    it('ssm:Overwrite, ssm:Policies and ssm:Recursive condition keys', async () => {
      const scoped = await user(
        'scoped',
        { Effect: 'Allow', Action: ['ssm:PutParameter', 'ssm:GetParametersByPath'], Resource: '*' },
        { Effect: 'Deny', Action: 'ssm:GetParametersByPath', Resource: '*', Condition: { StringEquals: { 'ssm:Recursive': 'true' } } },
        { Effect: 'Deny', Action: 'ssm:PutParameter', Resource: '*', Condition: { StringEquals: { 'ssm:Overwrite': 'true' } } },
        { Effect: 'Deny', Action: 'ssm:PutParameter', Resource: '*', Condition: { StringEquals: { 'ssm:Policies': 'Expiration' } } },
      );
      expect((await scoped.ssm.send(new GetParametersByPathCommand({ Path: '/app' }))).Parameters!.map((p) => p.Name)).toEqual(['/app/name']);
      await expectAwsError(scoped.ssm.send(new GetParametersByPathCommand({ Path: '/app', Recursive: true })), {
        code: 'AccessDeniedException',
        status: 400,
        message: `User: ${scoped.arn} is not authorized to perform: ssm:GetParametersByPath on resource: ${PARAM('app')} with an explicit deny in an identity-based policy`,
      });
      await scoped.ssm.send(new PutParameterCommand({ Name: '/scoped/new', Value: 'v1', Type: 'String' }));
      await expectAwsError(scoped.ssm.send(new PutParameterCommand({ Name: '/scoped/new', Value: 'v2', Type: 'String', Overwrite: true })), { code: 'AccessDeniedException', status: 400 });
      const expiring = JSON.stringify([{ Type: 'Expiration', Version: '1.0', Attributes: { Timestamp: '2099-01-01T00:00:00.000Z' } }]);
      await expectAwsError(scoped.ssm.send(new PutParameterCommand({ Name: '/scoped/expiring', Value: 'v', Type: 'String', Tier: 'Advanced', Policies: expiring })), {
        code: 'AccessDeniedException',
        status: 400,
      });
      await scoped.ssm.send(new PutParameterCommand({ Name: '/scoped/advanced', Value: 'v', Type: 'String', Tier: 'Advanced' }));
    });

    it("a parameter's tags are its aws:ResourceTag and ssm:resourceTag keys", async () => {
      await rootSsm.send(new PutParameterCommand({ Name: '/tagged/blue', Value: 'b', Type: 'String', Tags: [{ Key: 'team', Value: 'blue' }] }));
      await rootSsm.send(new PutParameterCommand({ Name: '/tagged/red', Value: 'r', Type: 'String', Tags: [{ Key: 'team', Value: 'red' }] }));
      const blue = await user('param-blue', { Effect: 'Allow', Action: 'ssm:GetParameter', Resource: '*', Condition: { StringEquals: { 'ssm:resourceTag/team': 'blue' } } });
      expect((await blue.ssm.send(new GetParameterCommand({ Name: '/tagged/blue' }))).Parameter!.Value).toBe('b');
      await expectAwsError(blue.ssm.send(new GetParameterCommand({ Name: '/tagged/red' })), {
        code: 'AccessDeniedException',
        status: 400,
        message: denied(blue.arn, 'ssm:GetParameter', PARAM('tagged/red')),
      });
      const notRed = await user(
        'param-not-red',
        { Effect: 'Allow', Action: 'ssm:GetParameter', Resource: '*' },
        { Effect: 'Deny', Action: 'ssm:GetParameter', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/team': 'red' } } },
      );
      expect((await notRed.ssm.send(new GetParameterCommand({ Name: '/tagged/blue' }))).Parameter!.Value).toBe('b');
      await expectAwsError(notRed.ssm.send(new GetParameterCommand({ Name: '/tagged/red' })), {
        code: 'AccessDeniedException',
        status: 400,
        message: /with an explicit deny in an identity-based policy/,
      });
    });

    it('root credentials are unaffected', async () => {
      expect((await rootSsm.send(new GetParameterCommand({ Name: '/other' }))).Parameter!.Value).toBe('secret-ish');
      expect((await rootKms.send(new ListKeysCommand({}))).Keys).toBeDefined();
    });
  });

  describe('SecureStrings and KMS key policies', () => {
    it('the AWS managed key aws/ssm works through SSM for a user with only ssm:GetParameter, not directly', async () => {
      await rootSsm.send(new PutParameterCommand({ Name: '/managed/secure', Value: 'pssst', Type: 'SecureString' }));
      const reader = await user('managed-reader', { Effect: 'Allow', Action: 'ssm:GetParameter', Resource: '*' });
      expect((await reader.ssm.send(new GetParameterCommand({ Name: '/managed/secure', WithDecryption: true }))).Parameter!.Value).toBe('pssst');
      const keyId = (await rootKms.send(new DescribeKeyCommand({ KeyId: 'alias/aws/ssm' }))).KeyMetadata!.KeyId!;
      const policyText = (await rootKms.send(new GetKeyPolicyCommand({ KeyId: keyId }))).Policy!;
      expect(JSON.parse(policyText).Statement[0].Condition.StringEquals).toEqual({ 'kms:CallerAccount': ACCOUNT, 'kms:ViaService': 'ssm.us-east-1.amazonaws.com' });
      // The key policy allows the account only through SSM: a direct Encrypt is denied.
      await expectAwsError(reader.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') })), { code: 'AccessDeniedException', status: 400, message: /kms:Encrypt/ });
    });

    it('a role session with only ssm:GetParameter reads a SecureString under aws/ssm too', async () => {
      await rootSsm.send(new PutParameterCommand({ Name: '/managed/for-role', Value: 'role-value', Type: 'SecureString' }));
      const caller = await user('role-caller', { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' });
      const trust = policy({ Effect: 'Allow', Principal: { AWS: caller.arn }, Action: 'sts:AssumeRole' });
      await rootIam.send(new CreateRoleCommand({ RoleName: 'param-reader', AssumeRolePolicyDocument: trust }));
      await rootIam.send(new PutRolePolicyCommand({ RoleName: 'param-reader', PolicyName: 'p', PolicyDocument: policy({ Effect: 'Allow', Action: 'ssm:GetParameter', Resource: '*' }) }));
      const session = (await caller.sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/param-reader`, RoleSessionName: 'reader-session' }))).Credentials!;
      const credentials = { accessKeyId: session.AccessKeyId!, secretAccessKey: session.SecretAccessKey!, sessionToken: session.SessionToken! };
      const asRole = new SSMClient({ ...server.clientConfig, credentials, maxAttempts: 1 });
      expect((await asRole.send(new GetParameterCommand({ Name: '/managed/for-role', WithDecryption: true }))).Parameter!.Value).toBe('role-value');
    });

    it('a SecureString under a customer key needs kms:Decrypt (the default key policy delegates to IAM)', async () => {
      const key = (await rootKms.send(new CreateKeyCommand({ Description: 'app key' }))).KeyMetadata!;
      await rootSsm.send(new PutParameterCommand({ Name: '/app/secure', Value: 'top', Type: 'SecureString', KeyId: key.KeyId }));
      const noKms = await user('no-kms', { Effect: 'Allow', Action: 'ssm:GetParameter', Resource: '*' });
      // Without decryption the ciphertext is readable; with it, KMS refuses the caller.
      expect((await noKms.ssm.send(new GetParameterCommand({ Name: '/app/secure' }))).Parameter!.Value).not.toBe('top');
      await expectAwsError(noKms.ssm.send(new GetParameterCommand({ Name: '/app/secure', WithDecryption: true })), {
        code: 'AccessDeniedException',
        status: 400,
        message: `${denied(noKms.arn, 'kms:Decrypt', key.Arn!)} (Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException; Request ID: `,
      });
      const withKms = await user('with-kms', { Effect: 'Allow', Action: 'ssm:GetParameter', Resource: '*' }, { Effect: 'Allow', Action: 'kms:Decrypt', Resource: key.Arn });
      expect((await withKms.ssm.send(new GetParameterCommand({ Name: '/app/secure', WithDecryption: true }))).Parameter!.Value).toBe('top');
      // kms:ViaService narrows the permission to use through SSM.
      const viaSsm = await user(
        'via-ssm',
        { Effect: 'Allow', Action: 'ssm:GetParameter', Resource: '*' },
        { Effect: 'Allow', Action: 'kms:Decrypt', Resource: key.Arn, Condition: { StringEquals: { 'kms:ViaService': 'ssm.us-east-1.amazonaws.com' } } },
      );
      expect((await viaSsm.ssm.send(new GetParameterCommand({ Name: '/app/secure', WithDecryption: true }))).Parameter!.Value).toBe('top');
      const blob = (await rootKms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('direct') }))).CiphertextBlob!;
      await expectAwsError(viaSsm.kms.send(new DecryptCommand({ CiphertextBlob: blob })), { code: 'AccessDeniedException', status: 400, message: denied(viaSsm.arn, 'kms:Decrypt', key.Arn!) });
      // Writing under the key needs kms:Encrypt as well.
      const putter = await user('putter', { Effect: 'Allow', Action: 'ssm:PutParameter', Resource: '*' });
      await expectAwsError(putter.ssm.send(new PutParameterCommand({ Name: '/app/secure2', Value: 'x', Type: 'SecureString', KeyId: key.KeyId })), {
        code: 'AccessDeniedException',
        status: 400,
        message: denied(putter.arn, 'kms:Encrypt', key.Arn!),
      });
      await expectAwsError(rootSsm.send(new GetParameterCommand({ Name: '/app/secure2' })), { code: 'ParameterNotFound', status: 400 });
    });

    it('a key policy without the IAM delegation denies a user its IAM policy allows', async () => {
      const admin = await user('key-admin', { Effect: 'Allow', Action: 'kms:*', Resource: '*' });
      const key = (await rootKms.send(new CreateKeyCommand({}))).KeyMetadata!;
      expect((await admin.kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('a') }))).KeyId).toBe(key.Arn);
      // Only key-admin may manage the key; nobody is allowed to use it.
      const adminOnly = policy({ Sid: 'admin', Effect: 'Allow', Principal: { AWS: admin.arn }, Action: ['kms:PutKeyPolicy', 'kms:GetKeyPolicy', 'kms:DescribeKey'], Resource: '*' });
      await admin.kms.send(new PutKeyPolicyCommand({ KeyId: key.KeyId, PolicyName: 'default', Policy: adminOnly }));
      await expectAwsError(admin.kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('a') })), {
        code: 'AccessDeniedException',
        status: 400,
        message: denied(admin.arn, 'kms:Encrypt', key.Arn!, 'because no resource-based policy allows the kms:Encrypt action'),
      });
      expect((await admin.kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }))).KeyMetadata!.KeyId).toBe(key.KeyId);
    });

    it('a key named by alias is checked on the key (kms:RequestAlias), with its tags as aws:ResourceTag', async () => {
      const key = (await rootKms.send(new CreateKeyCommand({ Tags: [{ TagKey: 'env', TagValue: 'prod' }] }))).KeyMetadata!;
      await rootKms.send(new CreateAliasCommand({ AliasName: 'alias/app', TargetKeyId: key.KeyId }));
      const byKey = await user('by-key-arn', { Effect: 'Allow', Action: 'kms:Encrypt', Resource: key.Arn });
      expect((await byKey.kms.send(new EncryptCommand({ KeyId: 'alias/app', Plaintext: Buffer.from('a') }))).KeyId).toBe(key.Arn);
      const onlyAlias = await user('alias-only', { Effect: 'Allow', Action: 'kms:Encrypt', Resource: '*', Condition: { StringEquals: { 'kms:RequestAlias': 'alias/app' } } });
      expect((await onlyAlias.kms.send(new EncryptCommand({ KeyId: 'alias/app', Plaintext: Buffer.from('a') }))).KeyId).toBe(key.Arn);
      await expectAwsError(onlyAlias.kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('a') })), {
        code: 'AccessDeniedException',
        status: 400,
        message: denied(onlyAlias.arn, 'kms:Encrypt', key.Arn!),
      });
      const staging = await user('staging-only', { Effect: 'Allow', Action: 'kms:Encrypt', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/env': 'staging' } } });
      await expectAwsError(staging.kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('a') })), { code: 'AccessDeniedException', status: 400 });
    });

    it('CreateKey and PutKeyPolicy refuse a policy that locks the caller out, unless the check is bypassed', async () => {
      const admin = await user('lockout-admin', { Effect: 'Allow', Action: 'kms:*', Resource: '*' });
      const decryptOnly = policy({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:Decrypt', Resource: '*' });
      const keysBefore = (await rootKms.send(new ListKeysCommand({}))).Keys!.length;
      await expectAwsError(admin.kms.send(new CreateKeyCommand({ Policy: decryptOnly })), {
        code: 'MalformedPolicyDocumentException',
        status: 400,
        message: 'The new key policy will not allow you to update the key policy in the future.',
      });
      expect((await rootKms.send(new ListKeysCommand({}))).Keys!.length).toBe(keysBefore);
      const key = (await admin.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
      await expectAwsError(admin.kms.send(new PutKeyPolicyCommand({ KeyId: key.KeyId, PolicyName: 'default', Policy: decryptOnly })), {
        code: 'MalformedPolicyDocumentException',
        status: 400,
        message: 'The new key policy will not allow you to update the key policy in the future.',
      });
      // Root is subject to the check too.
      await expectAwsError(rootKms.send(new PutKeyPolicyCommand({ KeyId: key.KeyId, PolicyName: 'default', Policy: decryptOnly })), { code: 'MalformedPolicyDocumentException', status: 400 });
      await admin.kms.send(new PutKeyPolicyCommand({ KeyId: key.KeyId, PolicyName: 'default', Policy: decryptOnly, BypassPolicyLockoutSafetyCheck: true }));
      expect((await rootKms.send(new GetKeyPolicyCommand({ KeyId: key.KeyId }))).Policy).toBe(decryptOnly);
    });

    it('refuses key policies naming IAM users or roles that do not exist', async () => {
      await rootIam.send(new CreateRoleCommand({ RoleName: 'key-user', AssumeRolePolicyDocument: policy({ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }) }));
      const base = { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' };
      const naming = (principal: string) => policy(base, { Effect: 'Allow', Principal: { AWS: principal }, Action: 'kms:Decrypt', Resource: '*' });
      await expectAwsError(rootKms.send(new CreateKeyCommand({ Policy: naming(`arn:aws:iam::${ACCOUNT}:user/ghost`) })), {
        code: 'MalformedPolicyDocumentException',
        status: 400,
        message: 'Policy contains a statement with one or more invalid principals.',
      });
      await expectAwsError(rootKms.send(new CreateKeyCommand({ Policy: naming(`arn:aws:iam::${ACCOUNT}:role/ghost`) })), { code: 'MalformedPolicyDocumentException', status: 400 });
      const key = (await rootKms.send(new CreateKeyCommand({ Policy: naming(`arn:aws:iam::${ACCOUNT}:role/key-user`) }))).KeyMetadata!;
      expect(key.KeyState).toBe('Enabled');
    });
  });

  describe('Secrets Manager', () => {
    it('a resource policy allows a user of the same account that has no identity policy', async () => {
      const secret = await rootSecrets.send(new CreateSecretCommand({ Name: 'shared/db', SecretString: 'hunter2' }));
      const guest = await user('guest');
      await expectAwsError(guest.secrets.send(new GetSecretValueCommand({ SecretId: secret.ARN })), {
        code: 'AccessDeniedException',
        status: 400,
        message: denied(guest.arn, 'secretsmanager:GetSecretValue', secret.ARN!),
      });
      await rootSecrets.send(
        new PutResourcePolicyCommand({
          SecretId: secret.ARN,
          ResourcePolicy: policy({ Effect: 'Allow', Principal: { AWS: guest.arn }, Action: 'secretsmanager:GetSecretValue', Resource: '*' }),
        }),
      );
      // The value is under aws/secretsmanager, whose policy lets the account decrypt through Secrets Manager.
      expect((await guest.secrets.send(new GetSecretValueCommand({ SecretId: secret.ARN }))).SecretString).toBe('hunter2');
      expect((await guest.secrets.send(new GetSecretValueCommand({ SecretId: 'shared/db' }))).SecretString).toBe('hunter2');
    });

    it('a secret named by name is checked on its full ARN, with its tags as secretsmanager:ResourceTag', async () => {
      const tagged = await rootSecrets.send(new CreateSecretCommand({ Name: 'tagged/app', SecretString: 'blue', Tags: [{ Key: 'team', Value: 'blue' }] }));
      const other = await rootSecrets.send(new CreateSecretCommand({ Name: 'tagged/other', SecretString: 'red', Tags: [{ Key: 'team', Value: 'red' }] }));
      const blue = await user('blue-team', { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: '*', Condition: { StringEquals: { 'secretsmanager:ResourceTag/team': 'blue' } } });
      expect((await blue.secrets.send(new GetSecretValueCommand({ SecretId: 'tagged/app' }))).SecretString).toBe('blue');
      await expectAwsError(blue.secrets.send(new GetSecretValueCommand({ SecretId: 'tagged/other' })), {
        code: 'AccessDeniedException',
        status: 400,
        message: denied(blue.arn, 'secretsmanager:GetSecretValue', other.ARN!),
      });
      expect(tagged.ARN).not.toBe(other.ARN);
      // A secret that does not exist is checked on the SecretId as given.
      await expectAwsError(blue.secrets.send(new GetSecretValueCommand({ SecretId: 'tagged/none' })), {
        code: 'AccessDeniedException',
        status: 400,
        message: denied(blue.arn, 'secretsmanager:GetSecretValue', 'tagged/none'),
      });
    });

    it('CreateSecret is checked on the ARN the secret will have, random suffix included', async () => {
      const SECRET = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret`;
      const creator = await user('secret-creator', { Effect: 'Allow', Action: 'secretsmanager:CreateSecret', Resource: `${SECRET}:team/db-??????` });
      const created = await creator.secrets.send(new CreateSecretCommand({ Name: 'team/db', SecretString: 'x' }));
      expect(created.ARN).toMatch(new RegExp(`^${SECRET}:team/db-[A-Za-z0-9]{6}$`));
      const err = await expectAwsError(creator.secrets.send(new CreateSecretCommand({ Name: 'team/other', SecretString: 'x' })), { code: 'AccessDeniedException', status: 400 });
      expect(err.message).toMatch(
        new RegExp(`^User: ${creator.arn} is not authorized to perform: secretsmanager:CreateSecret on resource: ${SECRET}:team/other-[A-Za-z0-9]{6} because no identity-based policy allows`),
      );
    });

    it('a secret under a customer key needs kms:Decrypt to read and kms:GenerateDataKey to write', async () => {
      const key = (await rootKms.send(new CreateKeyCommand({}))).KeyMetadata!;
      const secret = await rootSecrets.send(new CreateSecretCommand({ Name: 'cmk/secret', SecretString: 'v', KmsKeyId: key.KeyId }));
      const reader = await user('secret-reader', { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue', 'secretsmanager:CreateSecret'], Resource: '*' });
      await expectAwsError(reader.secrets.send(new GetSecretValueCommand({ SecretId: secret.ARN })), {
        code: 'AccessDeniedException',
        status: 400,
        message: 'Access to KMS is not allowed',
      });
      await expectAwsError(reader.secrets.send(new CreateSecretCommand({ Name: 'cmk/other', SecretString: 'v', KmsKeyId: key.Arn })), {
        code: 'AccessDeniedException',
        status: 400,
        message: 'Access to KMS is not allowed',
      });
      await expectAwsError(rootSecrets.send(new DescribeSecretCommand({ SecretId: 'cmk/other' })), { code: 'ResourceNotFoundException', status: 400 });
      const decrypter = await user('secret-decrypter', { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: '*' }, { Effect: 'Allow', Action: 'kms:Decrypt', Resource: key.Arn });
      expect((await decrypter.secrets.send(new GetSecretValueCommand({ SecretId: secret.ARN }))).SecretString).toBe('v');
    });
  });

  describe('CloudWatch Logs', () => {
    it('stream operations are checked on the log stream ARN, listing on *', async () => {
      const logs = new CloudWatchLogsClient(server.clientConfig);
      await logs.send(new CreateLogGroupCommand({ logGroupName: 'app' }));
      await logs.send(new CreateLogStreamCommand({ logGroupName: 'app', logStreamName: 'web' }));
      await logs.send(new CreateLogStreamCommand({ logGroupName: 'app', logStreamName: 'worker' }));
      const stream = (name: string) => `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:app:log-stream:${name}`;
      const web = await user('log-reader', { Effect: 'Allow', Action: ['logs:GetLogEvents', 'logs:PutLogEvents'], Resource: stream('web') });
      await web.logs.send(new PutLogEventsCommand({ logGroupName: 'app', logStreamName: 'web', logEvents: [{ timestamp: Date.now(), message: 'hello' }] }));
      expect((await web.logs.send(new GetLogEventsCommand({ logGroupName: 'app', logStreamName: 'web' }))).events!.map((e) => e.message)).toEqual(['hello']);
      await expectAwsError(web.logs.send(new GetLogEventsCommand({ logGroupName: 'app', logStreamName: 'worker' })), {
        code: 'AccessDeniedException',
        status: 400,
        message: denied(web.arn, 'logs:GetLogEvents', stream('worker')),
      });
      await logs.send(new CreateLogGroupCommand({ logGroupName: 'audit', tags: { data: 'restricted' } }));
      await logs.send(new CreateLogStreamCommand({ logGroupName: 'audit', logStreamName: 'trail' }));
      const unrestricted = await user(
        'log-unrestricted',
        { Effect: 'Allow', Action: 'logs:GetLogEvents', Resource: '*' },
        { Effect: 'Deny', Action: 'logs:*', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/data': 'restricted' } } },
      );
      expect((await unrestricted.logs.send(new GetLogEventsCommand({ logGroupName: 'app', logStreamName: 'web' }))).events).toHaveLength(1);
      await expectAwsError(unrestricted.logs.send(new GetLogEventsCommand({ logGroupName: 'audit', logStreamName: 'trail' })), {
        code: 'AccessDeniedException',
        status: 400,
        message: /explicit deny/,
      });
      await expectAwsError(web.logs.send(new DescribeLogGroupsCommand({})), { code: 'AccessDeniedException', status: 400, message: /logs:DescribeLogGroups because no identity-based policy allows/ });
    });
  });
});
