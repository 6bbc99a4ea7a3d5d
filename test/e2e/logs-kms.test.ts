import {
  AssociateKmsKeyCommand,
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeLogGroupsCommand,
  DisassociateKmsKeyCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  GetQueryResultsCommand,
  type GetQueryResultsResponse,
  PutLogEventsCommand,
  StartQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { CreateKeyCommand, DisableKeyCommand, EnableKeyCommand, KMSClient, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';

const ACCOUNT = '000000000000';
const groupArn = (name: string) => `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:${name}`;
const refused = (name: string) => `The specified KMS key does not exist or is not allowed to be used with Arn '${groupArn(name)}'`;

/** The key policy AWS documents for CloudWatch Logs: the account's root, and the Region's logs principal for encryption. */
const LOGS_KEY_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
    {
      Effect: 'Allow',
      Principal: { Service: 'logs.us-east-1.amazonaws.com' },
      Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      Resource: '*',
      Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:us-east-1:${ACCOUNT}:*` } },
    },
  ],
});

describe('CloudWatch Logs encrypted with KMS keys', () => {
  const server = useServer();
  let logs: CloudWatchLogsClient;
  let kms: KMSClient;
  let keyArn: string;
  let now: number;

  const newKey = async (policy?: string) => {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ ...(policy ? { Policy: policy } : {}) }));
    return KeyMetadata!.Arn!;
  };
  const put = (group: string, messages: string[]) =>
    logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: 's', logEvents: messages.map((message, i) => ({ timestamp: now + i, message })) }));
  const read = async (group: string) => (await logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: 's', startFromHead: true }))).events!.map((e) => e.message);
  const storedMessages = (group: string) =>
    server.runtime.store.db.prepare('SELECT e.message AS message, e.data_key AS dataKey FROM logs_events e JOIN logs_groups g ON g.id = e.group_id WHERE g.name = ? ORDER BY e.id').all(group) as {
      message: string | Buffer;
      dataKey: number | null;
    }[];
  async function queryResults(group: string, queryString: string): Promise<GetQueryResultsResponse> {
    const { queryId } = await logs.send(new StartQueryCommand({ logGroupName: group, queryString, startTime: Math.floor(now / 1000) - 60, endTime: Math.ceil(now / 1000) + 60 }));
    for (;;) {
      const out = await logs.send(new GetQueryResultsCommand({ queryId }));
      if (out.status !== 'Scheduled' && out.status !== 'Running') return out;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  beforeAll(async () => {
    logs = new CloudWatchLogsClient(server.clientConfig);
    kms = new KMSClient(server.clientConfig);
    now = server.runtime.clock.now();
    keyArn = await newKey(LOGS_KEY_POLICY);
    for (const group of ['enc', 'plain-first']) {
      await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
      await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 's' }));
    }
  });

  it('refuses a key whose policy does not allow CloudWatch Logs, a key id that is not an ARN, and a missing key', async () => {
    const rootOnly = await newKey();
    await expectAwsError(logs.send(new AssociateKmsKeyCommand({ logGroupName: 'enc', kmsKeyId: rootOnly })), { code: 'AccessDeniedException', status: 400, message: refused('enc') });
    await expectAwsError(logs.send(new AssociateKmsKeyCommand({ logGroupName: 'enc', kmsKeyId: rootOnly.split('/')[1] })), { code: 'InvalidParameterException', status: 400 });
    await expectAwsError(logs.send(new AssociateKmsKeyCommand({ logGroupName: 'enc', kmsKeyId: `arn:aws:kms:us-east-1:${ACCOUNT}:key/00000000-0000-0000-0000-000000000000` })), {
      code: 'AccessDeniedException',
      status: 400,
      message: refused('enc'),
    });
    await expectAwsError(logs.send(new AssociateKmsKeyCommand({ logGroupName: 'nope', kmsKeyId: keyArn })), { code: 'ResourceNotFoundException', status: 400 });
    await expectAwsError(logs.send(new CreateLogGroupCommand({ logGroupName: 'enc-new', kmsKeyId: rootOnly })), { code: 'AccessDeniedException', status: 400, message: refused('enc-new') });
    expect((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'enc' }))).logGroups!.map((g) => [g.logGroupName, g.kmsKeyId])).toEqual([['enc', undefined]]);
  });

  it('seals new events under the key and reads them back through every read', async () => {
    await put('enc', ['before the key']);
    await logs.send(new AssociateKmsKeyCommand({ logGroupName: 'enc', kmsKeyId: keyArn }));
    expect((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'enc' }))).logGroups![0].kmsKeyId).toBe(keyArn);
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: 'enc',
        logStreamName: 's',
        logEvents: [
          { timestamp: now + 10, message: 'ERROR secret card=4111' },
          { timestamp: now + 11, message: 'INFO fine' },
        ],
      }),
    );
    const stored = storedMessages('enc');
    expect(stored[0]).toEqual({ message: 'before the key', dataKey: null });
    for (const row of stored.slice(1)) {
      expect(Buffer.isBuffer(row.message)).toBe(true);
      expect((row.message as Buffer).toString('latin1')).not.toContain('secret');
    }
    expect(await read('enc')).toEqual(['before the key', 'ERROR secret card=4111', 'INFO fine']);
    const filtered = await logs.send(new FilterLogEventsCommand({ logGroupName: 'enc', filterPattern: 'ERROR' }));
    expect(filtered.events!.map((e) => e.message)).toEqual(['ERROR secret card=4111']);
    const insights = await queryResults('enc', 'filter @message like /ERROR/ | fields @message');
    expect(insights.status).toBe('Complete');
    expect(insights.results!.map((row) => row.find((f) => f.field === '@message')?.value)).toEqual(['ERROR secret card=4111']);
    expect(insights.statistics).toMatchObject({ recordsMatched: 1, recordsScanned: 3, bytesScanned: 14 + 22 + 9 });
  });

  it('can neither write nor read sealed events while the key is disabled or pending deletion', async () => {
    await kms.send(new DisableKeyCommand({ KeyId: keyArn }));
    await expectAwsError(read('enc'), { code: 'AccessDeniedException', status: 400, message: refused('enc') });
    await expectAwsError(put('enc', ['while disabled']), { code: 'AccessDeniedException', status: 400, message: refused('enc') });
    await expectAwsError(logs.send(new FilterLogEventsCommand({ logGroupName: 'enc' })), { code: 'AccessDeniedException', status: 400 });
    expect((await queryResults('enc', 'fields @message')).status).toBe('Failed');
    expect(storedMessages('enc')).toHaveLength(3);
    await kms.send(new EnableKeyCommand({ KeyId: keyArn }));
    expect(await read('enc')).toEqual(['before the key', 'ERROR secret card=4111', 'INFO fine']);
  });

  it('stops sealing after DisassociateKmsKey; what it sealed still needs the key', async () => {
    await logs.send(new DisassociateKmsKeyCommand({ logGroupName: 'enc' }));
    expect((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'enc' }))).logGroups![0].kmsKeyId).toBeUndefined();
    await logs.send(new PutLogEventsCommand({ logGroupName: 'enc', logStreamName: 's', logEvents: [{ timestamp: now + 20, message: 'after' }] }));
    expect(storedMessages('enc').at(-1)).toEqual({ message: 'after', dataKey: null });
    const doomed = await newKey(LOGS_KEY_POLICY);
    await logs.send(new AssociateKmsKeyCommand({ resourceIdentifier: groupArn('plain-first'), kmsKeyId: doomed }));
    await put('plain-first', ['sealed under a key about to go']);
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: doomed, PendingWindowInDays: 7 }));
    await expectAwsError(read('plain-first'), { code: 'AccessDeniedException', status: 400, message: refused('plain-first') });
  });

  it('creates a group with its key at once', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'enc-born', kmsKeyId: keyArn }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: 'enc-born', logStreamName: 's' }));
    await put('enc-born', ['born sealed']);
    expect(Buffer.isBuffer(storedMessages('enc-born')[0].message)).toBe(true);
    expect(await read('enc-born')).toEqual(['born sealed']);
  });
});
