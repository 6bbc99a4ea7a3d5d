/**
 * A durable queue for long work (builds, deployments, stack operations, pipeline executions).
 * Jobs are rows: enqueueing is part of the caller's transaction, so an acknowledged request always
 * has its job. On start, jobs a previous process left `running` are handed back to their kind's
 * handler with `resumed: true`, which resumes or fails them explicitly: nothing is silently lost.
 */
import type { Store } from './store.js';
import type { Clock } from './clock.js';

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed';

export interface Job {
  id: number;
  kind: string;
  payload: unknown;
  state: JobState;
  attempts: number;
  runAt: number;
  error?: string;
}

export type JobHandler = (job: Job, info: { resumed: boolean }) => Promise<void>;

interface JobRow {
  id: number;
  kind: string;
  payload: string;
  state: JobState;
  attempts: number;
  run_at: number;
  error: string | null;
}

export class JobQueue {
  private readonly handlers = new Map<string, JobHandler>();
  private readonly running = new Set<number>();
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly store: Store, private readonly clock: Clock, private readonly onError: (err: unknown, job: Job) => void) {
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
    ]);
  }

  register(kind: string, handler: JobHandler): void {
    this.handlers.set(kind, handler);
  }

  /** Adds a job; call inside the transaction that creates the resource the job works on. */
  enqueue(kind: string, payload: unknown, delayMs = 0): number {
    const result = this.store.db
      .prepare("INSERT INTO jobs (kind, payload, state, run_at) VALUES (?, ?, 'queued', ?)")
      .run(kind, JSON.stringify(payload), this.clock.now() + delayMs);
    this.kick();
    return Number(result.lastInsertRowid);
  }

  get(id: number): Job | undefined {
    const row = this.store.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    return row && toJob(row);
  }

  /** Starts polling; jobs left running by a previous process are resumed first. */
  start(): void {
    this.stopped = false;
    const orphans = this.store.db.prepare("SELECT * FROM jobs WHERE state = 'running'").all() as JobRow[];
    for (const row of orphans) void this.run(toJob(row), true);
    this.kick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private kick(): void {
    if (this.stopped || this.handlers.size === 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.poll(), 0);
    this.timer.unref();
  }

  private poll(): void {
    if (this.stopped) return;
    const due = this.store.db
      .prepare("SELECT * FROM jobs WHERE state = 'queued' AND run_at <= ? ORDER BY run_at, id LIMIT 16")
      .all(this.clock.now()) as JobRow[];
    for (const row of due) if (this.handlers.has(row.kind)) void this.run(toJob(row), false);
    const next = this.store.db.prepare("SELECT MIN(run_at) AS at FROM jobs WHERE state = 'queued'").get() as { at: number | null };
    if (next.at !== null) {
      this.timer = setTimeout(() => this.poll(), Math.min(1000, this.clock.realDelay(Math.max(0, next.at - this.clock.now()))));
      this.timer.unref();
    }
  }

  private async run(job: Job, resumed: boolean): Promise<void> {
    const handler = this.handlers.get(job.kind);
    if (!handler || this.running.has(job.id)) return;
    this.running.add(job.id);
    this.store.db.prepare("UPDATE jobs SET state = 'running', attempts = attempts + 1 WHERE id = ?").run(job.id);
    try {
      await handler({ ...job, state: 'running' }, { resumed });
      if (!this.stopped) this.store.db.prepare("UPDATE jobs SET state = 'succeeded' WHERE id = ?").run(job.id);
    } catch (err) {
      this.onError(err, job);
      if (!this.stopped) this.store.db.prepare("UPDATE jobs SET state = 'failed', error = ? WHERE id = ?").run(String(err instanceof Error ? err.message : err), job.id);
    } finally {
      this.running.delete(job.id);
    }
  }
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
