/**
 * Bad input at every service, with hand-signed raw requests: each gets the AWS error code and
 * status (never a 500), the server keeps serving, and nothing is half-written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers.js';
import { type RawRequest, type RawResponse, requests, signedRequest } from './raw-request.js';

const json = {
  ssm: (op: string, body: unknown) => requests.json('ssm', 'AmazonSSM', op, body),
  kms: (op: string, body: unknown) => requests.json('kms', 'TrentService', op, body),
  secretsmanager: (op: string, body: unknown) => requests.json('secretsmanager', 'secretsmanager', op, body),
  logs: (op: string, body: unknown) => requests.json('logs', 'Logs_20140328', op, body),
};
const sts = (action: string, params: Record<string, string> = {}) => requests.query('sts', action, '2011-06-15', params);
const iam = (action: string, params: Record<string, string> = {}) => requests.query('iam', action, '2010-05-08', params);
const s3 = (method: string, path: string, extra: Partial<RawRequest> = {}): RawRequest => ({ service: 's3', method, path, signPayloadHeader: true, ...extra });

interface BadCase {
  service: string;
  what: string;
  request: RawRequest;
  status: number;
  /** Undefined where AWS answers without an error body (HEAD) or with success. */
  code: string | undefined;
  /** Asserts the failed request left no trace (it must not have been half-applied). */
  nothingWritten?: (server: TestServer) => Promise<void>;
}

async function expectCode(server: TestServer, request: RawRequest, status: number, code: string | undefined): Promise<RawResponse> {
  const res = await signedRequest(server.url, request);
  expect({ status: res.status, code: res.code }, res.text).toEqual({ status, code });
  return res;
}

