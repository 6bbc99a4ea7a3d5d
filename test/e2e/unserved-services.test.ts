/**
 * Services Drydock does not serve answer 501 NotImplemented in the client's own protocol, naming
 * the service, after the request passed authentication like any other: the aws CLI prints the
 * error instead of "Unable to parse response … invalid XML".
 */
import { describe, expect, it } from 'vitest';
import { SERVICES } from '../../src/services/index.js';
import { useServer } from '../helpers.js';
import { presign, requests, send, signedRequest } from './raw-request.js';

const server = useServer();

/** What the answer lists: the signing names of every service in SERVICES (codebuild, codecommit, iam …), sorted. */
const SERVED = [...new Set(Object.values(SERVICES).map((def) => def.model.signingName))].sort().join(', ');
const notServed = (signingName: string) => `Drydock does not serve '${signingName}' (the service in this request's credential scope) yet; it serves: ${SERVED}.`;

/** The error line the aws CLI prints for an AWS error. */
const cliError = (operation: string, signingName: string) => `An error occurred (NotImplemented) when calling the ${operation} operation: ${notServed(signingName)}`;

describe('the aws CLI', () => {
  // One command per protocol family; each costs a Python start-up, so they run side by side.
  it.concurrent.each([
    ['awsQuery', 'autoscaling describe-auto-scaling-groups', 'DescribeAutoScalingGroups', 'autoscaling'],
    ['ec2', 'ec2 describe-instances', 'DescribeInstances', 'ec2'],
    ['REST-JSON', 'apigateway get-rest-apis', 'GetRestApis', 'apigateway'],
    ['awsJson 1.0', 'dynamodb list-tables', 'ListTables', 'dynamodb'],
    ['awsJson 1.1', 'ecs list-clusters', 'ListClusters', 'ecs'],
    ['RPC v2 CBOR', 'cloudwatch list-metrics', 'ListMetrics', 'monitoring'],
    ['REST-XML', 'route53 list-hosted-zones', 'ListHostedZones', 'route53'],
  ])('prints NotImplemented naming the service (%s: aws %s)', async (_protocol, command, operation, signingName) => {
    const failed = await server.aws(command.split(' ')).then(
      () => undefined,
      (err: { stderr: string }) => err.stderr,
    );
    expect(failed?.trim()).toBe(cliError(operation, signingName));
  });
});

describe('raw signed requests', () => {
  it('awsQuery: an <ErrorResponse> with the Action routed nowhere else', async () => {
    const res = await signedRequest(server.url, requests.query('autoscaling', 'DescribeAutoScalingGroups', '2011-01-01'));
    expect([res.status, res.code, res.message]).toEqual([501, 'NotImplemented', notServed('autoscaling')]);
    expect(res.headers['content-type']).toBe('text/xml');
    expect(res.text).toMatch(
      /^<\?xml [^>]+>\n<ErrorResponse><Error><Type>Receiver<\/Type><Code>NotImplemented<\/Code><Message>[^<]+<\/Message><\/Error><RequestId>[^<]+<\/RequestId><\/ErrorResponse>$/,
    );
  });

  it('awsJson: __type and message, in the content type the client sent', async () => {
    const res = await signedRequest(server.url, requests.json('ecs', 'AmazonEC2ContainerServiceV20141113', 'ListClusters', {}, '1.1'));
    expect([res.status, res.headers['content-type'], res.headers['x-amzn-errortype']]).toEqual([501, 'application/x-amz-json-1.1', 'NotImplemented']);
    expect(JSON.parse(res.text)).toEqual({ __type: 'NotImplemented', message: notServed('ecs') });
    const dynamo = await signedRequest(server.url, requests.json('dynamodb', 'DynamoDB_20120810', 'ListTables', {}, '1.0'));
    expect([dynamo.status, dynamo.headers['content-type'], dynamo.code]).toEqual([501, 'application/x-amz-json-1.0', 'NotImplemented']);
  });

  it("ec2: EC2's <Response><Errors> shape", async () => {
    const res = await signedRequest(server.url, requests.query('ec2', 'DescribeVpcs', '2016-11-15'));
    expect([res.status, res.code, res.message]).toEqual([501, 'NotImplemented', notServed('ec2')]);
    expect(res.text).toMatch(/<Response><Errors><Error><Code>NotImplemented<\/Code><Message>[^<]+<\/Message><\/Error><\/Errors><RequestID>[^<]+<\/RequestID><\/Response>$/);
  });

  it('REST-JSON: the code in x-amzn-errortype, the message in the body', async () => {
    const res = await signedRequest(server.url, { service: 'apigateway', method: 'GET', path: '/restapis' });
    expect([res.status, res.headers['content-type'], res.headers['x-amzn-errortype']]).toEqual([501, 'application/json', 'NotImplemented']);
    expect(JSON.parse(res.text)).toEqual({ message: notServed('apigateway') });
  });

  it('REST-XML: an <ErrorResponse> (CloudFront, Route 53)', async () => {
    const res = await signedRequest(server.url, { service: 'cloudfront', method: 'GET', path: '/2020-05-31/distribution' });
    expect([res.status, res.code, res.message]).toEqual([501, 'NotImplemented', notServed('cloudfront')]);
    expect(res.text).toContain('<ErrorResponse><Error><Type>Receiver</Type><Code>NotImplemented</Code>');
  });

  it('RPC v2 CBOR: a CBOR map of __type and message', async () => {
    const res = await signedRequest(server.url, {
      service: 'monitoring',
      path: '/service/GraniteServiceVersion20100801/operation/ListMetrics',
      headers: { 'smithy-protocol': 'rpc-v2-cbor', 'content-type': 'application/cbor', accept: 'application/cbor' },
      body: Buffer.from([0xa0]),
    });
    expect([res.status, res.headers['content-type'], res.headers['smithy-protocol']]).toEqual([501, 'application/cbor', 'rpc-v2-cbor']);
    // map(2), text(6) "__type", text(14) "NotImplemented", text(7) "message", text(n) …
    expect(res.body.subarray(0, 31).toString('latin1')).toBe('\xa2\x66__type\x6eNotImplemented\x67message');
    expect(res.body.subarray(33).toString('utf8')).toBe(notServed('monitoring'));
  });

  it('a presigned URL for an unserved service is answered the same way', async () => {
    const url = await presign(server.url, { service: 'autoscaling', path: '/', query: { Action: 'DescribeAutoScalingGroups', Version: '2011-01-01' } });
    const { pathname, search } = new URL(url);
    const res = await send(server.url, { method: 'GET', path: `${pathname}${search}`, headers: { host: new URL(server.url).host } });
    expect([res.status, res.code]).toEqual([501, 'NotImplemented']);
  });
});

