import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDirs } from '../../test/temp-dirs.js';
import { Store } from './store.js';

const tempDir = tempDirs('drydock-group-commit-');
const opened: { close(): void }[] = [];

afterEach(() => {
  for (const handle of opened.splice(0)) handle.close();
});

/** A store with table t, and a second connection that sees only what the store has committed. */
function storeWithTable(): { store: Store; committedRows: () => number[]; insert: (x: number) => void } {
  const dir = tempDir();
  const store = new Store(dir);
  store.migrate('svc', [{ version: 1, sql: 'CREATE TABLE t (x INTEGER PRIMARY KEY)' }]);
  const reader = new Database(join(dir, 'drydock.sqlite'), { readonly: true });
  opened.push(reader, { close: () => store.db.open && store.close() });
  const insert = store.db.prepare<[number]>('INSERT INTO t (x) VALUES (?)');
  return {
    store,
    committedRows: () => (reader.prepare('SELECT x FROM t ORDER BY x').all() as { x: number }[]).map((r) => r.x),
    insert: (x) => insert.run(x),
  };
}

/** What a request does: its transaction inside `batched`. */
function request<T>(store: Store, work: () => T): T {
  return store.batched(() => store.tx(work));
}

describe('Store group commit', () => {
  it('lets a transaction past an await join the batch and settle only once it committed', async () => {
    const { store, committedRows, insert } = storeWithTable();
    request(store, () => insert(1));
    const late = store.batchedAndCommitted(() =>
      store.tx(() => {
        insert(2);
        return 'written';
      }),
    );
    expect(committedRows()).toEqual([]);
    await expect(late).resolves.toBe('written');
    expect(committedRows()).toEqual([1, 2]);
    // A failing one throws at once (its savepoint rolled back), as a plain tx does.
    await expect(store.batchedAndCommitted(() => store.tx(() => insert(2)))).rejects.toThrow(/UNIQUE/);
    await store.committed();
    expect(committedRows()).toEqual([1, 2]);
  });

  it("shares one commit among a turn's batched transactions, after they all ran", async () => {
    const { store, committedRows, insert } = storeWithTable();
    expect(store.committed()).toBeUndefined();
    request(store, () => insert(1));
    const first = store.committed();
    request(store, () => insert(2));
    expect(store.committed()).toBe(first);
    expect(store.db.inTransaction).toBe(true);
    expect(committedRows()).toEqual([]);
    await first;
    expect(committedRows()).toEqual([1, 2]);
    expect(store.db.inTransaction).toBe(false);
    expect(store.committed()).toBeUndefined();
  });

  it('rolls back only the transaction that throws, and leaves reads and unbatched work alone', async () => {
    const { store, committedRows, insert } = storeWithTable();
    request(store, () => insert(1));
    expect(() =>
      request(store, () => {
        insert(2);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(() => request(store, () => insert(1))).toThrow(/UNIQUE/);
    request(store, () => insert(3));
    await store.committed();
    expect(committedRows()).toEqual([1, 3]);
    // Work without a transaction opens no batch.
    store.batched(() => store.db.prepare('SELECT COUNT(*) FROM t').get());
    expect(store.committed()).toBeUndefined();
  });

  it('runs after-commit hooks once the batch commits, before its waiters hear of it, and never those of a rolled-back transaction', async () => {
    const { store, committedRows, insert } = storeWithTable();
    const ran: string[] = [];
    request(store, () => {
      insert(1);
      store.afterCommit(() => ran.push(`first, seeing ${committedRows().join()}`));
      store.tx(() => store.afterCommit(() => ran.push('first, nested')));
    });
    expect(() =>
      request(store, () => {
        store.afterCommit(() => ran.push('rolled back'));
        throw new Error('boom');
      }),
    ).toThrow('boom');
    request(store, () => store.afterCommit(() => ran.push('second')));
    expect(ran).toEqual([]);
    await store.committed()?.then(() => ran.push('waiter'));
    expect(ran).toEqual(['first, seeing 1', 'first, nested', 'second', 'waiter']);
  });

  it('defers a hook asked for outside any transaction while a batch is open (files a handler drops after its transaction)', async () => {
    const { store, committedRows, insert } = storeWithTable();
    const ran: string[] = [];
    store.batched(() => {
      store.tx(() => insert(1));
      store.afterCommit(() => ran.push(`after, seeing ${committedRows().join()}`));
    });
    expect(ran).toEqual([]);
    await store.committed();
    expect(ran).toEqual(['after, seeing 1']);
    store.afterCommit(() => ran.push('no batch: at once'));
    expect(ran).toEqual(['after, seeing 1', 'no batch: at once']);
  });

  it('commits the open batch before a transaction outside batched work, so order and hooks keep their sequence', () => {
    const { store, committedRows, insert } = storeWithTable();
    const ran: string[] = [];
    request(store, () => {
      insert(1);
      store.afterCommit(() => ran.push('batched'));
    });
    const batch = store.committed();
    store.tx(() => {
      expect(committedRows()).toEqual([1]);
      insert(2);
      store.afterCommit(() => ran.push('unbatched'));
    });
    expect(ran).toEqual(['batched', 'unbatched']);
    expect(committedRows()).toEqual([1, 2]);
    expect(store.committed()).toBeUndefined();
    return expect(batch).resolves.toBeUndefined();
  });

  it('makes an asynchronous handler whose first part wrote wait for that batch', async () => {
    const { store, committedRows, insert } = storeWithTable();
    const answer = store.batched(() => {
      store.tx(() => insert(1));
      return Promise.resolve('done');
    });
    // Its continuation may run after the batch is gone, so the answer itself carries the wait.
    expect(committedRows()).toEqual([]);
    await expect(answer).resolves.toBe('done');
    expect(committedRows()).toEqual([1]);
  });

  it('rejects every waiter and runs no hook when the shared COMMIT fails, and the next batch starts afresh', async () => {
    const { store, committedRows, insert } = storeWithTable();
    // A deferred foreign key is checked only at COMMIT: the one failure a savepoint cannot see.
    store.migrate('svc.child', [{ version: 1, sql: 'CREATE TABLE child (parent INTEGER REFERENCES t (x) DEFERRABLE INITIALLY DEFERRED)' }]);
    const ran: string[] = [];
    request(store, () => {
      insert(1);
      store.afterCommit(() => ran.push('hook'));
    });
    request(store, () => store.db.prepare('INSERT INTO child (parent) VALUES (99)').run());
    const batch = store.committed();
    await expect(batch).rejects.toThrow(/FOREIGN KEY/);
    expect(ran).toEqual([]);
    expect(committedRows()).toEqual([]);
    expect(store.db.inTransaction).toBe(false);
    request(store, () => insert(2));
    await store.committed();
    expect(committedRows()).toEqual([2]);
  });

  it('fails the batch at once when SQLite rolls the whole transaction back', async () => {
    const { store, committedRows, insert } = storeWithTable();
    store.migrate('svc.trigger', [{ version: 1, sql: "CREATE TRIGGER no_negative BEFORE INSERT ON t WHEN NEW.x < 0 BEGIN SELECT RAISE(ROLLBACK, 'negative'); END" }]);
    request(store, () => insert(1));
    const batch = store.committed();
    expect(() => request(store, () => insert(-1))).toThrow('negative');
    await expect(batch).rejects.toThrow('negative');
    expect(store.committed()).toBeUndefined();
    request(store, () => insert(3));
    await store.committed();
    expect(committedRows()).toEqual([3]);
  });

  it('commits the open batch before wipe, migrate and close', async () => {
    const dir = tempDir();
    const store = new Store(dir);
    store.migrate('svc', [{ version: 1, sql: 'CREATE TABLE t (x INTEGER)' }]);
    const count = () => (store.db.prepare('SELECT COUNT(*) AS n FROM t').get() as { n: number }).n;
    request(store, () => store.db.prepare('INSERT INTO t VALUES (1)').run());
    const wiped = store.committed();
    store.wipe();
    await expect(wiped).resolves.toBeUndefined();
    expect(count()).toBe(0);
    // wipe turns foreign keys off and on again, which SQLite ignores inside a transaction.
    expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);

    request(store, () => store.db.prepare('INSERT INTO t VALUES (2)').run());
    store.migrate('svc.more', [{ version: 1, sql: 'CREATE TABLE u (y INTEGER)' }]);
    expect(store.db.inTransaction).toBe(false);

    request(store, () => store.db.prepare('INSERT INTO t VALUES (3)').run());
    const closing = store.committed();
    store.close();
    await expect(closing).resolves.toBeUndefined();
    const reopened = new Store(dir);
    opened.push(reopened);
    expect(reopened.db.prepare('SELECT x FROM t ORDER BY x').all()).toEqual([{ x: 2 }, { x: 3 }]);
  });
});
