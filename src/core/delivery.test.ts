/**
 * Durable event delivery at the core level, on a real Store in a temp directory. A "crash" is
 * closing the store without letting the queue record anything: whatever the process had in
 * memory is gone, only the SQLite file remains, as after kill -9.
 */
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../../test/temp-dirs.js';
import { Clock } from './clock.js';
import { type AwsEvent, type DeliveryInfo, EventBus } from './events.js';
import { JobQueue } from './jobs.js';
import { Store } from './store.js';

const tempDir = tempDirs('drydock-delivery-');

function open(dir: string, clock = new Clock()) {
  const store = new Store(dir);
  store.migrate('test', [{ version: 1, sql: 'CREATE TABLE test_things (name TEXT PRIMARY KEY)' }]);
  const jobs = new JobQueue(store, clock, () => {});
  const events = new EventBus(clock, () => {}, { store, jobs });
  return { store, jobs, events, clock };
}

const input = (name: string) => ({ source: 'test.things', 'detail-type': 'Thing Created', detail: { name }, account: '000000000000', region: 'us-east-1' });

/** Creates a thing and publishes its event in one transaction, as a service handler does. */
function createThing(p: ReturnType<typeof open>, name: string, fail = false): AwsEvent {
  return p.store.tx(() => {
    p.store.db.prepare('INSERT INTO test_things (name) VALUES (?)').run(name);
    const event = p.events.publish(input(name));
    if (fail) throw new Error('the request failed after publishing');
    return event;
  });
}

const deliveries = (p: ReturnType<typeof open>) =>
  p.store.db.prepare("SELECT id, state, attempts, error FROM jobs WHERE kind LIKE 'event:%' ORDER BY id").all() as { id: number; state: string; attempts: number; error: string | null }[];

const pause = (ms = 100) => new Promise((r) => setTimeout(r, ms));

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await pause(10);
  }
}

