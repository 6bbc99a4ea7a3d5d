/**
 * The clock every service reads. Time can run faster than the wall clock (DRYDOCK_TIME_SCALE=60
 * makes a 10-minute canary wait take 10 seconds) and can be warped forward by the internal API so
 * tests of timeouts and expiries are deterministic.
 */
export class Clock {
  private readonly startReal = Date.now();
  private readonly startVirtual: number;
  private offsetMs = 0;

  constructor(readonly scale = 1, start = Date.now()) {
    if (!(scale > 0)) throw new Error(`time scale must be positive, got ${scale}`);
    this.startVirtual = start;
  }

  /** Milliseconds since the epoch, in Drydock's time. */
  now(): number {
    return this.startVirtual + (Date.now() - this.startReal) * this.scale + this.offsetMs;
  }

  date(): Date {
    return new Date(this.now());
  }

  /** Moves Drydock's time forward (never backward: AWS state machines assume monotonic time). */
  advance(ms: number): void {
    if (ms < 0) throw new Error('the clock only moves forward');
    this.offsetMs += ms;
  }

  /** Real milliseconds to wait for `virtualMs` of Drydock time to pass. */
  realDelay(virtualMs: number): number {
    return Math.max(0, virtualMs / this.scale);
  }

  sleep(virtualMs: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, this.realDelay(virtualMs)).unref());
  }
}
