import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { LabelParameterVersionCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejection, startTestServer, type TestServer } from '../../../../test/helpers.js';
import { DEFAULT_ACCOUNT, rootPrincipal } from '../../../core/accounts.js';
import { parseBuildspec } from '../buildspec/buildspec.js';
import { BuildPhaseError } from '../common.js';
import { EnvironmentError, type EnvironmentInput, exportedVariables, maskSecrets, parseSecretReference, resolveEnvironment, secretMasker } from './environment.js';

let server: TestServer;
let input: Omit<EnvironmentInput, 'base'>;
let dbArn: string;
let previousVersion: string;

beforeAll(async () => {
  server = await startTestServer();
  const ssm = new SSMClient(server.clientConfig);
  const sm = new SecretsManagerClient(server.clientConfig);
  await ssm.send(new PutParameterCommand({ Name: '/app/plain', Value: 'plain-value', Type: 'String' }));
  await ssm.send(new PutParameterCommand({ Name: '/app/password', Value: 'p@ss-secure', Type: 'SecureString' }));
  await ssm.send(new PutParameterCommand({ Name: '/app/password', Value: 'p@ss-secure-v2', Type: 'SecureString', Overwrite: true }));
  await ssm.send(new LabelParameterVersionCommand({ Name: '/app/password', ParameterVersion: 1, Labels: ['old'] }));
  const db = await sm.send(new CreateSecretCommand({ Name: 'prod/db', SecretString: JSON.stringify({ username: 'admin', password: 'first-pw', port: 5432 }) }));
  dbArn = db.ARN!;
  previousVersion = db.VersionId!;
  await sm.send(new PutSecretValueCommand({ SecretId: 'prod/db', SecretString: JSON.stringify({ username: 'admin', password: 'second-pw', port: 5432 }) }));
  await sm.send(new CreateSecretCommand({ Name: 'token', SecretString: 'line-one-secret\nline-two-secret' }));
  const caller = { principal: rootPrincipal(DEFAULT_ACCOUNT, 'test'), region: 'us-east-1' };
  input = {
    getParameter: async (name) => (await server.runtime.call('ssm', 'GetParameter', { Name: name, WithDecryption: true }, caller)).Parameter!.Value!,
    getSecretValue: async (secretId, version) => {
      const out = await server.runtime.call('secretsmanager', 'GetSecretValue', { SecretId: secretId, VersionId: version.versionId, VersionStage: version.versionStage }, caller);
      return { secretString: out.SecretString, secretBinary: out.SecretBinary };
    },
  };
});

afterAll(async () => {
  await server?.stop();
});

describe('parseSecretReference', () => {
  it('splits secret-id:json-key:version-stage:version-id, with ARNs as ids', () => {
    expect(parseSecretReference('prod/db')).toEqual({ secretId: 'prod/db', jsonKey: undefined, versionStage: undefined, versionId: undefined });
    expect(parseSecretReference('prod/db:password:AWSPREVIOUS')).toEqual({ secretId: 'prod/db', jsonKey: 'password', versionStage: 'AWSPREVIOUS', versionId: undefined });
    expect(parseSecretReference('arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf::AWSCURRENT:v1')).toEqual({
      secretId: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf',
      jsonKey: undefined,
      versionStage: 'AWSCURRENT',
      versionId: 'v1',
    });
  });
});

