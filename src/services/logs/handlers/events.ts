/** CloudWatch Logs events: PutLogEvents (with AWS's batch limits), GetLogEvents, FilterLogEvents. */
import type {
  FilteredLogEvent,
  FilterLogEventsRequest,
  FilterLogEventsResponse,
  GetLogEventsRequest,
  GetLogEventsResponse,
  InputLogEvent,
  OutputLogEvent,
  PutLogEventsRequest,
  PutLogEventsResponse,
  RejectedLogEventsInfo,
} from '@aws-sdk/client-cloudwatch-logs';
import type { Scope } from '../../../core/accounts.js';
import { pageToken } from '../../../core/pagination.js';
import type { RequestContext } from '../../../protocol/types.js';
import { DAY_MS, groupOfRequest, invalid, type LogsContext, patternOf, requireGroup, scopeOf, streamNotFound } from '../common.js';
import { keyRing, writingKey } from '../encryption.js';
import type { EventPosition, EventRow, GroupRow, TimeRange } from '../store.js';
import { queueSubscriptionDeliveries } from '../subscription-delivery.js';
import { eventId, parseStreamToken, readNextToken, sequenceToken, streamToken } from '../tokens.js';

const HOUR_MS = 3_600_000;
const MAX_BATCH_BYTES = 1_048_576;
const MAX_EVENTS_PER_BATCH = 10_000;
const MAX_BATCH_SPAN_MS = 24 * HOUR_MS;
const MAX_AGE_MS = 14 * DAY_MS;
const MAX_FUTURE_MS = 2 * HOUR_MS;
/** GetLogEvents and FilterLogEvents return at most this many bytes of events (and 10,000 events). */
const MAX_RESPONSE_BYTES = 1_048_576;
const MAX_EVENTS_RETURNED = 10_000;
/** FilterLogEvents examines at most this many events per call and then hands back a nextToken, as AWS does. */
const FILTER_SCAN_BUDGET = 100_000;
/** Positions before and after every event: ids start at 1 and timestamps are never negative. */
const HEAD: EventPosition = { ts: 0, id: 0 };
const TAIL: EventPosition = { ts: Number.MAX_SAFE_INTEGER, id: Number.MAX_SAFE_INTEGER };
/** PutLogEvents counts this much per event on top of its UTF-8 message. */
const EVENT_OVERHEAD_BYTES = 26;

/** What an event counts towards PutLogEvents' batch limit and the reads' response limit. */
function eventBytes(message: string): number {
  return Buffer.byteLength(message, 'utf8') + EVENT_OVERHEAD_BYTES;
}

/** Events older than the group's retention are gone, whether or not they were purged yet. */
function retentionCutoff(group: GroupRow, now: number): number {
  return group.retention_days === null ? 0 : now - group.retention_days * DAY_MS;
}

/** The time range a read covers: what it asks for, minus what retention has removed. */
function readRange(c: LogsContext, group: GroupRow, startTime: number | undefined, endTime: number | undefined): TimeRange {
  return { from: Math.max(startTime ?? 0, retentionCutoff(group, c.rt.clock.now())), to: endTime ?? Number.MAX_SAFE_INTEGER };
}

function countWhile<T>(items: T[], predicate: (item: T) => boolean): number {
  let n = 0;
  while (n < items.length && predicate(items[n])) n++;
  return n;
}

/** The checks PutLogEvents makes of a batch before it looks at the stream. */
function checkBatch(events: InputLogEvent[]): void {
  if (events.length === 0) throw invalid("1 validation error detected: Value '[]' at 'logEvents' failed to satisfy constraint: Member must have length greater than or equal to 1");
  if (events.length > MAX_EVENTS_PER_BATCH) throw invalid(`The maximum number of log events in a batch is ${MAX_EVENTS_PER_BATCH}.`);
  let batchBytes = 0;
  for (let i = 0; i < events.length; i++) {
    if (i > 0 && events[i].timestamp! < events[i - 1].timestamp!) throw invalid('Log events in a single PutLogEvents request must be in chronological order.');
    batchBytes += eventBytes(events[i].message!);
  }
  if (batchBytes > MAX_BATCH_BYTES) throw invalid(`Upload too large: ${batchBytes} bytes exceeds limit of ${MAX_BATCH_BYTES}`);
}

/**
 * PutLogEvents, which the api's putLogEvents also uses. A group with a KMS key seals the events
 * under its data key, which KMS must decrypt first (encryption.ts); should the key change between
 * that and the write, the write starts over with the new one.
 */
export async function putEvents(c: LogsContext, scope: Scope, groupName: string, streamName: string, events: InputLogEvent[]): Promise<PutLogEventsResponse> {
  checkBatch(events);
  for (;;) {
    const keyed = requireGroup(c, scope, groupName);
    const sealer = await writingKey(c, keyed);
    const written = appendBatch(c, scope, groupName, streamName, events, keyed.kms_key_id, sealer);
    if (written) return written;
  }
}