const CASES: BadCase[] = [
  // ---- awsJson: SSM ----
  {
    service: 'ssm',
    what: 'malformed JSON',
    request: json.ssm('PutParameter', '{"Name": "/bad/json", "Value": '),
    status: 400,
    code: 'SerializationException',
    nothingWritten: (s) => expectCode(s, json.ssm('GetParameter', { Name: '/bad/json' }), 400, 'ParameterNotFound').then(() => undefined),
  },
  { service: 'ssm', what: 'a string where an integer belongs', request: json.ssm('GetParametersByPath', { Path: '/', MaxResults: '5' }), status: 400, code: 'SerializationException' },
  { service: 'ssm', what: 'an object where a string belongs', request: json.ssm('PutParameter', { Name: { x: 1 }, Value: 'v', Type: 'String' }), status: 400, code: 'SerializationException' },
  {
    service: 'ssm',
    what: 'a missing required member',
    request: json.ssm('PutParameter', { Name: '/bad/missing', Type: 'String' }),
    status: 400,
    code: 'ValidationException',
    nothingWritten: (s) => expectCode(s, json.ssm('GetParameter', { Name: '/bad/missing' }), 400, 'ParameterNotFound').then(() => undefined),
  },
  {
    service: 'ssm',
    what: 'a value not in the enum',
    request: json.ssm('PutParameter', { Name: '/bad/enum', Value: 'v', Type: 'Strange' }),
    status: 400,
    code: 'ValidationException',
    nothingWritten: (s) => expectCode(s, json.ssm('GetParameter', { Name: '/bad/enum' }), 400, 'ParameterNotFound').then(() => undefined),
  },
  { service: 'ssm', what: 'an out-of-range integer', request: json.ssm('GetParametersByPath', { Path: '/', MaxResults: 11 }), status: 400, code: 'ValidationException' },
  { service: 'ssm', what: 'an unknown X-Amz-Target operation', request: json.ssm('StealEverything', {}), status: 400, code: 'UnknownOperationException' },
  { service: 'ssm', what: 'an unknown parameter', request: json.ssm('GetParameter', { Name: '/does/not/exist' }), status: 400, code: 'ParameterNotFound' },
  // ---- awsJson: KMS ----
  { service: 'kms', what: 'malformed JSON', request: json.kms('CreateKey', '{"Description": tru'), status: 400, code: 'SerializationException' },
  { service: 'kms', what: 'a number where a blob belongs', request: json.kms('Decrypt', { CiphertextBlob: 42 }), status: 400, code: 'SerializationException' },
  { service: 'kms', what: 'invalid base64 in a blob', request: json.kms('Decrypt', { CiphertextBlob: 'not base64!!' }), status: 400, code: 'SerializationException' },
  { service: 'kms', what: 'a missing required member', request: json.kms('Encrypt', { Plaintext: 'aGk=' }), status: 400, code: 'ValidationException' },
  { service: 'kms', what: 'an out-of-range integer', request: json.kms('GenerateRandom', { NumberOfBytes: 2000 }), status: 400, code: 'ValidationException' },
  { service: 'kms', what: 'an unknown key id', request: json.kms('DescribeKey', { KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab' }), status: 400, code: 'NotFoundException' },
  {
    service: 'kms',
    what: 'an unknown key ARN',
    request: json.kms('DescribeKey', { KeyId: 'arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab' }),
    status: 400,
    code: 'NotFoundException',
  },
  { service: 'kms', what: 'an unknown operation', request: json.kms('MakeCoffee', {}), status: 400, code: 'UnknownOperationException' },
  // ---- awsJson: Secrets Manager ----
  { service: 'secretsmanager', what: 'malformed JSON', request: json.secretsmanager('CreateSecret', '{{'), status: 400, code: 'SerializationException' },
  { service: 'secretsmanager', what: 'a boolean where a string belongs', request: json.secretsmanager('CreateSecret', { Name: true }), status: 400, code: 'SerializationException' },
  { service: 'secretsmanager', what: 'a missing required member', request: json.secretsmanager('GetSecretValue', {}), status: 400, code: 'ValidationException' },
  { service: 'secretsmanager', what: 'a string too long', request: json.secretsmanager('CreateSecret', { Name: 'n'.repeat(600) }), status: 400, code: 'ValidationException' },
  { service: 'secretsmanager', what: 'an unknown secret', request: json.secretsmanager('GetSecretValue', { SecretId: 'no/such/secret' }), status: 400, code: 'ResourceNotFoundException' },
  {
    service: 'secretsmanager',
    what: 'an unknown secret ARN',
    request: json.secretsmanager('DescribeSecret', { SecretId: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:nope-AbCdEf' }),
    status: 400,
    code: 'ResourceNotFoundException',
  },
  {
    service: 'secretsmanager',
    what: 'both SecretString and SecretBinary',
    request: json.secretsmanager('CreateSecret', { Name: 'half/written', SecretString: 's', SecretBinary: 'aGk=' }),
    status: 400,
    code: 'InvalidParameterException',
    nothingWritten: (s) => expectCode(s, json.secretsmanager('DescribeSecret', { SecretId: 'half/written' }), 400, 'ResourceNotFoundException').then(() => undefined),
  },
  // ---- awsJson: Logs ----
  {
    service: 'logs',
    what: 'malformed JSON',
    request: json.logs('CreateLogGroup', '{"logGroupName":"/bad"'),
    status: 400,
    code: 'SerializationException',
    nothingWritten: (s) => expectLogGroupAbsent(s, '/bad'),
  },
  {
    service: 'logs',
    what: 'a string where a long belongs',
    request: json.logs('PutLogEvents', { logGroupName: '/g', logStreamName: 's', logEvents: [{ timestamp: 'now', message: 'm' }] }),
    status: 400,
    code: 'SerializationException',
  },
  { service: 'logs', what: 'a long beyond 2^53', request: json.logs('GetLogEvents', { logGroupName: '/g', logStreamName: 's', startTime: 1e300 }), status: 400, code: 'SerializationException' },
  { service: 'logs', what: 'a missing required member', request: json.logs('CreateLogGroup', {}), status: 400, code: 'InvalidParameterException' },
  { service: 'logs', what: 'an out-of-range limit', request: json.logs('DescribeLogGroups', { limit: 51 }), status: 400, code: 'InvalidParameterException' },
  {
    service: 'logs',
    what: 'a log group name breaking the pattern',
    request: json.logs('CreateLogGroup', { logGroupName: 'bad name*' }),
    status: 400,
    code: 'InvalidParameterException',
    nothingWritten: (s) => expectLogGroupAbsent(s, 'bad name*'),
  },
  { service: 'logs', what: 'an unknown log group', request: json.logs('DescribeLogStreams', { logGroupName: '/no/such/group' }), status: 400, code: 'ResourceNotFoundException' },
  {
    service: 'logs',
    what: 'an unknown log group ARN',
    request: json.logs('ListTagsForResource', { resourceArn: 'arn:aws:logs:us-east-1:000000000000:log-group:nope' }),
    status: 400,
    code: 'ResourceNotFoundException',
  },
  { service: 'logs', what: 'a malformed ARN', request: json.logs('ListTagsForResource', { resourceArn: 'not-an-arn' }), status: 400, code: 'InvalidParameterException' },
  {
    service: 'ssm',
    what: 'tags for an unknown parameter',
    request: json.ssm('AddTagsToResource', { ResourceType: 'Parameter', ResourceId: '/nope', Tags: [{ Key: 'a', Value: 'b' }] }),
    status: 400,
    code: 'InvalidResourceId',
  },
  { service: 'kms', what: 'an unknown alias', request: json.kms('DescribeKey', { KeyId: 'alias/nope' }), status: 400, code: 'NotFoundException' },
  // ---- awsQuery: STS ----
  // Signed by the account's root, which AWS never lets assume a role (the sts tests cover a missing role for an IAM user).
  { service: 'sts', what: 'a root caller', request: sts('AssumeRole', { RoleArn: 'arn:aws:iam::000000000000:role/nope', RoleSessionName: 'session' }), status: 403, code: 'AccessDenied' },
  { service: 'sts', what: 'no Action', request: { ...sts('GetCallerIdentity'), body: 'Version=2011-06-15' }, status: 400, code: 'MissingAction' },
  { service: 'sts', what: 'an unknown Action', request: sts('GetEverything'), status: 400, code: 'InvalidAction' },
  {
    service: 'sts',
    what: 'invalid percent-encoding in the form body (tolerated: kept as text)',
    request: { ...sts('GetCallerIdentity'), body: 'Action=GetCallerIdentity&Version=2011-06-15&%E0%A4%A=%' },
    status: 200,
    code: undefined,
  },
  {
    service: 'sts',
    what: 'a non-integer DurationSeconds',
    request: sts('AssumeRole', { RoleArn: 'arn:aws:iam::000000000000:role/r', RoleSessionName: 's', DurationSeconds: 'an hour' }),
    status: 400,
    code: 'ValidationError',
  },
  { service: 'sts', what: 'a missing required member', request: sts('AssumeRole', { RoleSessionName: 's' }), status: 400, code: 'ValidationError' },
  {
    service: 'sts',
    what: 'an out-of-range DurationSeconds',
    request: sts('AssumeRole', { RoleArn: 'arn:aws:iam::000000000000:role/r', RoleSessionName: 's', DurationSeconds: '60' }),
    status: 400,
    code: 'ValidationError',
  },
  // ---- awsQuery: IAM ----
  { service: 'iam', what: 'a missing required member', request: iam('CreateUser', { Path: '/' }), status: 400, code: 'ValidationError' },
  { service: 'iam', what: 'a non-integer MaxItems', request: iam('ListUsers', { MaxItems: 'lots' }), status: 400, code: 'ValidationError' },
  { service: 'iam', what: 'an out-of-range MaxItems', request: iam('ListUsers', { MaxItems: '0' }), status: 400, code: 'ValidationError' },
  {
    service: 'iam',
    what: 'a user name breaking the pattern',
    request: iam('CreateUser', { UserName: 'bad name!' }),
    status: 400,
    code: 'ValidationError',
    nothingWritten: (s) => expectCode(s, iam('GetUser', { UserName: 'bad name!' }), 400, 'ValidationError').then(() => undefined),
  },
  {
    service: 'iam',
    what: 'a tag without a key',
    request: iam('CreateUser', { UserName: 'half-written', 'Tags.member.1.Value': 'v' }),
    status: 400,
    code: 'ValidationError',
    nothingWritten: (s) => expectCode(s, iam('GetUser', { UserName: 'half-written' }), 404, 'NoSuchEntity').then(() => undefined),
  },
  { service: 'iam', what: 'an unknown user', request: iam('GetUser', { UserName: 'ghost' }), status: 404, code: 'NoSuchEntity' },
  { service: 'iam', what: 'an unknown policy ARN', request: iam('GetPolicy', { PolicyArn: 'arn:aws:iam::000000000000:policy/nope' }), status: 404, code: 'NoSuchEntity' },
  { service: 'iam', what: 'an unknown Action', request: iam('HackThePlanet'), status: 400, code: 'InvalidAction' },
  // ---- restXml: S3 ----
  {
    service: 's3',
    what: 'malformed XML',
    request: s3('PUT', '/bad-xml-bucket', { body: '<CreateBucketConfiguration><LocationConstraint>eu-west-1' }),
    status: 400,
    code: 'MalformedXML',
    nothingWritten: (s) => expectCode(s, s3('HEAD', '/bad-xml-bucket'), 404, undefined).then(() => undefined),
  },
  { service: 's3', what: 'an invalid bucket name', request: s3('PUT', '/Bad_Bucket'), status: 400, code: 'InvalidBucketName' },
  { service: 's3', what: 'a non-integer max-keys', request: s3('GET', '/any-bucket', { query: { 'list-type': '2', 'max-keys': 'ten' } }), status: 400, code: 'InvalidArgument' },
  { service: 's3', what: 'an unknown bucket', request: s3('GET', '/no-such-bucket-here', { query: { 'list-type': '2' } }), status: 404, code: 'NoSuchBucket' },
  { service: 's3', what: 'a method no operation has', request: s3('PATCH', '/some-bucket/key'), status: 405, code: 'MethodNotAllowed' },
];

async function expectLogGroupAbsent(server: TestServer, name: string): Promise<void> {
  const res = await signedRequest(server.url, json.logs('DescribeLogGroups', { logGroupNamePrefix: name.replace(/[^-._/#A-Za-z0-9].*$/, '') }));
  expect(res.status).toBe(200);
  expect((JSON.parse(res.text) as { logGroups: { logGroupName: string }[] }).logGroups.map((g) => g.logGroupName)).not.toContain(name);
}

describe('bad input', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server.stop());

  it.each(CASES.map((c) => [`${c.service}: ${c.what} → ${c.status} ${c.code ?? ''}`, c] as const))('%s', async (_name, c) => {
    const res = await signedRequest(server.url, c.request);
    expect({ status: res.status, code: res.code }, res.text).toEqual({ status: c.status, code: c.code });
    // Errors come in the service's own wire format, routing errors included.
    const xmlServices = ['s3', 'sts', 'iam'];
    if (c.status !== 413) expect(res.text.trimStart().startsWith('<') ? 'xml' : 'json', res.text).toBe(xmlServices.includes(c.service) ? 'xml' : 'json');
    await c.nothingWritten?.(server);
    // The server still serves a good request after the bad one.
    const good = await signedRequest(server.url, sts('GetCallerIdentity'));
    expect(good.status).toBe(200);
  });

  describe('oversized bodies', () => {
    let small: TestServer;
    beforeAll(async () => {
      small = await startTestServer({ maxBodyBytes: 1024 });
    });
    afterAll(async () => small.stop());

    const big = 'x'.repeat(4096);
    it.each([
      ['ssm', json.ssm('PutParameter', { Name: '/big', Value: big, Type: 'String' })],
      ['sts', sts('GetCallerIdentity', { Padding: big })],
      ['iam', iam('CreateUser', { UserName: 'big', Path: `/${big}/` })],
      ['s3', s3('PUT', '/big-bucket', { body: `<CreateBucketConfiguration><LocationConstraint>${big}</LocationConstraint></CreateBucketConfiguration>` })],
    ])('%s → 413, and the server still works', async (_service, request) => {
      const res = await signedRequest(small.url, request);
      expect(res.status).toBe(413);
      expect(res.code).toBe('RequestEntityTooLarge');
      const good = await signedRequest(small.url, json.ssm('PutParameter', { Name: '/small', Value: 'ok', Type: 'String', Overwrite: true }));
      expect(good.status).toBe(200);
    });

    it('a refused oversized write wrote nothing', async () => {
      await signedRequest(small.url, json.ssm('PutParameter', { Name: '/big2', Value: big, Type: 'String' }));
      await expectCode(small, json.ssm('GetParameter', { Name: '/big2' }), 400, 'ParameterNotFound');
    });
  });
});
