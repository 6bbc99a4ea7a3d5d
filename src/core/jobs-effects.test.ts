/**
 * JobQueue.completeWith: a job ends `succeeded` in the transaction of the effect it exists for, so
 * a process that dies after that commit does not make the effect again, and one that dies before
 * it (or an effect that rolls back) leaves the job to run again.
 */
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../../test/temp-dirs.js';
import { Clock } from './clock.js';
import { JobQueue } from './jobs.js';
import { Store } from './store.js';

const tempDir = tempDirs('drydock-job-effects-');

function setUp(dir = tempDir()) {
  const store = new Store(dir);
  store.migrate('effects', [{ version: 1, sql: 'CREATE TABLE effects_sent (n INTEGER NOT NULL)' }]);
  const queue = new JobQueue(store, new Clock(), () => {});
  const send = (n: number) => store.tx(() => store.db.prepare('INSERT INTO effects_sent (n) VALUES (?)').run(n));
  const sent = () => (store.db.prepare('SELECT n FROM effects_sent ORDER BY rowid').all() as { n: number }[]).map((row) => row.n);
  return { store, queue, send, sent };
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('JobQueue.completeWith', () => {
  it('ends the job in the effect’s commit: a process that dies after it never runs the job again', async () => {
    const dir = tempDir();
    const first = setUp(dir);
    let effectCommitted = false;
    first.queue.register('send', async (job, info) => {
      // A write before the effect (a lookup's bookkeeping) does not end the job.
      first.store.tx(() => first.store.db.prepare('INSERT INTO effects_sent (n) VALUES (0)').run());
      expect(first.queue.get(job.id)?.state).toBe('running');
      await first.queue.completeWith(job.id, async () => first.send(1));
      effectCommitted = true;
      // The process "dies" here: the handler never returns.
      await new Promise((_resolve, reject) => info.signal.addEventListener('abort', () => reject(info.signal.reason)));
    });
    first.queue.start();
    const id = first.queue.enqueue('send', {});
    await until(() => effectCommitted);
    expect(first.queue.get(id)?.state).toBe('succeeded');
    first.queue.stop();
    first.store.close();

    const second = setUp(dir);
    let resumed = 0;
    second.queue.register('send', async () => {
      resumed++;
    });
    second.queue.start();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(resumed).toBe(0);
    expect(second.sent()).toEqual([0, 1]);
    second.queue.stop();
    second.store.close();
  });

  it('leaves the job to its retries when the effect rolls back', async () => {
    const { store, queue, send, sent } = setUp();
    let attempts = 0;
    queue.register(
      'flaky',
      async (job) => {
        attempts++;
        await queue.completeWith(job.id, async () =>
          store.tx(() => {
            send(attempts);
            if (attempts === 1) throw new Error('refused');
          }),
        );
      },
      { maxAttempts: 2, backoffMs: 0 },
    );
    queue.start();
    const id = queue.enqueue('flaky', {});
    await until(() => queue.get(id)?.state === 'succeeded');
    expect(attempts).toBe(2);
    expect(sent()).toEqual([2]);
    queue.stop();
    store.close();
  });

  it('ends only its own job: jobs its commit wakes run outside its scope', async () => {
    const { store, queue, send, sent } = setUp();
    let followUp = 0;
    queue.register('first', async (job) => {
      await queue.completeWith(job.id, async () => store.tx(() => (followUp = queue.enqueue('second', {}))));
    });
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    queue.register('second', async () => {
      send(2);
      await gate;
    });
    queue.start();
    const id = queue.enqueue('first', {});
    await until(() => sent().length === 1);
    expect(queue.get(id)?.state).toBe('succeeded');
    expect(queue.get(followUp)?.state).toBe('running');
    release();
    await until(() => queue.get(followUp)?.state === 'succeeded');
    queue.stop();
    store.close();
  });
});
