/**
 * Protocol conformance: one table of cases, one driver, every codec. Each case drives a real AWS SDK
 * v3 client in-process through a request handler that
 *   1. takes the HttpRequest the SDK's serializer produced, routes it and runs our codec.decode,
 *      asserting the decoded input equals what was passed to the command;
 *   2. runs our codec.encode on the case's output (or encodeError on its error) and hands that
 *      HttpResponse back to the SDK, asserting the SDK's deserializer parses exactly that output
 *      (or throws exactly that error).
 * So the wire format is checked against AWS's own serializers, not against our reading of the docs.
 */

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import * as logsSdk from '@aws-sdk/client-cloudwatch-logs';
import { CloudWatchLogsClient, CreateLogGroupCommand, GetLogEventsCommand, ListTagsForResourceCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import * as iamSdk from '@aws-sdk/client-iam';
import { CreateUserCommand, CreateVirtualMFADeviceCommand, DeleteUserCommand, GetAccountSummaryCommand, GetUserCommand, IAMClient, ListUsersCommand } from '@aws-sdk/client-iam';
import * as kmsSdk from '@aws-sdk/client-kms';
import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import * as s3Sdk from '@aws-sdk/client-s3';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetBucketAclCommand,
  GetBucketTaggingCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutBucketAclCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketTaggingCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import * as secretsSdk from '@aws-sdk/client-secrets-manager';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as ssmSdk from '@aws-sdk/client-ssm';
import {
  DeleteParameterCommand,
  DescribeParametersCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  PutParameterCommand,
  SendCommandCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import * as stsSdk from '@aws-sdk/client-sts';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import * as ssoSdk from '@aws-sdk/nested-clients/sso';
// The restJson1 clients already installed (as dependencies of the STS client's credential chain).
import { GetRoleCredentialsCommand, SSOClient } from '@aws-sdk/nested-clients/sso';
import * as ssoOidcSdk from '@aws-sdk/nested-clients/sso-oidc';
import { CreateTokenCommand, SSOOIDCClient } from '@aws-sdk/nested-clients/sso-oidc';
import type { HttpRequest as SdkRequest } from '@smithy/types';
import { beforeAll, describe, expect, it } from 'vitest';
import { Sampler } from '../../../test/model-samples.js';
import { AwsError } from '../../core/errors.js';
import { verifiedBody } from '../body.js';
import { awsErrors } from '../dialect.js';
import { loadModel, type Operation, type ServiceModel } from '../model.js';
import { isStreamingInput, Routing } from '../routing.js';
import type { HttpRequest, HttpResponse } from '../types.js';
import type { Codec } from './codec.js';
import { jsonCodec } from './json.js';
import { queryCodec } from './query.js';
import { restJsonCodec } from './rest-json.js';
import { restXmlCodec } from './rest-xml.js';

interface SdkClient {
  send(command: unknown): Promise<Record<string, unknown>>;
}
type Handle = (request: SdkRequest) => Promise<{ response: unknown }>;
type ClientFactory = (handler: { handle: Handle }) => SdkClient;

interface Protocol {
  /** The model's file name under models/. */
  service: string;
  model: ServiceModel;
  codec: Codec;
  /** Sends a command through the protocol's SDK client, with `handle` standing in for the network. */
  send(command: unknown, handle: Handle): Promise<Record<string, unknown>>;
  /** Finds the operation a request is for with the pipeline's own routing (throwing its AwsError when none matches). */
  route(req: HttpRequest): Promise<{ op: Operation; labels: Record<string, string> }>;
}

const MODELS_DIR = fileURLToPath(new URL('../../../models', import.meta.url));
const BOTOCORE_HARNESS = fileURLToPath(new URL('./botocore-harness.py', import.meta.url));

const clientConfig = {
  region: 'us-east-1',
  endpoint: 'http://localhost:4566',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  maxAttempts: 1,
};

/** `makeClient` is absent for models no installed SDK client speaks (checked against botocore only). */
function protocol(service: string, makeClient: ClientFactory | undefined, serializationError: string): Protocol {
  const model = loadModel(service);
  // One client per protocol (building SDK clients is slow); cases run one at a time.
  let client: SdkClient | undefined;
  let current: Handle | undefined;
  const factory = { json: jsonCodec, query: queryCodec, ec2: queryCodec, 'rest-xml': restXmlCodec, 'rest-json': restJsonCodec }[model.protocol];
  // This service alone, answering the unsigned requests botocore produces as the pipeline's catch-all service would.
  const self = { name: service, model };
  const routing = new Routing([self], { fallback: self });
  return {
    service,
    model,
    codec: factory(model, { serializationError }),
    send(command, handle) {
      if (!makeClient) throw new Error(`no SDK client for ${service}`);
      current = handle;
      client ??= makeClient({ handle: (request) => current!(request) });
      return client.send(command);
    },
    // The request arrives with its whole body already read.
    route: (req) => routing.route(req, async () => {}),
  };
}

const PROTOCOLS = {
  ssm: protocol('ssm', (requestHandler) => new SSMClient({ ...clientConfig, requestHandler }), 'SerializationException'),
  logs: protocol('logs', (requestHandler) => new CloudWatchLogsClient({ ...clientConfig, requestHandler }), 'SerializationException'),
  kms: protocol('kms', (requestHandler) => new KMSClient({ ...clientConfig, requestHandler }), 'SerializationException'),
  secretsmanager: protocol('secretsmanager', (requestHandler) => new SecretsManagerClient({ ...clientConfig, requestHandler }), 'SerializationException'),
  sts: protocol('sts', (requestHandler) => new STSClient({ ...clientConfig, requestHandler }), 'ValidationError'),
  iam: protocol('iam', (requestHandler) => new IAMClient({ ...clientConfig, requestHandler }), 'ValidationError'),
  s3: protocol('s3', (requestHandler) => new S3Client({ ...clientConfig, forcePathStyle: true, requestHandler }), 'MalformedXML'),
  sso: protocol('sso', (requestHandler) => new SSOClient({ ...clientConfig, requestHandler }), 'SerializationException'),
  ssooidc: protocol('sso-oidc', (requestHandler) => new SSOOIDCClient({ ...clientConfig, requestHandler }), 'SerializationException'),
  lambda: protocol('lambda', undefined, 'SerializationException'),
  cloudformation: protocol('cloudformation', undefined, 'ValidationError'),
  cloudwatch: protocol('cloudwatch', undefined, 'SerializationException'),
  events: protocol('events', undefined, 'SerializationException'),
  codecommit: protocol('codecommit', undefined, 'SerializationException'),
  codebuild: protocol('codebuild', undefined, 'SerializationException'),
  codedeploy: protocol('codedeploy', undefined, 'SerializationException'),
  codepipeline: protocol('codepipeline', undefined, 'SerializationException'),
} satisfies Record<string, Protocol>;

interface Case {
  name: string;
  protocol: keyof typeof PROTOCOLS;
  /** The SDK command, built from `input`; absent for models only botocore is checked against. */
  command?: unknown;
  /** What the decoded input must equal; defaults to the command's input. */
  decoded?: Record<string, unknown>;
  /** Decoded members the SDK adds on its own (checksums, idempotency tokens), left out of the comparison. */
  sdkAdded?: string[];
  /** Handler output to encode; the SDK must parse exactly this (or `parsed`). */
  output?: Record<string, unknown>;
  /** What the SDK must return when it legitimately differs from `output` (S3 strips ETag quotes …). */
  parsed?: Record<string, unknown>;
  error?: { code: string; message: string; fields?: Record<string, string | number | boolean>; status?: number };
  /** The SDK's view of the error: exception name, HTTP status, modelled members it exposes. */
  thrown?: { name: string; status: number; message?: string; members?: Record<string, unknown> };
  /**
   * restXml cannot tell an empty flattened list or an empty string payload from an absent one
   * (AWS's wire is the same): compare with empty lists and empty strings left out.
   */
  emptyIsAbsent?: boolean;
  /** Cases generated from the model: which operation, and whether collections and strings are empty. */
  generated?: { operation: string; empty: boolean };
  /** Extra checks on the wire request/response. */
  wire?: (req: HttpRequest, res: HttpResponse) => void;
}

/** Blobs, dates and streams compared by value whatever their class (Buffer vs Uint8Array …). */
async function normalize(value: unknown): Promise<unknown> {
  if (value === undefined || value === null) return undefined;
  if (value instanceof Date) return { $date: value.toISOString() };
  if (value instanceof Uint8Array) return { $blob: Buffer.from(value).toString('base64') };
  if (value instanceof Readable) {
    const chunks: Buffer[] = [];
    for await (const chunk of value) chunks.push(Buffer.from(chunk as Uint8Array));
    return { $blob: Buffer.concat(chunks).toString('base64') };
  }
  if (Array.isArray(value)) return Promise.all(value.map(normalize));
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown> & { transformToByteArray?: () => Promise<Uint8Array> };
    // SDK streaming outputs (sdkStreamMixin) are Readables already; this covers other stream wrappers.
    if (typeof obj.transformToByteArray === 'function') return { $blob: Buffer.from(await obj.transformToByteArray()).toString('base64') };
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) {
      const n = await normalize(v);
      if (n !== undefined) out[k] = n;
    }
    return out;
  }
  return value;
}

