/**
 * Waiting for a condition over shared words, with `Atomics` directly: the demos use it to line their workers
 * up at the exact point where a race can happen (both tellers have checked the balance, every worker holds
 * its first lock), so that the race is shown every time instead of by timing luck.
 *
 * Every change to the watched words is followed by {@link bump} on a VERSION word, which wakes the waiters; a
 * waiter reads VERSION before evaluating its condition and parks only while VERSION is unchanged, so a change
 * between the check and the park is never missed.
 */

/** Records a change: increments `view[version]` and wakes everyone waiting on it. */
export function bump(view: Int32Array, version: number): void {
  Atomics.add(view, version, 1);
  Atomics.notify(view, version);
}

/** Stores `value` in `view[index]`, then {@link bump}s. */
export function publish(view: Int32Array, index: number, value: number, version: number): void {
  Atomics.store(view, index, value);
  bump(view, version);
}

/**
 * Blocks the thread until `condition()` holds, re-checking after every bump of `view[version]`.
 *
 * @returns `true` when the condition held, `false` after `timeoutMs`.
 */
export function waitUntilSync(
  view: Int32Array,
  version: number,
  condition: () => boolean,
  timeoutMs: number,
): boolean {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const seen = Atomics.load(view, version);
    if (condition()) return true;
    const left = deadline - performance.now();
    if (left <= 0) return false;
    Atomics.wait(view, version, seen, left);
  }
}

/** {@link waitUntilSync} without blocking the thread (for several async tasks in one worker). */
export async function waitUntil(
  view: Int32Array,
  version: number,
  condition: () => boolean,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const seen = Atomics.load(view, version);
    if (condition()) return true;
    const left = deadline - performance.now();
    if (left <= 0) return false;
    const waiting = Atomics.waitAsync(view, version, seen, left);
    if (waiting.async) await waiting.value;
  }
}

/** The lesson's `time.sleep(ms)` for a worker: blocks the thread, synchronizes nothing. */
export function pauseSync(ms: number): void {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The lesson's `await asyncio.sleep(ms)`: yields to the event loop, synchronizes nothing. */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
