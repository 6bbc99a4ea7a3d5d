import { gunzipSync } from 'node:zlib';
import {
  CancelExportTaskCommand,
  CloudWatchLogsClient,
  CreateExportTaskCommand,
  type CreateExportTaskRequest,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeExportTasksCommand,
  type ExportTask,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';

const MINUTE = 60_000;

/**
 * The bucket policy AWS documents for exports: CloudWatch Logs' Region principal may read the
 * bucket's ACL and write objects with the bucket-owner-full-control ACL. Drydock's S3 also checks
 * s3:PutObjectAcl for a write that sets an ACL, so the write statement names both actions.
 */
function exportPolicy(bucket: string): string {
  const principal = { Service: 'logs.us-east-1.amazonaws.com' };
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: principal, Action: 's3:GetBucketAcl', Resource: `arn:aws:s3:::${bucket}` },
      {
        Effect: 'Allow',
        Principal: principal,
        Action: ['s3:PutObject', 's3:PutObjectAcl'],
        Resource: `arn:aws:s3:::${bucket}/*`,
        Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control' } },
      },
    ],
  });
}

describe('CloudWatch Logs export tasks', () => {
  const server = useServer();
  let logs: CloudWatchLogsClient;
  let s3: S3Client;
  let t0: number;

  const text = async (bucket: string, key: string) => {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await object.Body!.transformToByteArray());
  };
  const keys = async (bucket: string) => ((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key!);
  const task = async (taskId: string): Promise<ExportTask> => (await logs.send(new DescribeExportTasksCommand({ taskId }))).exportTasks![0];
  /** Polls until the task ends (it runs as a job writing to S3; nothing here waits on Drydock's clock). */
  async function ended(taskId: string): Promise<ExportTask> {
    for (;;) {
      const current = await task(taskId);
      if (!['PENDING', 'RUNNING'].includes(current.status!.code!)) return current;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
  const create = (input: Partial<CreateExportTaskRequest>) => logs.send(new CreateExportTaskCommand({ logGroupName: 'app', from: t0, to: t0 + 60 * MINUTE, destination: 'exports', ...input }));

  beforeAll(async () => {
    logs = new CloudWatchLogsClient(server.clientConfig);
    s3 = new S3Client(server.clientConfig);
    for (const bucket of ['exports', 'closed']) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutBucketPolicyCommand({ Bucket: 'exports', Policy: exportPolicy('exports') }));
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'app' }));
    for (const stream of ['web-1', 'web-2', 'worker']) await logs.send(new CreateLogStreamCommand({ logGroupName: 'app', logStreamName: stream }));
    const now = server.runtime.clock.now();
    t0 = now - (now % MINUTE) - 2 * 60 * MINUTE;
    const put = (stream: string, events: [number, string][]) =>
      logs.send(new PutLogEventsCommand({ logGroupName: 'app', logStreamName: stream, logEvents: events.map(([minutes, message]) => ({ timestamp: t0 + minutes * MINUTE, message })) }));
    await put('web-1', [
      [1, 'GET /a 200'],
      [2, 'GET /b 500'],
      [90, 'outside the range'],
    ]);
    await put('web-2', [[3, 'POST /c 201 caf\u00e9']]);
    await put('worker', [[4, 'job done']]);
  });

  it('writes each stream of the range to <prefix>/<taskId>/<stream>/000000.gz, gzip, as timestamped lines', async () => {
    const { taskId } = await create({ taskName: 'first', destinationPrefix: 'out' });
    const done = await ended(taskId!);
    expect(done).toMatchObject({
      taskId,
      taskName: 'first',
      logGroupName: 'app',
      from: t0,
      to: t0 + 60 * MINUTE,
      destination: 'exports',
      destinationPrefix: 'out',
      status: { code: 'COMPLETED' },
      executionInfo: { creationTime: expect.any(Number), completionTime: expect.any(Number) },
    });
    expect((await keys('exports')).sort()).toEqual(['out/aws-logs-write-test', `out/${taskId}/web-1/000000.gz`, `out/${taskId}/web-2/000000.gz`, `out/${taskId}/worker/000000.gz`].sort());
    const iso = (minutes: number) => new Date(t0 + minutes * MINUTE).toISOString();
    expect(gunzipSync(await text('exports', `out/${taskId}/web-1/000000.gz`)).toString()).toBe(`${iso(1)} GET /a 200\n${iso(2)} GET /b 500\n`);
    expect(gunzipSync(await text('exports', `out/${taskId}/web-2/000000.gz`)).toString()).toBe(`${iso(3)} POST /c 201 caf\u00e9\n`);
    expect((await text('exports', 'out/aws-logs-write-test')).toString()).toBe('Permission Check Successful');
  });

  it('exports only streams with the prefix, under the default prefix exportedlogs', async () => {
    const { taskId } = await create({ logStreamNamePrefix: 'web-2' });
    expect((await ended(taskId!)).status!.code).toBe('COMPLETED');
    expect((await keys('exports')).filter((k) => k.includes(taskId!))).toEqual([`exportedlogs/${taskId}/web-2/000000.gz`]);
  });

  it('refuses a bucket CloudWatch Logs may not use, or that does not exist, with nothing written', async () => {
    const before = (await logs.send(new DescribeExportTasksCommand({}))).exportTasks!.length;
    await expectAwsError(create({ destination: 'closed' }), {
      code: 'InvalidParameterException',
      status: 400,
      message: 'GetBucketAcl call on the given bucket failed. Please check if CloudWatch Logs has been granted permission to perform this operation.',
    });
    await expectAwsError(create({ destination: 'no-such-bucket' }), { code: 'InvalidParameterException', status: 400 });
    await expectAwsError(create({ logGroupName: 'nope' }), { code: 'ResourceNotFoundException', status: 400, message: 'The specified log group does not exist.' });
    await expectAwsError(create({ from: t0 + MINUTE, to: t0 }), { code: 'InvalidParameterException', status: 400 });
    expect((await logs.send(new DescribeExportTasksCommand({}))).exportTasks!.length).toBe(before);
    expect(await keys('closed')).toEqual([]);
  });

  it('runs one task at a time, cancels a pending one, and lists tasks newest first by status', async () => {
    const jobs = server.runtime.jobs;
    jobs.stop();
    let taskId: string | undefined;
    try {
      taskId = (await create({ destinationPrefix: 'held' })).taskId;
      expect((await task(taskId!)).status).toEqual({ code: 'PENDING', message: 'Pending' });
      await expectAwsError(create({}), { code: 'LimitExceededException', status: 400, message: 'Resource limit exceeded.' });
      await logs.send(new CancelExportTaskCommand({ taskId }));
      await expectAwsError(logs.send(new CancelExportTaskCommand({ taskId })), { code: 'InvalidOperationException', status: 400 });
    } finally {
      jobs.start();
    }
    expect((await task(taskId!)).status).toEqual({ code: 'CANCELLED', message: 'Cancelled by user' });
    expect((await keys('exports')).filter((k) => k.includes(taskId!))).toEqual([]);
    const all = (await logs.send(new DescribeExportTasksCommand({}))).exportTasks!;
    expect(all[0].taskId).toBe(taskId);
    expect((await logs.send(new DescribeExportTasksCommand({ statusCode: 'CANCELLED' }))).exportTasks!.map((t) => t.taskId)).toEqual([taskId]);
    const page = await logs.send(new DescribeExportTasksCommand({ limit: 1 }));
    expect(page.exportTasks).toHaveLength(1);
    expect((await logs.send(new DescribeExportTasksCommand({ limit: 1, nextToken: page.nextToken }))).exportTasks).toHaveLength(1);
    await expectAwsError(logs.send(new CancelExportTaskCommand({ taskId: 'no-such-task' })), { code: 'ResourceNotFoundException', status: 400 });
  });
});