function withoutEmpties(value: unknown): unknown {
  if (Array.isArray(value)) return value.length ? value.map(withoutEmpties) : undefined;
  if (value === '') return undefined;
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const kept = withoutEmpties(v);
    if (kept !== undefined) out[k] = kept;
  }
  return out;
}

async function bodyBytes(body: unknown): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (body instanceof Readable || Symbol.asyncIterator in (body as object)) {
    const chunks: Buffer[] = [];
    for await (const chunk of body as AsyncIterable<Uint8Array | string>) chunks.push(Buffer.from(chunk));
    return Buffer.concat(chunks);
  }
  throw new Error(`unexpected SDK request body ${Object.prototype.toString.call(body)}`);
}

/** The SDK's request as the server would see it on the wire. */
async function toWireRequest(sdk: SdkRequest): Promise<HttpRequest> {
  const query: [string, string][] = [];
  for (const [k, v] of Object.entries(sdk.query ?? {})) {
    if (v === null || v === undefined) query.push([k, '']);
    else for (const item of Array.isArray(v) ? v : [v]) query.push([k, item]);
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(sdk.headers)) headers[k.toLowerCase()] = v;
  return {
    method: sdk.method,
    path: sdk.path,
    rawQuery: query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'),
    query,
    headers,
    body: await bodyBytes(sdk.body),
  };
}

function toSdkResponse(res: HttpResponse): { statusCode: number; headers: Record<string, string>; body: Readable } {
  const body = res.body instanceof Readable ? res.body : Readable.from(res.body === undefined ? [] : [Buffer.from(res.body)]);
  return { statusCode: res.status, headers: res.headers, body };
}

/** Streaming bodies reach the codec through body.ts, as in the pipeline. */
function streamOf(p: Protocol, req: HttpRequest): Readable {
  return verifiedBody(Readable.from([req.body]), req.headers, undefined, awsErrors(p.model.protocol)).stream;
}

async function run(c: Case): Promise<void> {
  const p = PROTOCOLS[c.protocol];
  let decoded: Record<string, unknown> | undefined;
  let wireRequest: HttpRequest | undefined;
  let wireResponse: HttpResponse | undefined;
  let routedTo: string | undefined;
  const handle: Handle = async (sdkRequest) => {
    const req = await toWireRequest(sdkRequest);
    wireRequest = req;
    const routed = await p.route(req);
    routedTo = routed.op.name;
    if (isStreamingInput(p.model, routed.op)) req.stream = streamOf(p, req);
    decoded = p.codec.decode(routed.op, req, routed.labels);
    wireResponse = c.error
      ? p.codec.encodeError(new AwsError(c.error.code, c.error.message, { fields: c.error.fields, status: c.error.status }), 'req-1')
      : p.codec.encode(routed.op, c.output ?? {}, 'req-1');
    // The pipeline sends no body in answer to HEAD.
    return { response: toSdkResponse(req.method === 'HEAD' ? { ...wireResponse, body: undefined } : wireResponse) };
  };
  const command = c.command as { input: Record<string, unknown> };
  let result: Record<string, unknown> | undefined;
  let thrown: unknown;
  try {
    result = await p.send(command, handle);
  } catch (err) {
    thrown = err;
  }

  // Whatever stopped the request before the codec decoded it (routing, decode, the SDK) is the failure.
  if (decoded === undefined) throw thrown ?? new Error('the request never reached the codec');
  if (c.generated) expect(routedTo).toBe(c.generated.operation);
  const actualInput = (await normalize(decoded)) as Record<string, unknown>;
  const expectedInput = (await normalize(c.decoded ?? command.input)) as Record<string, unknown>;
  for (const key of c.sdkAdded ?? []) {
    delete actualInput[key];
    delete expectedInput[key];
  }
  const comparable = (value: unknown) => (c.emptyIsAbsent ? withoutEmpties(value) : value);
  expect(comparable(actualInput)).toEqual(comparable(expectedInput));

  if (c.error) {
    expect(thrown, 'the SDK throws the error').toBeDefined();
    const err = thrown as Error & { $metadata: { httpStatusCode: number }; $fault: string } & Record<string, unknown>;
    expect(err.name).toBe(c.thrown?.name ?? c.error.code);
    expect(err.message).toBe(c.thrown?.message ?? c.error.message);
    expect(err.$metadata.httpStatusCode).toBe(c.thrown?.status);
    expect(err.$fault).toBe(c.thrown!.status >= 500 ? 'server' : 'client');
    for (const [k, v] of Object.entries(c.thrown?.members ?? {})) expect(err[k], `error member ${k}`).toEqual(v);
  } else {
    if (thrown) throw thrown;
    const { $metadata, ...parsed } = result as { $metadata: { httpStatusCode: number } };
    expect($metadata.httpStatusCode).toBeLessThan(300);
    expect(comparable(await normalize(parsed))).toEqual(comparable(await normalize(c.parsed ?? c.output ?? {})));
  }
  c.wire?.(wireRequest!, wireResponse!);
}

