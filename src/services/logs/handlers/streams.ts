/** CloudWatch Logs log streams: CreateLogStream, DeleteLogStream, DescribeLogStreams. */
import type { CreateLogStreamRequest, DeleteLogStreamRequest, DescribeLogStreamsRequest, DescribeLogStreamsResponse, LogStream } from '@aws-sdk/client-cloudwatch-logs';
import { AwsError } from '../../../core/errors.js';
import { pageToken } from '../../../core/pagination.js';
import type { RequestContext } from '../../../protocol/types.js';
import { DEFAULT_DESCRIBE_LIMIT, groupArn, groupOfRequest, invalid, type LogsContext, requireGroup, scopeOf, streamNotFound } from '../common.js';
import type { GroupRow, StreamRow } from '../store.js';
import { readNextToken, sequenceToken } from '../tokens.js';

export function toLogStream(group: GroupRow, stream: StreamRow): LogStream {
  return {
    logStreamName: stream.name,
    creationTime: stream.created_at,
    ...(stream.first_event_ts !== null ? { firstEventTimestamp: stream.first_event_ts } : {}),
    ...(stream.last_event_ts !== null ? { lastEventTimestamp: stream.last_event_ts } : {}),
    ...(stream.last_ingestion !== null ? { lastIngestionTime: stream.last_ingestion } : {}),
    ...(stream.sequence > 0 ? { uploadSequenceToken: sequenceToken(stream.id, stream.sequence) } : {}),
    arn: `${groupArn(group)}:log-stream:${stream.name}`,
    // AWS has reported zero for streams since 2019; the group's storedBytes carries the total.
    storedBytes: 0,
  };
}

export function createLogStream(c: LogsContext, input: CreateLogStreamRequest, ctx: RequestContext): void {
  c.store.tx(() => {
    const group = requireGroup(c, scopeOf(ctx), input.logGroupName!);
    if (c.store.stream(group.id, input.logStreamName!)) throw new AwsError('ResourceAlreadyExistsException', 'The specified log stream already exists');
    c.store.createStream(group.id, input.logStreamName!, c.rt.clock.now());
  });
}

export function deleteLogStream(c: LogsContext, input: DeleteLogStreamRequest, ctx: RequestContext): void {
  c.store.tx(() => {
    const group = requireGroup(c, scopeOf(ctx), input.logGroupName!);
    const stream = c.store.stream(group.id, input.logStreamName!);
    if (!stream) throw streamNotFound();
    // Deletion protection "blocks all deletion operations" on the group, its streams included.
    if (group.deletion_protection) throw new AwsError('ValidationException', 'Cannot delete log stream in a log group with deletion protection enabled. Disable deletion protection first.');
    c.store.deleteStream(stream.id);
  });
}

export function describeLogStreams(c: LogsContext, input: DescribeLogStreamsRequest, ctx: RequestContext): DescribeLogStreamsResponse {
  const orderBy = input.orderBy ?? 'LogStreamName';
  if (orderBy === 'LastEventTime' && input.logStreamNamePrefix !== undefined) {
    throw invalid('Cannot order by LastEventTime with a logStreamNamePrefix.');
  }
  const group = groupOfRequest(c, scopeOf(ctx), input);
  const limit = input.limit ?? DEFAULT_DESCRIBE_LIMIT;
  const token = input.nextToken === undefined ? undefined : readNextToken<{ k: number; n: string }>(input.nextToken, { k: 'number', n: 'string' });
  const after = token && { key: token.k, name: token.n };
  const rows = c.store.listStreams({ groupId: group.id, prefix: input.logStreamNamePrefix, orderBy, descending: input.descending ?? false, after, limit: limit + 1 });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    logStreams: page.map((s) => toLogStream(group, s)),
    ...(rows.length > limit ? { nextToken: pageToken({ k: last.last_event_ts ?? 0, n: last.name }) } : {}),
  };
}
