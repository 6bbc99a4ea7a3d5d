/** The durable job queue: running, retrying and recording jobs, and jobs due on the clock. */
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../../test/temp-dirs.js';
import { Clock } from './clock.js';
import { type Job, JobQueue } from './jobs.js';
import { Store } from './store.js';

const tempDir = tempDirs('drydock-jobs-');

describe('JobQueue', () => {
  it('runs queued jobs and records their outcome', async () => {
    const store = new Store(tempDir());
    const queue = new JobQueue(store, new Clock(), () => {});
    const done: unknown[] = [];
    queue.register('echo', async (job: Job) => {
      if ((job.payload as { fail?: boolean }).fail) throw new Error('nope');
      done.push(job.payload);
    });
    queue.start();
    const ok = queue.enqueue('echo', { n: 1 });
    const bad = queue.enqueue('echo', { fail: true });
    await waitFor(() => queue.get(ok)?.state === 'succeeded' && queue.get(bad)?.state === 'failed');
    expect(done).toEqual([{ n: 1 }]);
    expect(queue.get(bad)?.error).toBe('nope');
    queue.stop();
    store.close();
  });

  it('hands jobs a dead process left running back with resumed: true', async () => {
    const dir = tempDir();
    const first = new Store(dir);
    const crashed = new JobQueue(first, new Clock(), () => {});
    const id = crashed.enqueue('build', { build: 'b-1' });
    first.db.prepare("UPDATE jobs SET state = 'running' WHERE id = ?").run(id);
    first.close();

    const second = new Store(dir);
    const queue = new JobQueue(second, new Clock(), () => {});
    const resumed: boolean[] = [];
    queue.register('build', async (_job, info) => {
      resumed.push(info.resumed);
    });
    queue.start();
    await waitFor(() => queue.get(id)?.state === 'succeeded');
    expect(resumed).toEqual([true]);
    queue.stop();
    second.close();
  });

  it("hands a dead process's jobs to a kind registered after start, and a cancel asked before the crash to its signal", async () => {
    const dir = tempDir();
    const first = new Store(dir);
    const crashed = new JobQueue(first, new Clock(), () => {});
    const id = crashed.enqueue('late', {});
    const cancelled = crashed.enqueue('late', {});
    first.db.prepare("UPDATE jobs SET state = 'running'").run();
    expect(crashed.cancel(cancelled)).toBe(true);
    first.close();

    const second = new Store(dir);
    const queue = new JobQueue(second, new Clock(), () => {});
    queue.start();
    const seen: { id: number; resumed: boolean; aborted: boolean }[] = [];
    queue.register('late', async (job, info) => {
      seen.push({ id: job.id, resumed: info.resumed, aborted: info.signal.aborted });
    });
    await waitFor(() => queue.get(id)?.state === 'succeeded' && queue.get(cancelled)?.state === 'cancelled');
    expect(seen).toEqual([
      { id, resumed: true, aborted: false },
      { id: cancelled, resumed: true, aborted: true },
    ]);
    queue.stop();
    second.close();
  });
});

