/**
 * The clock every service reads, and the only way anything in Drydock waits.
 *
 * Time can run faster than the wall clock (DRYDOCK_TIME_SCALE=60 makes a 10-minute canary wait
 * take 10 seconds) and can be warped forward by the internal API, so tests of timeouts and expiries
 * are deterministic. Waiting is done with timers on this clock (`at`, `after`, `sleep`), never with
 * a bare `setTimeout`: the clock keeps its timers in due order and arms one real timer for the
 * earliest, so `advance()` fires every timer it jumps over at once, and a scaled clock fires them
 * after the scaled real delay.
 */
export interface ClockTimer {
  /** Drydock time (epoch ms) at which the timer fires. */
  readonly due: number;
  /** Stops the timer; harmless after it fired. */
  cancel(): void;
}

interface PendingTimer extends ClockTimer {
  fire: () => void;
  seq: number;
  cancelled: boolean;
  /** Its callback has started: cancel() then has nothing to stop. */
  fired: boolean;
}

/** setTimeout's largest delay; longer waits re-arm when it expires. */
const MAX_REAL_DELAY = 2 ** 31 - 1;

export class Clock {
  private startReal = Date.now();
  private startVirtual: number;
  /** How far the clock was set from the wall clock when created (0 for a server's clock): where `reset()` puts it back. */
  private readonly initialSkew: number;
  private offsetMs = 0;
  /** Pending timers in firing order (due, then creation). */
  private timers: PendingTimer[] = [];
  private seq = 0;
  private armed?: NodeJS.Timeout;
  private armedFor = Infinity;
  /** Where an exception thrown by a timer's callback goes (the server logs it); it never stops other timers. */
  onTimerError: (err: unknown) => void = () => {};

  constructor(
    readonly scale = 1,
    start = Date.now(),
  ) {
    if (!(scale > 0)) throw new Error(`time scale must be positive, got ${scale}`);
    this.startVirtual = start;
    this.initialSkew = start - this.startReal;
  }

  /** Milliseconds since the epoch, in Drydock's time. */
  now(): number {
    return this.startVirtual + (Date.now() - this.startReal) * this.scale + this.offsetMs;
  }

  date(): Date {
    return new Date(this.now());
  }

  /** Moves Drydock's time forward (never backward: AWS state machines assume monotonic time) and fires every timer now due. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new Error('the clock only moves forward');
    this.offsetMs += ms;
    this.rearm(true);
  }

  /**
   * Puts Drydock's time back where a clock created now would start (the wall clock's time, for a
   * server), undoing advances and scaled drift. Only `POST /_drydock/reset` does this, once every
   * resource is gone: no state is left to see time run backward. Pending timers keep their due
   * times, so they fire later.
   */
  reset(): void {
    this.startReal = Date.now();
    this.startVirtual = this.startReal + this.initialSkew;
    this.offsetMs = 0;
    this.disarm();
    this.rearm(false);
  }

  /** Real milliseconds to wait for `virtualMs` of Drydock time to pass. */
  realDelay(virtualMs: number): number {
    return Math.max(0, virtualMs / this.scale);
  }

  /** Calls `fire` once Drydock's time reaches `due` (epoch ms): after the scaled real delay, or at once when the clock is advanced past it. */
  at(due: number, fire: () => void): ClockTimer {
    // A NaN due time would sort first, never become due, and re-arm a 1 ms real timer forever.
    if (Number.isNaN(due)) throw new Error('a clock timer needs a due time, got NaN');
    const timer: PendingTimer = {
      due,
      fire,
      seq: this.seq++,
      cancelled: false,
      fired: false,
      cancel: () => {
        if (timer.cancelled || timer.fired) return;
        timer.cancelled = true;
        const index = this.timers.indexOf(timer);
        if (index >= 0) this.timers.splice(index, 1);
        if (index === 0) this.rearm(false);
      },
    };
    // Binary search for the insertion point keeps the list ordered in O(log n) comparisons.
    let lo = 0;
    let hi = this.timers.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.timers[mid].due <= due) lo = mid + 1;
      else hi = mid;
    }
    this.timers.splice(lo, 0, timer);
    if (lo === 0) this.rearm(false);
    return timer;
  }

  /** `at(now + ms)`. */
  after(ms: number, fire: () => void): ClockTimer {
    return this.at(this.now() + Math.max(0, ms), fire);
  }

  /** Resolves after `ms` of Drydock time; rejects with the signal's reason when it is aborted first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return this.sleepUntil(this.now() + Math.max(0, ms), signal);
  }

  /** Resolves once Drydock's time reaches `due`; rejects with the signal's reason when it is aborted first. */
  sleepUntil(due: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        timer.cancel();
        reject(signal!.reason);
      };
      const timer = this.at(due, () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Timers still waiting (for tests and shutdown diagnostics). */
  pendingTimers(): number {
    return this.timers.length;
  }

  /** Fires what is due, then arms one real timer for the earliest pending one. */
  private rearm(fireDue: boolean): void {
    if (fireDue || (this.timers.length > 0 && this.timers[0].due <= this.now())) this.fireDue();
    const next = this.timers[0];
    if (!next) {
      this.disarm();
      return;
    }
    if (this.armed && this.armedFor === next.due) return;
    this.disarm();
    const delay = Math.min(MAX_REAL_DELAY, Math.ceil(this.realDelay(next.due - this.now())));
    this.armedFor = next.due;
    this.armed = setTimeout(() => {
      this.armed = undefined;
      this.armedFor = Infinity;
      this.rearm(true);
    }, delay);
    // A pending timer never keeps the process alive on its own: shutdown is explicit.
    this.armed.unref();
  }

  private disarm(): void {
    if (this.armed) clearTimeout(this.armed);
    this.armed = undefined;
    this.armedFor = Infinity;
  }

  private fireDue(): void {
    const now = this.now();
    let count = 0;
    while (count < this.timers.length && this.timers[count].due <= now) count++;
    if (count === 0) return;
    const due = this.timers.splice(0, count);
    for (const timer of due) {
      // Each callback runs in its own microtask, in due order, after advance() returns; one that
      // throws cannot stop the others. A timer cancelled by an earlier callback of the same batch
      // (it is already out of the list, but not yet run) must still not fire.
      queueMicrotask(() => {
        if (timer.cancelled) return;
        timer.fired = true;
        try {
          timer.fire();
        } catch (err) {
          this.onTimerError(err);
        }
      });
    }
  }
}
