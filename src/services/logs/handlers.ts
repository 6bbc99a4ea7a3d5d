import type {
  CreateLogGroupRequest,
  CreateLogStreamRequest,
  DeleteLogGroupRequest,
  DeleteLogStreamRequest,
  DeleteRetentionPolicyRequest,
  DescribeLogGroupsRequest,
  DescribeLogGroupsResponse,
  DescribeLogStreamsRequest,
  DescribeLogStreamsResponse,
  FilterLogEventsRequest,
  FilterLogEventsResponse,
  FilteredLogEvent,
  GetLogEventsRequest,
  GetLogEventsResponse,
  InputLogEvent,
  ListTagsForResourceRequest,
  ListTagsForResourceResponse,
  ListTagsLogGroupRequest,
  ListTagsLogGroupResponse,
  LogGroup,
  LogStream,
  OutputLogEvent,
  PutLogEventsRequest,
  PutLogEventsResponse,
  PutLogGroupDeletionProtectionRequest,
  PutRetentionPolicyRequest,
  RejectedLogEventsInfo,
  TagLogGroupRequest,
  TagResourceRequest,
  UntagLogGroupRequest,
  UntagResourceRequest,
} from '@aws-sdk/client-cloudwatch-logs';
import type { Handlers, RequestContext } from '../../protocol/types.js';
import type { Runtime } from '../contracts.js';
import { AwsError } from '../../core/errors.js';
import { arn, parseArn } from '../../core/arn.js';
import type { EventPosition, EventRow, GroupRow, LogsStore, StreamRow, TimeRange } from './store.js';
import { compileFilterPattern, FilterPatternError } from './filter-pattern.js';
import { eventId, pageToken, parsePageToken, parseStreamToken, sequenceToken, streamToken } from './tokens.js';

/** Where a log group lives: CloudWatch Logs is regional and per account. */
export interface LogsScope {
  account: string;
  region: string;
}

export interface LogEventInput {
  timestamp: number;
  message: string;
}

