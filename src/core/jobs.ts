/**
 * A durable queue for long work (builds, deployments, stack operations, pipeline executions) and
 * for durable event deliveries (EventBus.subscribeDurable).
 *
 * Jobs are rows: enqueueing is part of the caller's transaction, so an acknowledged request always
 * has its job, and a rolled-back one has none. On start, jobs a previous process left `running`
 * are handed back to their kind's handler with `resumed: true`, which resumes or fails them
 * explicitly: nothing is silently lost.
 *
 * Waiting is done on the Drydock clock, never by polling: one clock timer is armed for the
 * earliest queued job of the kinds that have a free slot, so `clock.advance()` (the time-warp API)
 * starts a delayed job at once, and a finished job or a new one wakes the queue directly.
 *
 * Per kind (`register(kind, handler, options)`): retries with exponential backoff (a failed
 * attempt is queued again at now + backoffMs·2^(attempt−1) until maxAttempts, then `failed`), and
 * a concurrency limit (at most N running; the others wait queued). `cancel(id)` stops a queued job
 * before it runs, or aborts a running one's `info.signal`; either way it ends `cancelled`.
 */

import { AsyncLocalStorage } from 'node:async_hooks';
import type { Clock, ClockTimer } from './clock.js';
import { preparedOnUse } from './prepared.js';
import type { Store } from './store.js';

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface Job {
  id: number;
  kind: string;
  payload: unknown;
  state: JobState;
  /** Attempts started so far, this one included while it runs. */
  attempts: number;
  runAt: number;
  /** The last failed attempt's message. */
  error?: string;
}

export interface JobRunInfo {
  /** A process that died left this attempt running: the handler resumes it or fails it explicitly. */
  resumed: boolean;
  /** 1 for the first attempt, 2 for the first retry… */
  attempt: number;
  /** Aborted when the job is cancelled, the data is reset or the queue stops: stop working and return or throw. */
  signal: AbortSignal;
}

export type JobHandler = (job: Job, info: JobRunInfo) => Promise<void>;

export interface JobKindOptions {
  /** Attempts before the job ends `failed` (default 1: no retries). */
  maxAttempts?: number;
  /** Delay before the first retry, doubled for each later one (default 1000 ms of Drydock time). */
  backoffMs?: number;
  /** Most jobs of this kind running at once (default unlimited). */
  concurrency?: number;
}

/** The reason a cancelled job's signal carries. */
export class JobCancelledError extends Error {
  constructor(readonly jobId: number) {
    super(`job ${jobId} was cancelled`);
    this.name = 'JobCancelledError';
  }
}

interface JobRow {
  id: number;
  kind: string;
  payload: string;
  state: JobState;
  attempts: number;
  run_at: number;
  error: string | null;
  cancel_requested: number;
}

interface Kind {
  handler: JobHandler;
  maxAttempts: number;
  backoffMs: number;
  concurrency: number;
  running: number;
}

interface RunningJob {
  kind: Kind;
  controller: AbortController;
  cancelRequested: boolean;
  /** Reset or stop gave up on it: whatever the handler ends with is not recorded. */
  abandoned: boolean;
}

/** Rows read per query while starting due jobs of a kind with unlimited concurrency. */
const BATCH = 100;
/** Retry delays stop doubling here, so a long retry chain still retries daily rather than never. */
const MAX_BACKOFF_MS = 24 * 60 * 60 * 1000;

/** The job whose effect the current async context is making (JobQueue.completeWith), until its first commit. */
interface EffectScope {
  jobId: number;
  committed: boolean;
}

