import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../../test/temp-dirs.js';
import { accountForRootKey } from './accounts.js';
import { arn, parseArn } from './arn.js';
import { INLINE_BLOB_MAX } from './blobs.js';
import { Clock } from './clock.js';
import { type AwsEvent, EventBus } from './events.js';
import { preparedOnUse } from './prepared.js';
import { Store } from './store.js';

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
