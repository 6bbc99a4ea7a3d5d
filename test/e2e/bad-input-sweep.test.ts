/**
 * Every operation of every service, called through its real SDK client with inputs generated from
 * the model (every member set; every collection and string empty; values within the model's
 * bounds): whatever the answer, it is an AWS answer, never a server fault (501 NotImplemented for
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
const VARIANTS: SamplerOptions[] = [{}, { empty: true }, { withinBounds: true }];

describe('generated requests to every operation', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
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
        for (const options of VARIANTS) {
          const sampler = new Sampler(model, options);
          for (const op of model.operations.values()) {
            const Command = sdk[`${op.name}Command`] as (new (input: unknown) => unknown) | undefined;
            const streamsEvents = [op.input, op.output].some((shape) => Object.values(shape?.members ?? {}).some((ref) => model.shape(ref.shape).eventstream));
            if (!Command || streamsEvents || (name === 's3' && S3_OTHER_ENDPOINTS.has(op.name))) continue;
            const input = (op.input ? sampler.value(op.input, 0, 'body') : {}) as Record<string, unknown>;
            if (name === 's3') for (const member of Object.keys(input)) if (S3_SDK_MANAGED.test(member)) delete input[member];
            try {
              await client.send(new Command(input));
              answered++;
            } catch (err) {
              const { $metadata, name: code, message } = err as Error & { $metadata?: { httpStatusCode?: number } };
              const status = $metadata?.httpStatusCode;
              if (status === undefined || (status >= 500 && status !== 501)) faults.push(`${op.name} ${JSON.stringify(options)}: ${status} ${code} ${message.slice(0, 200)}`);
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