const T1 = new Date('2024-02-29T12:34:56.000Z');
const T2 = new Date('2025-01-02T03:04:05.000Z');

const CASES: Case[] = [
  // ---- awsJson ----------------------------------------------------------------------------------
  {
    name: 'strings, enums, booleans, list of structures; integer and enum output',
    protocol: 'ssm',
    command: new PutParameterCommand({
      Name: '/app/db/url',
      Value: 'jdbc:x?a=1&b=ü',
      Type: 'SecureString',
      Overwrite: false,
      Tags: [
        { Key: 'env', Value: 'prod' },
        { Key: 'team', Value: '' },
      ],
    }),
    output: { Version: 3, Tier: 'Standard' },
    wire: (req, res) => {
      expect(req.headers['x-amz-target']).toBe('AmazonSSM.PutParameter');
      expect(res.headers['content-type']).toBe('application/x-amz-json-1.1');
    },
  },
  {
    name: 'nested structure with an epoch-seconds timestamp (fractional)',
    protocol: 'ssm',
    command: new GetParameterCommand({ Name: 'p', WithDecryption: true }),
    output: {
      Parameter: { Name: 'p', Type: 'String', Value: 'v', Version: 1, LastModifiedDate: new Date('2024-02-29T12:34:56.789Z'), ARN: 'arn:aws:ssm:us-east-1:000000000000:parameter/p', DataType: 'text' },
    },
    wire: (_req, res) => expect(JSON.parse(String(res.body)).Parameter.LastModifiedDate).toBe(1709210096.789),
  },
  {
    name: 'nested lists of structures with lists, integer, pagination token',
    protocol: 'ssm',
    command: new GetParametersByPathCommand({
      Path: '/a',
      Recursive: true,
      MaxResults: 10,
      NextToken: 'tok',
      ParameterFilters: [
        { Key: 'Type', Option: 'Equals', Values: ['String', 'SecureString'] },
        { Key: 'Label', Values: [] },
      ],
    }),
    output: {
      Parameters: [
        { Name: '/a/b', Value: '1', Version: 1, LastModifiedDate: T1 },
        { Name: '/a/c', Value: '2', Version: 2, LastModifiedDate: T2 },
      ],
      NextToken: 'next',
    },
  },
  {
    name: 'empty list in and out',
    protocol: 'ssm',
    command: new GetParametersCommand({ Names: [] }),
    output: { Parameters: [], InvalidParameters: [] },
    wire: (req, res) => {
      expect(JSON.parse(req.body.toString())).toEqual({ Names: [] });
      expect(JSON.parse(String(res.body))).toEqual({ Parameters: [], InvalidParameters: [] });
    },
  },
  {
    name: 'empty input, empty output',
    protocol: 'ssm',
    command: new DescribeParametersCommand({}),
    output: {},
  },
  {
    name: 'operation whose output has no members',
    protocol: 'ssm',
    command: new DeleteParameterCommand({ Name: 'x' }),
    output: {},
  },
  {
    name: 'map of string to list of strings',
    protocol: 'ssm',
    command: new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: ['i-1'], Parameters: { commands: ['echo 1', 'echo 2'], workingDirectory: [] }, TimeoutSeconds: 60 }),
    output: { Command: { CommandId: 'c-1', Parameters: { commands: ['echo 1'] }, RequestedDateTime: T1, ExpiresAfter: T2, TargetCount: 1, InstanceIds: ['i-1'] } },
  },
  {
    name: 'map of strings in and out, empty map',
    protocol: 'logs',
    command: new CreateLogGroupCommand({ logGroupName: '/g', tags: { a: '1', 'b:c': '' } }),
    output: {},
  },
  {
    name: 'map output',
    protocol: 'logs',
    command: new ListTagsForResourceCommand({ resourceArn: 'arn:aws:logs:us-east-1:000000000000:log-group:/g' }),
    output: { tags: { a: '1', 'with space': 'x y' } },
  },
  {
    name: 'list of structures with longs (epoch millis)',
    protocol: 'logs',
    command: new PutLogEventsCommand({
      logGroupName: '/g',
      logStreamName: 's',
      logEvents: [
        { timestamp: 1709210096789, message: 'hello' },
        { timestamp: 1709210096790, message: 'line\nwith "quotes"' },
      ],
    }),
    output: { nextSequenceToken: '49', rejectedLogEventsInfo: { tooOldLogEventEndIndex: 1 } },
  },
  {
    name: 'long output members',
    protocol: 'logs',
    command: new GetLogEventsCommand({ logGroupName: '/g', logStreamName: 's', startFromHead: true, limit: 2 }),
    output: { events: [{ timestamp: 1, message: 'a', ingestionTime: 2 }], nextForwardToken: 'f/1', nextBackwardToken: 'b/1' },
  },
  {
    name: 'blobs as base64 both ways, map of encryption context',
    protocol: 'kms',
    command: new EncryptCommand({ KeyId: 'alias/k', Plaintext: Buffer.from([0, 1, 2, 250, 255]), EncryptionContext: { purpose: 'test' } }),
    output: { CiphertextBlob: Buffer.from('ciphertext\u0000bytes'), KeyId: 'arn:aws:kms:us-east-1:000000000000:key/1', EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' },
  },
  {
    name: 'blob input',
    protocol: 'kms',
    command: new DecryptCommand({ CiphertextBlob: Buffer.from('abc') }),
    output: { Plaintext: Buffer.alloc(0), KeyId: 'k' },
    // An empty blob is an empty base64 string on the wire; the SDK reads it back as an empty array.
    parsed: { Plaintext: Buffer.alloc(0), KeyId: 'k' },
  },
  {
    name: 'timestamps and maps of lists in output',
    protocol: 'secretsmanager',
    command: new DescribeSecretCommand({ SecretId: 's' }),
    output: { ARN: 'arn', Name: 's', CreatedDate: T1, LastChangedDate: T2, VersionIdsToStages: { v1: ['AWSCURRENT'], v0: [] }, Tags: [{ Key: 'k', Value: 'v' }] },
  },
  {
    name: 'modelled error without fields',
    protocol: 'ssm',
    command: new GetParameterCommand({ Name: '/missing' }),
    error: { code: 'ParameterNotFound', message: 'Parameter /missing not found.' },
    thrown: { name: 'ParameterNotFound', status: 400 },
    wire: (_req, res) => expect(res.headers['x-amzn-errortype']).toBe('ParameterNotFound'),
  },
  {
    name: 'modelled error with fields',
    protocol: 'logs',
    command: new PutLogEventsCommand({ logGroupName: '/g', logStreamName: 's', logEvents: [{ timestamp: 1, message: 'm' }], sequenceToken: '1' }),
    error: { code: 'InvalidSequenceTokenException', message: 'The given sequenceToken is invalid.', fields: { expectedSequenceToken: '2' } },
    thrown: { name: 'InvalidSequenceTokenException', status: 400, members: { expectedSequenceToken: '2' } },
  },
  {
    name: 'unmodelled server error',
    protocol: 'kms',
    command: new DecryptCommand({ CiphertextBlob: Buffer.from('x') }),
    error: { code: 'KMSInternalException', message: 'boom', status: 500 },
    thrown: { name: 'KMSInternalException', status: 500 },
  },
  // ---- awsQuery -------------------------------------------------------------------------------
  {
    name: 'form members: integers, lists (member.N), lists of structures; ISO 8601 timestamps in the result',
    protocol: 'sts',
    command: new AssumeRoleCommand({
      RoleArn: 'arn:aws:iam::000000000000:role/r',
      RoleSessionName: 's@x=1&y',
      DurationSeconds: 3600,
      PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }, { arn: 'arn:aws:iam::aws:policy/B' }],
      Tags: [{ Key: 'k', Value: 'v w' }],
      TransitiveTagKeys: ['k'],
      Policy: '{"Version":"2012-10-17"}',
    }),
    output: {
      Credentials: { AccessKeyId: 'ASIA1', SecretAccessKey: 'secret', SessionToken: 'tok<&>', Expiration: new Date('2024-02-29T12:34:56.789Z') },
      AssumedRoleUser: { AssumedRoleId: 'AROA1:s', Arn: 'arn:aws:sts::000000000000:assumed-role/r/s' },
      PackedPolicySize: 6,
      SourceIdentity: 'me',
    },
    wire: (req, res) => {
      const form = new URLSearchParams(req.body.toString());
      expect(form.get('PolicyArns.member.2.arn')).toBe('arn:aws:iam::aws:policy/B');
      expect(form.get('Tags.member.1.Value')).toBe('v w');
      expect(String(res.body)).toContain('<Expiration>2024-02-29T12:34:56.789Z</Expiration>');
      expect(String(res.body)).toContain('<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>');
    },
  },
  {
    name: 'operation without input members',
    protocol: 'sts',
    command: new GetCallerIdentityCommand({}),
    output: { UserId: 'AIDA', Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/u' },
  },
  {
    name: 'empty list input; tags list',
    protocol: 'iam',
    command: new CreateUserCommand({ UserName: 'u', Path: '/p/', Tags: [] }),
    output: { User: { UserName: 'u', UserId: 'AIDA1', Arn: 'arn:aws:iam::000000000000:user/p/u', Path: '/p/', CreateDate: T1, Tags: [{ Key: 'a', Value: 'b' }] } },
    wire: (req) => expect(new URLSearchParams(req.body.toString()).get('Tags')).toBe(''),
  },
  {
    name: 'list output with boolean and marker',
    protocol: 'iam',
    command: new ListUsersCommand({ PathPrefix: '/', MaxItems: 2, Marker: 'm1' }),
    output: {
      Users: [
        { UserName: 'a', UserId: 'A', Arn: 'arn:a', Path: '/', CreateDate: T1, PasswordLastUsed: T2 },
        { UserName: 'b', UserId: 'B', Arn: 'arn:b', Path: '/', CreateDate: T2 },
      ],
      IsTruncated: true,
      Marker: 'm2',
    },
  },
  {
    name: 'empty list output',
    protocol: 'iam',
    command: new ListUsersCommand({}),
    output: { Users: [], IsTruncated: false },
  },
  {
    name: 'wrapped map output (entry/key/value)',
    protocol: 'iam',
    command: new GetAccountSummaryCommand({}),
    output: { SummaryMap: { Users: 3, Groups: 0, AccessKeysPerUserQuota: 2 } },
    wire: (_req, res) => expect(String(res.body)).toContain('<SummaryMap><entry><key>Users</key><value>3</value></entry>'),
  },
  {
    name: 'blob output as base64',
    protocol: 'iam',
    command: new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'mfa' }),
    output: {
      VirtualMFADevice: {
        SerialNumber: 'arn:aws:iam::000000000000:mfa/mfa',
        Base32StringSeed: Buffer.from('JBSWY3DPEHPK3PXP'),
        QRCodePNG: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 255]),
        EnableDate: T1,
      },
    },
  },
  {
    name: 'result without members',
    protocol: 'iam',
    command: new DeleteUserCommand({ UserName: 'u' }),
    output: {},
  },
  {
    name: 'modelled error (wire code differs from shape name), Sender fault',
    protocol: 'iam',
    command: new GetUserCommand({ UserName: 'ghost' }),
    error: { code: 'NoSuchEntityException', message: 'The user with name ghost cannot be found.' },
    thrown: { name: 'NoSuchEntityException', status: 404 },
    wire: (_req, res) => {
      expect(String(res.body)).toContain('<Code>NoSuchEntity</Code>');
      expect(String(res.body)).toContain('<Type>Sender</Type>');
    },
  },
  {
    name: 'unmodelled error code',
    protocol: 'sts',
    command: new GetCallerIdentityCommand({}),
    error: { code: 'InvalidClientTokenId', message: 'The security token included in the request is invalid.', status: 403 },
    thrown: { name: 'InvalidClientTokenId', status: 403 },
  },
  {
    name: 'modelled error by wire code',
    protocol: 'sts',
    command: new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/r', RoleSessionName: 's' }),
    error: { code: 'MalformedPolicyDocument', message: 'bad policy' },
    thrown: { name: 'MalformedPolicyDocumentException', status: 400 },
  },
  // ---- restXml --------------------------------------------------------------------------------
  {
    name: 'streaming blob payload, greedy key label, metadata header map, typed headers',
    protocol: 's3',
    command: new PutObjectCommand({
      Bucket: 'bkt',
      Key: 'dir/sub dir/ünï+&=?.txt',
      Body: 'hello world',
      ContentType: 'text/plain',
      CacheControl: 'no-cache',
      Metadata: { color: 'blue', 'two-words': 'a b' },
      Expires: T1,
      ObjectLockRetainUntilDate: T2,
      ObjectLockLegalHoldStatus: 'ON',
      ContentLength: 11,
      BucketKeyEnabled: true,
      Tagging: 'a=1&b=2',
    }),
    decoded: {
      Bucket: 'bkt',
      Key: 'dir/sub dir/ünï+&=?.txt',
      Body: Buffer.from('hello world'),
      ContentType: 'text/plain',
      CacheControl: 'no-cache',
      // botocore's model types Expires as a string (the SDK as a Date): handlers see the header text.
      Metadata: { color: 'blue', 'two-words': 'a b' },
      Expires: 'Thu, 29 Feb 2024 12:34:56 GMT',
      ObjectLockRetainUntilDate: T2,
      ObjectLockLegalHoldStatus: 'ON',
      ContentLength: 11,
      BucketKeyEnabled: true,
      Tagging: 'a=1&b=2',
    },
    sdkAdded: ['ChecksumAlgorithm', 'ChecksumCRC32'],
    output: { ETag: '"abc"', VersionId: 'v1', ServerSideEncryption: 'AES256', Size: 11, BucketKeyEnabled: true },
    wire: (req) => {
      expect(req.path).toBe('/bkt/dir/sub%20dir/%C3%BCn%C3%AF%2B%26%3D%3F.txt');
      expect(req.headers['x-amz-meta-color']).toBe('blue');
      expect(req.headers.expires).toBe('Thu, 29 Feb 2024 12:34:56 GMT');
      expect(req.headers['x-amz-object-lock-retain-until-date']).toBe('2025-01-02T03:04:05Z');
    },
  },
  {
    name: 'streaming blob output with RFC 822 header timestamps, integers, booleans, metadata map',
    protocol: 's3',
    command: new GetObjectCommand({ Bucket: 'bkt', Key: 'k', Range: 'bytes=0-3', ResponseContentType: 'text/x', ResponseExpires: T1, PartNumber: 1 }),
    output: {
      Body: Buffer.from([0, 1, 2, 3]),
      ContentLength: 4,
      ContentRange: 'bytes 0-3/10',
      ETag: '"e"',
      LastModified: T2,
      Metadata: { color: 'blue' },
      TagCount: 2,
      DeleteMarker: false,
      Expires: 'Thu, 29 Feb 2024 12:34:56 GMT',
      ContentType: 'application/octet-stream',
      AcceptRanges: 'bytes',
      PartsCount: 3,
    },
    sdkAdded: ['ChecksumMode'],
    parsed: {
      Body: Buffer.from([0, 1, 2, 3]),
      ContentLength: 4,
      ContentRange: 'bytes 0-3/10',
      ETag: '"e"',
      LastModified: T2,
      Metadata: { color: 'blue' },
      TagCount: 2,
      DeleteMarker: false,
      Expires: T1,
      ExpiresString: 'Thu, 29 Feb 2024 12:34:56 GMT',
      ContentType: 'application/octet-stream',
      AcceptRanges: 'bytes',
      PartsCount: 3,
    },
    wire: (req, res) => {
      expect(req.query).toContainEqual(['response-expires', 'Thu, 29 Feb 2024 12:34:56 GMT']);
      expect(res.headers['last-modified']).toBe('Thu, 02 Jan 2025 03:04:05 GMT');
    },
  },
  {
    name: 'a Date returned for a string header member (S3 Expires) is rendered as RFC 822',
    protocol: 's3',
    command: new HeadObjectCommand({ Bucket: 'bkt', Key: 'k' }),
    output: { Expires: T1 },
    parsed: { Expires: T1, ExpiresString: 'Thu, 29 Feb 2024 12:34:56 GMT', Metadata: {} },
  },
  {
    name: 'HEAD with header-only output',
    protocol: 's3',
    command: new HeadObjectCommand({ Bucket: 'bkt', Key: 'k', IfNoneMatch: '"x"', IfModifiedSince: T1 }),
    output: { ContentLength: 10, ETag: '"e"', LastModified: T2, Metadata: {}, ContentType: 'text/plain' },
    parsed: { ContentLength: 10, ETag: '"e"', LastModified: T2, Metadata: {}, ContentType: 'text/plain' },
  },
  {
    name: 'query string members (static list-type=2, integers, booleans), flattened lists, ISO 8601 in XML',
    protocol: 's3',
    command: new ListObjectsV2Command({ Bucket: 'bkt', Prefix: 'a/', Delimiter: '/', MaxKeys: 2, FetchOwner: true, ContinuationToken: 'c t', StartAfter: 'a/0' }),
    output: {
      Name: 'bkt',
      Prefix: 'a/',
      Delimiter: '/',
      MaxKeys: 2,
      KeyCount: 2,
      IsTruncated: true,
      NextContinuationToken: 'n',
      Contents: [
        {
          Key: 'a/1 & <2>',
          LastModified: new Date('2024-02-29T12:34:56.123Z'),
          ETag: '"e1"',
          Size: 5,
          StorageClass: 'STANDARD',
          Owner: { ID: 'o', DisplayName: 'd' },
          ChecksumAlgorithm: ['CRC32', 'SHA256'],
        },
        { Key: 'a/3', LastModified: T2, ETag: '"e2"', Size: 0, StorageClass: 'STANDARD' },
      ],
      CommonPrefixes: [{ Prefix: 'a/b/' }],
    },
    parsed: {
      Name: 'bkt',
      Prefix: 'a/',
      Delimiter: '/',
      MaxKeys: 2,
      KeyCount: 2,
      IsTruncated: true,
      NextContinuationToken: 'n',
      Contents: [
        {
          Key: 'a/1 & <2>',
          LastModified: new Date('2024-02-29T12:34:56.123Z'),
          ETag: '"e1"',
          Size: 5,
          StorageClass: 'STANDARD',
          Owner: { ID: 'o', DisplayName: 'd' },
          ChecksumAlgorithm: ['CRC32', 'SHA256'],
        },
        { Key: 'a/3', LastModified: T2, ETag: '"e2"', Size: 0, StorageClass: 'STANDARD' },
      ],
      CommonPrefixes: [{ Prefix: 'a/b/' }],
    },
    wire: (req, res) => {
      expect(req.query).toContainEqual(['list-type', '2']);
      expect(req.query).toContainEqual(['max-keys', '2']);
      expect(String(res.body)).toMatch(/<\/Contents><Contents><Key>a\/3<\/Key>/);
    },
  },
  {
    name: 'control characters and markup in XML text',
    protocol: 's3',
    command: new ListObjectsV2Command({ Bucket: 'bkt' }),
    output: { Name: 'bkt', KeyCount: 1, Contents: [{ Key: 'a\r\nb\tc\u0001d<&>"\'', Size: 1 }] },
    wire: (_req, res) => expect(String(res.body)).toContain('<Key>a&#xD;\nb\tc&#x1;d&lt;&amp;&gt;&quot;&apos;</Key>'),
  },
  {
    name: 'empty wrapped list in output',
    protocol: 's3',
    command: new ListBucketsCommand({}),
    output: { Buckets: [], Owner: { ID: 'o' } },
    parsed: { Buckets: [], Owner: { ID: 'o' } },
  },
  {
    name: 'structure payload with flattened list in, flattened lists out',
    protocol: 's3',
    command: new DeleteObjectsCommand({ Bucket: 'bkt', Delete: { Objects: [{ Key: 'a' }, { Key: 'b&c', VersionId: 'v' }], Quiet: false } }),
    sdkAdded: ['ChecksumAlgorithm', 'ChecksumCRC32'],
    output: { Deleted: [{ Key: 'a', DeleteMarker: true, DeleteMarkerVersionId: 'dm' }], Errors: [{ Key: 'b&c', VersionId: 'v', Code: 'AccessDenied', Message: 'Access Denied' }] },
  },
  {
    name: 'structure payload with wrapped list (TagSet/Tag)',
    protocol: 's3',
    command: new PutBucketTaggingCommand({
      Bucket: 'bkt',
      Tagging: {
        TagSet: [
          { Key: 'k1', Value: 'v1' },
          { Key: 'k2', Value: '' },
        ],
      },
    }),
    sdkAdded: ['ChecksumAlgorithm', 'ChecksumCRC32', 'ContentMD5'],
    output: {},
  },
  {
    name: 'wrapped list output',
    protocol: 's3',
    command: new GetBucketTaggingCommand({ Bucket: 'bkt' }),
    output: {
      TagSet: [
        { Key: 'k1', Value: 'v1' },
        { Key: 'k2', Value: 'v2' },
      ],
    },
  },
  {
    name: 'nested structures with a custom-format (date-only ISO 8601) timestamp, flattened Rule list',
    protocol: 's3',
    command: new PutBucketLifecycleConfigurationCommand({
      Bucket: 'bkt',
      LifecycleConfiguration: {
        Rules: [
          { ID: 'r1', Status: 'Enabled', Filter: { Prefix: 'logs/' }, Expiration: { Date: new Date('2030-01-01T00:00:00.000Z') } },
          { ID: 'r2', Status: 'Disabled', Filter: { And: { Prefix: 'x', Tags: [{ Key: 'a', Value: 'b' }] } }, Expiration: { Days: 7 }, NoncurrentVersionExpiration: { NoncurrentDays: 3 } },
        ],
      },
    }),
    sdkAdded: ['ChecksumAlgorithm', 'ChecksumCRC32'],
    output: {},
  },
  {
    name: 'list in a header',
    protocol: 's3',
    command: new GetObjectAttributesCommand({ Bucket: 'bkt', Key: 'k', ObjectAttributes: ['ETag', 'ObjectSize', 'StorageClass'], MaxParts: 5 }),
    output: {
      ETag: 'e',
      ObjectSize: 10,
      StorageClass: 'STANDARD',
      LastModified: T1,
      ObjectParts: {
        TotalPartsCount: 2,
        IsTruncated: false,
        Parts: [
          { PartNumber: 1, Size: 5 },
          { PartNumber: 2, Size: 5 },
        ],
      },
    },
  },
  {
    name: 'structure payload absent (no body)',
    protocol: 's3',
    command: new CreateBucketCommand({ Bucket: 'bkt', ACL: 'private', ObjectLockEnabledForBucket: true }),
    output: { Location: '/bkt' },
  },
  {
    name: 'structure payload present',
    protocol: 's3',
    command: new CreateBucketCommand({ Bucket: 'bkt', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }),
    output: { Location: '/bkt' },
  },
  {
    name: 'modelled error without fields',
    protocol: 's3',
    command: new GetObjectCommand({ Bucket: 'bkt', Key: 'missing' }),
    sdkAdded: ['ChecksumMode'],
    error: { code: 'NoSuchKey', message: 'The specified key does not exist.', fields: { Key: 'missing' }, status: 404 },
    thrown: { name: 'NoSuchKey', status: 404 },
  },
  {
    name: 'modelled error with fields',
    protocol: 's3',
    command: new GetObjectCommand({ Bucket: 'bkt', Key: 'glacier' }),
    sdkAdded: ['ChecksumMode'],
    error: { code: 'InvalidObjectState', message: "The operation is not valid for the object's storage class", fields: { StorageClass: 'GLACIER' } },
    thrown: { name: 'InvalidObjectState', status: 403, members: { StorageClass: 'GLACIER' } },
  },
  {
    name: 'unmodelled error',
    protocol: 's3',
    command: new ListBucketsCommand({}),
    error: { code: 'AccessDenied', message: 'Access Denied', status: 403 },
    thrown: { name: 'AccessDenied', status: 403 },
  },
  {
    name: 'error on HEAD (no body)',
    protocol: 's3',
    command: new HeadObjectCommand({ Bucket: 'bkt', Key: 'missing' }),
    error: { code: 'NoSuchKey', message: 'Not Found', status: 404 },
    // Without a body the SDK can only name the error after the status.
    thrown: { name: 'NotFound', status: 404, message: 'UnknownError' },
  },
  // ---- restJson -------------------------------------------------------------------------------
  {
    name: 'query string and header members, no body; long output in a JSON document',
    protocol: 'sso',
    command: new GetRoleCredentialsCommand({ roleName: 'Admin Role&x', accountId: '123456789012', accessToken: 'bearer-token' }),
    output: { roleCredentials: { accessKeyId: 'ASIA', secretAccessKey: 's', sessionToken: 't', expiration: 1709210096789 } },
    wire: (req, res) => {
      expect(req.method).toBe('GET');
      expect(req.query).toContainEqual(['role_name', 'Admin Role&x']);
      expect(req.headers['x-amz-sso_bearer_token']).toBe('bearer-token');
      expect(res.headers['content-type']).toBe('application/json');
    },
  },
  {
    name: 'JSON body members with a list',
    protocol: 'ssooidc',
    command: new CreateTokenCommand({ clientId: 'c', clientSecret: 's', grantType: 'refresh_token', refreshToken: 'r', scope: ['sso:account:access', 'openid'] }),
    output: { accessToken: 'a', tokenType: 'Bearer', expiresIn: 3600, refreshToken: 'r2' },
  },
  {
    name: 'empty list in the body',
    protocol: 'ssooidc',
    command: new CreateTokenCommand({ clientId: 'c', clientSecret: 's', grantType: 'authorization_code', scope: [] }),
    output: {},
  },
  {
    name: 'modelled error with fields',
    protocol: 'ssooidc',
    command: new CreateTokenCommand({ clientId: 'c', clientSecret: 's', grantType: 'refresh_token' }),
    error: { code: 'InvalidGrantException', message: 'Invalid grant provided', fields: { error: 'invalid_grant', error_description: 'Invalid grant provided' } },
    thrown: { name: 'InvalidGrantException', status: 400, members: { error: 'invalid_grant', error_description: 'Invalid grant provided' } },
    wire: (_req, res) => expect(res.headers['x-amzn-errortype']).toBe('InvalidGrantException'),
  },
  {
    name: 'modelled error with a non-400 status',
    protocol: 'sso',
    command: new GetRoleCredentialsCommand({ roleName: 'r', accountId: '123456789012', accessToken: 't' }),
    error: { code: 'UnauthorizedException', message: 'Session token not found or invalid' },
    thrown: { name: 'UnauthorizedException', status: 401 },
  },
  {
    name: 'XML attribute with a namespace prefix (Grantee xsi:type) in a request payload',
    protocol: 's3',
    command: new PutBucketAclCommand({
      Bucket: 'bkt',
      AccessControlPolicy: {
        Owner: { ID: 'owner' },
        Grants: [
          { Grantee: { Type: 'CanonicalUser', ID: 'abc' }, Permission: 'FULL_CONTROL' },
          { Grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/global/AllUsers' }, Permission: 'READ' },
        ],
      },
    }),
    sdkAdded: ['ChecksumAlgorithm', 'ChecksumCRC32', 'ContentMD5'],
    output: {},
  },
  {
    name: 'XML attribute with a namespace prefix in output',
    protocol: 's3',
    command: new GetBucketAclCommand({ Bucket: 'bkt' }),
    output: { Owner: { ID: 'owner', DisplayName: 'me' }, Grants: [{ Grantee: { Type: 'CanonicalUser', ID: 'abc', DisplayName: 'me' }, Permission: 'FULL_CONTROL' }] },
    wire: (_req, res) => expect(String(res.body)).toContain('<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser">'),
  },
  {
    name: 'copy source header, structure payload output next to header members',
    protocol: 's3',
    command: new CopyObjectCommand({ Bucket: 'dst', Key: 'k2', CopySource: 'src/k 1?versionId=v', MetadataDirective: 'REPLACE', Metadata: { a: 'b' }, CopySourceIfModifiedSince: T1 }),
    output: { CopyObjectResult: { ETag: '"e"', LastModified: T2, ChecksumCRC32: 'AAAAAA==' }, VersionId: 'v2', CopySourceVersionId: 'v' },
  },
  {
    name: 'flattened Part list in a payload, query parameters from the URI template',
    protocol: 's3',
    command: new CompleteMultipartUploadCommand({
      Bucket: 'bkt',
      Key: 'big',
      UploadId: 'u-1',
      MultipartUpload: {
        Parts: [
          { PartNumber: 1, ETag: '"a"' },
          { PartNumber: 2, ETag: '"b"', ChecksumCRC32: 'AAAAAA==' },
        ],
      },
    }),
    output: { Location: 'http://localhost/bkt/big', Bucket: 'bkt', Key: 'big', ETag: '"abc-2"', VersionId: 'v' },
  },
  {
    name: 'streaming upload with integer query parameter',
    protocol: 's3',
    command: new UploadPartCommand({ Bucket: 'bkt', Key: 'big', UploadId: 'u-1', PartNumber: 3, Body: Buffer.from('part three'), ContentLength: 10 }),
    decoded: { Bucket: 'bkt', Key: 'big', UploadId: 'u-1', PartNumber: 3, Body: Buffer.from('part three'), ContentLength: 10 },
    sdkAdded: ['ChecksumAlgorithm', 'ChecksumCRC32'],
    output: { ETag: '"p3"', ServerSideEncryption: 'AES256' },
  },
];

