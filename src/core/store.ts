/**
 * Durable state: one SQLite database per data directory (WAL) plus a blob directory whose files
 * are written to a temp name and renamed into place once complete.
 *
 * Two durability levels. `process` (the default): every acknowledged write is in the WAL or the
 * blob file before the answer goes out, so it survives kill -9 or a crash of Drydock — what a
 * local cloud needs — without an fsync per request. `power` (DRYDOCK_DURABILITY=power): SQLite
 * synchronous=FULL and fsync of every blob before its rename, so it also survives losing the
 * machine, at several times the cost of a write. Either way WAL checkpoints (which sync) happen in
 * a worker thread rather than inside whichever commit crosses SQLite's threshold (checkpointer.ts).
 *
 * Group commit: the AWS pipeline runs each request's synchronous work in `batched`, where the
 * outermost transactions of one event-loop turn share a single COMMIT (each is a savepoint inside
 * it, so a failing one still rolls back alone), and every answer waits for `committed()`. A commit
 * costs more than a small write's statements; at `power` durability a turn's writes share one
 * fsync instead of one each. Any other transaction (timers, jobs, engines, Git routes, a handler's
 * code after an await) commits the open batch before it starts, so order is kept. Until the batch
 * commits (at the latest in the next turn), a read on this connection sees its rows and a statement
 * run outside `tx` joins it. AWS answers all wait for `committed()`; an answer given outside the
 * pipeline in that window (a Git route, the internal API) may show rows that kill -9 could still
 * take back. After-commit hooks of a batched `tx` run when the batch commits, not when it returns.
 *
 * Services own their tables: each registers migrations under its own name and keeps its SQL in
 * its own store.ts. Nothing else touches another service's tables.
 */

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { BlobStore } from './blobs.js';
import { WalCheckpointer } from './checkpointer.js';
import { isThenable } from './thenable.js';

export type Db = Database.Database;

export interface Migration {
  /** Monotonic per service, starting at 1. */
  version: number;
  sql: string;
}

export type Durability = 'process' | 'power';

interface Settlement {
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** One group commit (see `Store.batched`). */
interface Batch {
  /** The after-commit hooks of its transactions, in order: they run once it commits. */
  hooks: (() => void)[];
  /** Made by the first `committed()`: a batch nobody waits for needs no promise. */
  promise?: Promise<void>;
  settled?: Settlement;
}

export class Store {
  readonly db: Db;
  readonly blobs: BlobStore;
  private readonly checkpointer: WalCheckpointer;
  /** After-commit hooks of each open `tx`, innermost last (a nested tx is a savepoint). */
  private readonly txHooks: (() => void)[][] = [];
  /** Run inside every outermost transaction just before it commits (see `beforeEachCommit`). */
  private readonly commitParticipants: (() => void)[] = [];
  /**
   * One transaction function for every `tx`: better-sqlite3's `transaction()` builds four wrappers
   * per call, which cost a write request more than its own statements' JavaScript.
   */
  private readonly inTransaction: (work: () => unknown) => unknown;
  /** Told once `wipe` has deleted every row (see `onWipe`). */
  private readonly wipeListeners: (() => void)[] = [];
  /** The open group commit: BEGIN has run, and its COMMIT is scheduled (see `batched`). */
  private batch: Batch | undefined;
  /** True while `batched` work runs: an outermost `tx` then joins the open batch. */
  private batching = false;
  /** The batch the current `batched` work wrote into, if any. */
  private batchJoined: Batch | undefined;
  private readonly batchStatements: { begin: Database.Statement; commit: Database.Statement; rollback: Database.Statement };
  /** Where an exception thrown by an after-commit hook goes: the commit already happened, so it is not the caller's. */
  onHookError: (err: unknown) => void = (err) => console.error('after-commit hook failed', err);

