/**
 * Archives (copies of a bus's events, optionally filtered by a pattern, kept for RetentionDays or
 * for ever) and replays (an archive's events of a time window sent again onto the bus they came
 * from, with `replay-name` added, by a durable job).
 */
import type {
  Archive,
  CancelReplayRequest,
  CancelReplayResponse,
  CreateArchiveRequest,
  CreateArchiveResponse,
  DeleteArchiveRequest,
  DescribeArchiveRequest,
  DescribeArchiveResponse,
  DescribeReplayRequest,
  DescribeReplayResponse,
  ListArchivesRequest,
  ListArchivesResponse,
  ListReplaysRequest,
  ListReplaysResponse,
  StartReplayRequest,
  StartReplayResponse,
  UpdateArchiveRequest,
  UpdateArchiveResponse,
} from '@aws-sdk/client-eventbridge';
import type { Scope } from '../../../core/accounts.js';
import { parseArn } from '../../../core/arn.js';
import { AwsError } from '../../../core/errors.js';
import type { RequestContext } from '../../../protocol/types.js';
import { archiveArn, busArn, busNotFound, DEFAULT_LIMIT, type EventsContext, page, patternOf, readToken, replayArn, requireBus, scopeOf, validation } from '../common.js';
import { REPLAY_JOB, type ReplayState, readReplay, writeReplay } from '../engine/replay.js';
import type { ArchiveRow } from '../store.js';

const DAY_MS = 86_400_000;

function archiveNotFound(name: string): AwsError {
  return new AwsError('ResourceNotFoundException', `Archive ${name} does not exist.`);
}

function requireArchive(c: EventsContext, scope: Scope, name: string): ArchiveRow {
  const archive = c.store.archive(scope, name);
  if (!archive) throw archiveNotFound(name);
  return archive;
}

/** The bus an archive's EventSourceArn names, which must exist in the caller's account and Region. */
function sourceBus(c: EventsContext, scope: Scope, arn: string): string {
  const parts = parseArn(arn);
  if (parts?.service !== 'events' || !parts.resource.startsWith('event-bus/')) throw validation(`Parameter EventSourceArn is not valid. Reason: Provided Arn is not in correct format.`);
  const name = parts.resource.slice('event-bus/'.length);
  if (parts.account !== scope.account || parts.region !== scope.region) throw busNotFound(name);
  requireBus(c, { scope, name });
  return name;
}

function summary(row: ArchiveRow): Archive {
  return {
    ArchiveName: row.name,
    EventSourceArn: row.source_arn,
    State: 'ENABLED',
    RetentionDays: row.retention_days,
    SizeBytes: row.size_bytes,
    EventCount: row.event_count,
    CreationTime: new Date(row.created_at),
  };
}

export function createArchive(c: EventsContext, input: CreateArchiveRequest, ctx: RequestContext): CreateArchiveResponse {
  const scope = scopeOf(ctx);
  if (input.EventPattern !== undefined) patternOf(input.EventPattern);
  return c.store.tx(() => {
    if (c.store.archive(scope, input.ArchiveName!)) throw new AwsError('ResourceAlreadyExistsException', `Archive ${input.ArchiveName} already exists.`);
    const bus = sourceBus(c, scope, input.EventSourceArn!);
    const now = c.rt.clock.now();
    c.store.insertArchive(scope, input.ArchiveName!, busArn(scope, bus), input.Description ?? null, input.EventPattern ?? null, input.RetentionDays ?? 0, now);
    c.index.invalidate(scope, bus);
    return { ArchiveArn: archiveArn(scope, input.ArchiveName!), State: 'ENABLED', CreationTime: new Date(now) };
  });
}

export function describeArchive(c: EventsContext, input: DescribeArchiveRequest, ctx: RequestContext): DescribeArchiveResponse {
  const scope = scopeOf(ctx);
  const row = requireArchive(c, scope, input.ArchiveName!);
  return { ...summary(row), ArchiveArn: archiveArn(scope, row.name), Description: row.description ?? undefined, EventPattern: row.pattern ?? undefined };
}

export function listArchives(c: EventsContext, input: ListArchivesRequest, ctx: RequestContext): ListArchivesResponse {
  const scope = scopeOf(ctx);
  if (input.EventSourceArn !== undefined) sourceBus(c, scope, input.EventSourceArn);
  const after = readToken(input.NextToken);
  const limit = input.Limit ?? DEFAULT_LIMIT;
  const rows = c.store
    .archives(scope)
    .filter((a) => a.name > after && a.name.startsWith(input.NamePrefix ?? '') && (input.EventSourceArn === undefined || a.source_arn === input.EventSourceArn))
    .filter(() => input.State === undefined || input.State === 'ENABLED');
  const { items, next } = page(rows.slice(0, limit + 1), limit, (a) => a.name);
  return { Archives: items.map(summary), NextToken: next };
}

export function updateArchive(c: EventsContext, input: UpdateArchiveRequest, ctx: RequestContext): UpdateArchiveResponse {
  const scope = scopeOf(ctx);
  if (input.EventPattern !== undefined) patternOf(input.EventPattern);
  return c.store.tx(() => {
    const row = requireArchive(c, scope, input.ArchiveName!);
    c.store.updateArchive(scope, row.name, input.Description ?? row.description, input.EventPattern ?? row.pattern, input.RetentionDays ?? row.retention_days);
    c.index.invalidate(scope, row.source_arn.slice(row.source_arn.indexOf('event-bus/') + 'event-bus/'.length));
    return { ArchiveArn: archiveArn(scope, row.name), State: 'ENABLED', CreationTime: new Date(row.created_at) };
  });
}