/**
 * Every operation of every model, with an input and an output generated from the model's shapes
 * (every member set, lists and maps non-empty), through the same driver: the table above pins
 * down the interesting cases, this sweep catches shapes nobody thought of.
 */
const SDK_MODULES: Partial<Record<keyof typeof PROTOCOLS, Record<string, unknown>>> = {
  ssm: ssmSdk,
  logs: logsSdk,
  kms: kmsSdk,
  secretsmanager: secretsSdk,
  sts: stsSdk,
  iam: iamSdk,
  s3: s3Sdk,
  sso: ssoSdk,
  ssooidc: ssoOidcSdk,
};

/**
 * S3 input members the SDK computes or rewrites itself (checksums, Content-MD5, SSE-C key
 * encoding and digests): not passed in, and left out of the comparison.
 */
const S3_SDK_MANAGED = /^(Checksum|ContentMD5$|SSECustomerKey|CopySourceSSECustomerKey)/;
/**
 * S3 output members the SDK treats specially: response checksums are validated against the body,
 * and `Expires` (a string in botocore's model) is parsed into a Date plus ExpiresString; the
 * hand-written cases cover both.
 */
const S3_SDK_CHECKED_OUTPUT = /^(Checksum|Expires$)/;
/** Members botocore's S3 model types as integers and the SDK's as strings: same wire text. */
const S3_STRING_IN_SDK = new Set(['PartNumberMarker', 'NextPartNumberMarker']);