describe('resolveEnvironment', () => {
  it('resolves plaintext, Parameter Store and Secrets Manager values with AWS precedence', async () => {
    const buildspec = parseBuildspec(`version: 0.2
env:
  variables:
    FROM_SPEC: spec
    SHARED: spec
    IMAGE_VAR: replaced
    CODEBUILD_BUILD_ID: forged
  parameter-store:
    PLAIN: /app/plain
    PASSWORD: /app/password
    OLD_PASSWORD: /app/password:old
  secrets-manager:
    DB_USER: prod/db:username
    DB_PORT: prod/db:port
    DB_PREVIOUS: prod/db:password:AWSPREVIOUS
    DB_BY_ID: prod/db:password::${previousVersion}
    TOKEN: token
`).env;
    const resolved = await resolveEnvironment({
      ...input,
      base: { PATH: '/usr/bin', IMAGE_VAR: 'image', CODEBUILD_BUILD_ID: 'p:1' },
      buildspec,
      project: [
        { name: 'SHARED', value: 'project', type: 'PLAINTEXT' },
        { name: 'PROJECT_ONLY', value: 'project' },
        { name: 'PROJECT_SECRET', value: `${dbArn}:password`, type: 'SECRETS_MANAGER' },
        { name: 'OVERRIDDEN', value: '/app/plain', type: 'PARAMETER_STORE' },
      ],
      overrides: [
        { name: 'SHARED', value: 'override', type: 'PLAINTEXT' },
        { name: 'OVERRIDDEN', value: 'plain now', type: 'PLAINTEXT' },
      ],
    });
    expect(resolved.env).toEqual({
      PATH: '/usr/bin',
      IMAGE_VAR: 'replaced',
      CODEBUILD_BUILD_ID: 'p:1',
      FROM_SPEC: 'spec',
      SHARED: 'override',
      PLAIN: 'plain-value',
      PASSWORD: 'p@ss-secure-v2',
      OLD_PASSWORD: 'p@ss-secure',
      DB_USER: 'admin',
      DB_PORT: '5432',
      DB_PREVIOUS: 'first-pw',
      DB_BY_ID: 'first-pw',
      TOKEN: 'line-one-secret\nline-two-secret',
      PROJECT_ONLY: 'project',
      PROJECT_SECRET: 'second-pw',
      OVERRIDDEN: 'plain now',
    });
    expect(resolved.secrets).toEqual(expect.arrayContaining(['plain-value', 'p@ss-secure-v2', 'p@ss-secure', 'admin', 'first-pw', 'second-pw', 'line-one-secret', 'line-two-secret']));
    expect(resolved.unexportable).toEqual(['PROJECT_SECRET']);
  });

  it('fails with AWS phase contexts for a missing parameter, secret, version or JSON key', async () => {
    const base = {};
    const spec = (text: string) => parseBuildspec(`version: 0.2\nenv:\n${text}`).env;
    let err = await rejection(resolveEnvironment({ ...input, base, buildspec: spec('  parameter-store:\n    X: /app/missing\n') }), EnvironmentError);
    expect([err.statusCode, err.message]).toEqual(['Decrypted Variables Error', 'parameter does not exist: /app/missing']);
    expect(err).toBeInstanceOf(BuildPhaseError);
    err = await rejection(resolveEnvironment({ ...input, base, project: [{ name: 'X', value: '/app/password:9', type: 'PARAMETER_STORE' }] }), EnvironmentError);
    expect([err.statusCode, err.message]).toEqual(['Decrypted Variables Error', 'parameter does not exist: /app/password:9']);
    err = await rejection(resolveEnvironment({ ...input, base, buildspec: spec('  secrets-manager:\n    X: nope\n') }), EnvironmentError);
    expect([err.statusCode, err.message]).toEqual(['Secrets Manager Error', "ResourceNotFoundException: Secrets Manager can't find the specified secret."]);
    err = await rejection(resolveEnvironment({ ...input, base, buildspec: spec('  secrets-manager:\n    X: prod/db::NOSTAGE\n') }), EnvironmentError);
    expect(err.message).toBe("ResourceNotFoundException: Secrets Manager can't find the specified secret value for staging label: NOSTAGE");
    err = await rejection(resolveEnvironment({ ...input, base, buildspec: spec('  secrets-manager:\n    X: prod/db:nokey\n') }), EnvironmentError);
    expect(err.message).toBe('JSON key nokey was not found in secret prod/db');
    err = await rejection(resolveEnvironment({ ...input, base, buildspec: spec('  secrets-manager:\n    X: token:key\n') }), EnvironmentError);
    expect(err.message).toMatch(/^secret token is not a JSON object/);
  });
});

describe('exportedVariables', () => {
  it('exports what the build set, never AWS_ names or the project secrets', () => {
    const shellEnv = { BUILD_OUTPUT: 'dist/app.js', AWS_REGION: 'us-east-1', PROJECT_SECRET: 'x', EMPTY: '' };
    expect(exportedVariables(['BUILD_OUTPUT', 'AWS_REGION', 'PROJECT_SECRET', 'EMPTY', 'NEVER_SET', 'BUILD_OUTPUT'], shellEnv, ['PROJECT_SECRET'])).toEqual([
      { name: 'BUILD_OUTPUT', value: 'dist/app.js' },
      { name: 'EMPTY', value: '' },
    ]);
  });
});

describe('maskSecrets', () => {
  it('replaces every occurrence of every secret, longest first, with ***', () => {
    expect(maskSecrets('password=p@ss-secure-v2 and p@ss-secure (x.y*)', ['p@ss-secure', 'p@ss-secure-v2', 'x.y*', ''])).toBe('password=*** and *** (***)');
    const mask = secretMasker([]);
    expect(mask('nothing to hide')).toBe('nothing to hide');
  });
});
