/**
 * Replays run as a durable job: the archive's events of the window, in the order they were
 * archived, are routed again onto the bus they came from (to the rules FilterArns names, when it
 * names any), a batch per transaction, with `replay-name` added. The replay's row records how far
 * it got, so a replay interrupted by a crash carries on where it stopped.
 */
import type { ReplayDestination, ReplayState as SdkReplayState } from '@aws-sdk/client-eventbridge';
import type { Scope } from '../../../core/accounts.js';
import type { EventsContext } from '../common.js';
import type { ReplayRow } from '../store.js';
import { type BusEvent, routeEvent } from './router.js';

export const REPLAY_JOB = 'events:replay';
const BATCH = 100;

export interface ReplayState {
  name: string;
  description?: string;
  sourceArn: string;
  archive: string;
  destination: ReplayDestination;
  start: number;
  end: number;
  state: SdkReplayState;
  replayStart: number;
  replayEnd?: number;
  lastReplayed?: number;
  /** The last archived event (by sequence) already replayed. */
  afterSeq: number;
}

export function readReplay(row: ReplayRow): ReplayState {
  return JSON.parse(row.body) as ReplayState;
}

export function writeReplay(c: EventsContext, scope: Scope, state: ReplayState, job: number | null): void {
  c.store.updateReplay(scope, state.name, JSON.stringify(state), state.state, job);
}

export function registerReplays(c: EventsContext): void {
  c.rt.jobs.register(REPLAY_JOB, async (job, info) => {
    const { account, region, name } = job.payload as Scope & { name: string };
    const scope = { account, region };
    for (;;) {
      if (info.signal.aborted) return;
      const done = c.store.tx(() => replayBatch(c, scope, name, job.id));
      if (done) return;
      // Let requests in between batches: a long replay must not hold the event loop.
      await new Promise((resolve) => setImmediate(resolve));
    }
  });
}

/** Replays the next batch; true once the replay is finished (or gone, or no longer this job's). */
function replayBatch(c: EventsContext, scope: Scope, name: string, jobId: number): boolean {
  const row = c.store.replay(scope, name);
  if (!row || row.job !== jobId) return true;
  const state = readReplay(row);
  if (state.state !== 'STARTING' && state.state !== 'RUNNING') return true;
  const bus = state.destination.Arn!.slice(state.destination.Arn!.indexOf('event-bus/') + 'event-bus/'.length);
  const rules = state.destination.FilterArns?.length ? new Set(state.destination.FilterArns) : undefined;
  const events = c.store.archivedEvents(scope, state.archive, state.start, state.end, state.afterSeq, BATCH);
  for (const archived of events) {
    const event: BusEvent = { ...(JSON.parse(archived.body) as BusEvent), 'replay-name': name };
    routeEvent(c, scope, bus, event, { replay: { name, rules } });
    state.afterSeq = archived.seq;
    state.lastReplayed = archived.time;
  }
  const finished = events.length < BATCH;
  const next: ReplayState = finished ? { ...state, state: 'COMPLETED', replayEnd: c.rt.clock.now() } : { ...state, state: 'RUNNING' };
  writeReplay(c, scope, next, finished ? null : jobId);
  return finished;
}