function stringifyMembers(value: unknown, names: Set<string>): unknown {
  if (Array.isArray(value)) return value.map((v) => stringifyMembers(v, names));
  if (!value || typeof value !== 'object' || value instanceof Date || value instanceof Uint8Array) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, names.has(k) ? String(v) : stringifyMembers(v, names)]));
}

/** S3 operations on other endpoints (host-prefixed WriteGetObjectResponse, S3 Express directory buckets). */
const S3_OTHER_ENDPOINTS = new Set(['WriteGetObjectResponse', 'ListDirectoryBuckets', 'CreateSession']);

function generatedCases(): Case[] {
  const cases: Case[] = [];
  for (const key of Object.keys(PROTOCOLS) as (keyof typeof PROTOCOLS)[]) {
    const { model } = PROTOCOLS[key];
    // Models only botocore checks (services Drydock does not serve yet) get the full variant only.
    const samplers = SDK_MODULES[key] ? [new Sampler(model), new Sampler(model, { empty: true })] : [new Sampler(model)];
    for (const [variant, sampler] of samplers.entries())
      for (const op of model.operations.values()) {
        const Command = SDK_MODULES[key]?.[`${op.name}Command`] as (new (input: unknown) => unknown) | undefined;
        // Event streams are a framing of their own, not part of these codecs.
        const streamsEvents = [op.input, op.output].some((shape) => Object.values(shape?.members ?? {}).some((ref) => model.shape(ref.shape).eventstream));
        // Superseded REST operations share their successor's URI, and the router picks the successor.
        if (streamsEvents || (op.deprecated && model.protocol.startsWith('rest')) || (key === 's3' && S3_OTHER_ENDPOINTS.has(op.name))) continue;
        const input = op.input ? (sampler.value(op.input, 0, 'body') as Record<string, unknown>) : {};
        const output = op.output ? (sampler.value(op.output, 0, 'body') as Record<string, unknown>) : {};
        // A statusCode member is the HTTP status, which clients read back into it.
        for (const [name, ref] of Object.entries(op.output?.members ?? {})) if (ref.location === 'statusCode') output[name] = op.responseCode;
        const sdkAdded = key === 's3' ? Object.keys(op.input?.members ?? {}).filter((name) => S3_SDK_MANAGED.test(name)) : [];
        for (const name of sdkAdded) delete input[name];
        if (key === 's3') for (const name of Object.keys(output)) if (S3_SDK_CHECKED_OUTPUT.test(name)) delete output[name];
        const parsed = key === 's3' ? (stringifyMembers(output, S3_STRING_IN_SDK) as Record<string, unknown>) : undefined;
        // The command gets its own copy: SDK middleware may fill in members of the object it is given.
        cases.push({
          name: `generated ${op.name}${variant ? ' (empty collections and strings)' : ''}`,
          protocol: key,
          command: Command && new Command(structuredClone(input)),
          decoded: input,
          sdkAdded,
          output,
          parsed,
          emptyIsAbsent: key === 's3' && variant === 1,
          generated: { operation: op.name, empty: variant === 1 },
        });
      }
  }
  return cases;
}