/** The typed interface other services (CodeBuild, Lambda …) use to write logs. */
export interface LogsApi {
  /** Creates the group unless it exists. */
  ensureLogGroup(scope: LogsScope, group: string): void;
  /** Creates the group and stream unless they exist. */
  ensureLogStream(scope: LogsScope, group: string, stream: string): void;
  /**
   * Appends events with PutLogEvents' rules (chronological order, batch limits, rejection of events
   * too old or too new) and resolves once they are committed to disk.
   */
  putLogEvents(scope: LogsScope, group: string, stream: string, events: LogEventInput[]): Promise<PutLogEventsResponse>;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** The retention periods AWS accepts, in days. */
const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
const MAX_BATCH_BYTES = 1_048_576;
/** PutLogEvents counts this much per event on top of its UTF-8 message. */
const EVENT_OVERHEAD_BYTES = 26;
const MAX_EVENTS_PER_BATCH = 10_000;
const MAX_BATCH_SPAN_MS = 24 * HOUR_MS;
const MAX_AGE_MS = 14 * DAY_MS;
const MAX_FUTURE_MS = 2 * HOUR_MS;
/** GetLogEvents and FilterLogEvents return at most this many bytes of events (and 10,000 events). */
const MAX_RESPONSE_BYTES = 1_048_576;
const MAX_EVENTS_RETURNED = 10_000;
/** FilterLogEvents examines at most this many events per call and then hands back a nextToken, as AWS does. */
const FILTER_SCAN_BUDGET = 100_000;
const MAX_TAGS = 50;
const DEFAULT_DESCRIBE_LIMIT = 50;
/** The model's LogGroupName and LogStreamName constraints. */
const GROUP_NAME = /^[.\-_/#A-Za-z0-9]{1,512}$/;
const STREAM_NAME = /^[^:*]{1,512}$/;
/** Positions before and after every event: ids start at 1 and timestamps are never negative. */
const HEAD: EventPosition = { ts: 0, id: 0 };
const TAIL: EventPosition = { ts: Number.MAX_SAFE_INTEGER, id: Number.MAX_SAFE_INTEGER };

function groupNotFound(): AwsError {
  return new AwsError('ResourceNotFoundException', 'The specified log group does not exist.');
}

function streamNotFound(): AwsError {
  return new AwsError('ResourceNotFoundException', 'The specified log stream does not exist.');
}

function invalid(message: string): AwsError {
  return new AwsError('InvalidParameterException', message);
}

function groupArn(group: GroupRow): string {
  return arn('logs', group.region, group.account, `log-group:${group.name}`);
}

function eventBytes(message: string): number {
  return Buffer.byteLength(message, 'utf8') + EVENT_OVERHEAD_BYTES;
}

function tagsOf(group: GroupRow): Record<string, string> {
  return JSON.parse(group.tags) as Record<string, string>;
}

function checkTagKeys(tags: Record<string, string>): void {
  for (const key of Object.keys(tags)) {
    if (key.toLowerCase().startsWith('aws:')) throw invalid(`Tag keys starting with 'aws:' are reserved for AWS use: ${key}`);
  }
}

export function createLogs(store: LogsStore, rt: Runtime): { handlers: Handlers; api: LogsApi } {
  const scopeOf = (ctx: RequestContext): LogsScope => ({ account: ctx.account, region: ctx.region });

  const requireGroup = (scope: LogsScope, name: string): GroupRow => {
    const group = store.group(scope.account, scope.region, name);
    if (!group) throw groupNotFound();
    return group;
  };

  /** A log group named by a name or an ARN (`arn:aws:logs:region:account:log-group:name`; the model's pattern refuses `:*`). */
  const groupByIdentifier = (scope: LogsScope, identifier: string): GroupRow => {
    if (!identifier.startsWith('arn:')) return requireGroup(scope, identifier);
    const parts = parseArn(identifier);
    const name = parts?.resource.startsWith('log-group:') ? parts.resource.slice('log-group:'.length) : undefined;
    if (!parts || parts.service !== 'logs' || !name) throw invalid(`Invalid log group ARN: ${identifier}`);
    // Cross-account observability is not modelled: only the caller's own groups are visible.
    if (parts.account !== scope.account || parts.region !== scope.region) throw groupNotFound();
    return requireGroup(scope, name);
  };

  /** The logGroupName / logGroupIdentifier pair several read operations take: exactly one of them. */
  const groupOfRequest = (scope: LogsScope, input: { logGroupName?: string; logGroupIdentifier?: string }): GroupRow => {
    if (input.logGroupName !== undefined && input.logGroupIdentifier !== undefined) {
      throw invalid('LogGroup name and LogGroup ARN are mutually exclusive parameters.');
    }
    if (input.logGroupName !== undefined) return requireGroup(scope, input.logGroupName);
    if (input.logGroupIdentifier !== undefined) return groupByIdentifier(scope, input.logGroupIdentifier);
    throw invalid('Should provide either logGroupName or logGroupIdentifier.');
  };

  /** Events older than the group's retention are gone, whether or not they were purged yet. */
  const retentionCutoff = (group: GroupRow, now: number): number => (group.retention_days === null ? 0 : now - group.retention_days * DAY_MS);

  const readRange = (group: GroupRow, startTime: number | undefined, endTime: number | undefined): TimeRange => ({
    from: Math.max(startTime ?? 0, retentionCutoff(group, rt.clock.now())),
    to: endTime ?? Number.MAX_SAFE_INTEGER,
  });

  const createGroup = (scope: LogsScope, input: CreateLogGroupRequest): void => {
    const name = input.logGroupName!;
    if (name.toLowerCase().startsWith('aws/')) throw invalid('Log groups starting with AWS/ are reserved for AWS.');
    if (input.tags) checkTagKeys(input.tags);
    store.tx(() => {
      if (store.group(scope.account, scope.region, name)) throw new AwsError('ResourceAlreadyExistsException', 'The specified log group already exists');
      store.createGroup({
        account: scope.account,
        region: scope.region,
        name,
        created_at: rt.clock.now(),
        retention_days: null,
        kms_key_id: input.kmsKeyId ?? null,
        log_group_class: input.logGroupClass ?? 'STANDARD',
        deletion_protection: input.deletionProtectionEnabled ? 1 : 0,
        tags: JSON.stringify(input.tags ?? {}),
      });
    });
  };

  const createStream = (scope: LogsScope, groupName: string, streamName: string): void => {
    store.tx(() => {
      const group = requireGroup(scope, groupName);
      if (store.stream(group.id, streamName)) throw new AwsError('ResourceAlreadyExistsException', 'The specified log stream already exists');
      store.createStream(group.id, streamName, rt.clock.now());
    });
  };

  const putEvents = (scope: LogsScope, groupName: string, streamName: string, events: InputLogEvent[]): PutLogEventsResponse => {
    if (events.length === 0) throw invalid('1 validation error detected: Value \'[]\' at \'logEvents\' failed to satisfy constraint: Member must have length greater than or equal to 1');
    if (events.length > MAX_EVENTS_PER_BATCH) throw invalid(`The maximum number of log events in a batch is ${MAX_EVENTS_PER_BATCH}.`);
    let batchBytes = 0;
    for (let i = 0; i < events.length; i++) {
      if (i > 0 && events[i].timestamp! < events[i - 1].timestamp!) throw invalid('Log events in a single PutLogEvents request must be in chronological order.');
      batchBytes += eventBytes(events[i].message!);
    }
    if (batchBytes > MAX_BATCH_BYTES) throw invalid(`Upload too large: ${batchBytes} bytes exceeds limit of ${MAX_BATCH_BYTES}`);

    return store.tx(() => {
      const group = requireGroup(scope, groupName);
      const stream = store.stream(group.id, streamName);
      if (!stream) throw streamNotFound();
      const now = rt.clock.now();
      // Events are in order, so the rejected ones are a leading run (too old / expired) and a trailing run (too new).
      const tooOldEnd = countWhile(events, (e) => e.timestamp! < now - MAX_AGE_MS);
      const cutoff = retentionCutoff(group, now);
      const expiredEnd = group.retention_days === null ? 0 : countWhile(events, (e) => e.timestamp! < cutoff);
      let tooNewStart = events.length;
      while (tooNewStart > 0 && events[tooNewStart - 1].timestamp! > now + MAX_FUTURE_MS) tooNewStart--;
      const acceptedStart = Math.max(tooOldEnd, expiredEnd);
      const accepted = events.slice(acceptedStart, Math.max(tooNewStart, acceptedStart));
      if (accepted.length && accepted[accepted.length - 1].timestamp! - accepted[0].timestamp! > MAX_BATCH_SPAN_MS) {
        throw invalid('The batch of log events in a single PutLogEvents request cannot span more than 24 hours.');
      }
      let sequence = stream.sequence;
      if (accepted.length) {
        if (group.retention_days !== null) store.purgeExpired(group.id, cutoff);
        sequence = store.appendEvents(stream, accepted as { timestamp: number; message: string }[], now);
      }
      const rejected: RejectedLogEventsInfo = {};
      if (tooOldEnd > 0) rejected.tooOldLogEventEndIndex = tooOldEnd;
      if (expiredEnd > 0) rejected.expiredLogEventEndIndex = expiredEnd;
      if (tooNewStart < events.length) rejected.tooNewLogEventStartIndex = tooNewStart;
      return {
        nextSequenceToken: sequenceToken(stream.id, sequence),
        ...(Object.keys(rejected).length ? { rejectedLogEventsInfo: rejected } : {}),
      };
    });
  };

  const toLogGroup = (group: GroupRow & { stored_bytes: number }): LogGroup => ({
    logGroupName: group.name,
    creationTime: group.created_at,
    ...(group.retention_days !== null ? { retentionInDays: group.retention_days } : {}),
    metricFilterCount: 0,
    arn: `${groupArn(group)}:*`,
    storedBytes: group.stored_bytes,
    ...(group.kms_key_id !== null ? { kmsKeyId: group.kms_key_id } : {}),
    logGroupClass: group.log_group_class as LogGroup['logGroupClass'],
    logGroupArn: groupArn(group),
    deletionProtectionEnabled: group.deletion_protection === 1,
  });

  const toLogStream = (group: GroupRow, stream: StreamRow): LogStream => ({
    logStreamName: stream.name,
    creationTime: stream.created_at,
    ...(stream.first_event_ts !== null ? { firstEventTimestamp: stream.first_event_ts } : {}),
    ...(stream.last_event_ts !== null ? { lastEventTimestamp: stream.last_event_ts } : {}),
    ...(stream.last_ingestion !== null ? { lastIngestionTime: stream.last_ingestion } : {}),
    ...(stream.sequence > 0 ? { uploadSequenceToken: sequenceToken(stream.id, stream.sequence) } : {}),
    arn: `${groupArn(group)}:log-stream:${stream.name}`,
    // AWS has reported zero for streams since 2019; the group's storedBytes carries the total.
    storedBytes: 0,
  });

  /** Resolves a tagging ARN to its log group (the only taggable resource Drydock has in Logs). */
  const groupOfResourceArn = (scope: LogsScope, resourceArn: string): GroupRow => {
    const parts = parseArn(resourceArn);
    if (!parts || parts.service !== 'logs' || !parts.resource.startsWith('log-group:')) throw invalid(`Invalid resource ARN: ${resourceArn}`);
    return groupByIdentifier(scope, resourceArn);
  };

  const addTags = (group: GroupRow, tags: Record<string, string>, tooMany: () => AwsError): void => {
    checkTagKeys(tags);
    const merged = { ...tagsOf(group), ...tags };
    if (Object.keys(merged).length > MAX_TAGS) throw tooMany();
    store.setTags(group.id, merged);
  };

  const removeTags = (group: GroupRow, keys: string[]): void => {
    const current = tagsOf(group);
    for (const key of keys) delete current[key];
    store.setTags(group.id, current);
  };

  const handlers: Handlers = {
    CreateLogGroup(input: CreateLogGroupRequest, ctx: RequestContext): void {
      createGroup(scopeOf(ctx), input);
    },

    DeleteLogGroup(input: DeleteLogGroupRequest, ctx: RequestContext): void {
      store.tx(() => {
        const group = requireGroup(scopeOf(ctx), input.logGroupName!);
        if (group.deletion_protection) throw new AwsError('ValidationException', 'Cannot delete log group with deletion protection enabled. Disable deletion protection first.');
        store.deleteGroup(group.id);
      });
    },

    PutLogGroupDeletionProtection(input: PutLogGroupDeletionProtectionRequest, ctx: RequestContext): void {
      store.tx(() => {
        const group = groupByIdentifier(scopeOf(ctx), input.logGroupIdentifier!);
        store.setDeletionProtection(group.id, input.deletionProtectionEnabled!);
      });
    },

    DescribeLogGroups(input: DescribeLogGroupsRequest, ctx: RequestContext): DescribeLogGroupsResponse {
      if (input.logGroupNamePrefix !== undefined && input.logGroupNamePattern !== undefined) {
        throw invalid('LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.');
      }
      if (input.logGroupIdentifiers !== undefined && (input.logGroupNamePrefix !== undefined || input.logGroupNamePattern !== undefined)) {
        throw invalid('logGroupIdentifiers cannot be combined with logGroupNamePrefix or logGroupNamePattern.');
      }
      const scope = scopeOf(ctx);
      const limit = input.limit ?? DEFAULT_DESCRIBE_LIMIT;
      const after = input.nextToken !== undefined ? parsePageToken<{ n: string }>(input.nextToken, { n: 'string' }).n : undefined;
      const names = input.logGroupIdentifiers?.map((id) => {
        if (!id.startsWith('arn:')) return id;
        const parts = parseArn(id);
        return parts?.resource.startsWith('log-group:') && parts.account === scope.account && parts.region === scope.region
          ? parts.resource.slice('log-group:'.length)
          : '';
      });
      // One extra row tells whether another page exists.
      const rows = store.listGroups(scope.account, scope.region, {
        after,
        prefix: input.logGroupNamePrefix,
        contains: input.logGroupNamePattern || undefined,
        logGroupClass: input.logGroupClass,
        names,
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      return {
        // With a name pattern AWS answers only these three members.
        logGroups: input.logGroupNamePattern
          ? page.map((g) => ({ logGroupName: g.name, creationTime: g.created_at, arn: `${groupArn(g)}:*` }))
          : page.map(toLogGroup),
        ...(rows.length > limit ? { nextToken: pageToken({ n: page[page.length - 1].name }) } : {}),
      };
    },

    PutRetentionPolicy(input: PutRetentionPolicyRequest, ctx: RequestContext): void {
      const days = input.retentionInDays!;
      if (!RETENTION_DAYS.includes(days)) {
        throw invalid(`1 validation error detected: Value '${days}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [${RETENTION_DAYS.join(', ')}]`);
      }
      store.tx(() => {
        const group = requireGroup(scopeOf(ctx), input.logGroupName!);
        store.setRetention(group.id, days);
        store.purgeExpired(group.id, rt.clock.now() - days * DAY_MS);
      });
    },

    DeleteRetentionPolicy(input: DeleteRetentionPolicyRequest, ctx: RequestContext): void {
      store.tx(() => store.setRetention(requireGroup(scopeOf(ctx), input.logGroupName!).id, null));
    },

    CreateLogStream(input: CreateLogStreamRequest, ctx: RequestContext): void {
      createStream(scopeOf(ctx), input.logGroupName!, input.logStreamName!);
    },

    DeleteLogStream(input: DeleteLogStreamRequest, ctx: RequestContext): void {
      store.tx(() => {
        const group = requireGroup(scopeOf(ctx), input.logGroupName!);
        const stream = store.stream(group.id, input.logStreamName!);
        if (!stream) throw streamNotFound();
        // Deletion protection "blocks all deletion operations" on the group, its streams included.
        if (group.deletion_protection) throw new AwsError('ValidationException', 'Cannot delete log stream in a log group with deletion protection enabled. Disable deletion protection first.');
        store.deleteStream(stream.id);
      });
    },

    DescribeLogStreams(input: DescribeLogStreamsRequest, ctx: RequestContext): DescribeLogStreamsResponse {
      const orderBy = input.orderBy ?? 'LogStreamName';
      if (orderBy === 'LastEventTime' && input.logStreamNamePrefix !== undefined) {
        throw invalid('Cannot order by LastEventTime with a logStreamNamePrefix.');
      }
      const group = groupOfRequest(scopeOf(ctx), input);
      const limit = input.limit ?? DEFAULT_DESCRIBE_LIMIT;
      let after: { key: number | string; name: string } | undefined;
      if (input.nextToken !== undefined) {
        const token = parsePageToken<{ k: number; n: string }>(input.nextToken, { k: 'number', n: 'string' });
        after = { key: token.k, name: token.n };
      }
      const rows = store.listStreams({ groupId: group.id, prefix: input.logStreamNamePrefix, orderBy, descending: input.descending ?? false, after, limit: limit + 1 });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        logStreams: page.map((s) => toLogStream(group, s)),
        ...(rows.length > limit ? { nextToken: pageToken({ k: last.last_event_ts ?? 0, n: last.name }) } : {}),
      };
    },

    PutLogEvents(input: PutLogEventsRequest, ctx: RequestContext): PutLogEventsResponse {
      // input.sequenceToken is accepted and ignored, as AWS has done since January 2023.
      return putEvents(scopeOf(ctx), input.logGroupName!, input.logStreamName!, input.logEvents!);
    },

    GetLogEvents(input: GetLogEventsRequest, ctx: RequestContext): GetLogEventsResponse {
      const group = groupOfRequest(scopeOf(ctx), input);
      const stream = store.stream(group.id, input.logStreamName!);
      if (!stream) throw streamNotFound();
      const range = readRange(group, input.startTime, input.endTime);
      const limit = input.limit ?? MAX_EVENTS_RETURNED;
      const token = input.nextToken !== undefined ? parseStreamToken(input.nextToken) : undefined;
      const forward = token ? token.direction === 'f' : input.startFromHead === true;
      const from = token?.position ?? (forward ? HEAD : TAIL);

      const rows: EventRow[] = [];
      let bytes = 0;
      const source = forward ? store.streamEventsAfter(stream.id, range, from) : store.streamEventsBefore(stream.id, range, from);
      for (const row of source) {
        bytes += eventBytes(row.message);
        if (rows.length >= limit || (rows.length > 0 && bytes > MAX_RESPONSE_BYTES)) break;
        rows.push(row);
      }
      if (!forward) rows.reverse();

      let nextForwardToken: string;
      let nextBackwardToken: string;
      if (rows.length) {
        nextForwardToken = streamToken({ direction: 'f', position: rows[rows.length - 1] });
        nextBackwardToken = streamToken({ direction: 'b', position: rows[0] });
      } else if (token) {
        // Nothing more in the token's direction: the same token comes back, which is how readers know they are at the end.
        nextForwardToken = forward ? input.nextToken! : streamToken({ direction: 'f', position: { ts: from.ts, id: Math.max(0, from.id - 1) } });
        nextBackwardToken = forward ? streamToken({ direction: 'b', position: { ts: from.ts, id: from.id + 1 } }) : input.nextToken!;
      } else {
        nextForwardToken = streamToken({ direction: 'f', position: HEAD });
        nextBackwardToken = streamToken({ direction: 'b', position: HEAD });
      }
      return {
        events: rows.map((r): OutputLogEvent => ({ timestamp: r.ts, message: r.message, ingestionTime: r.ingested })),
        nextForwardToken,
        nextBackwardToken,
      };
    },

    FilterLogEvents(input: FilterLogEventsRequest, ctx: RequestContext): FilterLogEventsResponse {
      if (input.logStreamNames !== undefined && input.logStreamNamePrefix !== undefined) {
        throw invalid('logStreamNames and logStreamNamePrefix are mutually exclusive parameters.');
      }
      let matches: (message: string) => boolean;
      try {
        matches = compileFilterPattern(input.filterPattern ?? '');
      } catch (err) {
        if (err instanceof FilterPatternError) throw invalid(`Invalid filter pattern: ${err.message}`);
        throw err;
      }
      const group = groupOfRequest(scopeOf(ctx), input);
      const allStreams = store.streams(group.id);
      const names = new Map(allStreams.map((s) => [s.id, s.name]));
      let selected = allStreams;
      if (input.logStreamNames !== undefined) {
        const wanted = new Set(input.logStreamNames);
        selected = allStreams.filter((s) => wanted.has(s.name));
        if (selected.length < wanted.size) throw streamNotFound();
      } else if (input.logStreamNamePrefix !== undefined) {
        selected = store.streams(group.id, input.logStreamNamePrefix);
      }
      const selectedIds = selected.length === allStreams.length ? undefined : new Set(selected.map((s) => s.id));
      const range = readRange(group, input.startTime, input.endTime);
      const limit = input.limit ?? MAX_EVENTS_RETURNED;
      const start = input.nextToken !== undefined ? parsePageToken<{ t: number; i: number }>(input.nextToken, { t: 'number', i: 'number' }) : undefined;
      const after: EventPosition = start ? { ts: start.t, id: start.i } : HEAD;

      const events: FilteredLogEvent[] = [];
      let bytes = 0;
      let scanned = 0;
      let resumeAt: EventPosition | undefined;
      let consumed: EventPosition = after;
      if (selected.length) {
        // A single stream is read through its own index; several are read interleaved from the group's.
        const source = selectedIds?.size === 1 ? store.streamEventsAfter(selected[0].id, range, after) : store.groupEventsAfter(group.id, range, after);
        for (const row of source) {
          if (events.length >= limit || scanned >= FILTER_SCAN_BUDGET) {
            resumeAt = consumed;
            break;
          }
          scanned++;
          if ((!selectedIds || selectedIds.has(row.stream_id)) && matches(row.message)) {
            bytes += eventBytes(row.message);
            if (events.length > 0 && bytes > MAX_RESPONSE_BYTES) {
              resumeAt = consumed;
              break;
            }
            events.push({ logStreamName: names.get(row.stream_id), timestamp: row.ts, message: row.message, ingestionTime: row.ingested, eventId: eventId(row) });
          }
          consumed = row;
        }
      }
      return {
        events,
        searchedLogStreams: selected.map((s) => ({ logStreamName: s.name, searchedCompletely: resumeAt === undefined })),
        ...(resumeAt ? { nextToken: pageToken({ t: resumeAt.ts, i: resumeAt.id }) } : {}),
      };
    },

    TagLogGroup(input: TagLogGroupRequest, ctx: RequestContext): void {
      store.tx(() => {
        const group = requireGroup(scopeOf(ctx), input.logGroupName!);
        addTags(group, input.tags!, () => invalid(`A log group can have at most ${MAX_TAGS} tags.`));
      });
    },

    UntagLogGroup(input: UntagLogGroupRequest, ctx: RequestContext): void {
      store.tx(() => removeTags(requireGroup(scopeOf(ctx), input.logGroupName!), input.tags!));
    },

    ListTagsLogGroup(input: ListTagsLogGroupRequest, ctx: RequestContext): ListTagsLogGroupResponse {
      return { tags: tagsOf(requireGroup(scopeOf(ctx), input.logGroupName!)) };
    },

    TagResource(input: TagResourceRequest, ctx: RequestContext): void {
      store.tx(() => {
        const group = groupOfResourceArn(scopeOf(ctx), input.resourceArn!);
        addTags(group, input.tags!, () => new AwsError('TooManyTagsException', `A resource can have at most ${MAX_TAGS} tags.`, { fields: { resourceName: input.resourceArn! } }));
      });
    },

    UntagResource(input: UntagResourceRequest, ctx: RequestContext): void {
      store.tx(() => removeTags(groupOfResourceArn(scopeOf(ctx), input.resourceArn!), input.tagKeys!));
    },

    ListTagsForResource(input: ListTagsForResourceRequest, ctx: RequestContext): ListTagsForResourceResponse {
      return { tags: tagsOf(groupOfResourceArn(scopeOf(ctx), input.resourceArn!)) };
    },
  };

  // The api skips the pipeline, so it checks what the model's constraints would have.
  const checkNames = (group: string, stream?: string): void => {
    if (!GROUP_NAME.test(group)) throw invalid(`Invalid log group name: ${group}`);
    if (stream !== undefined && !STREAM_NAME.test(stream)) throw invalid(`Invalid log stream name: ${stream}`);
  };

  const api: LogsApi = {
    ensureLogGroup(scope, group) {
      checkNames(group);
      store.tx(() => {
        if (!store.group(scope.account, scope.region, group)) createGroup(scope, { logGroupName: group });
      });
    },
    ensureLogStream(scope, group, stream) {
      checkNames(group, stream);
      store.tx(() => {
        if (!store.group(scope.account, scope.region, group)) createGroup(scope, { logGroupName: group });
        const row = requireGroup(scope, group);
        if (!store.stream(row.id, stream)) store.createStream(row.id, stream, rt.clock.now());
      });
    },
    async putLogEvents(scope, group, stream, events) {
      checkNames(group, stream);
      for (const [i, event] of events.entries()) {
        if (typeof event.message !== 'string' || event.message.length === 0) throw invalid(`logEvents.${i + 1}.message must be a non-empty string`);
        if (!Number.isSafeInteger(event.timestamp) || event.timestamp < 0) throw invalid(`logEvents.${i + 1}.timestamp must be a non-negative integer of milliseconds`);
      }
      // The transaction commits with synchronous=FULL before putEvents returns: resolving means durable.
      return putEvents(scope, group, stream, events);
    },
  };

  return { handlers, api };
}

function countWhile<T>(items: T[], predicate: (item: T) => boolean): number {
  let n = 0;
  while (n < items.length && predicate(items[n])) n++;
  return n;
}
