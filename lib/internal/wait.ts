/**
 * The one place that waits.
 *
 * Every primitive waits the same way: it tries to finish, and when it cannot, it announces itself in shared
 * memory (so that the other side knows to notify) and parks on one 32-bit word until that word is notified or
 * the deadline passes, then tries again. This module owns the parking, the deadlines, abort signals, the
 * keep-alive of async waits, and the check for threads that must not block.
 *
 * ## Async parking and `Atomics.waitAsync`
 * A pending `Atomics.waitAsync` cannot be cancelled: it stays registered until the word is notified or its
 * timeout expires. If every async wait issued its own `waitAsync`, 10,000 aborted waits would leave 10,000
 * registrations behind. So a thread issues at most one `waitAsync` per word at a time (the *pump*), and its
 * async waiters on that word sit in a local set. When the pump wakes, every local waiter is settled and tries
 * again; a waiter that leaves early (timeout, abort) just leaves the set. At most one stale pump per word and
 * thread can be left behind, and it disappears at the word's next notify.
 *
 * A pending `waitAsync` does not keep Node's event loop alive, so while a waiter has no deadline timer a
 * ref'd interval does (one for the whole thread).
 *
 * ## Why wakes are broadcast
 * {@link wake} notifies every waiter on a word, never "one". A notify that lands on a pump is only acted on when
 * that thread's event loop runs; if that thread is blocked (in a `…Sync` call on another primitive, or on the
 * same one), a "notify one" would be swallowed and a waiter elsewhere could sleep forever. With a broadcast,
 * every waiter re-checks the shared state and the ones that lose go back to sleep. On the 2-4 threads this
 * library is used with, that costs little; with two threads it is exactly "notify one".
 *
 * ## Waiters that depend on other threads being alive
 * A plan that `watchesDeaths` (a lock waiter, whose holder may die) must try again after any thread's death
 * even though nobody notifies its word (`registry.ts`, `mutex.ts`). Async waiters get that from one death watch
 * per thread: a `waitAsync` on the registry's DEATHS word, pending while any async waiter is parked, that
 * settles every parked waiter of the thread when a death is recorded. A thread blocked in `Atomics.wait`
 * cannot watch a second word, so a sync waiter of such a plan parks in slices of {@link DEATH_POLL_MS} and looks
 * at the registry after each: a few wake-ups a second per blocked thread, and none at all on the uncontended
 * path. Both loops also compare the death count before the attempt with the count just before parking, so a
 * death recorded in between is never slept through.
 *
 * @internal
 * @module
 */

import { BlockingNotAllowedError } from '../errors';
import { clearRepeating, clearTimer, now, setRepeating, setTimer } from './clock';
import { deathCount, deathsWord } from './registry';

/** How a park ended. */
export type ParkResult = 'ok' | 'not-equal' | 'timed-out';

/** Iterations of the bounded spin before a contended sync acquire parks. */
export const SPIN_LIMIT = 100;

/** The longest a sync waiter of a plan that `watchesDeaths` parks before it looks at the registry again. */
export const DEATH_POLL_MS = 40;

/**
 * Checks a timeout in milliseconds: `undefined` and `Infinity` mean forever; negative, `NaN` and non-numbers
 * are a `RangeError` whose message starts with `api`. Cheap enough for fast paths (no clock read).
 */
export function checkTimeout(timeout: unknown, api: string): void {
  if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout >= 0))) {
    throw new RangeError(
      `${api}: timeout must be a non-negative number of milliseconds or Infinity, got ${
        typeof timeout === 'number' ? timeout : typeof timeout
      }`,
    );
  }
}

/** Validates a timeout (see {@link checkTimeout}) and turns it into a deadline on the `performance.now()` clock. */
export function deadlineOf(timeout: unknown, api: string): number {
  checkTimeout(timeout, api);
  return timeout === undefined || timeout === Number.POSITIVE_INFINITY
    ? Number.POSITIVE_INFINITY
    : now() + (timeout as number);
}

/** Milliseconds left until `deadline` (0 once passed). */
export function remaining(deadline: number): number {
  return deadline === Number.POSITIVE_INFINITY ? deadline : Math.max(0, deadline - now());
}

/** Checks that `signal` is an `AbortSignal` (or absent). */
export function checkSignal(signal: unknown, api: string): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (typeof signal !== 'object' || signal === null || typeof (signal as AbortSignal).aborted !== 'boolean') {
    throw new TypeError(
      `${api}: signal must be an AbortSignal, got ${signal === null ? 'null' : typeof signal}`,
    );
  }
  return signal as AbortSignal;
}

