/**
 * One Drydock per data directory. Two servers on one database would each run their own jobs,
 * timers and builds over the same rows (a queued build started twice, a Git repository written by
 * two processes), so the data directory holds a lock file, `drydock.pid`, naming the PID of the
 * Drydock that uses it. A second Drydock refuses to start while that process is alive; a lock
 * left behind by a Drydock that no longer runs (kill -9, a crash, a lost container) is taken over
 * with a note in the log.
 */
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from '../core/logger.js';

const LOCK_FILE = 'drydock.pid';
const MAX_PASSES = 5;

/** Another live Drydock holds the data directory. */
export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(`another Drydock (PID ${pid}) is using the data directory ${dataDir}: stop it first, or give this one another data directory (the lock is ${join(dataDir, LOCK_FILE)})`);
  }
}

export interface DataDirLock {
  /** Removes the lock file (only while it still names this process). */
  release(): void;
}

/** Lock files this process holds: a PID equal to ours in any other lock file was written by an earlier process (a container restarted as PID 1 again). */
const heldByThisProcess = new Set<string>();

/** The PID a lock file names; undefined when it is gone, and NaN when it names none. */
function readHolder(path: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return /^\d+\n?$/.test(text) ? Number(text) : Number.NaN;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A Drydock killed but not yet reaped by its parent (a zombie) still has its PID, yet holds nothing.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return true; // no /proc (macOS): kill(pid, 0) is all there is
  }
}

/** Creates the lock file with our PID in it, atomically and complete (never an empty file another process could read); false when one exists. */
function tryCreate(path: string): boolean {
  const draft = `${path}.${process.pid}.draft`;
  writeFileSync(draft, `${process.pid}\n`);
  try {
    linkSync(draft, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    rmSync(draft, { force: true });
  }
}

/**
 * Moves a stale lock out of the way. It is renamed aside (atomic) before it is deleted and checked
 * once aside: when another starting Drydock took the stale lock over in between, what was renamed
 * is that Drydock's live lock, and it is put back.
 */
function removeStale(path: string, stalePid: number): void {
  const aside = `${path}.${process.pid}.stale`;
  try {
    renameSync(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const moved = readHolder(aside);
  if (moved === undefined) return; // another starting Drydock removed it first
  if (moved !== stalePid && !(Number.isNaN(moved) && Number.isNaN(stalePid))) {
    try {
      linkSync(aside, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  unlinkSync(aside);
}

/**
 * Takes the data directory for this process (creating the directory when needed), or throws
 * DataDirInUseError naming the live Drydock that has it.
 */
export function lockDataDir(dataDir: string, log: Logger): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const path = join(resolve(dataDir), LOCK_FILE);
  // Each pass creates the lock, refuses, or removes a stale one; only Drydocks racing for the same stale lock need a second pass.
  for (let pass = 1; !tryCreate(path); pass++) {
    if (pass > MAX_PASSES) throw new Error(`could not take the data directory lock ${path}: other Drydocks kept changing it`);
    const holder = readHolder(path);
    if (holder === undefined) continue; // released between our attempt and the read
    const alive = holder === process.pid ? heldByThisProcess.has(path) : !Number.isNaN(holder) && isRunning(holder);
    if (alive) throw new DataDirInUseError(dataDir, holder);
    log.warn(
      { dataDir, stalePid: Number.isNaN(holder) ? null : holder },
      Number.isNaN(holder) ? `taking over the data directory lock ${path}, which names no process` : `taking over the data directory lock of Drydock PID ${holder}, which is no longer running`,
    );
    removeStale(path, holder);
  }
  heldByThisProcess.add(path);
  return {
    release() {
      if (!heldByThisProcess.delete(path)) return;
      if (readHolder(path) === process.pid) rmSync(path, { force: true });
    },
  };
}