/**
 * Every modelled error shape of every service, thrown by a handler with its scalar members as
 * fields: the SDK must raise that exception class, with the model's status and those members.
 */
function generatedErrorCases(generatedCases: Case[]): Case[] {
  const cases: Case[] = [];
  for (const key of Object.keys(PROTOCOLS) as (keyof typeof PROTOCOLS)[]) {
    const { model } = PROTOCOLS[key];
    const generated = new Map(generatedCases.filter((c) => c.protocol === key && !c.generated!.empty).map((c) => [c.generated!.operation, c]));
    const seen = new Set<string>();
    // A wire code several error shapes share (CloudWatch's ResourceNotFound) cannot name one of them.
    const wireCodes = new Map<string, number>();
    for (const op of model.operations.values()) {
      for (const errorName of new Set(op.errors)) {
        const code = model.shape(errorName).error?.code ?? errorName;
        if (!seen.has(errorName)) wireCodes.set(code, (wireCodes.get(code) ?? 0) + 1);
        seen.add(errorName);
      }
    }
    seen.clear();
    for (const op of model.operations.values()) {
      const carrier = generated.get(op.name);
      // Errors to HEAD have no body: the SDK can only name them after the status.
      if (!carrier || op.method === 'HEAD') continue;
      for (const errorName of op.errors) {
        if (seen.has(errorName)) continue;
        seen.add(errorName);
        const shape = model.shape(errorName);
        if (wireCodes.get(shape.error?.code ?? errorName)! > 1) continue;
        const fields: Record<string, string | number | boolean> = {};
        for (const [name, ref] of Object.entries(shape.members ?? {})) {
          const member = model.member(ref);
          if (/^message$/i.test(name) || member.location) continue;
          if (member.type === 'string') fields[name] = member.enum?.[0] ?? `${name} value`;
          else if (member.type === 'integer' || member.type === 'long') fields[name] = 7;
          else if (member.type === 'boolean') fields[name] = true;
        }
        const status = shape.error?.httpStatusCode ?? (shape.fault ? 500 : 400);
        cases.push({
          name: `generated error ${errorName} from ${op.name}`,
          protocol: key,
          command: carrier.command,
          decoded: carrier.decoded,
          sdkAdded: carrier.sdkAdded,
          error: { code: errorName, message: `${errorName} happened`, fields },
          thrown: { name: errorName, status, members: fields },
          generated: carrier.generated,
        });
      }
    }
  }
  return cases;
}

