/**
 * Gives memory back once the server goes quiet after a burst of work. A burst (loading 100,000
 * parameters and objects) leaves V8's heap sized for it and SQLite's page cache full, and neither
 * shrinks by itself while the process idles: 150 MB resident where a full garbage collection and
 * SQLite's `shrink_memory` bring it to ~105 MB. Doing that on the request path would be a pause
 * clients feel, so it waits until a whole check interval has passed without a request, and only
 * after resident memory has grown since the last time (an idle server is left alone). A second
 * collection follows some seconds later, when V8 agrees to shrink its young generation.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { once } from '../core/lazy.js';

/** How often activity is looked at: memory is given back 1-2 intervals after the last request. */
const IDLE_CHECK_MS = 1_000;
/** Growth of resident memory over the footprint after the last release that makes the next quiet moment release again. */
export const RELEASE_AFTER_GROWTH_BYTES = 16 * 1024 * 1024;
/**
 * Quiet intervals between the release and a second collection. V8 shrinks its young generation
 * (up to 32 MB, sized for the burst) and gives back more of its old one only in a collection that
 * finds the allocation rate low over the last 5 s, measured from collection to collection: the
 * second must come more than 5 s after the first, whose own measure still holds the burst's last
 * allocations.
 */
export const SECOND_COLLECTION_DELAY_CHECKS = 6;

interface IdleHousekeepingOptions {
  /** Gives back what the process holds but does not need (caches, garbage). */
  release: () => void;
  /** A second garbage collection, once allocation has been low a while. */
  collectAgain: () => void;
  /** The process's resident memory in bytes (injected so tests need not allocate). */
  residentBytes?: () => number;
}

/** Decides when to give memory back; `tick` runs every IDLE_CHECK_MS (see `startIdleHousekeeping`). */
export class IdleHousekeeping {
  private requestsSinceTick = 0;
  private quietChecks = 0;
  private busySinceQuiet = false;
  private secondCollectionPending = false;
  private readonly residentBytes: () => number;
  /**
   * Resident memory at start and once settled after each release: taken at the next quiet check,
   * since what a collection frees leaves the process's resident set a little later. (Not at every
   * quiet check: a pause inside a burst would make the burst's memory look like the footprint.)
   */
  private idleResident: number;
  private settling = false;

  constructor(private readonly options: IdleHousekeepingOptions) {
    this.residentBytes = options.residentBytes ?? (() => process.memoryUsage.rss());
    this.idleResident = this.residentBytes();
  }

  noteRequest(): void {
    this.requestsSinceTick++;
  }

  /** What it gave back, if anything. */
  tick(): 'released' | 'collected again' | undefined {
    if (this.requestsSinceTick > 0) {
      this.requestsSinceTick = 0;
      this.quietChecks = 0;
      this.busySinceQuiet = true;
      return undefined;
    }
    this.quietChecks++;
    if (this.quietChecks === 1) {
      if (!this.busySinceQuiet) return undefined;
      this.busySinceQuiet = false;
      if (this.residentBytes() - this.idleResident < RELEASE_AFTER_GROWTH_BYTES) return undefined;
      this.options.release();
      this.secondCollectionPending = true;
      this.settling = true;
      return 'released';
    }
    if (this.quietChecks === 1 + SECOND_COLLECTION_DELAY_CHECKS && this.secondCollectionPending) {
      this.secondCollectionPending = false;
      this.options.collectAgain();
      this.settling = true;
      return 'collected again';
    }
    if (this.settling) {
      this.settling = false;
      this.idleResident = this.residentBytes();
    }
    return undefined;
  }
}

/**
 * A full, synchronous garbage collection. `--expose-gc` set at run time does not add `gc` to the
 * running context, but a new context gets it: the usual way to reach it without a command-line flag
 * (the bin's `#!/usr/bin/env node` line cannot carry one portably).
 */
const exposedGc = once(() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
});

export function collectGarbage(): void {
  exposedGc()();
}

/** Checks every IDLE_CHECK_MS without keeping the process alive; returns what stops it. */
export function startIdleHousekeeping(housekeeping: IdleHousekeeping): () => void {
  const timer = setInterval(() => housekeeping.tick(), IDLE_CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
