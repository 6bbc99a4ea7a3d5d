/** CloudWatch Logs export tasks to S3: CreateExportTask, DescribeExportTasks, CancelExportTask (the writing is export-runner.ts). */
import type { CancelExportTaskRequest, CreateExportTaskRequest, CreateExportTaskResponse, DescribeExportTasksRequest, DescribeExportTasksResponse, ExportTask } from '@aws-sdk/client-cloudwatch-logs';
import { AwsError } from '../../../core/errors.js';
import { uuid } from '../../../core/ids.js';
import { pageToken } from '../../../core/pagination.js';
import type { RequestContext } from '../../../protocol/types.js';
import { invalid, type LogsContext, limitExceeded, requireGroup, scopeOf } from '../common.js';
import { EXPORT_JOB, exportCaller, exportKey, WRITE_TEST_OBJECT } from '../export-runner.js';
import type { ExportTaskRow } from '../store-resources.js';
import { readNextToken } from '../tokens.js';

const DEFAULT_PREFIX = 'exportedlogs';
const DEFAULT_DESCRIBE_EXPORTS = 50;
/** What AWS says when CloudWatch Logs may not do what an export needs on the bucket. */
const permissionHint = (call: string) => `${call} call on the given bucket failed. Please check if CloudWatch Logs has been granted permission to perform this operation.`;

function taskNotFound(): AwsError {
  return new AwsError('ResourceNotFoundException', 'The specified export task does not exist.');
}

function toExportTask(row: ExportTaskRow): ExportTask {
  return {
    taskId: row.id,
    ...(row.name !== null ? { taskName: row.name } : {}),
    logGroupName: row.group_name,
    from: row.from_ms,
    to: row.to_ms,
    destination: row.destination,
    destinationPrefix: row.destination_prefix,
    status: { code: row.status, ...(row.message !== null ? { message: row.message } : {}) },
    executionInfo: { creationTime: row.created_at, ...(row.completed_at !== null ? { completionTime: row.completed_at } : {}) },
  };
}

/**
 * Checks the bucket as AWS does before it accepts the task: it must exist, CloudWatch Logs must be
 * allowed s3:GetBucketAcl on it, and a test object must be writable under the prefix.
 */
async function checkDestination(c: LogsContext, input: CreateExportTaskRequest, ctx: RequestContext, prefix: string): Promise<void> {
  const scope = scopeOf(ctx);
  const caller = exportCaller(scope, requireGroup(c, scope, input.logGroupName!));
  try {
    await c.rt.call('s3', 'GetBucketAcl', { Bucket: input.destination! }, caller);
  } catch (err) {
    if (!(err instanceof AwsError)) throw err;
    if (err.code === 'NoSuchBucket') throw invalid('The given bucket does not exist. Please make sure the bucket is valid.');
    throw invalid(permissionHint('GetBucketAcl'));
  }
  try {
    const Body = Buffer.from('Permission Check Successful');
    await c.rt.call('s3', 'PutObject', { Bucket: input.destination!, Key: exportKey(prefix, WRITE_TEST_OBJECT), Body, ACL: 'bucket-owner-full-control' }, caller);
  } catch (err) {
    if (!(err instanceof AwsError)) throw err;
    throw invalid(permissionHint('PutObject'));
  }
}

export async function createExportTask(c: LogsContext, input: CreateExportTaskRequest, ctx: RequestContext): Promise<CreateExportTaskResponse> {
  const scope = scopeOf(ctx);
  if (input.from! > input.to!) throw invalid('The from time must be before the to time.');
  const prefix = input.destinationPrefix ?? DEFAULT_PREFIX;
  requireGroup(c, scope, input.logGroupName!);
  if (c.resources.activeExports(scope) > 0) throw limitExceeded();
  await checkDestination(c, input, ctx, prefix);
  return c.resources.tx(() => {
    // Checked again: the bucket checks let another request in.
    requireGroup(c, scope, input.logGroupName!);
    if (c.resources.activeExports(scope) > 0) throw limitExceeded();
    const row: ExportTaskRow = {
      id: uuid(),
      account: scope.account,
      region: scope.region,
      name: input.taskName ?? null,
      group_name: input.logGroupName!,
      stream_prefix: input.logStreamNamePrefix ?? null,
      from_ms: input.from!,
      to_ms: input.to!,
      destination: input.destination!,
      destination_prefix: prefix,
      status: 'PENDING',
      message: 'Pending',
      created_at: c.rt.clock.now(),
      completed_at: null,
      job_id: null,
    };
    c.resources.insertExport(row);
    c.resources.setExportJob(row.id, c.rt.jobs.enqueue(EXPORT_JOB, { id: row.id }));
    return { taskId: row.id };
  });
}

export function describeExportTasks(c: LogsContext, input: DescribeExportTasksRequest, ctx: RequestContext): DescribeExportTasksResponse {
  const limit = input.limit ?? DEFAULT_DESCRIBE_EXPORTS;
  const token = input.nextToken !== undefined ? readNextToken<{ a: number; i: string }>(input.nextToken, { a: 'number', i: 'string' }) : undefined;
  const rows = c.resources.listExports(scopeOf(ctx), { id: input.taskId, status: input.statusCode, after: token && { at: token.a, id: token.i }, limit: limit + 1 });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    exportTasks: page.map(toExportTask),
    ...(rows.length > limit ? { nextToken: pageToken({ a: last.created_at, i: last.id }) } : {}),
  };
}

export function cancelExportTask(c: LogsContext, input: CancelExportTaskRequest, ctx: RequestContext): void {
  const scope = scopeOf(ctx);
  c.resources.tx(() => {
    const row = c.resources.exportTask(input.taskId!);
    if (!row || row.account !== scope.account || row.region !== scope.region) throw taskNotFound();
    const now = c.rt.clock.now();
    const cancelled = (['PENDING', 'RUNNING'] as const).some((from) => c.resources.moveExport(row.id, from, 'CANCELLED', 'Cancelled by user', now));
    if (!cancelled) throw new AwsError('InvalidOperationException', `The export task with ID ${row.id} cannot be cancelled because it is in ${row.status} state.`);
    if (row.job_id !== null) c.rt.jobs.cancel(row.job_id);
  });
}