/**
 * Runs many generated cases as one test (a test per case costs more than the case), reporting
 * every failing case with the start of its failure.
 */
async function sweep(cases: Case[], check: (c: Case) => Promise<void>): Promise<void> {
  const failures: string[] = [];
  for (const c of cases) {
    try {
      await check(c);
    } catch (err) {
      failures.push(
        `${c.name}: ${String((err as Error).message)
          .split('\n')
          .slice(0, 30)
          .join('\n')}`,
      );
    }
  }
  expect(failures).toEqual([]);
  expect(cases.length).toBeGreaterThan(0);
}

const GENERATED = generatedCases();
const GENERATED_ERRORS = generatedErrorCases(GENERATED);

interface BotocoreResult {
  request?: { method: string; url: string; headers: Record<string, string>; body: string };
  parsed?: unknown;
  error?: { code: string; message: string; shape: string | null; fields: Record<string, unknown> };
  failure?: string;
}

/** Runs the botocore harness over the cases in one python process. */
async function runBotocore(cases: Case[]): Promise<Map<Case, BotocoreResult>> {
  const payload = [];
  for (const c of cases) {
    const p = PROTOCOLS[c.protocol];
    const op = p.model.operations.get(c.generated!.operation)!;
    const encoded = c.error ? p.codec.encodeError(new AwsError(c.error.code, c.error.message, { fields: c.error.fields }), 'req-1') : p.codec.encode(op, c.output ?? {}, 'req-1');
    payload.push({
      service: c.protocol,
      model: join(MODELS_DIR, `${p.service}.json`),
      protocol: p.model.protocol,
      operation: op.name,
      input: await normalize(c.decoded),
      response: { status: encoded.status, headers: encoded.headers, body: (await bodyBytes(encoded.body)).toString('base64') },
    });
  }
  const python = spawn('python3', [BOTOCORE_HARNESS], { stdio: ['pipe', 'pipe', 'inherit'] });
  const chunks: Buffer[] = [];
  python.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  const exit = new Promise<number | null>((resolve, reject) => {
    python.on('error', reject);
    python.on('close', resolve);
  });
  python.stdin.end(JSON.stringify({ cases: payload }));
  const code = await exit;
  if (code !== 0) throw new Error(`botocore harness exited with ${code}`);
  const results = JSON.parse(Buffer.concat(chunks).toString()) as BotocoreResult[];
  return new Map(cases.map((c, i) => [c, results[i]]));
}