describe('JobQueue on the clock', () => {
  // A clock that barely moves on its own: only advance() moves it, so due times are exact.
  const frozenClock = () => new Clock(1e-6, Date.UTC(2026, 0, 1));
  const pause = (ms = 50) => new Promise((r) => setTimeout(r, ms));

  it('starts a delayed job when the clock is advanced to its due time, and not before', async () => {
    const store = new Store(tempDir());
    const clock = frozenClock();
    const queue = new JobQueue(store, clock, () => {});
    const ran: number[] = [];
    queue.register('later', async () => {
      ran.push(clock.now());
    });
    queue.start();
    const id = queue.enqueue('later', {}, 10 * 60_000);
    const due = queue.get(id)!.runAt;
    await pause();
    clock.advance(10 * 60_000 - 1);
    await pause();
    expect(ran).toEqual([]);
    clock.advance(1);
    await waitFor(() => queue.get(id)?.state === 'succeeded');
    expect(ran[0]).toBeGreaterThanOrEqual(due);
    expect(clock.pendingTimers()).toBe(0);
    queue.stop();
    store.close();
  });

  it('retries a failing job with exponential backoff, then fails it after maxAttempts', async () => {
    const store = new Store(tempDir());
    const clock = frozenClock();
    const queue = new JobQueue(store, clock, () => {});
    const attempts: number[] = [];
    queue.register(
      'flaky',
      async (job, info) => {
        attempts.push(info.attempt);
        if (!(job.payload as { recoverAt?: number }).recoverAt || info.attempt < (job.payload as { recoverAt: number }).recoverAt) throw new Error(`attempt ${info.attempt} failed`);
      },
      { maxAttempts: 3, backoffMs: 1000 },
    );
    queue.start();
    const id = queue.enqueue('flaky', {});
    await waitFor(() => queue.get(id)?.state === 'queued' && queue.get(id)?.attempts === 1);
    expect(queue.get(id)).toMatchObject({ error: 'attempt 1 failed', runAt: clock.now() + 1000 });
    clock.advance(999);
    await pause();
    expect(attempts).toEqual([1]);
    clock.advance(1);
    await waitFor(() => queue.get(id)?.attempts === 2 && queue.get(id)?.state === 'queued');
    // The second retry waits twice as long.
    expect(queue.get(id)!.runAt).toBe(clock.now() + 2000);
    clock.advance(1999);
    await pause();
    expect(attempts).toEqual([1, 2]);
    clock.advance(1);
    await waitFor(() => queue.get(id)?.state === 'failed');
    expect(queue.get(id)).toMatchObject({ attempts: 3, error: 'attempt 3 failed' });
    expect(attempts).toEqual([1, 2, 3]);

    const recovers = queue.enqueue('flaky', { recoverAt: 2 });
    await waitFor(() => queue.get(recovers)?.attempts === 1 && queue.get(recovers)?.state === 'queued');
    clock.advance(1000);
    await waitFor(() => queue.get(recovers)?.state === 'succeeded');
    queue.stop();
    store.close();
  });

  it('cancels a queued job before it runs and aborts a running one', async () => {
    const store = new Store(tempDir());
    const clock = frozenClock();
    const queue = new JobQueue(store, clock, () => {});
    const started: number[] = [];
    const reasons: unknown[] = [];
    queue.register('long', async (job, info) => {
      started.push(job.id);
      try {
        await clock.sleep(3_600_000, info.signal);
      } catch (err) {
        reasons.push(err);
        throw err;
      }
    });
    queue.start();
    const queued = queue.enqueue('long', {}, 60_000);
    expect(queue.cancel(queued)).toBe(true);
    const running = queue.enqueue('long', {});
    await waitFor(() => started.includes(running));
    // A cancel in a transaction that rolls back leaves the job running.
    expect(() =>
      store.tx(() => {
        queue.cancel(running);
        throw new Error('rollback');
      }),
    ).toThrow('rollback');
    await pause();
    expect(reasons).toEqual([]);
    expect(queue.cancel(running)).toBe(true);
    await waitFor(() => queue.get(running)?.state === 'cancelled');
    expect(reasons).toHaveLength(1);
    expect((reasons[0] as Error).name).toBe('JobCancelledError');
    clock.advance(120_000);
    await pause();
    expect(started).toEqual([running]);
    expect(queue.get(queued)?.state).toBe('cancelled');
    expect(queue.cancel(running)).toBe(false);
    expect(queue.cancel(9999)).toBe(false);
    queue.stop();
    store.close();
  });

  it('runs at most `concurrency` jobs of a kind at once; the others start as slots free up', async () => {
    const store = new Store(tempDir());
    const queue = new JobQueue(store, new Clock(), () => {});
    const gates = new Map<number, () => void>();
    let running = 0;
    let peak = 0;
    queue.register(
      'limited',
      (job) =>
        new Promise<void>((resolve) => {
          running++;
          peak = Math.max(peak, running);
          gates.set(job.id, () => {
            running--;
            resolve();
          });
        }),
      { concurrency: 2 },
    );
    queue.register('free', async () => {});
    queue.start();
    const ids = [1, 2, 3, 4, 5].map((n) => queue.enqueue('limited', { n }));
    const other = queue.enqueue('free', {});
    await waitFor(() => gates.size === 2);
    // Another kind is not held up by a full one.
    await waitFor(() => queue.get(other)?.state === 'succeeded');
    expect(ids.map((id) => queue.get(id)?.state)).toEqual(['running', 'running', 'queued', 'queued', 'queued']);
    for (let released = 0; released < ids.length; released++) {
      await waitFor(() => gates.has(ids[released]));
      gates.get(ids[released])!();
    }
    await waitFor(() => ids.every((id) => queue.get(id)?.state === 'succeeded'));
    expect(peak).toBe(2);
    queue.stop();
    store.close();
  });

  it('keeps no job a rolled-back transaction enqueued, and refuses a kind registered twice', async () => {
    const store = new Store(tempDir());
    const queue = new JobQueue(store, new Clock(), () => {});
    const ran: unknown[] = [];
    queue.register('k', async (job) => {
      ran.push(job.payload);
    });
    queue.start();
    let lost = 0;
    expect(() =>
      store.tx(() => {
        lost = queue.enqueue('k', { lost: true });
        throw new Error('rollback');
      }),
    ).toThrow('rollback');
    const kept = store.tx(() => queue.enqueue('k', { kept: true }));
    await waitFor(() => queue.get(kept)?.state === 'succeeded');
    // The rolled-back row is gone (its id may even be reused: the sequence rolled back with it).
    expect(lost).toBeGreaterThan(0);
    expect(store.db.prepare('SELECT COUNT(*) AS n FROM jobs').get()).toEqual({ n: 1 });
    expect(ran).toEqual([{ kept: true }]);
    expect(() => queue.register('k', async () => {})).toThrow(/twice/);
    queue.stop();
    store.close();
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
