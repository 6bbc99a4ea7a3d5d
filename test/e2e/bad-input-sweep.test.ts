/**
 * Every operation of every service, called through its real SDK client with inputs generated from
 * the model (every member set; every collection and string empty; values within the model's
 * bounds and naming resources that exist, so that handlers get past their NotFound checks):
 * whatever the answer, it is an AWS answer, never a server fault (501 NotImplemented for
 * operations Drydock does not implement is the one 5xx allowed).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as ssm from '@aws-sdk/client-ssm';
import * as logs from '@aws-sdk/client-cloudwatch-logs';
import * as kms from '@aws-sdk/client-kms';
import * as secretsmanager from '@aws-sdk/client-secrets-manager';
import * as sts from '@aws-sdk/client-sts';
import * as iam from '@aws-sdk/client-iam';
import * as s3 from '@aws-sdk/client-s3';
import { loadModel } from '../../src/protocol/model.js';
import { startTestServer, type TestServer } from '../helpers.js';
import { Sampler, type SamplerOptions } from '../model-samples.js';

interface SdkModule {
  [name: string]: unknown;
}
type Client = { send(command: unknown): Promise<unknown>; destroy(): void };

const SERVICES: [string, SdkModule, string][] = [
  ['ssm', ssm, 'SSMClient'],
  ['logs', logs, 'CloudWatchLogsClient'],
  ['kms', kms, 'KMSClient'],
  ['secretsmanager', secretsmanager, 'SecretsManagerClient'],
  ['sts', sts, 'STSClient'],
  ['iam', iam, 'IAMClient'],
  ['s3', s3, 'S3Client'],
];
/** S3 members the SDK computes itself (checksums, SSE-C key digests): left to it. */
const S3_SDK_MANAGED = /^(Checksum|ContentMD5$|SSECustomerKey|CopySourceSSECustomerKey)/;
/** S3 operations on other endpoints (host-prefixed WriteGetObjectResponse, S3 Express). */
const S3_OTHER_ENDPOINTS = new Set(['WriteGetObjectResponse', 'ListDirectoryBuckets', 'CreateSession']);
const VARIANTS: { sample: SamplerOptions; existing: boolean }[] = [
  { sample: {}, existing: false },
  { sample: { empty: true }, existing: false },
  { sample: { withinBounds: true }, existing: true },
];

/**
 * Top-level members set to resources created beforehand (undefined: left out, because a
 * generated value would fail a precondition before the handler does any work).
 */
function existingResources(kmsKeyId: string): Record<string, Record<string, unknown>> {
  return {
    s3: {
      Bucket: 'sweep-bucket', Key: 'sweep-key', CopySource: 'sweep-bucket/sweep-key', Body: Buffer.from('body'),
      ExpectedBucketOwner: undefined, ExpectedSourceBucketOwner: undefined, VersionId: undefined, UploadId: undefined, PartNumber: undefined,
      IfMatch: undefined, IfNoneMatch: undefined, IfModifiedSince: undefined, IfUnmodifiedSince: undefined, Range: undefined, ContentLength: undefined, MFA: undefined,
      CopySourceIfMatch: undefined, CopySourceIfNoneMatch: undefined, CopySourceIfModifiedSince: undefined, CopySourceIfUnmodifiedSince: undefined, RequestPayer: undefined,
    },
    ssm: { Name: '/sweep/param', Names: ['/sweep/param'], Path: '/sweep', ResourceId: '/sweep/param', ResourceType: 'Parameter' },
    kms: { KeyId: kmsKeyId },
    logs: { logGroupName: '/sweep/group', logStreamName: 'stream', logGroupIdentifier: '/sweep/group' },
    secretsmanager: { SecretId: 'sweep/secret' },
    iam: { UserName: 'sweep-user', RoleName: 'sweep-role', GroupName: 'sweep-group' },
    sts: { RoleArn: 'arn:aws:iam::000000000000:role/sweep-role', RoleSessionName: 'session' },
  };
}

describe('generated requests to every operation', () => {
  let server: TestServer;
  let existing: Record<string, Record<string, unknown>>;
  beforeAll(async () => {
    server = await startTestServer();
    const config = server.clientConfig;
    await new s3.S3Client(config).send(new s3.CreateBucketCommand({ Bucket: 'sweep-bucket' }));
    await new s3.S3Client(config).send(new s3.PutObjectCommand({ Bucket: 'sweep-bucket', Key: 'sweep-key', Body: 'hello' }));
    await new ssm.SSMClient(config).send(new ssm.PutParameterCommand({ Name: '/sweep/param', Value: 'v', Type: 'String' }));
    const key = await new kms.KMSClient(config).send(new kms.CreateKeyCommand({}));
    const logsClient = new logs.CloudWatchLogsClient(config);
    await logsClient.send(new logs.CreateLogGroupCommand({ logGroupName: '/sweep/group' }));
    await logsClient.send(new logs.CreateLogStreamCommand({ logGroupName: '/sweep/group', logStreamName: 'stream' }));
    await new secretsmanager.SecretsManagerClient(config).send(new secretsmanager.CreateSecretCommand({ Name: 'sweep/secret', SecretString: 's' }));
    const iamClient = new iam.IAMClient(config);
    await iamClient.send(new iam.CreateUserCommand({ UserName: 'sweep-user' }));
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }] };
    await iamClient.send(new iam.CreateRoleCommand({ RoleName: 'sweep-role', AssumeRolePolicyDocument: JSON.stringify(trust) }));
    await iamClient.send(new iam.CreateGroupCommand({ GroupName: 'sweep-group' }));
    existing = existingResources(key.KeyMetadata!.KeyId!);
  });
  afterAll(async () => server.stop());

  for (const [name, sdk, clientName] of SERVICES) {
    it(`${name}: no server fault`, async () => {
      const model = loadModel(name);
      const Client = sdk[clientName] as new (config: unknown) => Client;
      const client = new Client({ ...server.clientConfig, maxAttempts: 1 });
      const faults: string[] = [];
      let answered = 0;
      try {
        for (const variant of VARIANTS) {
          const sampler = new Sampler(model, variant.sample);
          for (const op of model.operations.values()) {
            const Command = sdk[`${op.name}Command`] as (new (input: unknown) => unknown) | undefined;
            const streamsEvents = [op.input, op.output].some((shape) => Object.values(shape?.members ?? {}).some((ref) => model.shape(ref.shape).eventstream));
            if (!Command || streamsEvents || (name === 's3' && S3_OTHER_ENDPOINTS.has(op.name))) continue;
            const input = (op.input ? sampler.value(op.input, 0, 'body') : {}) as Record<string, unknown>;
            if (name === 's3') for (const member of Object.keys(input)) if (S3_SDK_MANAGED.test(member)) delete input[member];
            if (variant.existing) {
              for (const [member, value] of Object.entries(existing[name])) {
                if (!op.input?.members?.[member]) continue;
                if (value === undefined) delete input[member];
                else input[member] = value;
              }
            }
            try {
              await client.send(new Command(input));
              answered++;
            } catch (err) {
              const { $metadata, name: code, message } = err as Error & { $metadata?: { httpStatusCode?: number } };
              const status = $metadata?.httpStatusCode;
              if (status === undefined || (status >= 500 && status !== 501)) faults.push(`${op.name} ${JSON.stringify(variant)}: ${status} ${code} ${message.slice(0, 200)}`);
              else answered++;
            }
          }
        }
      } finally {
        client.destroy();
      }
      expect(faults).toEqual([]);
      expect(answered).toBeGreaterThan(0);
    });
  }
});