export function deleteArchive(c: EventsContext, input: DeleteArchiveRequest, ctx: RequestContext): void {
  const scope = scopeOf(ctx);
  c.store.tx(() => {
    const row = requireArchive(c, scope, input.ArchiveName!);
    c.store.deleteArchive(scope, row.name);
    c.index.invalidate(scope, row.source_arn.slice(row.source_arn.indexOf('event-bus/') + 'event-bus/'.length));
  });
}

export function startReplay(c: EventsContext, input: StartReplayRequest, ctx: RequestContext): StartReplayResponse {
  const scope = scopeOf(ctx);
  const start = input.EventStartTime!.getTime();
  const end = input.EventEndTime!.getTime();
  if (end <= start) throw validation('Parameter EventEndTime is not valid. Reason: EventStartTime must be before EventEndTime.');
  return c.store.tx(() => {
    if (c.store.replay(scope, input.ReplayName!)) throw new AwsError('ResourceAlreadyExistsException', `Replay ${input.ReplayName} already exists.`);
    const parts = parseArn(input.EventSourceArn!);
    const archiveName = parts?.resource.startsWith('archive/') ? parts.resource.slice('archive/'.length) : (input.EventSourceArn!.split('/').at(-1) ?? '');
    const archive = parts?.account === scope.account && parts.region === scope.region ? c.store.archive(scope, archiveName) : undefined;
    if (!archive) throw validation(`Parameter EventSourceArn is not valid. Reason: Archive ${archiveName} does not exist.`);
    const destination = input.Destination!;
    if (destination.Arn !== archive.source_arn) {
      const bus = parseArn(destination.Arn ?? '');
      const exists = bus?.service === 'events' && bus.account === scope.account && bus.region === scope.region && c.store.bus(scope, bus.resource.slice('event-bus/'.length));
      if (!exists) throw busNotFound(destination.Arn?.split('/').at(-1) ?? '');
      throw validation('Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted.');
    }
    const now = c.rt.clock.now();
    // Events older than the archive's retention are gone before the replay reads any.
    if (archive.retention_days > 0) c.store.expireArchived(scope, archive.name, now - archive.retention_days * DAY_MS);
    const state: ReplayState = {
      name: input.ReplayName!,
      description: input.Description,
      sourceArn: input.EventSourceArn!,
      archive: archive.name,
      destination: { Arn: destination.Arn, FilterArns: destination.FilterArns },
      start,
      end,
      state: 'STARTING',
      replayStart: now,
      afterSeq: 0,
    };
    c.store.insertReplay(scope, state.name, JSON.stringify(state), state.state, state.sourceArn);
    const job = c.rt.jobs.enqueue(REPLAY_JOB, { ...scope, name: state.name });
    writeReplay(c, scope, state, job);
    return { ReplayArn: replayArn(scope, state.name), State: 'STARTING', ReplayStartTime: new Date(now) };
  });
}

function requireReplay(c: EventsContext, scope: Scope, name: string) {
  const row = c.store.replay(scope, name);
  if (!row) throw new AwsError('ResourceNotFoundException', `Replay ${name} does not exist.`);
  return row;
}

export function cancelReplay(c: EventsContext, input: CancelReplayRequest, ctx: RequestContext): CancelReplayResponse {
  const scope = scopeOf(ctx);
  return c.store.tx(() => {
    const row = requireReplay(c, scope, input.ReplayName!);
    const state = readReplay(row);
    if (state.state !== 'STARTING' && state.state !== 'RUNNING') throw validation(`Replay ${state.name} is not in a state that can be cancelled.`);
    if (row.job !== null) c.rt.jobs.cancel(row.job);
    writeReplay(c, scope, { ...state, state: 'CANCELLED', replayEnd: c.rt.clock.now() }, null);
    return { ReplayArn: replayArn(scope, state.name), State: 'CANCELLING' };
  });
}

function describe(scope: Scope, state: ReplayState): DescribeReplayResponse {
  return {
    ReplayName: state.name,
    ReplayArn: replayArn(scope, state.name),
    Description: state.description,
    State: state.state,
    EventSourceArn: state.sourceArn,
    Destination: state.destination,
    EventStartTime: new Date(state.start),
    EventEndTime: new Date(state.end),
    EventLastReplayedTime: state.lastReplayed === undefined ? undefined : new Date(state.lastReplayed),
    ReplayStartTime: new Date(state.replayStart),
    ReplayEndTime: state.replayEnd === undefined ? undefined : new Date(state.replayEnd),
  };
}

export function describeReplay(c: EventsContext, input: DescribeReplayRequest, ctx: RequestContext): DescribeReplayResponse {
  const scope = scopeOf(ctx);
  return describe(scope, readReplay(requireReplay(c, scope, input.ReplayName!)));
}

export function listReplays(c: EventsContext, input: ListReplaysRequest, ctx: RequestContext): ListReplaysResponse {
  const scope = scopeOf(ctx);
  const after = readToken(input.NextToken);
  const limit = input.Limit ?? DEFAULT_LIMIT;
  const rows = c.store
    .replays(scope)
    .map(readReplay)
    .filter((r) => r.name > after && r.name.startsWith(input.NamePrefix ?? ''))
    .filter((r) => (input.State === undefined || r.state === input.State) && (input.EventSourceArn === undefined || r.sourceArn === input.EventSourceArn));
  const { items, next } = page(rows.slice(0, limit + 1), limit, (r) => r.name);
  return {
    Replays: items.map((r) => {
      const { ReplayName, EventSourceArn, State, EventStartTime, EventEndTime, EventLastReplayedTime, ReplayStartTime, ReplayEndTime } = describe(scope, r);
      return { ReplayName, EventSourceArn, State, EventStartTime, EventEndTime, EventLastReplayedTime, ReplayStartTime, ReplayEndTime };
    }),
    NextToken: next,
  };
}
