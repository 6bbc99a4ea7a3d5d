/**
 * WAL checkpoints off the request path. SQLite's automatic checkpoint runs inside the commit that
 * crosses 1,000 WAL pages, and copying those pages into the database and syncing both files (what
 * synchronous=NORMAL does at a checkpoint) stalled that request 20-80 ms every few hundred writes.
 *
 * Here the serving connection never checkpoints by itself (`wal_autocheckpoint = 0`). Once the WAL
 * has grown past START_AFTER_WAL_BYTES, a worker thread with a connection of its own copies pages
 * back with PASSIVE checkpoints, which never block the writer, and does the syncing. A WAL can only
 * start over from its beginning when every frame in it has been copied back, which a writer that
 * keeps committing during each pass never lets the worker reach; so once the WAL is long and only
 * a short tail remains, the worker asks the serving connection to copy that tail itself: a pause
 * of a few milliseconds every 16,384 pages instead of tens every thousand. Commits are
 * as durable as before: they are in the WAL when answered, and a checkpoint only moves them.
 *
 * Should the worker fail, the connection goes back to SQLite's automatic checkpoints.
 */
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/**
 * A session that writes less than this never starts the worker (closing the store checkpoints it):
 * about the 1,000 pages at which SQLite would have checkpointed, and well above the 1.6 MB that
 * creating every service's tables in a fresh data directory writes.
 */
export const START_AFTER_WAL_BYTES = 4 * 1024 * 1024;
const WATCH_MS = 100;
/**
 * A WAL this many frames (4 KiB pages, 64 MB) long is made to start over: the serving connection
 * copies its tail, a pause of the two syncs (3-16 ms here), so the longer the WAL, the rarer.
 */
export const RESTART_FRAMES = 16_384;
/** The worker's pace while the WAL grows, and while nothing happens. */
const ACTIVE_PASS_MS = 50;
const IDLE_PASS_MS = 500;
/** How long closing waits for the worker to close its connection. */
const CLOSE_WAIT_MS = 2_000;
/** SQLite's own default, for when the worker cannot run. */
const AUTOCHECKPOINT_PAGES = 1000;

interface CheckpointerConfig {
  sqlite: string;
  path: string;
  synchronous: string;
  restartFrames: number;
  activePassMs: number;
  idlePassMs: number;
  closed: Int32Array;
}

/** The worker, as CommonJS source (a bundled server has no file of its own to give a Worker). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const config = workerData;
const Database = require(config.sqlite);
const db = new Database(config.path);
db.pragma('synchronous = ' + config.synchronous);
db.pragma('wal_autocheckpoint = 0');
let timer;
let lastLog = -1;
let tailAsked = false;
let caughtUp = false;
function pass() {
  let next = config.idlePassMs;
  try {
    const [{ log, checkpointed }] = db.pragma('wal_checkpoint(PASSIVE)');
    if (log !== lastLog || checkpointed < log) next = config.activePassMs;
    lastLog = log;
    // A long WAL that writes keep from starting over: one more pass at once copies what came in
    // during this one, and the serving connection then copies the little that came in meanwhile.
    if (log < config.restartFrames) caughtUp = false;
    else if (!caughtUp) {
      caughtUp = true;
      next = 0;
    } else {
      caughtUp = false;
      tailAsked = true;
      parentPort.postMessage('tail');
      return;
    }
  } catch {
    // Busy: the next pass tries again.
  }
  timer = setTimeout(pass, next);
}
parentPort.on('message', (message) => {
  if (message === 'tail done') {
    tailAsked = false;
    timer = setTimeout(pass, config.activePassMs);
  }
  if (message === 'close') {
    clearTimeout(timer);
    db.close();
    Atomics.store(config.closed, 0, 1);
    Atomics.notify(config.closed, 0);
    parentPort.close();
  }
});
pass();
`;

export class WalCheckpointer {
  private worker: { thread: Worker; closed: Int32Array } | undefined;
  private watch: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Database.Database,
    private readonly path: string,
    private readonly synchronous: 'NORMAL' | 'FULL',
    private readonly onError: (err: unknown) => void,
    /** Commits the serving connection's open group commit: a checkpoint cannot copy past a transaction it holds open. */
    private readonly commitOpenBatch: () => void,
  ) {
    db.pragma('wal_autocheckpoint = 0');
    this.watchForGrowth();
  }

  private watchForGrowth(): void {
    this.watch = setInterval(() => this.startOnceGrown(), WATCH_MS);
    this.watch.unref();
  }

  private startOnceGrown(): void {
    let size: number;
    try {
      size = statSync(`${this.path}-wal`).size;
    } catch {
      return;
    }
    if (size < START_AFTER_WAL_BYTES) return;
    clearInterval(this.watch);
    this.start();
  }

  private start(): void {
    const closed = new Int32Array(new SharedArrayBuffer(4));
    const config: CheckpointerConfig = {
      sqlite: createRequire(import.meta.url).resolve('better-sqlite3'),
      path: this.path,
      synchronous: this.synchronous,
      restartFrames: RESTART_FRAMES,
      activePassMs: ACTIVE_PASS_MS,
      idlePassMs: IDLE_PASS_MS,
      closed,
    };
    // A small heap: the worker holds nothing but one connection.
    const thread = new Worker(WORKER_SOURCE, { eval: true, workerData: config, resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 } });
    thread.unref();
    thread.on('message', () => this.checkpointTail(thread));
    thread.on('error', (err) => {
      if (this.worker?.thread === thread) this.worker = undefined;
      this.onError(err);
      if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
    });
    this.worker = { thread, closed };
  }

  private checkpointTail(thread: Worker): void {
    if (!this.db.open) return;
    this.commitOpenBatch();
    try {
      this.db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // An iterator holds the connection: the worker asks again after its next pass.
    }
    thread.postMessage('tail done');
  }

  /** Waits (briefly) until the worker has closed its connection. */
  private stopWorker(): void {
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    worker.thread.postMessage('close');
    Atomics.wait(worker.closed, 0, 0, CLOSE_WAIT_MS);
    void worker.thread.terminate();
  }

  /**
   * For idle moments: the worker (a thread with a heap of its own) ends, and the WAL is copied back
   * and emptied by a TRUNCATE checkpoint, which holds up writers but there are none while idle.
   * The worker starts again once the WAL grows.
   */
  release(): void {
    if (!this.worker) return;
    this.stopWorker();
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      // An iterator holds the connection: the WAL is emptied at the next idle moment instead.
    }
    this.watchForGrowth();
  }

  /** Stops the worker once its connection is closed, so the serving connection closes last (and removes the WAL). */
  stop(): void {
    clearInterval(this.watch);
    this.stopWorker();
  }
}