  constructor(
    readonly dataDir: string,
    durability: Durability = 'process',
  ) {
    mkdirSync(dataDir, { recursive: true });
    const file = join(dataDir, 'drydock.sqlite');
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    const synchronous = durability === 'power' ? 'FULL' : 'NORMAL';
    this.db.pragma(`synchronous = ${synchronous}`);
    this.checkpointer = new WalCheckpointer(
      this.db,
      file,
      synchronous,
      (err) => console.error('WAL checkpointer failed: commits checkpoint again', err),
      () => this.commitBatch(),
    );
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.inTransaction = this.db.transaction((work: () => unknown) => work());
    this.batchStatements = { begin: this.db.prepare('BEGIN'), commit: this.db.prepare('COMMIT'), rollback: this.db.prepare('ROLLBACK') };
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_versions (owner TEXT PRIMARY KEY, version INTEGER NOT NULL)');
    this.migrate('core.blobs', [{ version: 1, sql: 'CREATE TABLE core_blobs_inline (id TEXT PRIMARY KEY, data BLOB NOT NULL)' }]);
    this.blobs = new BlobStore(join(dataDir, 'blobs'), this.db, durability === 'power');
  }

  /**
   * Applies the migrations of `owner` newer than what the database has, all in one transaction.
   * Inside an outer `tx` (as when the server creates its services) that transaction is a
   * savepoint, so a fresh data directory gets every service's schema in a single commit.
   */
  migrate(owner: string, migrations: Migration[]): void {
    this.commitBatch();
    const row = this.db.prepare('SELECT version FROM schema_versions WHERE owner = ?').get(owner) as { version: number } | undefined;
    const current = row?.version ?? 0;
    const pending = migrations.filter((m) => m.version > current).sort((a, b) => a.version - b.version);
    if (pending.length === 0) return;
    const latest = pending[pending.length - 1].version;
    this.db.transaction(() => {
      for (const m of pending) this.db.exec(m.sql);
      this.db.prepare('INSERT INTO schema_versions (owner, version) VALUES (?, ?) ON CONFLICT(owner) DO UPDATE SET version = excluded.version').run(owner, latest);
    })();
  }

  /**
   * Runs `fn` in a transaction: all of it is written or none. Hooks `fn` registers with
   * `afterCommit` run once the outermost `tx` has committed, and never if it rolls back.
   */
  tx<T>(fn: () => T): T {
    const hooks: (() => void)[] = [];
    const outermost = this.txHooks.length === 0;
    let batch: Batch | undefined;
    if (outermost) {
      if (this.batching) batch = this.joinBatch();
      else this.commitBatch();
    }
    this.txHooks.push(hooks);
    let result: T;
    try {
      const work = outermost && this.commitParticipants.length > 0 ? () => this.withParticipants(fn) : fn;
      result = this.inTransaction(work) as T;
    } catch (err) {
      // SQLite itself rolled back the whole transaction (I/O error, disk full): the batch is gone.
      if (batch && !this.db.inTransaction) this.failBatch(batch, err);
      throw err;
    } finally {
      this.txHooks.pop();
    }
    const outer = this.txHooks.at(-1);
    // A nested tx only released its savepoint: its hooks wait for (and die with) the outer one.
    if (outer) outer.push(...hooks);
    else if (batch) batch.hooks.push(...hooks);
    else for (const hook of hooks) this.runHook(hook);
    return result;
  }

  /**
   * Group commit: runs `work` (a request's synchronous part) so that its outermost transactions
   * share one commit with the others of this event-loop turn. The first one begins the batch and
   * schedules its COMMIT for after the poll phase that read the turn's requests; each runs as a
   * savepoint, so one that fails rolls back only itself. Answers must wait for `committed()`.
   */
  batched<T>(work: () => T): T {
    if (this.batching) return work();
    this.batching = true;
    this.batchJoined = undefined;
    let result: T;
    try {
      result = work();
    } finally {
      this.batching = false;
    }
    const joined = this.batchJoined;
    if (joined === undefined || !isThenable(result)) return result;
    this.batchJoined = undefined;
    // An asynchronous handler asks `committed()` only once it ends, when the batch its first part
    // wrote into may be long gone: its result waits for (and fails with) that batch.
    const commit = this.committed();
    return (commit ? Promise.all([result, commit]).then(([value]) => value) : result) as T;
  }