describe('durable event delivery', () => {
  it('delivers an event published in a committed transaction exactly once, across a crash before delivery', async () => {
    const dir = tempDir();
    const first = open(dir);
    const heard: AwsEvent[] = [];
    first.events.subscribe((e) => heard.push(e));
    first.events.subscribeDurable('audit', async () => {
      throw new Error('the first process never gets to deliver');
    });
    const event = first.store.tx(() => {
      first.store.db.prepare("INSERT INTO test_things (name) VALUES ('a')").run();
      const published = first.events.publish(input('a'));
      // In-memory listeners wait for the commit; the delivery row is already in the transaction.
      expect(heard).toEqual([]);
      expect(deliveries(first)).toHaveLength(1);
      return published;
    });
    expect(heard).toEqual([event]);
    // Crash: the queue never started, the event was never handled.
    first.store.close();

    const second = open(dir);
    const handled: { event: AwsEvent; info: DeliveryInfo }[] = [];
    second.events.subscribeDurable('audit', async (e, info) => {
      handled.push({ event: e, info });
    });
    second.jobs.start();
    await waitFor(() => deliveries(second)[0]?.state === 'succeeded');
    await pause();
    expect(handled).toHaveLength(1);
    expect(handled[0].event).toEqual(event);
    expect(handled[0].info).toMatchObject({ redelivered: false, attempt: 1 });
    second.jobs.stop();
    second.store.close();

    // An acknowledged delivery is done: a third process does not see it again.
    const third = open(dir);
    let again = 0;
    third.events.subscribeDurable('audit', async () => {
      again++;
    });
    third.jobs.start();
    await pause();
    expect(again).toBe(0);
    third.jobs.stop();
    third.store.close();
  });

  it('publishes nothing from a transaction that rolls back', async () => {
    const p = open(tempDir());
    const heard: AwsEvent[] = [];
    p.events.subscribe((e) => heard.push(e));
    let handled = 0;
    p.events.subscribeDurable('audit', async () => {
      handled++;
    });
    p.jobs.start();
    expect(() => createThing(p, 'doomed', true)).toThrow('the request failed');
    expect(p.store.db.prepare('SELECT COUNT(*) AS n FROM test_things').get()).toEqual({ n: 0 });
    expect(deliveries(p)).toEqual([]);
    await pause();
    expect(heard).toEqual([]);
    expect(handled).toBe(0);
    // The same bus still delivers what commits.
    const kept = createThing(p, 'kept');
    await waitFor(() => handled === 1);
    expect(heard).toEqual([kept]);
    p.jobs.stop();
    p.store.close();
  });

  it('writes its own delivery rows when published outside a transaction, only for subscribers whose filter accepts', async () => {
    const p = open(tempDir());
    p.events.subscribeDurable('all', async () => {});
    p.events.subscribeDurable('only-b', async () => {}, { filter: (e) => e.detail.name === 'b' });
    p.events.publish(input('a'));
    p.events.publish(input('b'));
    expect(p.store.db.prepare("SELECT kind, json_extract(payload, '$.detail.name') AS name FROM jobs ORDER BY id").all()).toEqual([
      { kind: 'event:all', name: 'a' },
      { kind: 'event:all', name: 'b' },
      { kind: 'event:only-b', name: 'b' },
    ]);
    p.store.close();
  });

  it('redelivers once a delivery the process died during, flagged as a redelivery', async () => {
    const dir = tempDir();
    const first = open(dir);
    const started: string[] = [];
    first.events.subscribeDurable('audit', (e) => {
      started.push(e.id);
      // The handler is still working when the process dies.
      return new Promise<void>(() => {});
    });
    first.jobs.start();
    const event = createThing(first, 'a');
    await waitFor(() => started.length === 1);
    expect(deliveries(first)[0]).toMatchObject({ state: 'running', attempts: 1 });
    first.store.close();

    const second = open(dir);
    const handled: { id: string; info: DeliveryInfo }[] = [];
    second.events.subscribeDurable('audit', async (e, info) => {
      handled.push({ id: e.id, info });
    });
    second.jobs.start();
    await waitFor(() => deliveries(second)[0]?.state === 'succeeded');
    await pause();
    expect(started).toEqual([event.id]);
    expect(handled).toHaveLength(1);
    // The same event id as the interrupted attempt: what an idempotent handler keys on.
    expect(handled[0].id).toBe(event.id);
    expect(handled[0].info).toMatchObject({ redelivered: true, attempt: 2 });
    second.jobs.stop();
    second.store.close();
  });

  it('retries a failing handler with backoff on the clock and ends the delivery failed after maxAttempts', async () => {
    // A clock that only advance() moves: the backoff is exact and no real time is waited.
    const p = open(tempDir(), new Clock(1e-6, Date.UTC(2026, 0, 1)));
    const attempts: number[] = [];
    p.events.subscribeDurable(
      'flaky',
      async (_e, info) => {
        attempts.push(info.attempt);
        throw new Error(`downstream unavailable (attempt ${info.attempt})`);
      },
      { maxAttempts: 3, backoffMs: 500 },
    );
    p.jobs.start();
    createThing(p, 'a');
    await waitFor(() => deliveries(p)[0]?.attempts === 1 && deliveries(p)[0]?.state === 'queued');
    p.clock.advance(499);
    await pause();
    expect(attempts).toEqual([1]);
    p.clock.advance(1);
    await waitFor(() => deliveries(p)[0]?.attempts === 2 && deliveries(p)[0]?.state === 'queued');
    p.clock.advance(999);
    await pause();
    expect(attempts).toEqual([1, 2]);
    p.clock.advance(1);
    await waitFor(() => deliveries(p)[0]?.state === 'failed');
    expect(attempts).toEqual([1, 2, 3]);
    expect(deliveries(p)[0]).toMatchObject({ attempts: 3, error: 'downstream unavailable (attempt 3)' });
    p.clock.advance(3_600_000);
    await pause();
    expect(attempts).toHaveLength(3);
    p.jobs.stop();
    p.store.close();
  });

  it('delivers to one subscriber one event at a time, in publish order', async () => {
    const p = open(tempDir());
    const order: string[] = [];
    let inFlight = 0;
    let peak = 0;
    p.events.subscribeDurable('ordered', async (e) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await pause(5);
      order.push(e.detail.name as string);
      inFlight--;
    });
    p.jobs.start();
    const names = ['a', 'b', 'c', 'd', 'e'];
    for (const name of names) createThing(p, name);
    await waitFor(() => order.length === names.length);
    expect(order).toEqual(names);
    expect(peak).toBe(1);
    p.jobs.stop();
    p.store.close();
  });
});
