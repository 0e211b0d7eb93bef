/**
 * The clock and timers the library's own timeouts run on: the real ones, captured when the library loads.
 *
 * Users test their code with fake timers (`vi.useFakeTimers()`, sinon's `useFakeTimers()`), which replace
 * `setTimeout`, `setInterval` and `performance.now` on the global object. The library's deadlines, its
 * keep-alive while an async wait is pending and its recheck timers are not the user's timers: if a fake clock
 * captured them, a pending wait would either never time out or make the fake clock loop ("Aborting after running
 * 1000 timers"). So every timeout of this library follows the real clock, also under fake timers; a test that
 * wants a wait to time out lets real time pass (or uses a short timeout).
 *
 * @internal
 * @module
 */

const realPerformance = globalThis.performance;
const realNow = realPerformance.now.bind(realPerformance);
const realSetTimeout = globalThis.setTimeout.bind(globalThis);
const realClearTimeout = globalThis.clearTimeout.bind(globalThis);
const realSetInterval = globalThis.setInterval.bind(globalThis);
const realClearInterval = globalThis.clearInterval.bind(globalThis);
const realSetImmediate = (
  globalThis as { setImmediate?: (callback: () => void) => unknown }
).setImmediate?.bind(globalThis);

/** Milliseconds on the real monotonic clock (`performance.now()` as it was when the library loaded). */
export const now: () => number = realNow;

/** The real `setTimeout`. */
export const setTimer: (callback: () => void, ms: number) => ReturnType<typeof setTimeout> = (callback, ms) =>
  realSetTimeout(callback, ms);

/** The real `clearTimeout`. */
export const clearTimer: (timer: ReturnType<typeof setTimeout> | undefined) => void = (timer) =>
  realClearTimeout(timer);

/** The real `setInterval`. */
export const setRepeating: (callback: () => void, ms: number) => ReturnType<typeof setInterval> = (
  callback,
  ms,
) => realSetInterval(callback, ms);

/** The real `clearInterval`. */
export const clearRepeating: (timer: ReturnType<typeof setInterval> | undefined) => void = (timer) =>
  realClearInterval(timer);

/**
 * Resolves on a later turn of the event loop, after the I/O and timers that are due (the real `setImmediate`):
 * a way to look at something again soon without blocking the thread and without letting it fall asleep.
 * `undefined` where there is no `setImmediate` (browsers).
 */
export const nextTurn: (() => Promise<void>) | undefined =
  realSetImmediate === undefined
    ? undefined
    : () => new Promise<void>((resolve) => realSetImmediate(resolve));
