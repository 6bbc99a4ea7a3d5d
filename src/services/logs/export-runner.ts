/**
 * Export tasks write a log group's events to S3 as AWS lays them out:
 * `<destinationPrefix>/<taskId>/<logStreamName>/000000.gz`, one gzip object per stream (and another,
 * 000001.gz …, each time a stream's part passes PART_BYTES), each line the event's ISO timestamp, a
 * space and its message. Every S3 call goes through S3 as the service principal
 * `logs.<region>.amazonaws.com` (the bucket's policy must allow it, as on AWS), with the
 * bucket-owner-full-control ACL and the group as aws:SourceArn. The export is a job on the core
 * queue: PENDING → RUNNING → COMPLETED (or FAILED); CancelExportTask cancels it.
 */
import { gzipSync } from 'node:zlib';
import { type Scope, servicePrincipal } from '../../core/accounts.js';
import { AwsError } from '../../core/errors.js';
import type { InProcessCaller } from '../contracts.js';
import { groupArn, type LogsContext } from './common.js';
import { keyRing } from './encryption.js';
import type { GroupRow } from './store.js';
import type { ExportTaskRow } from './store-resources.js';

export const EXPORT_JOB = 'logs.export';

/** A stream's events go into one object until its uncompressed text passes this size. */
const PART_BYTES = 64 * 1024 * 1024;
/** Events read at a time; the event loop is free between reads. */
const CHUNK = 10_000;
/** The object CreateExportTask writes first to check that CloudWatch Logs may write to the bucket. */
export const WRITE_TEST_OBJECT = 'aws-logs-write-test';

/** How CloudWatch Logs calls S3 for a group's export. */
export function exportCaller(scope: Scope, group: GroupRow): InProcessCaller {
  return {
    principal: servicePrincipal(scope.account, `logs.${scope.region}.amazonaws.com`),
    account: scope.account,
    region: scope.region,
    sourceArn: groupArn(group),
    sourceAccount: group.account,
  };
}

/** The key of an object under the task's prefix (an empty prefix adds nothing). */
export function exportKey(prefix: string, ...parts: string[]): string {
  return [prefix, ...parts].filter((part) => part !== '').join('/');
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

async function putPart(c: LogsContext, task: ExportTaskRow, caller: InProcessCaller, stream: string, part: number, lines: string[]): Promise<void> {
  const key = exportKey(task.destination_prefix, task.id, stream, `${String(part).padStart(6, '0')}.gz`);
  await c.rt.call('s3', 'PutObject', { Bucket: task.destination, Key: key, Body: gzipSync(lines.join('')), ACL: 'bucket-owner-full-control', ContentType: 'application/octet-stream' }, caller);
}

/** Writes every selected stream's events in [from, to] to S3. */
async function exportEvents(c: LogsContext, task: ExportTaskRow, group: GroupRow, signal: AbortSignal): Promise<void> {
  const caller = exportCaller({ account: task.account, region: task.region }, group);
  const ring = await keyRing(c, group);
  const streams = c.store.streams(group.id, task.stream_prefix ?? undefined);
  for (const stream of streams) {
    let part = 0;
    let lines: string[] = [];
    let bytes = 0;
    let after = { ts: task.from_ms, id: 0 };
    for (;;) {
      const chunk = c.resources.streamChunk(stream.id, task.from_ms, task.to_ms, after, CHUNK);
      for (const event of chunk) {
        const line = `${new Date(event.ts).toISOString()} ${ring.text(event.message, event.data_key)}\n`;
        lines.push(line);
        bytes += line.length;
        if (bytes >= PART_BYTES) {
          await putPart(c, task, caller, stream.name, part++, lines);
          lines = [];
          bytes = 0;
        }
      }
      if (chunk.length < CHUNK) break;
      const last = chunk[chunk.length - 1];
      after = { ts: last.ts, id: last.id };
      await yieldToEventLoop();
      signal.throwIfAborted();
    }
    // A stream with nothing in the range gets no object.
    if (lines.length) await putPart(c, task, caller, stream.name, part, lines);
    signal.throwIfAborted();
  }
}

export async function runExport(c: LogsContext, id: string, signal: AbortSignal): Promise<void> {
  const task = c.resources.exportTask(id);
  if (!task) return;
  // A resumed task (the process died while it ran) is still RUNNING and is written again from the start.
  if (task.status === 'PENDING' && !c.resources.moveExport(id, 'PENDING', 'RUNNING', 'Started successfully', null)) return;
  if (task.status !== 'PENDING' && task.status !== 'RUNNING') return;
  const group = c.store.group({ account: task.account, region: task.region }, task.group_name);
  try {
    if (!group) throw new AwsError('ResourceNotFoundException', 'The specified log group does not exist.');
    await exportEvents(c, task, group, signal);
  } catch (err) {
    if (signal.aborted) throw err;
    c.resources.moveExport(id, 'RUNNING', 'FAILED', err instanceof Error ? err.message : String(err), c.rt.clock.now());
    return;
  }
  c.resources.moveExport(id, 'RUNNING', 'COMPLETED', 'Completed successfully', c.rt.clock.now());
}

export function registerExportRunner(c: LogsContext): void {
  c.rt.jobs.register(EXPORT_JOB, (job, info) => runExport(c, (job.payload as { id: string }).id, info.signal));
}