// Started as the file loads, so that python works while the SDK sweep runs.
const BOTOCORE_RESULTS = runBotocore([...GENERATED, ...GENERATED_ERRORS]);
// Rejections are reported by the botocore tests that await it.
BOTOCORE_RESULTS.catch(() => undefined);

describe('protocol conformance against the AWS SDK v3 serializers', () => {
  for (const c of CASES) it(`${PROTOCOLS[c.protocol].model.protocol} ${c.protocol}: ${c.name}`, () => run(c));
  const swept = [...GENERATED, ...GENERATED_ERRORS].filter((c) => c.command !== undefined);
  for (const service of Object.keys(SDK_MODULES) as (keyof typeof PROTOCOLS)[]) {
    it(`${PROTOCOLS[service].model.protocol} ${service}: every operation and modelled error`, () =>
      sweep(
        swept.filter((c) => c.protocol === service),
        run,
      ));
  }
});

/**
 * The same generated inputs and outputs against botocore (the aws CLI's library), a second
 * implementation of the protocols: botocore serializes each input (our codec must decode it back
 * exactly) and parses our encoding of each output (it must read back exactly that output).
 */
describe('protocol conformance against botocore', () => {
  const cases = [...GENERATED, ...GENERATED_ERRORS];
  let results: Map<Case, BotocoreResult>;
  beforeAll(async () => {
    results = await BOTOCORE_RESULTS;
  }, 60_000);

  const check = async (c: Case) => {
    const result = results.get(c)!;
    if (result.failure) throw new Error(`botocore: ${result.failure}`);
    const p = PROTOCOLS[c.protocol];
    const { method, url, headers, body } = result.request!;
    const target = url.slice('http://localhost:4566'.length) || '/';
    const q = target.indexOf('?');
    const rawQuery = q < 0 ? '' : target.slice(q + 1);
    const req: HttpRequest = {
      method,
      path: q < 0 ? target : target.slice(0, q),
      rawQuery,
      query: rawQuery
        .split('&')
        .filter(Boolean)
        .map((part) => {
          const eq = part.indexOf('=');
          return (eq < 0 ? [part, ''] : [part.slice(0, eq), part.slice(eq + 1)]).map(decodeURIComponent) as [string, string];
        }),
      headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
      body: Buffer.from(body, 'base64'),
    };
    const routed = await p.route(req);
    expect(routed.op.name).toBe(c.generated!.operation);
    if (isStreamingInput(p.model, routed.op)) req.stream = streamOf(p, req);
    const comparable = (value: unknown) => (c.emptyIsAbsent ? withoutEmpties(value) : value);
    expect(comparable(await normalize(p.codec.decode(routed.op, req, routed.labels)))).toEqual(comparable(await normalize(c.decoded)));
    if (c.error) {
      const shape = p.model.shape(c.error.code);
      // botocore also reads the message into the modelled `message` member; it is compared above.
      const fields = Object.fromEntries(Object.entries(result.error!.fields).filter(([k]) => !/^message$/i.test(k)));
      expect({ ...result.error, fields }).toEqual({ code: shape.error?.code ?? c.error.code, message: c.error.message, shape: c.error.code, fields: c.error.fields });
    } else if (routed.op.output) {
      expect(comparable(result.parsed)).toEqual(comparable(await normalize(c.output)));
    }
  };

  for (const service of Object.keys(PROTOCOLS) as (keyof typeof PROTOCOLS)[]) {
    it(`${PROTOCOLS[service].model.protocol} ${service}: every operation and modelled error`, () =>
      sweep(
        cases.filter((c) => c.protocol === service),
        check,
      ));
  }
});
