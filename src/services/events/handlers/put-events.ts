/**
 * PutEvents: up to ten entries, 256 KB in all (AWS's entry-size formula), each accepted or
 * refused on its own (per-entry ErrorCode/ErrorMessage); the accepted ones are routed on their bus
 * (this account's, or another account's whose policy allows it) in one transaction.
 */
import type { PutEventsRequest, PutEventsRequestEntry, PutEventsResponse, PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import { uuid } from '../../../core/ids.js';
import type { RequestContext } from '../../../protocol/types.js';
import { busRef, DEFAULT_BUS, type EventsContext, validation } from '../common.js';
import { type BusEvent, routeEvent } from '../engine/router.js';
import { eventTime } from '../engine/scheduler.js';

/** The most a PutEvents request's entries may add up to. */
const MAX_REQUEST_BYTES = 256 * 1024;
/** AWS counts a Time member as 14 bytes, whatever its form. */
const TIME_BYTES = 14;

/** An entry's size as AWS computes it (docs: "Calculating PutEvents event entry size"). */
export function entrySize(entry: PutEventsRequestEntry): number {
  let size = entry.Time ? TIME_BYTES : 0;
  for (const text of [entry.Source, entry.DetailType, entry.Detail, ...(entry.Resources ?? [])]) if (text) size += Buffer.byteLength(text);
  return size;
}

function refuse(ErrorCode: string, ErrorMessage: string): PutEventsResultEntry {
  return { ErrorCode, ErrorMessage };
}

/** The entry as an event, or why it is refused. */
function toEvent(entry: PutEventsRequestEntry, ctx: RequestContext, region: string, now: number): BusEvent | PutEventsResultEntry {
  if (!entry.Source) return refuse('InvalidArgument', 'Parameter Source is not valid. Reason: Source is a required argument.');
  if (!entry.DetailType) return refuse('InvalidArgument', 'Parameter DetailType is not valid. Reason: DetailType is a required argument.');
  if (!entry.Detail) return refuse('InvalidArgument', 'Parameter Detail is not valid. Reason: Detail is a required argument.');
  // Sources starting with aws. belong to AWS services: only they publish them.
  if (entry.Source.startsWith('aws.')) return refuse('NotAuthorizedForSourceException', 'Not authorized for the source.');
  let detail: unknown;
  try {
    detail = JSON.parse(entry.Detail);
  } catch {
    return refuse('MalformedDetail', 'Detail is malformed.');
  }
  if (!detail || typeof detail !== 'object' || Array.isArray(detail)) return refuse('MalformedDetail', 'Detail is malformed.');
  return {
    version: '0',
    id: uuid(),
    'detail-type': entry.DetailType,
    source: entry.Source,
    account: ctx.account,
    time: eventTime(entry.Time ? entry.Time.getTime() : now),
    region,
    resources: entry.Resources ?? [],
    detail: detail as Record<string, unknown>,
  };
}

export function putEvents(c: EventsContext, input: PutEventsRequest, ctx: RequestContext): PutEventsResponse {
  const entries = input.Entries ?? [];
  if (entries.reduce((sum, e) => sum + entrySize(e), 0) > MAX_REQUEST_BYTES) throw validation('Total size of the entries in the request is over the limit.');
  if (input.EndpointId !== undefined) throw validation(`Parameter EndpointId is not valid. Reason: Endpoint ${input.EndpointId} does not exist.`);
  const now = c.rt.clock.now();
  return c.store.tx(() => {
    const results: PutEventsResultEntry[] = [];
    for (const entry of entries) {
      const ref = busRef(ctx, entry.EventBusName);
      const event = toEvent(entry, ctx, ref.scope.region, now);
      if (!('id' in event)) {
        results.push(event);
        continue;
      }
      if (ref.name === DEFAULT_BUS) c.store.ensureBus(ref.scope, DEFAULT_BUS, now);
      if (!c.store.bus(ref.scope, ref.name)) {
        results.push(refuse('ResourceNotFoundException', `Event bus ${ref.name} does not exist.`));
        continue;
      }
      routeEvent(c, ref.scope, ref.name, event);
      results.push({ EventId: event.id });
    }
    return { FailedEntryCount: results.filter((r) => r.ErrorCode).length, Entries: results };
  });
}
