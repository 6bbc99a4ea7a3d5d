/**
 * Gives memory back once the server goes quiet after a burst of work. A burst (loading 100,000
 * parameters and objects) leaves V8's heap sized for it and SQLite's page cache full, and neither
 * shrinks by itself while the process idles: 150 MB resident where a full garbage collection and
 * SQLite's `shrink_memory` bring it to ~105 MB. Doing that on the request path would be a pause
 * clients feel, so it waits until a whole check interval has passed without a request, and only
 * after resident memory has grown since the last time (an idle server is left alone). The young
 * generation follows some seconds later, when V8 agrees to shrink it.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { once } from '../core/lazy.js';

/** How often activity is looked at: memory is given back 1-2 intervals after the last request. */
export const IDLE_CHECK_MS = 1_000;
/** Growth of resident memory over the footprint after the last release that makes the next quiet moment release again. */
export const RELEASE_AFTER_GROWTH_BYTES = 16 * 1024 * 1024;
/**
 * Quiet intervals between the release and the young generation's turn. V8 shrinks its young
 * generation (up to 32 MB, sized for the burst) only in a collection that finds the allocation
 * rate low over the last 5 s, measured from collection to collection: this one must come more than
 * 5 s after the release, whose own measure still holds the burst's last allocations.
 */
export const YOUNG_GENERATION_DELAY_CHECKS = 6;

export interface IdleHousekeepingOptions {
  /** Gives back what the process holds but does not need (caches, garbage). */
  release: () => void;
  /** A collection of the young generation, which shrinks it once allocation has been low a while. */
  releaseYoungGeneration: () => void;
  /** The process's resident memory in bytes (injected so tests need not allocate). */
  residentBytes?: () => number;
}

/** Decides when to give memory back; `tick` runs every IDLE_CHECK_MS (see `startIdleHousekeeping`). */
export class IdleHousekeeping {
  private requestsSinceTick = 0;
  private quietChecks = 0;
  private busySinceQuiet = false;
  private youngGenerationPending = false;
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
  tick(): 'released' | 'young generation' | undefined {
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
      this.youngGenerationPending = true;
      this.settling = true;
      return 'released';
    }
    if (this.quietChecks === 1 + YOUNG_GENERATION_DELAY_CHECKS && this.youngGenerationPending) {
      this.youngGenerationPending = false;
      this.options.releaseYoungGeneration();
      this.settling = true;
      return 'young generation';
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

/** A collection of the young generation only (a few milliseconds). */
export function collectYoungGarbage(): void {
  (exposedGc() as (options: { type: 'minor' }) => void)({ type: 'minor' });
}

/** Checks every IDLE_CHECK_MS without keeping the process alive; returns what stops it. */
export function startIdleHousekeeping(housekeeping: IdleHousekeeping): () => void {
  const timer = setInterval(() => housekeeping.tick(), IDLE_CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