function probeBlocking(): boolean {
  try {
    // A zero-length wait on a value that differs returns at once where waiting is allowed and throws where not.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether this thread may block in `Atomics.wait` (false on a browser's main thread). Read once, at load. */
export const mayBlock: boolean = probeBlocking();

/**
 * Throws {@link BlockingNotAllowedError} when this thread may not block, naming the async form the caller should
 * use instead. Sync calls check it even when they would not have to wait, so that code does not work
 * uncontended and fail under load.
 */
export function assertCanBlock(api: string, asyncForm: string): void {
  if (!mayBlock) {
    throw new BlockingNotAllowedError(
      `${api}: this thread may not block (Atomics.wait is not allowed here, e.g. a browser's main thread); ` +
        `use ${asyncForm} instead`,
    );
  }
}

/** Parks the thread while `view[index] === expected`, until notified or `deadline`. */
export function parkSync(view: Int32Array, index: number, expected: number, deadline: number): ParkResult {
  if (deadline === Number.POSITIVE_INFINITY) return Atomics.wait(view, index, expected);
  const left = deadline - now();
  if (left <= 0) return 'timed-out';
  return Atomics.wait(view, index, expected, left);
}

/** Wakes every thread and async waiter parked on `view[index]` (see "Why wakes are broadcast" above). */
export function wake(view: Int32Array, index: number): void {
  Atomics.notify(view, index);
}

// ---------------------------------------------------------------------------------------------------------
// Async parking

interface AsyncWaiter {
  settle(result: ParkResult): void;
}

/** This thread's async waiters on one shared word, and whether a pump is pending for them. */
interface Spot {
  readonly waiters: Set<AsyncWaiter>;
  pumping: boolean;
}

// The spots with parked waiters, so that the death watch can settle them all.
const activeSpots = new Set<Spot>();
let deathWatchArmed = false;

/**
 * Keeps one `waitAsync` pending on the registry's DEATHS word while this thread has parked async waiters;
 * `seen` is the death count the arming waiter last acted on, so a death after its attempt fires the watch at once.
 */
function armDeathWatch(seen: number): void {
  if (deathWatchArmed) return;
  const { view, index } = deathsWord();
  const result = Atomics.waitAsync(view, index, seen);
  const fire = (): void => {
    deathWatchArmed = false;
    for (const spot of [...activeSpots]) settleAll(spot, 'ok');
  };
  if (!result.async) {
    queueMicrotask(fire);
    return;
  }
  deathWatchArmed = true;
  void result.value.then(fire);
}

// Keyed by buffer object, then by the word's absolute Int32 index, so that two views of one word share a spot.
const spots = new WeakMap<SharedArrayBuffer, Map<number, Spot>>();
let pendingPumps = 0;

function spotOf(view: Int32Array, index: number): Spot {
  const buffer = view.buffer as SharedArrayBuffer;
  let byIndex = spots.get(buffer);
  if (!byIndex) spots.set(buffer, (byIndex = new Map()));
  const word = (view.byteOffset >> 2) + index;
  let spot = byIndex.get(word);
  if (!spot) byIndex.set(word, (spot = { waiters: new Set(), pumping: false }));
  return spot;
}

function pump(spot: Spot, view: Int32Array, index: number, expected: number): void {
  const result = Atomics.waitAsync(view, index, expected);
  if (!result.async) {
    settleAll(spot, result.value);
    return;
  }
  spot.pumping = true;
  pendingPumps++;
  result.value.then((value) => {
    spot.pumping = false;
    pendingPumps--;
    settleAll(spot, value);
  });
}

function settleAll(spot: Spot, result: ParkResult): void {
  const waiters = [...spot.waiters];
  spot.waiters.clear();
  activeSpots.delete(spot);
  for (const waiter of waiters) waiter.settle(result);
}

// A pending waitAsync does not keep Node alive; one ref'd interval does while any waiter has no timer of its own.
let keepAliveCount = 0;
let keepAliveTimer: ReturnType<typeof setRepeating> | undefined;

function retainKeepAlive(): void {
  if (keepAliveCount++ === 0) keepAliveTimer = setRepeating(() => {}, 1 << 30);
}

function releaseKeepAlive(): void {
  if (--keepAliveCount === 0) {
    clearRepeating(keepAliveTimer);
    keepAliveTimer = undefined;
  }
}

/**
 * The async twin of {@link parkSync}: resolves when `view[index]` is notified (`'ok'`), differs from
 * `expected` at once (`'not-equal'`), or the deadline passes (`'timed-out'`); rejects with `signal.reason` when
 * `signal` aborts. Once it settles it leaves nothing behind: no timer, no listener, no entry in the spot.
 *
 * A wait with no deadline keeps the thread alive unless `keepAlive` is false: a watch that only feeds an
 * `AbortSignal` (like `AbortSignal.timeout()`) must not stop a worker from exiting.
 *
 * With `deathsSeen` (the registry's death count the caller read before its attempt) the wait also ends, with
 * `'ok'`, when a thread's death is recorded.
 */
export function parkAsync(
  view: Int32Array,
  index: number,
  expected: number,
  deadline: number,
  signal?: AbortSignal,
  keepAlive = true,
  deathsSeen = -1,
): Promise<ParkResult> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (Atomics.load(view, index) !== expected) return Promise.resolve('not-equal');
  if (remaining(deadline) <= 0) return Promise.resolve('timed-out');
  return new Promise<ParkResult>((resolve, reject) => {
    const spot = spotOf(view, index);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finite = deadline !== Number.POSITIVE_INFINITY;
    const holdsKeepAlive = !finite && keepAlive;
    const cleanup = (): void => {
      spot.waiters.delete(waiter);
      if (spot.waiters.size === 0) activeSpots.delete(spot);
      if (finite) clearTimer(timer);
      else if (holdsKeepAlive) releaseKeepAlive();
      signal?.removeEventListener('abort', onAbort);
    };
    const waiter: AsyncWaiter = {
      settle(result) {
        cleanup();
        resolve(result);
      },
    };
    const onAbort = (): void => {
      cleanup();
      reject(signal!.reason);
    };
    const onTimer = (): void => {
      // Node's timers may fire a little early on the performance.now() clock; a timeout never ends early.
      const left = remaining(deadline);
      if (left > 0) timer = setTimer(onTimer, Math.max(1, left));
      else waiter.settle('timed-out');
    };
    if (finite) timer = setTimer(onTimer, Math.max(1, remaining(deadline)));
    else if (holdsKeepAlive) retainKeepAlive();
    signal?.addEventListener('abort', onAbort, { once: true });
    spot.waiters.add(waiter);
    if (deathsSeen >= 0) {
      activeSpots.add(spot);
      armDeathWatch(deathsSeen);
    }
    if (!spot.pumping) pump(spot, view, index, expected);
  });
}

/** How many async waiters this thread has parked, and how many pumps are pending (for tests). */
export function asyncWaitStats(): { keepAlive: number; pendingPumps: number } {
  return { keepAlive: keepAliveCount, pendingPumps };
}

// ---------------------------------------------------------------------------------------------------------
// Wait loops

/**
 * One waiting attempt, for the loops below. `attempt()` either finishes the operation (returns `true`) or
 * announces the waiter in shared memory and returns the value of the plan's word to park on: the other side
 * notifies that word only after it has changed it, so parking on the value read in `attempt()` cannot miss
 * the change.
 */
export interface WaitPlan {
  readonly view: Int32Array;
  readonly index: number;
  attempt(): number | true;
  /** Undoes the announcement once the wait ends, whichever way (finished, timed out, aborted). */
  leave?(): void;
  /** Whether `attempt` may finish because a thread died: the wait then also tries again after every death. */
  readonly watchesDeaths?: boolean;
  /** A time (`performance.now()` clock) at which `attempt` wants to run again even if nothing woke it. */
  readonly recheckAt?: number;
}

function parkUntil(plan: WaitPlan, deadline: number): number {
  const recheck = plan.recheckAt;
  return recheck !== undefined && recheck < deadline ? recheck : deadline;
}

/**
 * Blocks until `plan.attempt()` finishes or `deadline` passes; returns whether it finished. A waiter woken at
 * its deadline still attempts once more, so a wake meant for it is never dropped.
 */
export function waitSync(plan: WaitPlan, deadline: number): boolean {
  try {
    if (!plan.watchesDeaths) {
      for (;;) {
        const expected = plan.attempt();
        if (expected === true) return true;
        if (remaining(deadline) <= 0) return false;
        parkSync(plan.view, plan.index, expected, deadline);
      }
    }
    for (;;) {
      const deaths = deathCount();
      const expected = plan.attempt();
      if (expected === true) return true;
      if (remaining(deadline) <= 0) return false;
      if (deathCount() !== deaths) continue;
      parkSync(plan.view, plan.index, expected, Math.min(parkUntil(plan, deadline), now() + DEATH_POLL_MS));
    }
  } finally {
    plan.leave?.();
  }
}

/**
 * The async form of {@link waitSync}; rejects with `signal.reason` when aborted. `keepAlive` as for
 * {@link parkAsync}.
 */
export async function waitAsync(
  plan: WaitPlan,
  deadline: number,
  signal?: AbortSignal,
  keepAlive = true,
): Promise<boolean> {
  const watchesDeaths = plan.watchesDeaths === true;
  try {
    for (;;) {
      const deaths = watchesDeaths ? deathCount() : -1;
      const expected = plan.attempt();
      if (expected === true) return true;
      if (remaining(deadline) <= 0) return false;
      if (watchesDeaths && deathCount() !== deaths) continue;
      await parkAsync(plan.view, plan.index, expected, parkUntil(plan, deadline), signal, keepAlive, deaths);
    }
  } finally {
    plan.leave?.();
  }
}