  /**
   * Runs `work` batched from code past an await (a handler that read a streamed body first, outside
   * the pipeline's batched part), settling once the commit its transactions joined has landed
   * (rejecting if it failed): the caller answers only after it, as a batched request does.
   */
  async batchedAndCommitted<T>(work: () => T): Promise<T> {
    const result = this.batched(work);
    // Asked at once, while the batch `work` joined is still open: it cannot have settled yet.
    const commit = this.committed();
    if (commit) await commit;
    return result;
  }

  /** Settles once the open batch is committed (rejects if it rolled back); undefined when none is open. */
  committed(): Promise<void> | undefined {
    const batch = this.batch;
    if (!batch) return undefined;
    if (!batch.settled) {
      let settle!: Settlement;
      batch.promise = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
      batch.settled = settle;
    }
    return batch.promise;
  }

  private joinBatch(): Batch {
    let batch = this.batch;
    if (!batch) {
      this.batchStatements.begin.run();
      batch = { hooks: [] };
      this.batch = batch;
      const scheduled = batch;
      setImmediate(() => {
        if (this.batch === scheduled) this.commitBatch();
      });
    }
    this.batchJoined = batch;
    return batch;
  }

  /** Commits the open batch, if any: first thing for whatever must not run inside it or after it uncommitted. */
  private commitBatch(): void {
    const batch = this.batch;
    if (!batch) return;
    this.batch = undefined;
    try {
      this.batchStatements.commit.run();
    } catch (err) {
      if (this.db.inTransaction) this.batchStatements.rollback.run();
      this.failBatch(batch, err);
      return;
    }
    for (const hook of batch.hooks) this.runHook(hook);
    batch.settled?.resolve();
  }

  private failBatch(batch: Batch, err: unknown): void {
    if (this.batch === batch) this.batch = undefined;
    batch.hooks.length = 0;
    batch.settled?.reject(err);
  }

  /**
   * Runs `participant` inside every outermost `tx`, after its work and before it commits, so that
   * what the participant writes commits or rolls back with that work (the job queue ends a job in
   * the transaction of the effect it exists for: JobQueue.completeWith).
   */
  beforeEachCommit(participant: () => void): void {
    this.commitParticipants.push(participant);
  }

  private withParticipants<T>(fn: () => T): T {
    const result = fn();
    for (const participant of this.commitParticipants) participant();
    return result;
  }

  /**
   * Runs `hook` once what the current `tx` wrote is committed, and never if it rolls back: for
   * effects outside SQLite (in-memory listeners, waking workers, removing files rows named) that
   * must not act on state that may still vanish. Outside a `tx` it runs at once, unless a group
   * commit is open: what this turn wrote (a handler's transaction that just returned) is committed
   * only with it.
   */
  afterCommit(hook: () => void): void {
    const current = this.txHooks.at(-1);
    if (current) current.push(hook);
    else if (this.batch) this.batch.hooks.push(hook);
    else this.runHook(hook);
  }

  private runHook(hook: () => void): void {
    try {
      hook();
    } catch (err) {
      this.onHookError(err);
    }
  }

  /** Deletes every row of every table and every blob, keeping the schema. */
  wipe(): void {
    this.commitBatch();
    const tables = this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'schema_versions'").all() as { name: string }[];
    this.db.pragma('foreign_keys = OFF');
    this.tx(() => {
      for (const t of tables) this.db.exec(`DELETE FROM "${t.name}"`);
    });
    this.db.pragma('foreign_keys = ON');
    this.blobs.wipeFiles();
    for (const listener of this.wipeListeners) listener();
  }

  /** Runs `listener` after every `wipe`: for what keeps copies of rows in memory, which must go with them. */
  onWipe(listener: () => void): void {
    this.wipeListeners.push(listener);
  }

  /**
   * For idle moments: ends the checkpointer's worker, empties the WAL, and frees SQLite's page cache
   * (up to 16 MB), which refills as it is read.
   */
  releaseMemory(): void {
    this.commitBatch();
    this.checkpointer.release();
    this.db.pragma('shrink_memory');
  }

  close(): void {
    this.commitBatch();
    this.checkpointer.stop();
    this.db.close();
  }
}
