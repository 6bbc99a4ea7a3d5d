import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tempDirs } from '../../test/temp-dirs.js';
import { RESTART_FRAMES, START_AFTER_WAL_BYTES } from './checkpointer.js';
import { Store } from './store.js';

const tempDir = tempDirs('drydock-checkpointer-');
const open: Store[] = [];
afterEach(() => {
  for (const store of open.splice(0)) if (store.db.open) store.close();
});

/**
 * The WAL index's header, read from the -shm file as other connections see it: frames in the WAL
 * (mxFrame, bytes 16-19) and frames already copied back into the database (nBackfill, bytes 96-99).
 */
function walIndex(file: string): { frames: number; backfilled: number } {
  const header = Buffer.alloc(100);
  const fd = openSync(`${file}-shm`, 'r');
  try {
    readSync(fd, header, 0, header.length, 0);
  } finally {
    closeSync(fd);
  }
  return { frames: header.readUInt32LE(16), backfilled: header.readUInt32LE(96) };
}

function storeWithTable(): { store: Store; file: string; insert: () => void } {
  const dir = tempDir();
  const store = new Store(dir);
  open.push(store);
  store.db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, data BLOB NOT NULL)');
  const statement = store.db.prepare('INSERT INTO t (data) VALUES (?)');
  const row = Buffer.alloc(1024, 7);
  return { store, file: join(dir, 'drydock.sqlite'), insert: () => statement.run(row) };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('WAL checkpointer', () => {
  it('leaves the serving connection without automatic checkpoints', () => {
    const { store } = storeWithTable();
    expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
  });

  it('copies the WAL back in a worker once it grows, while the serving thread only waits', { timeout: 20_000 }, async () => {
    const { file, insert } = storeWithTable();
    while (statSync(`${file}-wal`).size < START_AFTER_WAL_BYTES * 2) insert();
    const { frames } = walIndex(file);
    expect(frames).toBeLessThan(RESTART_FRAMES); // short of the length at which the serving connection copies a tail
    expect(walIndex(file).backfilled).toBe(0);
    await vi.waitFor(() => expect(walIndex(file)).toEqual({ frames, backfilled: frames }), { timeout: 10_000, interval: 20 });
  });

  it('makes a WAL that a busy writer keeps growing start over again and again', { timeout: 30_000 }, async () => {
    const { file, insert } = storeWithTable();
    let previous = 0;
    let restarts = 0;
    const until = performance.now() + 20_000;
    // Commits in bursts with the event loop turning between them, as a server's requests come.
    while (restarts < 3 && performance.now() < until) {
      for (let i = 0; i < 5; i++) insert();
      const { frames } = walIndex(file);
      if (frames < previous) restarts++;
      previous = frames;
      await nextTurn();
    }
    expect(restarts).toBe(3);
  });

  it('empties the WAL when the store releases memory, and starts the worker again once it grows', { timeout: 30_000 }, async () => {
    const { store, file, insert } = storeWithTable();
    while (statSync(`${file}-wal`).size < START_AFTER_WAL_BYTES * 2) insert();
    await vi.waitFor(() => expect(walIndex(file).backfilled).toBeGreaterThan(0), { timeout: 10_000, interval: 20 });
    store.releaseMemory();
    expect(statSync(`${file}-wal`).size).toBe(0);
    while (statSync(`${file}-wal`).size < START_AFTER_WAL_BYTES * 2) insert();
    const { frames } = walIndex(file);
    await vi.waitFor(() => expect(walIndex(file)).toEqual({ frames, backfilled: frames }), { timeout: 10_000, interval: 20 });
  });

  it('stops the worker before the serving connection closes, which removes the WAL', { timeout: 20_000 }, async () => {
    const { store, file, insert } = storeWithTable();
    while (statSync(`${file}-wal`).size < START_AFTER_WAL_BYTES * 2) insert();
    await vi.waitFor(() => expect(walIndex(file).backfilled).toBeGreaterThan(0), { timeout: 10_000, interval: 20 });
    store.close();
    expect(existsSync(`${file}-wal`)).toBe(false);
  });
});
