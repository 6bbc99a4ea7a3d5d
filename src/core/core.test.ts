import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../../test/temp-dirs.js';
import { accountForRootKey } from './accounts.js';
import { arn, parseArn } from './arn.js';
import { Clock } from './clock.js';
import { type AwsEvent, EventBus } from './events.js';
import { type Job, JobQueue } from './jobs.js';
import { INLINE_BLOB_MAX, preparedOnUse, Store } from './store.js';

const tempDir = tempDirs('drydock-core-');

describe('Store', () => {
  it('syncs every commit at power durability and relies on the WAL at process durability', () => {
    const power = new Store(tempDir(), 'power');
    expect(power.db.pragma('synchronous', { simple: true })).toBe(2);
    power.close();
    const processLevel = new Store(tempDir());
    expect(processLevel.db.pragma('synchronous', { simple: true })).toBe(1);
    processLevel.close();
  });

  it('applies migrations once and survives reopen', () => {
    const dir = tempDir();
    const migrations = [
      { version: 1, sql: 'CREATE TABLE t (x INTEGER)' },
      { version: 2, sql: 'ALTER TABLE t ADD COLUMN y TEXT' },
    ];
    const a = new Store(dir);
    a.migrate('svc', migrations);
    a.db.prepare("INSERT INTO t (x, y) VALUES (1, 'a')").run();
    a.close();
    const b = new Store(dir);
    b.migrate('svc', migrations);
    expect(b.db.prepare('SELECT x, y FROM t').all()).toEqual([{ x: 1, y: 'a' }]);
    expect(b.db.pragma('journal_mode', { simple: true })).toBe('wal');
    b.close();
  });

  it("applies an owner's pending migrations all or none, and only later ones on a database that has the earlier", () => {
    const store = new Store(tempDir());
    store.migrate('svc', [{ version: 1, sql: 'CREATE TABLE t (x INTEGER)' }]);
    const next = [
      { version: 1, sql: 'CREATE TABLE t (x INTEGER)' },
      { version: 2, sql: 'CREATE TABLE u (y INTEGER)' },
      { version: 3, sql: 'CREATE TABLE broken (' },
    ];
    expect(() => store.migrate('svc', next)).toThrow();
    const tables = () => (store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('t', 'u')").all() as { name: string }[]).map((r) => r.name);
    expect(tables()).toEqual(['t']);
    store.migrate('svc', [...next.slice(0, 2), { version: 3, sql: 'CREATE TABLE fixed (z INTEGER)' }]);
    expect(tables().sort()).toEqual(['t', 'u']);
    expect(store.db.prepare("SELECT version FROM schema_versions WHERE owner = 'svc'").get()).toEqual({ version: 3 });
    store.close();
  });

  it('prepares statements on first use, once', () => {
    const store = new Store(tempDir());
    // Made before its table exists: nothing is prepared yet, so nothing fails.
    const statements = preparedOnUse({ count: () => store.db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM later') });
    store.migrate('svc', [{ version: 1, sql: 'CREATE TABLE later (x INTEGER)' }]);
    expect(statements.count.get()).toEqual({ n: 0 });
    expect(statements.count).toBe(statements.count);
    expect(Object.keys(statements)).toEqual(['count']);
    store.close();
  });

  it('rolls back a failed transaction entirely', () => {
    const store = new Store(tempDir());
    store.migrate('svc', [{ version: 1, sql: 'CREATE TABLE t (x INTEGER)' }]);
    expect(() =>
      store.tx(() => {
        store.db.prepare('INSERT INTO t VALUES (1)').run();
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(store.db.prepare('SELECT COUNT(*) AS n FROM t').get()).toEqual({ n: 0 });
    store.close();
  });

  it('runs after-commit hooks once the outermost transaction commits, never after a rollback', () => {
    const store = new Store(tempDir());
    const ran: string[] = [];
    store.afterCommit(() => ran.push('outside a tx: at once'));
    expect(ran).toEqual(['outside a tx: at once']);
    store.tx(() => {
      store.afterCommit(() => ran.push('outer'));
      store.tx(() => store.afterCommit(() => ran.push('nested, committed')));
      // A nested tx that rolls back takes its hooks with it; the outer one goes on.
      expect(() =>
        store.tx(() => {
          store.afterCommit(() => ran.push('nested, rolled back'));
          throw new Error('inner');
        }),
      ).toThrow('inner');
      expect(ran).toHaveLength(1);
    });
    expect(ran).toEqual(['outside a tx: at once', 'outer', 'nested, committed']);
    expect(() =>
      store.tx(() => {
        store.afterCommit(() => ran.push('rolled back'));
        throw new Error('outer');
      }),
    ).toThrow('outer');
    expect(ran).toHaveLength(3);
    const errors: unknown[] = [];
    store.onHookError = (err) => errors.push(err);
    // A hook that throws does not undo the commit nor skip the next hook.
    const value = store.tx(() => {
      store.afterCommit(() => {
        throw new Error('hook');
      });
      store.afterCommit(() => ran.push('after the throwing hook'));
      return 42;
    });
    expect(value).toBe(42);
    expect(errors).toHaveLength(1);
    expect(ran.at(-1)).toBe('after the throwing hook');
    store.close();
  });

  it('wipe empties tables and blobs but keeps the schema', async () => {
    const store = new Store(tempDir());
    store.migrate('svc', [{ version: 1, sql: 'CREATE TABLE t (x INTEGER)' }]);
    store.db.prepare('INSERT INTO t VALUES (1)').run();
    const blob = await store.blobs.write(Buffer.from('hello'));
    store.wipe();
    expect(store.db.prepare('SELECT COUNT(*) AS n FROM t').get()).toEqual({ n: 0 });
    await expect(readBlob(store, blob.id)).rejects.toThrow();
    store.close();
  });
});

describe('BlobStore', () => {
  it('writes buffers and streams atomically with their hashes', async () => {
    const store = new Store(tempDir());
    const fromBuffer = await store.blobs.write(Buffer.from('abc'));
    expect(fromBuffer.size).toBe(3);
    expect(fromBuffer.md5.toString('hex')).toBe('900150983cd24fb0d6963f7d28e17f72');
    const seen: Buffer[] = [];
    const fromStream = await store.blobs.write(Readable.from([Buffer.from('ab'), Buffer.from('c')]), (chunk) => seen.push(chunk));
    expect(fromStream.md5).toEqual(fromBuffer.md5);
    expect(Buffer.concat(seen).toString()).toBe('abc');
    expect((await readBlob(store, fromStream.id)).toString()).toBe('abc');
    store.close();
  });

  it('keeps small blobs in SQLite and spills larger ones to files, with ranges on both', async () => {
    const store = new Store(tempDir());
    const small = Buffer.from('0123456789');
    const large = Buffer.alloc(INLINE_BLOB_MAX * 3 + 7, 'x');
    large.write('head', 0);
    const inline = await store.blobs.write(Readable.from([small.subarray(0, 4), small.subarray(4)]));
    const spilled = await store.blobs.write(Readable.from([large.subarray(0, 1000), large.subarray(1000)]));
    const filesUnder = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [e.name]));
    expect(filesUnder(store.blobs.dir)).toEqual([spilled.id]);
    expect(spilled.size).toBe(large.length);
    expect(spilled.md5).toEqual(createHash('md5').update(large).digest());
    const read = async (r: Readable) => Buffer.concat(await r.toArray());
    expect((await read(store.blobs.stream(inline.id, { start: 2, end: 5 }))).toString()).toBe('2345');
    expect((await read(store.blobs.stream(spilled.id, { start: 0, end: 3 }))).toString()).toBe('head');
    expect((await readBlob(store, spilled.id)).equals(large)).toBe(true);
    expect((await readBlob(store, inline.id)).length).toBe(10);
    store.blobs.delete(inline.id);
    store.blobs.delete(spilled.id);
    await expect(readBlob(store, inline.id)).rejects.toThrow();
    expect(filesUnder(store.blobs.dir)).toEqual([]);
    store.close();
  });

  it('defers a small blob to the transaction of the row that references it, and stores a large one at once', async () => {
    const store = new Store(tempDir());
    const count = () => (store.db.prepare('SELECT COUNT(*) AS n FROM core_blobs_inline').get() as { n: number }).n;
    const small = await store.blobs.write(Readable.from([Buffer.from('01234'), Buffer.from('56789')]), undefined, { deferInline: true });
    expect(small.inline?.toString()).toBe('0123456789');
    expect(count()).toBe(0);
    expect(() =>
      store.tx(() => {
        store.blobs.insertInline(small.id, small.inline);
        throw new Error('the row could not be written');
      }),
    ).toThrow('the row could not be written');
    expect(count()).toBe(0);
    store.tx(() => store.blobs.insertInline(small.id, small.inline));
    expect((await readBlob(store, small.id)).toString()).toBe('0123456789');
    const large = await store.blobs.write(Buffer.alloc(INLINE_BLOB_MAX + 1, 'x'), undefined, { deferInline: true });
    expect(large.inline).toBeUndefined();
    expect((await readBlob(store, large.id)).length).toBe(INLINE_BLOB_MAX + 1);
    store.close();
  });

  it('leaves nothing behind when a large source stream fails after spilling to a file', async () => {
    const store = new Store(tempDir());
    let sent = 0;
    const failing = new Readable({
      read() {
        if (sent > INLINE_BLOB_MAX * 2) return this.destroy(new Error('client went away'));
        sent += 16 * 1024;
        this.push(Buffer.alloc(16 * 1024));
      },
    });
    await expect(store.blobs.write(failing)).rejects.toThrow('client went away');
    expect(readdirSync(join(store.blobs.dir, '.tmp'))).toEqual([]);
    expect(store.db.prepare('SELECT COUNT(*) AS n FROM core_blobs_inline').get()).toEqual({ n: 0 });
    store.close();
  });

  it('leaves no file behind when the source stream fails', async () => {
    const store = new Store(tempDir());
    const failing = new Readable({
      read() {
        this.push(Buffer.from('partial'));
        this.destroy(new Error('client went away'));
      },
    });
    await expect(store.blobs.write(failing)).rejects.toThrow('client went away');
    expect(readdirSync(join(store.blobs.dir, '.tmp'))).toEqual([]);
    store.close();
  });
});

describe('Clock', () => {
  it('scales and warps time', () => {
    const clock = new Clock(60, 0);
    const before = clock.now();
    clock.advance(10_000);
    expect(clock.now() - before).toBeGreaterThanOrEqual(10_000);
    expect(clock.realDelay(60_000)).toBe(1000);
    expect(() => clock.advance(-1)).toThrow();
    expect(() => new Clock(0)).toThrow();
  });
});

describe('EventBus', () => {
  it('publishes the EventBridge envelope and isolates failing listeners', () => {
    const errors: unknown[] = [];
    const bus = new EventBus(new Clock(1, Date.UTC(2026, 0, 2, 3, 4, 5)), (e) => errors.push(e));
    const seen: AwsEvent[] = [];
    bus.subscribe(() => {
      throw new Error('bad listener');
    });
    const unsubscribe = bus.subscribe((e) => seen.push(e));
    const event = bus.publish({
      source: 'aws.codecommit',
      'detail-type': 'CodeCommit Repository State Change',
      detail: { event: 'referenceCreated' },
      account: '000000000000',
      region: 'us-east-1',
      resources: ['arn:aws:codecommit:us-east-1:000000000000:repo'],
    });
    expect(seen).toEqual([event]);
    expect(event).toMatchObject({ version: '0', source: 'aws.codecommit', account: '000000000000', region: 'us-east-1' });
    expect(event.time).toMatch(/^2026-01-02T03:04:0\dZ$/);
    expect(errors).toHaveLength(1);
    unsubscribe();
    bus.publish({ source: 's', 'detail-type': 'd', detail: {}, account: 'a', region: 'r' });
    expect(seen).toHaveLength(1);
  });
});

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

describe('ARNs and accounts', () => {
  it('builds and parses ARNs', () => {
    const text = arn('ssm', 'eu-west-1', '123456789012', 'parameter/a/b');
    expect(text).toBe('arn:aws:ssm:eu-west-1:123456789012:parameter/a/b');
    expect(parseArn(text)).toEqual({ partition: 'aws', service: 'ssm', region: 'eu-west-1', account: '123456789012', resource: 'parameter/a/b' });
    expect(parseArn('arn:aws:s3:::bucket/key:with:colons')?.resource).toBe('bucket/key:with:colons');
    expect(parseArn('not-an-arn')).toBeUndefined();
  });

  it('treats test and 12-digit keys as account roots', () => {
    expect(accountForRootKey('test')).toBe('000000000000');
    expect(accountForRootKey('123456789012')).toBe('123456789012');
    expect(accountForRootKey('AKIAEXAMPLE')).toBeUndefined();
  });
});

async function readBlob(store: Store, id: string): Promise<Buffer> {
  return Buffer.concat(await store.blobs.stream(id).toArray());
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