/** The write itself, in one transaction; undefined when the group's key is no longer `keyId`. */
function appendBatch(
  c: LogsContext,
  scope: Scope,
  groupName: string,
  streamName: string,
  events: InputLogEvent[],
  keyId: string | null,
  sealer: Awaited<ReturnType<typeof writingKey>>,
): PutLogEventsResponse | undefined {
  const { store } = c;
  return store.tx(() => {
    const group = requireGroup(c, scope, groupName);
    if (group.kms_key_id !== keyId) return undefined;
    const stream = store.stream(group.id, streamName);
    if (!stream) throw streamNotFound();
    const now = c.rt.clock.now();
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
      const appended = store.appendEvents(stream, accepted as { timestamp: number; message: string }[], now, sealer);
      sequence = appended.sequence;
      // One delivery per filter for the batch, as AWS batches a call's events.
      const delivered = accepted.map((e, i) => ({ id: eventId({ ts: e.timestamp!, id: appended.ids[i] }), timestamp: e.timestamp!, message: e.message! }));
      queueSubscriptionDeliveries(c, group, stream, delivered);
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
}

export async function getLogEvents(c: LogsContext, input: GetLogEventsRequest, ctx: RequestContext): Promise<GetLogEventsResponse> {
  const { store } = c;
  const group = groupOfRequest(c, scopeOf(ctx), input);
  const ring = await keyRing(c, group);
  const stream = store.stream(group.id, input.logStreamName!);
  if (!stream) throw streamNotFound();
  const range = readRange(c, group, input.startTime, input.endTime);
  const limit = input.limit ?? MAX_EVENTS_RETURNED;
  const token = input.nextToken !== undefined ? parseStreamToken(input.nextToken) : undefined;
  const forward = token ? token.direction === 'f' : input.startFromHead === true;
  const from = token?.position ?? (forward ? HEAD : TAIL);

  const rows: (EventRow & { text: string })[] = [];
  let bytes = 0;
  const source = forward ? store.streamEventsAfter(stream.id, range, from) : store.streamEventsBefore(stream.id, range, from);
  for (const row of source) {
    const text = ring.message(row);
    bytes += eventBytes(text);
    if (rows.length >= limit || (rows.length > 0 && bytes > MAX_RESPONSE_BYTES)) break;
    rows.push({ ...row, text });
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
    events: rows.map((r): OutputLogEvent => ({ timestamp: r.ts, message: r.text, ingestionTime: r.ingested })),
    nextForwardToken,
    nextBackwardToken,
  };
}

export async function filterLogEvents(c: LogsContext, input: FilterLogEventsRequest, ctx: RequestContext): Promise<FilterLogEventsResponse> {
  const { store } = c;
  if (input.logStreamNames !== undefined && input.logStreamNamePrefix !== undefined) {
    throw invalid('logStreamNames and logStreamNamePrefix are mutually exclusive parameters.');
  }
  const pattern = patternOf(input.filterPattern ?? '');
  const group = groupOfRequest(c, scopeOf(ctx), input);
  const ring = await keyRing(c, group);
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
  const range = readRange(c, group, input.startTime, input.endTime);
  const limit = input.limit ?? MAX_EVENTS_RETURNED;
  const start = input.nextToken !== undefined ? readNextToken<{ t: number; i: number }>(input.nextToken, { t: 'number', i: 'number' }) : undefined;
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
      const text = !selectedIds || selectedIds.has(row.stream_id) ? ring.message(row) : undefined;
      if (text !== undefined && pattern.matches(text)) {
        bytes += eventBytes(text);
        if (events.length > 0 && bytes > MAX_RESPONSE_BYTES) {
          resumeAt = consumed;
          break;
        }
        events.push({ logStreamName: names.get(row.stream_id), timestamp: row.ts, message: text, ingestionTime: row.ingested, eventId: eventId(row) });
      }
      consumed = row;
    }
  }
  return {
    events,
    searchedLogStreams: selected.map((s) => ({ logStreamName: s.name, searchedCompletely: resumeAt === undefined })),
    ...(resumeAt ? { nextToken: pageToken({ t: resumeAt.ts, i: resumeAt.id }) } : {}),
  };
}

export function putLogEvents(c: LogsContext, input: PutLogEventsRequest, ctx: RequestContext): Promise<PutLogEventsResponse> {
  // input.sequenceToken is accepted and ignored, as AWS has done since January 2023.
  return putEvents(c, scopeOf(ctx), input.logGroupName!, input.logStreamName!, input.logEvents!);
}
