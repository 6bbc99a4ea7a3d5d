import { afterEach, describe, expect, it, vi } from 'vitest';
import { Clock } from './clock.js';

/** Timer callbacks run in microtasks queued when they come due; this lets them all run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('Clock timers', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires a timer after the scaled real delay, not before', async () => {
    // Only the real timer and Date are faked: the clock's own microtasks still run.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const clock = new Clock(60, Date.UTC(2026, 0, 1));
    const fired: number[] = [];
    clock.after(60_000, () => fired.push(clock.now()));
    vi.advanceTimersByTime(999);
    await Promise.resolve();
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    await Promise.resolve();
    expect(fired).toHaveLength(1);
    expect(fired[0]).toBeGreaterThanOrEqual(Date.UTC(2026, 0, 1) + 60_000);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('fires a timer on the real wall clock too (no fake timers)', async () => {
    const clock = new Clock(1000);
    await expect(clock.sleep(5_000)).resolves.toBeUndefined();
  });

  it('advance() fires every timer it jumps over, in due order, at once', async () => {
    const clock = new Clock(1, 0);
    const order: string[] = [];
    const start = clock.now();
    clock.at(start + 30_000, () => order.push('c'));
    clock.at(start + 10_000, () => order.push('a'));
    clock.at(start + 20_000, () => order.push('b1'));
    clock.at(start + 20_000, () => order.push('b2'));
    clock.at(start + 3_600_000, () => order.push('later'));
    clock.advance(30_000);
    await settle();
    expect(order).toEqual(['a', 'b1', 'b2', 'c']);
    expect(clock.pendingTimers()).toBe(1);
    clock.advance(3_600_000);
    await settle();
    expect(order.at(-1)).toBe('later');
    expect(clock.pendingTimers()).toBe(0);
  });

  it('cancel() stops a timer, also one an earlier callback of the same advance cancels', async () => {
    const clock = new Clock();
    const fired: string[] = [];
    const cancelled = clock.after(1000, () => fired.push('cancelled'));
    cancelled.cancel();
    expect(clock.pendingTimers()).toBe(0);
    const second = clock.after(2000, () => fired.push('second'));
    clock.after(1000, () => {
      fired.push('first');
      second.cancel();
    });
    clock.advance(5000);
    await settle();
    expect(fired).toEqual(['first']);
    // Cancelling again, or after it fired, is harmless.
    second.cancel();
    cancelled.cancel();
  });

  it('sleep() resolves on advance and rejects with the abort reason', async () => {
    const clock = new Clock();
    const woke = clock.sleep(60_000);
    clock.advance(60_000);
    await expect(woke).resolves.toBeUndefined();

    const controller = new AbortController();
    const sleeping = clock.sleep(60_000, controller.signal);
    const reason = new Error('stopped by the test');
    controller.abort(reason);
    await expect(sleeping).rejects.toBe(reason);
    expect(clock.pendingTimers()).toBe(0);

    // An already-aborted signal rejects at once without leaving a timer behind.
    await expect(clock.sleepUntil(clock.now() + 1000, controller.signal)).rejects.toBe(reason);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('a throwing timer goes to onTimerError and does not stop the others', async () => {
    const clock = new Clock();
    const errors: unknown[] = [];
    clock.onTimerError = (err) => errors.push(err);
    const fired: string[] = [];
    const boom = new Error('boom');
    clock.after(100, () => {
      throw boom;
    });
    clock.after(200, () => fired.push('after the throw'));
    clock.advance(1000);
    await settle();
    expect(errors).toEqual([boom]);
    expect(fired).toEqual(['after the throw']);
  });

  it('a timer due in the past fires at once', async () => {
    const clock = new Clock();
    let fired = false;
    clock.at(clock.now() - 60_000, () => {
      fired = true;
    });
    expect(fired).toBe(false);
    await settle();
    expect(fired).toBe(true);
    expect(() => clock.at(Number.NaN, () => {})).toThrow();
  });

  it('reset() undoes advances and scaled drift: back to the skew it was created with, timers kept', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const start = Date.UTC(2026, 0, 1);
    const clock = new Clock(60, start);
    const fired: string[] = [];
    clock.at(start + 4 * 3_600_000, () => fired.push('four hours in'));
    clock.advance(3_600_000);
    vi.advanceTimersByTime(60_000);
    expect(clock.now()).toBe(start + 2 * 3_600_000);

    // One real minute has passed since the clock was created: a clock created now would read start + 1 minute.
    clock.reset();
    expect(clock.now()).toBe(start + 60_000);
    // The timer is still due at start + 4 h: 239 real seconds away at this scale.
    vi.advanceTimersByTime(238_999);
    await settle();
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    await Promise.resolve();
    expect(fired).toEqual(['four hours in']);
  });
});
