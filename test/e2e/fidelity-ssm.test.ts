/**
 * Parameter Store answers as AWS gives them: Secrets Manager secrets referenced through
 * /aws/reference/secretsmanager, aws:ec2:image values validated asynchronously (failures published
 * as events), public AMI parameters of DataType text, and the global-infrastructure catalog.
 */
import { CreateSecretCommand, DeleteSecretCommand, DescribeSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, GetParametersByPathCommand, GetParametersCommand, type Parameter, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsEvent } from '../../src/core/events.js';
import { createIamUser, expectAwsError, useServer } from '../helpers.js';

const REF = '/aws/reference/secretsmanager/';
const BAD_SELECTOR = 'Invalid parameter name. Please use correct syntax for referencing a version/label  <name>:<version/label>';
const NEEDS_DECRYPTION = 'WithDecryption flag must be True for retrieving a Secret Manager secret.';
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

describe('Parameter Store fidelity', () => {
  const server = useServer();
  let ssm: SSMClient;
  let sm: SecretsManagerClient;
  const events: AwsEvent[] = [];
  let unsubscribe: () => void;
  const get = (Name: string, WithDecryption?: boolean) => ssm.send(new GetParameterCommand({ Name, WithDecryption }));

  beforeAll(() => {
    ssm = new SSMClient(server.clientConfig);
    sm = new SecretsManagerClient(server.clientConfig);
    unsubscribe = server.runtime.events.subscribe((event) => events.push(event));
  });
  afterAll(() => unsubscribe());

  describe('/aws/reference/secretsmanager', () => {
    let arn: string;
    let firstVersion: string;
    beforeAll(async () => {
      const created = await sm.send(new CreateSecretCommand({ Name: 'ref/db', SecretString: 'first' }));
      arn = created.ARN!;
      firstVersion = created.VersionId!;
      await sm.send(new PutSecretValueCommand({ SecretId: 'ref/db', SecretString: 'second=new' }));
    });

    it('returns the current secret as a SecureString with its SourceResult', async () => {
      const { Parameter } = await get(`${REF}ref/db`, true);
      const current = (await sm.send(new DescribeSecretCommand({ SecretId: 'ref/db' }))).VersionIdsToStages!;
      const currentVersion = Object.keys(current).find((id) => current[id]!.includes('AWSCURRENT'))!;
      expect(Parameter).toMatchObject({ Name: `${REF}ref/db`, Type: 'SecureString', Value: 'second=new', Version: 0, ARN: arn });
      expect(Parameter).not.toHaveProperty('DataType');
      expect(Parameter).not.toHaveProperty('Selector');
      expect(Parameter!.LastModifiedDate).toBeInstanceOf(Date);
      expect(Parameter!.SourceResult).toMatch(
        new RegExp(
          `^\\{"ARN":"${arn}","name":"ref/db","versionId":"${currentVersion}","secretString":"second\\\\u003dnew","versionStages":\\["AWSCURRENT"\\],"createdDate":"[A-Z][a-z]{2} \\d{1,2}, \\d{4}, \\d{1,2}:\\d{2}:\\d{2} [AP]M"\\}$`,
        ),
      );
    });

    it('honours version ids and staging labels', async () => {
      const previous = (await get(`${REF}ref/db:AWSPREVIOUS`, true)).Parameter!;
      expect(previous).toMatchObject({ Name: `${REF}ref/db`, Value: 'first', Selector: ':AWSPREVIOUS' });
      expect(previous.SourceResult).toContain('"versionStages":["AWSPREVIOUS"]');
      expect((await get(`${REF}ref/db:${firstVersion}`, true)).Parameter).toMatchObject({ Value: 'first', Selector: `:${firstVersion}` });
      await expectAwsError(get(`${REF}ref/db:NOSUCHSTAGE`, true), {
        code: 'ParameterNotFound',
        status: 400,
        message: 'An error occurred (ParameterNotFound) when referencing Secrets Manager: Secret aws/reference/secretsmanager/ref/db:NOSUCHSTAGE not found.',
      });
      await expectAwsError(get(`${REF}ref/missing`, true), {
        code: 'ParameterNotFound',
        status: 400,
        message: 'An error occurred (ParameterNotFound) when referencing Secrets Manager: Secret aws/reference/secretsmanager/ref/missingnull not found.',
      });
    });

    it('needs WithDecryption, refusing malformed selectors first', async () => {
      await expectAwsError(get(`${REF}ref/db`), { code: 'ValidationException', status: 400, message: NEEDS_DECRYPTION });
      await expectAwsError(get(`${REF}ref/db`, false), { code: 'ValidationException', status: 400, message: NEEDS_DECRYPTION });
      await expectAwsError(get(`${REF}ref/absent`, false), { code: 'ValidationException', status: 400, message: NEEDS_DECRYPTION });
      for (const reference of ['ref/db:AWSCURRENT:extra', 'ref/db:', arn]) {
        await expectAwsError(get(`${REF}${reference}`, false), { code: 'ValidationException', status: 400, message: BAD_SELECTOR });
      }
    });

    it('lists in GetParameters the references it cannot answer as invalid', async () => {
      await ssm.send(new PutParameterCommand({ Name: '/ref/plain', Value: 'plain', Type: 'String' }));
      const names = [`${REF}ref/db`, `${REF}ref/db:AWSPREVIOUS`, `${REF}ref/missing`, `${REF}ref/db:NOSUCH`, `${REF}ref/db:a:b`, '/ref/plain'];
      const read = await ssm.send(new GetParametersCommand({ Names: names, WithDecryption: true }));
      expect(read.Parameters!.map((p) => p.Value).sort()).toEqual(['first', 'plain', 'second=new']);
      expect(read.InvalidParameters!.sort()).toEqual([`${REF}ref/db:NOSUCH`, `${REF}ref/db:a:b`, `${REF}ref/missing`].sort());
      const plain = await ssm.send(new GetParametersCommand({ Names: [`${REF}ref/db`, '/ref/plain'] }));
      expect(plain.Parameters!.map((p) => p.Value)).toEqual(['plain']);
      expect(plain.InvalidParameters).toEqual([`${REF}ref/db`]);
    });

    it('answers bad references with AWS errors and writes nothing under the reserved path', async () => {
      const dependency = { code: 'ValidationException', status: 400, message: 'An error occurred while calling one AWS dependency service.' };
      await expectAwsError(get(REF, true), dependency);
      await expectAwsError(get(`${REF}bad name!?`, true), dependency);
      await expectAwsError(ssm.send(new PutParameterCommand({ Name: `${REF}ref/db`, Value: 'x', Type: 'String', Overwrite: true })), { code: 'AccessDeniedException', status: 400 });
      expect((await get(`${REF}ref/db`, true)).Parameter!.Value).toBe('second=new');
    });

    it('refuses a secret scheduled for deletion, and applies the caller’s IAM policies to the secret', async () => {
      await sm.send(new CreateSecretCommand({ Name: 'ref/doomed', SecretString: 'x' }));
      await sm.send(new DeleteSecretCommand({ SecretId: 'ref/doomed', RecoveryWindowInDays: 7 }));
      await expectAwsError(get(`${REF}ref/doomed`, true), { code: 'ValidationException', status: 400, message: 'Invalid Request to Secrets Manager' });

      const ssmOnly = await createIamUser(server.clientConfig, 'ssm-only', [policy({ Effect: 'Allow', Action: 'ssm:GetParameter*', Resource: '*' })]);
      const asUser = (credentials: typeof ssmOnly.credentials) => new SSMClient({ ...server.clientConfig, credentials });
      await expectAwsError(asUser(ssmOnly.credentials).send(new GetParameterCommand({ Name: `${REF}ref/db`, WithDecryption: true })), {
        code: 'AccessDeniedException',
        status: 400,
        message: 'secretsmanager:GetSecretValue',
      });
      const both = await createIamUser(server.clientConfig, 'ssm-and-secrets', [policy({ Effect: 'Allow', Action: ['ssm:GetParameter*', 'secretsmanager:GetSecretValue'], Resource: '*' })]);
      expect((await asUser(both.credentials).send(new GetParameterCommand({ Name: `${REF}ref/db`, WithDecryption: true }))).Parameter!.Value).toBe('second=new');
    });
  });

  describe('aws:ec2:image values', () => {
    const changes = (name: string) => events.filter((e) => e['detail-type'] === 'Parameter Store Change' && e.detail.name === name).map((e) => e.detail);
    const putImage = (Name: string, Value: string, extra: object = {}) => ssm.send(new PutParameterCommand({ Name, Value, Type: 'String', DataType: 'aws:ec2:image', ...extra }));

    it('answers at once and creates the parameter once its value is validated', async () => {
      expect(await putImage('/ami/golden', 'ami-0123456789abcdef0')).toMatchObject({ Version: 1, Tier: 'Standard' });
      await expectAwsError(get('/ami/golden'), { code: 'ParameterNotFound', status: 400 });
      await expectAwsError(putImage('/ami/golden', 'ami-0123456789abcdef1', { Overwrite: true }), { code: 'TooManyUpdates', status: 400 });
      await server.advanceClock(1000);
      await expect.poll(() => changes('/ami/golden').length).toBe(1);
      expect(changes('/ami/golden')).toEqual([{ name: '/ami/golden', type: 'String', operation: 'Create', dataType: 'aws:ec2:image' }]);
      expect((await get('/ami/golden')).Parameter).toMatchObject({ Value: 'ami-0123456789abcdef0', Version: 1, DataType: 'aws:ec2:image' });
    });

    it('does not write a value that is not an image id, and publishes the failure', async () => {
      expect((await putImage('/ami/bad', 'not-an-ami')).Version).toBe(1);
      expect((await putImage('/ami/golden', 'ami-12345678', { Overwrite: true })).Version).toBe(2);
      await server.advanceClock(1000);
      await expect.poll(() => changes('/ami/bad').length).toBe(1);
      expect(changes('/ami/bad')).toEqual([{ exception: 'Unable to Describe Resource', dataType: 'aws:ec2:image', name: '/ami/bad', type: 'String', operation: 'Create' }]);
      await expectAwsError(get('/ami/bad'), { code: 'ParameterNotFound', status: 400 });
      // The 8-digit form is an image id too.
      await expect.poll(() => changes('/ami/golden').length).toBe(2);
      expect((await get('/ami/golden')).Parameter).toMatchObject({ Value: 'ami-12345678', Version: 2 });

      expect((await putImage('/ami/golden', 'ami-nothex', { Overwrite: true })).Version).toBe(3);
      await server.advanceClock(1000);
      await expect.poll(() => changes('/ami/golden').length).toBe(3);
      expect(changes('/ami/golden').at(-1)).toEqual({ exception: 'Unable to Describe Resource', dataType: 'aws:ec2:image', name: '/ami/golden', type: 'String', operation: 'Update' });
      expect((await get('/ami/golden')).Parameter).toMatchObject({ Value: 'ami-12345678', Version: 2 });
    });

    it('refuses a non-String aws:ec2:image parameter at once, starting no validation', async () => {
      await expectAwsError(putImage('/ami/secure', 'ami-0123456789abcdef0', { Type: 'SecureString' }), { code: 'ValidationException', status: 400 });
      await server.advanceClock(1000);
      expect(changes('/ami/secure')).toEqual([]);
      await expectAwsError(get('/ami/secure'), { code: 'ParameterNotFound', status: 400 });
      // Nothing is pending either: a valid write starts at once.
      expect((await putImage('/ami/secure', 'ami-0123456789abcdef0')).Version).toBe(1);
    });

    it('fails the validation for a caller without ec2:DescribeImages', async () => {
      const user = await createIamUser(server.clientConfig, 'no-describe', [policy({ Effect: 'Allow', Action: 'ssm:PutParameter', Resource: '*' })]);
      const asUser = new SSMClient({ ...server.clientConfig, credentials: user.credentials });
      await asUser.send(new PutParameterCommand({ Name: '/ami/by-user', Value: 'ami-0123456789abcdef0', Type: 'String', DataType: 'aws:ec2:image' }));
      await server.advanceClock(1000);
      await expect.poll(() => changes('/ami/by-user').length).toBe(1);
      expect(changes('/ami/by-user')[0]).toMatchObject({ exception: 'Unable to Describe Resource', operation: 'Create' });
      await expectAwsError(get('/ami/by-user'), { code: 'ParameterNotFound', status: 400 });
    });
  });

  describe('public parameters', () => {
    const byPath = async (Path: string, Recursive = false) => {
      const out: Parameter[] = [];
      let NextToken: string | undefined;
      do {
        const page = await ssm.send(new GetParametersByPathCommand({ Path, Recursive, NextToken }));
        out.push(...page.Parameters!);
        NextToken = page.NextToken;
      } while (NextToken);
      return out;
    };

    it('reports DataType text for AMI ids, as AWS does', async () => {
      const ami = (await get('/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64')).Parameter!;
      expect(ami).toMatchObject({ Type: 'String', DataType: 'text' });
      expect(ami.Value).toMatch(/^ami-[0-9a-f]{17}$/);
    });

    it('serves Regions and services of the global infrastructure, with their long names', async () => {
      const root = '/aws/service/global-infrastructure';
      expect((await get(`${root}/regions/us-east-1/longName`)).Parameter!.Value).toBe('US East (N. Virginia)');
      expect((await get(`${root}/services/ssm/longName`)).Parameter!.Value).toBe('AWS Systems Manager');
      expect((await get(`${root}/regions/eu-west-1/services/codebuild`)).Parameter).toMatchObject({ Value: 'codebuild', DataType: 'text' });
      const services = await byPath(`${root}/regions/us-east-1/services`);
      expect(services.map((p) => p.Value)).toEqual(expect.arrayContaining(['codebuild', 'codecommit', 'kms', 's3', 'secretsmanager', 'ssm']));
      expect(services.every((p) => p.Name === `${root}/regions/us-east-1/services/${p.Value}`)).toBe(true);
      const ssmTree = await byPath(`${root}/services/ssm`, true);
      expect(ssmTree.map((p) => p.Name)).toEqual(expect.arrayContaining([`${root}/services/ssm/longName`, `${root}/services/ssm/regions/us-east-1`, `${root}/services/ssm/regions/eu-west-1`]));
      const regions = await byPath(`${root}/regions`);
      expect(regions.map((p) => p.Value)).toEqual(expect.arrayContaining(['us-east-1', 'eu-west-1', 'ap-northeast-1']));
      expect(regions.every((p) => !p.Name!.endsWith('/longName'))).toBe(true);
    });
  });
});
