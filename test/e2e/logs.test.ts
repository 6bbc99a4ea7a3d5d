import { rmSync } from 'node:fs';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteLogGroupCommand,
  DeleteLogStreamCommand,
  DeleteRetentionPolicyCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  GetLogEventsCommand,
  ListTagsForResourceCommand,
  ListTagsLogGroupCommand,
  type LogGroup,
  type LogStream,
  PutLogEventsCommand,
  PutLogGroupDeletionProtectionCommand,
  PutRetentionPolicyCommand,
  paginateDescribeLogGroups,
  paginateDescribeLogStreams,
  TagLogGroupCommand,
  TagResourceCommand,
  UntagLogGroupCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers.js';

const DAY = 86_400_000;

describe('CloudWatch Logs: groups, streams, retention, tags', () => {
  let server: TestServer;
  let logs: CloudWatchLogsClient;
  beforeAll(async () => {
    server = await startTestServer();
    logs = new CloudWatchLogsClient(server.clientConfig);
  });
  afterAll(async () => server.stop());

  const now = () => server.runtime.clock.now();
  /** Moves Drydock's clock (signatures are checked against the wall clock, so clients are unaffected). */
  const advance = (ms: number) => server.runtime.clock.advance(ms);

  describe('log groups', () => {
    it('creates a group with tags, KMS key and class, and describes it like AWS', async () => {
      // The key must let CloudWatch Logs use it (test/e2e/logs-kms.test.ts covers the refusals).
      const policy = JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'kms:*', Resource: '*' },
          { Effect: 'Allow', Principal: { Service: 'logs.us-east-1.amazonaws.com' }, Action: ['kms:GenerateDataKey*', 'kms:Decrypt*'], Resource: '*' },
        ],
      });
      const keyArn = (await new KMSClient(server.clientConfig).send(new CreateKeyCommand({ Policy: policy }))).KeyMetadata!.Arn!;
      await logs.send(new CreateLogGroupCommand({ logGroupName: '/app/web', tags: { team: 'core' }, kmsKeyId: keyArn, logGroupClass: 'INFREQUENT_ACCESS' }));
      const { logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/app/web' }));
      expect(logGroups).toHaveLength(1);
      const g = logGroups![0];
      expect(g).toMatchObject({
        logGroupName: '/app/web',
        arn: 'arn:aws:logs:us-east-1:000000000000:log-group:/app/web:*',
        logGroupArn: 'arn:aws:logs:us-east-1:000000000000:log-group:/app/web',
        storedBytes: 0,
        metricFilterCount: 0,
        kmsKeyId: keyArn,
        logGroupClass: 'INFREQUENT_ACCESS',
      });
      expect(g.retentionInDays).toBeUndefined();
      expect(Math.abs(g.creationTime! - now())).toBeLessThan(10_000);
      expect((await logs.send(new ListTagsLogGroupCommand({ logGroupName: '/app/web' }))).tags).toEqual({ team: 'core' });
    });

    it('defaults the class to STANDARD', async () => {
      await logs.send(new CreateLogGroupCommand({ logGroupName: 'plain' }));
      const { logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'plain' }));
      expect(logGroups![0].logGroupClass).toBe('STANDARD');
    });

    it('refuses duplicates, bad names and the reserved aws/ prefix', async () => {
      await expect(logs.send(new CreateLogGroupCommand({ logGroupName: '/app/web' }))).rejects.toMatchObject({
        name: 'ResourceAlreadyExistsException',
        message: 'The specified log group already exists',
        $metadata: { httpStatusCode: 400 },
      });
      await expect(logs.send(new CreateLogGroupCommand({ logGroupName: 'bad:name' }))).rejects.toMatchObject({
        name: 'InvalidParameterException',
        message: expect.stringContaining("at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern"),
        $metadata: { httpStatusCode: 400 },
      });
      await expect(logs.send(new CreateLogGroupCommand({ logGroupName: 'x'.repeat(513) }))).rejects.toMatchObject({
        name: 'InvalidParameterException',
        message: expect.stringContaining('Member must have length less than or equal to 512'),
      });
      await expect(logs.send(new CreateLogGroupCommand({ logGroupName: 'aws/mine' }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
      await expect(logs.send(new CreateLogGroupCommand({ logGroupName: 'ok', tags: { 'aws:x': '1' } }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
      await expect(logs.send(new CreateLogGroupCommand({ logGroupName: 'ok', logGroupClass: 'CHEAP' as never }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
    });

    it('filters by prefix or by substring pattern (both case-sensitive), never both', async () => {
      for (const name of ['/svc/Alpha', '/svc/beta', '/svc/alphabet', '/other/ALPHA']) await logs.send(new CreateLogGroupCommand({ logGroupName: name }));
      const names = (groups: LogGroup[] | undefined) => groups!.map((g) => g.logGroupName);
      expect(names((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/svc/a' }))).logGroups)).toEqual(['/svc/alphabet']);
      expect(names((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePattern: 'lpha' }))).logGroups)).toEqual(['/svc/Alpha', '/svc/alphabet']);
      const byPattern = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePattern: 'ALPHA' }));
      // A pattern search answers only the name, creation time and arn.
      expect(byPattern.logGroups).toEqual([{ logGroupName: '/other/ALPHA', creationTime: expect.any(Number), arn: 'arn:aws:logs:us-east-1:000000000000:log-group:/other/ALPHA:*' }]);
      await expect(logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/svc', logGroupNamePattern: 'a' }))).rejects.toMatchObject({
        name: 'InvalidParameterException',
        message: 'LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.',
      });
      expect(names((await logs.send(new DescribeLogGroupsCommand({ logGroupClass: 'INFREQUENT_ACCESS' }))).logGroups)).toEqual(['/app/web']);
      expect(names((await logs.send(new DescribeLogGroupsCommand({ logGroupIdentifiers: ['/svc/beta', 'arn:aws:logs:us-east-1:000000000000:log-group:/svc/Alpha'] }))).logGroups)).toEqual([
        '/svc/Alpha',
        '/svc/beta',
      ]);
    });

    it('paginates with limit and nextToken, limit within 1..50', async () => {
      for (let i = 0; i < 7; i++) await logs.send(new CreateLogGroupCommand({ logGroupName: `/page/g${i}` }));
      const first = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/page/', limit: 3 }));
      expect(first.logGroups!.map((g) => g.logGroupName)).toEqual(['/page/g0', '/page/g1', '/page/g2']);
      expect(first.nextToken).toBeTruthy();
      const seen: string[] = [];
      for await (const page of paginateDescribeLogGroups({ client: logs, pageSize: 3 }, { logGroupNamePrefix: '/page/' })) {
        seen.push(...page.logGroups!.map((g) => g.logGroupName!));
      }
      expect(seen).toEqual(['/page/g0', '/page/g1', '/page/g2', '/page/g3', '/page/g4', '/page/g5', '/page/g6']);
      const last = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/page/', limit: 7 }));
      expect(last.nextToken).toBeUndefined();
      await expect(logs.send(new DescribeLogGroupsCommand({ limit: 51 }))).rejects.toMatchObject({ name: 'InvalidParameterException', message: expect.stringContaining('less than or equal to 50') });
      await expect(logs.send(new DescribeLogGroupsCommand({ limit: 0 }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
      await expect(logs.send(new DescribeLogGroupsCommand({ nextToken: 'garbage!' }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
    });

    it('deletes a group with its streams and events; deletion protection blocks it', async () => {
      await logs.send(new CreateLogGroupCommand({ logGroupName: 'doomed' }));
      await logs.send(new CreateLogStreamCommand({ logGroupName: 'doomed', logStreamName: 's' }));
      await logs.send(new PutLogEventsCommand({ logGroupName: 'doomed', logStreamName: 's', logEvents: [{ timestamp: now(), message: 'bye' }] }));
      await logs.send(new PutLogGroupDeletionProtectionCommand({ logGroupIdentifier: 'doomed', deletionProtectionEnabled: true }));
      await expect(logs.send(new DeleteLogGroupCommand({ logGroupName: 'doomed' }))).rejects.toMatchObject({
        name: 'ValidationException',
        message: 'Cannot delete log group with deletion protection enabled. Disable deletion protection first.',
        $metadata: { httpStatusCode: 400 },
      });
      await expect(logs.send(new DeleteLogStreamCommand({ logGroupName: 'doomed', logStreamName: 's' }))).rejects.toMatchObject({ name: 'ValidationException' });
      expect((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'doomed' }))).logGroups![0].deletionProtectionEnabled).toBe(true);
      await logs.send(new PutLogGroupDeletionProtectionCommand({ logGroupIdentifier: 'doomed', deletionProtectionEnabled: false }));
      await logs.send(new DeleteLogGroupCommand({ logGroupName: 'doomed' }));
      await expect(logs.send(new DeleteLogGroupCommand({ logGroupName: 'doomed' }))).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
        message: 'The specified log group does not exist.',
        $metadata: { httpStatusCode: 400 },
      });
      // Re-created, it starts empty.
      await logs.send(new CreateLogGroupCommand({ logGroupName: 'doomed' }));
      expect((await logs.send(new DescribeLogStreamsCommand({ logGroupName: 'doomed' }))).logStreams).toEqual([]);
      expect((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'doomed' }))).logGroups![0].storedBytes).toBe(0);
    });

    it('keeps accounts and regions apart', async () => {
      const other = new CloudWatchLogsClient({ ...server.clientConfig, credentials: { accessKeyId: '111111111111', secretAccessKey: 'test' } });
      const west = new CloudWatchLogsClient({ ...server.clientConfig, region: 'eu-west-1' });
      await other.send(new CreateLogGroupCommand({ logGroupName: '/app/web' }));
      await west.send(new CreateLogGroupCommand({ logGroupName: '/app/web' }));
      const { logGroups } = await west.send(new DescribeLogGroupsCommand({}));
      expect(logGroups!.map((g) => g.arn)).toEqual(['arn:aws:logs:eu-west-1:000000000000:log-group:/app/web:*']);
      expect((await other.send(new ListTagsLogGroupCommand({ logGroupName: '/app/web' }))).tags).toEqual({});
    });
  });

  describe('log streams', () => {
    beforeAll(async () => {
      await logs.send(new CreateLogGroupCommand({ logGroupName: 'streams' }));
    });

    it('creates, refuses duplicates and bad names, and needs the group', async () => {
      await logs.send(new CreateLogStreamCommand({ logGroupName: 'streams', logStreamName: 'a' }));
      await expect(logs.send(new CreateLogStreamCommand({ logGroupName: 'streams', logStreamName: 'a' }))).rejects.toMatchObject({
        name: 'ResourceAlreadyExistsException',
        message: 'The specified log stream already exists',
      });
      await expect(logs.send(new CreateLogStreamCommand({ logGroupName: 'nope', logStreamName: 'a' }))).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
        message: 'The specified log group does not exist.',
      });
      await expect(logs.send(new CreateLogStreamCommand({ logGroupName: 'streams', logStreamName: 'has:colon' }))).rejects.toMatchObject({
        name: 'InvalidParameterException',
        message: expect.stringContaining('[^:*]*'),
      });
    });

    it('describes streams with event times, sequence token and ARN', async () => {
      await logs.send(new CreateLogStreamCommand({ logGroupName: 'streams', logStreamName: 'b' }));
      const t = now();
      await logs.send(
        new PutLogEventsCommand({
          logGroupName: 'streams',
          logStreamName: 'b',
          logEvents: [
            { timestamp: t - 5000, message: 'one' },
            { timestamp: t - 1000, message: 'two' },
          ],
        }),
      );
      const { logStreams } = await logs.send(new DescribeLogStreamsCommand({ logGroupName: 'streams', logStreamNamePrefix: 'b' }));
      expect(logStreams).toHaveLength(1);
      const s = logStreams![0];
      expect(s).toMatchObject({
        logStreamName: 'b',
        firstEventTimestamp: t - 5000,
        lastEventTimestamp: t - 1000,
        arn: 'arn:aws:logs:us-east-1:000000000000:log-group:streams:log-stream:b',
        storedBytes: 0,
      });
      expect(s.uploadSequenceToken).toMatch(/^\d{56}$/);
      expect(s.lastIngestionTime).toBeGreaterThanOrEqual(t);
      const a = (await logs.send(new DescribeLogStreamsCommand({ logGroupName: 'streams', logStreamNamePrefix: 'a' }))).logStreams![0];
      expect(a.firstEventTimestamp).toBeUndefined();
      expect(a.uploadSequenceToken).toBeUndefined();
      // The group's storedBytes counts the messages.
      expect((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'streams' }))).logGroups![0].storedBytes).toBe(6);
    });

    it('orders by name or last event time, ascending or descending, and paginates', async () => {
      await logs.send(new CreateLogGroupCommand({ logGroupName: 'ordering' }));
      const t = now();
      // Stream names in one order, last event times in another.
      const streams: [string, number][] = [
        ['s1', 30],
        ['s2', 10],
        ['s3', 20],
        ['s4', 40],
      ];
      for (const [name, age] of streams) {
        await logs.send(new CreateLogStreamCommand({ logGroupName: 'ordering', logStreamName: name }));
        await logs.send(new PutLogEventsCommand({ logGroupName: 'ordering', logStreamName: name, logEvents: [{ timestamp: t - age * 1000, message: name }] }));
      }
      const names = (list: LogStream[] | undefined) => list!.map((s) => s.logStreamName!);
      expect(names((await logs.send(new DescribeLogStreamsCommand({ logGroupName: 'ordering' }))).logStreams)).toEqual(['s1', 's2', 's3', 's4']);
      expect(names((await logs.send(new DescribeLogStreamsCommand({ logGroupName: 'ordering', descending: true }))).logStreams)).toEqual(['s4', 's3', 's2', 's1']);
      expect(names((await logs.send(new DescribeLogStreamsCommand({ logGroupName: 'ordering', orderBy: 'LastEventTime' }))).logStreams)).toEqual(['s4', 's1', 's3', 's2']);
      const collected: string[] = [];
      for await (const page of paginateDescribeLogStreams({ client: logs, pageSize: 1 }, { logGroupName: 'ordering', orderBy: 'LastEventTime', descending: true })) {
        expect(page.logStreams!.length).toBeLessThanOrEqual(1);
        collected.push(...names(page.logStreams));
      }
      expect(collected).toEqual(['s2', 's3', 's1', 's4']);
      const byName: string[] = [];
      let token: string | undefined;
      do {
        const page = await logs.send(new DescribeLogStreamsCommand({ logGroupName: 'ordering', limit: 3, nextToken: token, descending: true }));
        byName.push(...names(page.logStreams));
        token = page.nextToken;
      } while (token);
      expect(byName).toEqual(['s4', 's3', 's2', 's1']);
      // The ARN works as logGroupIdentifier.
      const viaArn = await logs.send(new DescribeLogStreamsCommand({ logGroupIdentifier: 'arn:aws:logs:us-east-1:000000000000:log-group:ordering', limit: 1 }));
      expect(names(viaArn.logStreams)).toEqual(['s1']);
    });

    it('refuses a prefix with orderBy LastEventTime, and both name and identifier', async () => {
      await expect(logs.send(new DescribeLogStreamsCommand({ logGroupName: 'ordering', orderBy: 'LastEventTime', logStreamNamePrefix: 's' }))).rejects.toMatchObject({
        name: 'InvalidParameterException',
        message: 'Cannot order by LastEventTime with a logStreamNamePrefix.',
        $metadata: { httpStatusCode: 400 },
      });
      await expect(logs.send(new DescribeLogStreamsCommand({ logGroupName: 'ordering', logGroupIdentifier: 'ordering' }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
      await expect(logs.send(new DescribeLogStreamsCommand({}))).rejects.toMatchObject({ name: 'InvalidParameterException' });
      await expect(logs.send(new DescribeLogStreamsCommand({ logGroupName: 'missing' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    });

    it('deletes a stream and its events', async () => {
      await logs.send(new DeleteLogStreamCommand({ logGroupName: 'streams', logStreamName: 'b' }));
      await expect(logs.send(new DeleteLogStreamCommand({ logGroupName: 'streams', logStreamName: 'b' }))).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
        message: 'The specified log stream does not exist.',
      });
      await expect(logs.send(new GetLogEventsCommand({ logGroupName: 'streams', logStreamName: 'b' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
      expect((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'streams' }))).logGroups![0].storedBytes).toBe(0);
      await expect(logs.send(new DeleteLogStreamCommand({ logGroupName: 'nogroup', logStreamName: 'b' }))).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
        message: 'The specified log group does not exist.',
      });
    });
  });

  describe('retention', () => {
    it('accepts only the documented day values', async () => {
      await logs.send(new CreateLogGroupCommand({ logGroupName: 'kept' }));
      await expect(logs.send(new PutRetentionPolicyCommand({ logGroupName: 'kept', retentionInDays: 2 }))).rejects.toMatchObject({
        name: 'InvalidParameterException',
        message: expect.stringContaining("Value '2' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [1, 3, 5, 7, 14, 30"),
        $metadata: { httpStatusCode: 400 },
      });
      await expect(logs.send(new PutRetentionPolicyCommand({ logGroupName: 'absent', retentionInDays: 1 }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
      for (const days of [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]) {
        await logs.send(new PutRetentionPolicyCommand({ logGroupName: 'kept', retentionInDays: days }));
      }
      expect((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'kept' }))).logGroups![0].retentionInDays).toBe(3653);
      await logs.send(new DeleteRetentionPolicyCommand({ logGroupName: 'kept' }));
      expect((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'kept' }))).logGroups![0].retentionInDays).toBeUndefined();
    });

    it('hides events older than the retention period once time passes, then purges them', async () => {
      await logs.send(new CreateLogGroupCommand({ logGroupName: 'short' }));
      await logs.send(new CreateLogStreamCommand({ logGroupName: 'short', logStreamName: 's' }));
      await logs.send(new PutRetentionPolicyCommand({ logGroupName: 'short', retentionInDays: 1 }));
      const t = now();
      await logs.send(
        new PutLogEventsCommand({
          logGroupName: 'short',
          logStreamName: 's',
          logEvents: [
            { timestamp: t - 20 * 3_600_000, message: 'old' },
            { timestamp: t, message: 'new' },
          ],
        }),
      );
      const read = async () => (await logs.send(new GetLogEventsCommand({ logGroupName: 'short', logStreamName: 's', startFromHead: true }))).events!.map((e) => e.message);
      expect(await read()).toEqual(['old', 'new']);
      advance(6 * 3_600_000);
      expect(await read()).toEqual(['new']);
      // Writing to the group purges what expired; storedBytes follows.
      await logs.send(new PutLogEventsCommand({ logGroupName: 'short', logStreamName: 's', logEvents: [{ timestamp: now(), message: 'newer' }] }));
      expect((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'short' }))).logGroups![0].storedBytes).toBe('new'.length + 'newer'.length);
      // Events older than retention are rejected as expired.
      const put = await logs.send(
        new PutLogEventsCommand({
          logGroupName: 'short',
          logStreamName: 's',
          logEvents: [
            { timestamp: now() - 2 * DAY, message: 'stale' },
            { timestamp: now(), message: 'fresh' },
          ],
        }),
      );
      expect(put.rejectedLogEventsInfo).toEqual({ expiredLogEventEndIndex: 1 });
      expect(await read()).toEqual(['new', 'newer', 'fresh']);
    });
  });

  describe('tags', () => {
    const groupArn = 'arn:aws:logs:us-east-1:000000000000:log-group:tagged';
    beforeAll(async () => {
      await logs.send(new CreateLogGroupCommand({ logGroupName: 'tagged', tags: { a: '1' } }));
    });

    it('TagLogGroup / UntagLogGroup / ListTagsLogGroup', async () => {
      await logs.send(new TagLogGroupCommand({ logGroupName: 'tagged', tags: { b: '2', a: 'one' } }));
      expect((await logs.send(new ListTagsLogGroupCommand({ logGroupName: 'tagged' }))).tags).toEqual({ a: 'one', b: '2' });
      await logs.send(new UntagLogGroupCommand({ logGroupName: 'tagged', tags: ['a', 'zzz'] }));
      expect((await logs.send(new ListTagsLogGroupCommand({ logGroupName: 'tagged' }))).tags).toEqual({ b: '2' });
      await expect(logs.send(new TagLogGroupCommand({ logGroupName: 'untagged', tags: { a: '1' } }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
      await expect(logs.send(new ListTagsLogGroupCommand({ logGroupName: 'untagged' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    });

    it('TagResource / UntagResource / ListTagsForResource with the group ARN', async () => {
      await logs.send(new TagResourceCommand({ resourceArn: groupArn, tags: { env: 'prod' } }));
      expect((await logs.send(new ListTagsForResourceCommand({ resourceArn: groupArn }))).tags).toEqual({ b: '2', env: 'prod' });
      // The `:*` form DescribeLogGroups reports in `arn` is not a resource ARN (the model's pattern refuses `*`).
      await expect(logs.send(new ListTagsForResourceCommand({ resourceArn: `${groupArn}:*` }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
      await logs.send(new UntagResourceCommand({ resourceArn: groupArn, tagKeys: ['b'] }));
      expect((await logs.send(new ListTagsLogGroupCommand({ logGroupName: 'tagged' }))).tags).toEqual({ env: 'prod' });
      await expect(logs.send(new ListTagsForResourceCommand({ resourceArn: 'arn:aws:logs:us-east-1:000000000000:log-group:ghost' }))).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
        $metadata: { httpStatusCode: 400 },
      });
      await expect(logs.send(new TagResourceCommand({ resourceArn: 'arn:aws:s3:::bucket', tags: { a: 'b' } }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
    });

    it('caps tags at 50 with TooManyTagsException and writes nothing', async () => {
      const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v']));
      await expect(logs.send(new TagResourceCommand({ resourceArn: groupArn, tags: many }))).rejects.toMatchObject({
        name: 'TooManyTagsException',
        $metadata: { httpStatusCode: 400 },
      });
      expect((await logs.send(new ListTagsForResourceCommand({ resourceArn: groupArn }))).tags).toEqual({ env: 'prod' });
      await expect(logs.send(new TagLogGroupCommand({ logGroupName: 'tagged', tags: many }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
      await expect(logs.send(new TagResourceCommand({ resourceArn: groupArn, tags: { 'aws:reserved': 'x' } }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
    });
  });

  it('survives a restart of the server on the same data directory', async () => {
    // One Drydock per data directory: the first stops before the second starts on its directory.
    const { dataDir } = server;
    await server.close();
    const restarted = await startTestServer({ dataDir });
    // The file's afterAll stops the restarted server, and deletes the directory the first one made.
    server = { ...restarted, stop: () => restarted.stop().then(() => rmSync(dataDir, { recursive: true, force: true })) };
    const client = new CloudWatchLogsClient(restarted.clientConfig);
    const { logGroups } = await client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/app/web' }));
    expect(logGroups!.map((g) => g.logGroupName)).toEqual(['/app/web']);
  });
});