describe('authentication comes first', () => {
  it.each([
    ['awsQuery', () => requests.query('autoscaling', 'DescribeAutoScalingGroups', '2011-01-01', {}, { unsigned: true }), 'MissingAuthenticationToken', /<ErrorResponse>/],
    ['awsJson', () => requests.json('ecs', 'AmazonEC2ContainerServiceV20141113', 'ListClusters', {}, '1.1', { unsigned: true }), 'MissingAuthenticationTokenException', /"__type"/],
  ])('an unsigned request gets 403 in its protocol (%s)', async (_protocol, build, code, shape) => {
    const res = await signedRequest(server.url, build());
    expect([res.status, res.code, res.message]).toEqual([403, code, 'Request is missing Authentication Token']);
    expect(res.text).toMatch(shape);
  });

  it.each([
    ['awsQuery', () => requests.query('cloudformation', 'ListStacks', '2010-05-15', {}, { secretAccessKey: 'wrong' })],
    ['awsJson', () => requests.json('dynamodb', 'DynamoDB_20120810', 'ListTables', {}, '1.0', { secretAccessKey: 'wrong' })],
    ['REST-JSON', () => ({ service: 'apigateway', method: 'GET', path: '/restapis', secretAccessKey: 'wrong' })],
    ['ec2', () => requests.query('ec2', 'DescribeVpcs', '2016-11-15', {}, { secretAccessKey: 'wrong' })],
  ])('a wrong signature gets 403 SignatureDoesNotMatch (%s)', async (_protocol, build) => {
    const res = await signedRequest(server.url, build());
    expect([res.status, res.code]).toEqual([403, 'SignatureDoesNotMatch']);
  });

  it('an unknown access key gets 403 InvalidClientTokenId', async () => {
    const res = await signedRequest(server.url, requests.query('autoscaling', 'DescribeAutoScalingGroups', '2011-01-01', {}, { accessKeyId: 'AKIAUNKNOWN0000000000' }));
    expect([res.status, res.code]).toEqual([403, 'InvalidClientTokenId']);
  });

  it("an Action parameter outside `/` is still S3's (an object's query), not an unserved service", async () => {
    const res = await send(server.url, { method: 'GET', path: '/some-bucket/key', query: { Action: 'ListTopics' }, headers: { host: new URL(server.url).host } });
    expect([res.status, res.code]).toEqual([403, 'AccessDenied']);
  });
});