export class JobQueue {
  private readonly kinds = new Map<string, Kind>();
  private readonly running = new Map<number, RunningJob>();
  private readonly stmts;
  private started = false;
  private pumpScheduled = false;
  private wake?: ClockTimer;
  private readonly effects = new AsyncLocalStorage<EffectScope>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly onError: (err: unknown, job: Job) => void,
  ) {
    store.migrate('core.jobs', [
      {
        version: 1,
        sql: `CREATE TABLE jobs (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          kind TEXT NOT NULL,
          payload TEXT NOT NULL,
          state TEXT NOT NULL,
          attempts INTEGER NOT NULL DEFAULT 0,
          run_at INTEGER NOT NULL,
          error TEXT
        );
        CREATE INDEX jobs_due ON jobs (state, run_at);`,
      },
      {
        // A cancel asked while the job runs survives a crash: the resumed handler gets an aborted signal.
        // The queue looks up due jobs per kind (concurrency limits are per kind).
        version: 2,
        sql: `ALTER TABLE jobs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX jobs_kind_due ON jobs (kind, state, run_at);`,
      },
    ]);
    const db = store.db;
    this.stmts = preparedOnUse({
      insert: () => db.prepare<[string, string, number]>("INSERT INTO jobs (kind, payload, state, run_at) VALUES (?, ?, 'queued', ?)"),
      get: () => db.prepare<[number], JobRow>('SELECT * FROM jobs WHERE id = ?'),
      due: () => db.prepare<[string, number, number], JobRow>("SELECT * FROM jobs WHERE kind = ? AND state = 'queued' AND run_at <= ? ORDER BY run_at, id LIMIT ?"),
      next: () => db.prepare<[string], { at: number | null }>("SELECT MIN(run_at) AS at FROM jobs WHERE kind = ? AND state = 'queued'"),
      orphans: () => db.prepare<[], JobRow>("SELECT * FROM jobs WHERE state = 'running' ORDER BY id"),
      orphansOfKind: () => db.prepare<[string], JobRow>("SELECT * FROM jobs WHERE kind = ? AND state = 'running' ORDER BY id"),
      claim: () => db.prepare<[number], JobRow>("UPDATE jobs SET state = 'running', attempts = attempts + 1 WHERE id = ? AND state = 'queued' RETURNING *"),
      claimOrphan: () => db.prepare<[number], JobRow>("UPDATE jobs SET attempts = attempts + 1 WHERE id = ? AND state = 'running' RETURNING *"),
      finish: () => db.prepare<[JobState, string | null, number]>("UPDATE jobs SET state = ?, error = ? WHERE id = ? AND state = 'running'"),
      retry: () => db.prepare<[number, string, number]>("UPDATE jobs SET state = 'queued', run_at = ?, error = ? WHERE id = ? AND state = 'running'"),
      cancelQueued: () => db.prepare<[number]>("UPDATE jobs SET state = 'cancelled' WHERE id = ? AND state = 'queued'"),
      requestCancel: () => db.prepare<[number]>("UPDATE jobs SET cancel_requested = 1 WHERE id = ? AND state = 'running'"),
    });
    store.beforeEachCommit(() => this.endWithEffect());
  }

  /**
   * Runs `effect`, the one write a running job exists to make in another service (a message sent,
   * an invocation queued), so that the first transaction committed inside it also ends the job
   * `succeeded`: a process killed after that commit does not resume the job and make the write
   * twice, and one killed before it resumes the job, which makes it once. Whatever the handler
   * does after the effect no longer changes the job's state.
   */
  completeWith<T>(jobId: number, effect: () => Promise<T>): Promise<T> {
    return this.effects.run({ jobId, committed: false }, effect);
  }

  private endWithEffect(): void {
    const scope = this.effects.getStore();
    if (!scope || scope.committed) return;
    this.stmts.finish.run('succeeded', null, scope.jobId);
    this.store.afterCommit(() => {
      scope.committed = true;
    });
  }

  /**
   * Declares how jobs of `kind` run. Services register in create(), before `start()`; a kind
   * registered after start has the jobs a dead process left running handed back at once instead.
   */
  register(kind: string, handler: JobHandler, options: JobKindOptions = {}): void {
    if (this.kinds.has(kind)) throw new Error(`job kind ${kind} registered twice`);
    const { maxAttempts = 1, backoffMs = 1000, concurrency = Infinity } = options;
    if (!(maxAttempts >= 1) || !(backoffMs >= 0) || !(concurrency >= 1)) throw new Error(`invalid options for job kind ${kind}`);
    const entry: Kind = { handler, maxAttempts, backoffMs, concurrency, running: 0 };
    this.kinds.set(kind, entry);
    if (!this.started) return;
    // No handler existed for these, so no one in this process runs them: they are a dead process's.
    for (const row of this.stmts.orphansOfKind.all(kind)) this.launch(row.id, entry, true);
    this.kick();
  }

  /** Adds a job; call inside the transaction that creates the resource the job works on. */
  enqueue(kind: string, payload: unknown, delayMs = 0): number {
    const result = this.stmts.insert.run(kind, JSON.stringify(payload), this.clock.now() + Math.max(0, delayMs));
    // Looked at once committed: before, the row may still roll back.
    this.store.afterCommit(() => this.kick());
    return Number(result.lastInsertRowid);
  }

  get(id: number): Job | undefined {
    const row = this.stmts.get.get(id);
    return row && toJob(row);
  }

  /**
   * Cancels a job: a queued one never runs; a running one's handler sees `info.signal` aborted with
   * a JobCancelledError, and the job ends `cancelled` however the handler returns. False when the
   * job is unknown or already finished. Inside a transaction, the abort happens once it commits.
   */
  cancel(id: number): boolean {
    if (this.stmts.cancelQueued.run(id).changes > 0) return true;
    if (this.stmts.requestCancel.run(id).changes === 0) return false;
    this.store.afterCommit(() => {
      const entry = this.running.get(id);
      if (!entry || entry.cancelRequested) return;
      entry.cancelRequested = true;
      entry.controller.abort(new JobCancelledError(id));
    });
    return true;
  }

  /** Starts running jobs; those left running by a previous process are resumed first. */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const row of this.stmts.orphans.all()) {
      const kind = this.kinds.get(row.kind);
      // Already running means it was started in this process before a stop(): not an orphan.
      if (kind && !this.running.has(row.id)) this.launch(row.id, kind, true);
    }
    this.kick();
  }

  /**
   * Stops starting jobs and gives up on the running ones: their signals abort and their outcome is
   * not recorded, so they stay `running` and the next start resumes them, as after a crash.
   */
  stop(): void {
    this.started = false;
    this.abandonAll(new Error('the job queue stopped'));
  }

  /** Before the data is wiped (`/_drydock/reset`): aborts every running job and forgets it. */
  reset(): void {
    this.abandonAll(new Error('Drydock was reset'));
    if (this.started) this.kick();
  }

  private abandonAll(reason: Error): void {
    this.wake?.cancel();
    this.wake = undefined;
    for (const entry of this.running.values()) {
      entry.abandoned = true;
      entry.kind.running--;
      entry.controller.abort(reason);
    }
    this.running.clear();
  }

  /** Looks at the queue soon (once, however many asked): after the current synchronous work, so after any open transaction. */
  private kick(): void {
    if (this.pumpScheduled || !this.started) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Starts every due job a free slot allows, then arms one clock timer for the earliest queued job that could start. */
  private pump(): void {
    if (!this.started) return;
    this.wake?.cancel();
    this.wake = undefined;
    const now = this.clock.now();
    let earliest = Infinity;
    for (const [name, kind] of this.kinds) {
      for (;;) {
        const limit = Math.min(kind.concurrency - kind.running, BATCH);
        if (limit <= 0) break;
        const rows = this.stmts.due.all(name, now, limit);
        for (const row of rows) this.launch(row.id, kind, false);
        if (rows.length < limit) break;
      }
      // A kind at its limit is woken by its next finished job, not by the clock.
      if (kind.running >= kind.concurrency) continue;
      const next = this.stmts.next.get(name)?.at;
      if (next !== null && next !== undefined) earliest = Math.min(earliest, next);
    }
    if (earliest < Infinity) this.wake = this.clock.at(earliest, () => this.kick());
  }

  private launch(id: number, kind: Kind, resumed: boolean): void {
    const row = resumed ? this.stmts.claimOrphan.get(id) : this.stmts.claim.get(id);
    if (!row) return;
    const entry: RunningJob = { kind, controller: new AbortController(), cancelRequested: row.cancel_requested === 1, abandoned: false };
    // Cancelled while a previous process ran it: the resumed handler learns at once.
    if (entry.cancelRequested) entry.controller.abort(new JobCancelledError(id));
    this.running.set(id, entry);
    kind.running++;
    void this.execute(toJob(row), entry, resumed);
  }

  private async execute(job: Job, entry: RunningJob, resumed: boolean): Promise<void> {
    let failure: { err: unknown } | undefined;
    try {
      // Each handler starts outside any effect scope, even when an effect's commit woke the queue.
      await this.effects.exit(() => entry.kind.handler(job, { resumed, attempt: job.attempts, signal: entry.controller.signal }));
    } catch (err) {
      failure = { err };
    }
    if (entry.abandoned) return;
    this.running.delete(job.id);
    entry.kind.running--;
    try {
      this.record(job, entry, failure);
    } catch (err) {
      // The store may be closing under a handler that outlived it; the job stays `running` and is resumed next start.
      this.onError(err, job);
    }
    this.kick();
  }

  private record(job: Job, entry: RunningJob, failure: { err: unknown } | undefined): void {
    if (entry.cancelRequested) {
      this.stmts.finish.run('cancelled', failure ? message(failure.err) : null, job.id);
      return;
    }
    if (!failure) {
      this.stmts.finish.run('succeeded', null, job.id);
      return;
    }
    this.onError(failure.err, job);
    if (job.attempts < entry.kind.maxAttempts) {
      const backoff = Math.min(MAX_BACKOFF_MS, entry.kind.backoffMs * 2 ** (job.attempts - 1));
      this.stmts.retry.run(this.clock.now() + backoff, message(failure.err), job.id);
    } else {
      this.stmts.finish.run('failed', message(failure.err), job.id);
    }
  }
}

function message(err: unknown): string {
  return String(err instanceof Error ? err.message : err);
}

function toJob(row: JobRow): Job {
  return {
    id: row.id,
    kind: row.kind,
    payload: JSON.parse(row.payload),
    state: row.state,
    attempts: row.attempts,
    runAt: row.run_at,
    error: row.error ?? undefined,
  };
}
