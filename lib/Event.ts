/**
 * `Event`: a flag that threads wait for, shared by every thread that holds a handle to it.
 *
 * ## Memory layout (Int32 words from `byteOffset`)
 * | word | name    | meaning                                                                        |
 * |------|---------|--------------------------------------------------------------------------------|
 * | 0    | TAG     | kind tag (see `internal/shared.ts`)                                            |
 * | 1    | FLAG    | the flag in bit 0 (1 = set), and in all its bits a count of transitions        |
 * | 2    | WAITERS | sync waiters and async pumps that announced themselves and may be parked on FLAG |
 *
 * ## States of FLAG
 * | FLAG | meaning   | legal transitions                                                              |
 * |------|-----------|--------------------------------------------------------------------------------|
 * | even | clear     | → FLAG + 1 (`set()`, one compare-exchange; then wake FLAG if WAITERS ≠ 0)       |
 * | odd  | set       | → FLAG + 1 (`clear()`, one compare-exchange; nobody waits for a clear)         |
 *
 * FLAG only ever grows by one (wrapping at 2³²), so it counts the transitions and its parity is the flag. This
 * is what makes `set()` reach every waiter, as Python's Event (a Condition's `notify_all`) does, even when
 * `clear()` follows at once: a waiter remembers the even value it parked on, and any change of it means that a
 * `set()` happened since, so it returns `true` whatever the flag is by the time it runs again. (A waiter would
 * miss a set only if 2³¹ set/clear pairs happened while it slept, so that FLAG came back to its value.)
 *
 * ## Why no wake is lost
 * A waiter increments WAITERS and then reads FLAG; `set()` writes FLAG and then reads WAITERS. All `Atomics`
 * operations are sequentially consistent, so at least one side sees the other: either the waiter reads the new
 * FLAG and returns, or the setter sees the waiter and wakes FLAG. A park on a stale value returns at once,
 * because `Atomics.wait` compares first. This is the wait-word-plus-waiter-count pattern of the other
 * primitives (glibc's semaphore); Python builds Event on a Condition, here a word is enough.
 *
 * @module
 */

import { checkArgCount, PLACED } from './internal/args';
import {
  allocate,
  attach,
  defineKind,
  keepClassName,
  type Placement,
  registerReviver,
} from './internal/shared';
import {
  assertCanBlock,
  checkTimeout,
  deadlineOf,
  mayBlock,
  parkSync,
  remaining,
  type WaitPlan,
  waitAsync,
  wake,
} from './internal/wait';
import { parseWaitOptions } from './internal/waitOptions';
import type { WaitOptions } from './options';

const KIND = defineKind('Event', 6, 12);

const FLAG = 1;
const WAITERS = 2;

/** Whether a FLAG value means "set" (odd). */
function isSetWord(word: number): boolean {
  return (word & 1) === 1;
}

/**
 * An event flag that works across worker threads: Python's `threading.Event` / `multiprocessing.Event`.
 *
 * The flag starts clear. {@link Event.set} sets it and wakes every thread and async task waiting for it;
 * {@link Event.clear} clears it again; waits return at once while it is set.
 *
 * Pass it to a worker in `workerData` or `postMessage` and rebuild it there with {@link Event.from} or
 * {@link revive}; both sides then use the same flag.
 *
 * @remarks The class is named after Python's; in a module that imports it, it shadows the DOM's global
 * `Event` (import it under another name, `import { Event as SharedEvent } from 'shared-sync'`, if you need both).
 *
 * @example
 * ```ts
 * import { Event } from 'shared-sync';
 * const ready = new Event();
 * // in a worker: Event.from(workerData.ready).waitSync(1000)
 * setTimeout(() => ready.set(), 10);
 * console.log(await ready.wait({ timeout: 1000 })); // true
 * ```
 */
export class Event {
  static {
    keepClassName(Event, 'Event');
  }

  /** The shared memory the event lives in; carried to other threads by structured clone. */
  readonly buffer: SharedArrayBuffer;
  /** Where in {@link Event.buffer} the event lives. */
  readonly byteOffset: number;
  readonly #view: Int32Array;

  /** Bytes an `Event` occupies in shared memory. */
  static readonly byteLength: number = KIND.byteLength;

  /**
   * Creates a new event, clear, in a fresh `SharedArrayBuffer`.
   *
   * @throws TypeError when given any argument (Python's `Event()` takes none either).
   */
  constructor();
  /** @internal Views the event at `placement` (already initialized). */
  constructor(placed: typeof PLACED, placement: Placement);
  constructor(...args: unknown[]) {
    let placement: Placement;
    if (args[0] === PLACED) {
      placement = args[1] as Placement;
    } else {
      checkArgCount(args, [], 'Event');
      placement = allocate(KIND);
    }
    this.buffer = placement.buffer;
    this.byteOffset = placement.byteOffset;
    this.#view = new Int32Array(placement.buffer, placement.byteOffset, 3);
  }

  /**
   * Rebuilds an event received from another thread (through `workerData` or `postMessage`).
   *
   * @param received - The structured clone of an `Event` (or an `Event` itself).
   * @returns A view of the same event.
   * @throws TypeError when `received` is not a clone of an `Event`, saying what it is instead.
   *
   * @example
   * ```ts
   * import { Event } from 'shared-sync';
   * const received: unknown = structuredClone(new Event()); // what a worker finds in workerData
   * const done = Event.from(received);
   * done.set();
   * ```
   */
  static from(received: unknown): Event {
    return new Event(PLACED, attach(KIND, received));
  }

  /**
   * Whether the flag is set (Python's `is_set()`).
   *
   * @example
   * ```ts
   * import { Event } from 'shared-sync';
   * const event = new Event();
   * event.set();
   * console.log(event.isSet()); // true
   * ```
   */
  isSet(): boolean {
    return isSetWord(Atomics.load(this.#view, FLAG));
  }

  /**
   * Sets the flag and wakes every waiter, in every thread, sync and async. Setting a set event does nothing.
   *
   * @example
   * ```ts
   * import { Event } from 'shared-sync';
   * const go = new Event();
   * const waiting = go.wait();
   * go.set();
   * console.log(await waiting); // true
   * ```
   */
  set(): void {
    const view = this.#view;
    let word = Atomics.load(view, FLAG);
    while (!isSetWord(word)) {
      const seen = Atomics.compareExchange(view, FLAG, word, (word + 1) | 0);
      if (seen === word) {
        // FLAG is written before WAITERS is read (see "Why no wake is lost").
        if (Atomics.load(view, WAITERS) !== 0) wake(view, FLAG);
        return;
      }
      word = seen;
    }
  }

  /**
   * Clears the flag; later waits block until the next {@link Event.set}. Waiters woken by an earlier `set()`
   * still return `true`, as in Python. Clearing a clear event does nothing.
   *
   * @example
   * ```ts
   * import { Event } from 'shared-sync';
   * const event = new Event();
   * event.set();
   * event.clear();
   * console.log(event.isSet()); // false
   * ```
   */
  clear(): void {
    const view = this.#view;
    let word = Atomics.load(view, FLAG);
    while (isSetWord(word)) {
      const seen = Atomics.compareExchange(view, FLAG, word, (word + 1) | 0);
      if (seen === word) return;
      word = seen;
    }
  }

  /**
   * Blocks the thread until the flag is set or `timeout` ms have passed: Python's `wait(timeout)`.
   *
   * @param timeout - Milliseconds to wait at most; omitted or `Infinity` waits forever, `0` does not wait.
   * @returns `true` when the flag is set, or was set while waiting (even if cleared again since);
   *   `false` when the timeout ran out.
   * @throws RangeError for a negative, `NaN` or non-number timeout.
   * @throws {@link BlockingNotAllowedError} on a thread that may not block (a browser's main thread).
   *
   * @example
   * ```ts
   * import { Event } from 'shared-sync';
   * const event = new Event();
   * console.log(event.waitSync(10)); // false, after 10 ms
   * event.set();
   * console.log(event.waitSync()); // true at once
   * ```
   */
  waitSync(timeout?: number): boolean {
    checkTimeout(timeout, 'Event.waitSync');
    if (!mayBlock) assertCanBlock('Event.waitSync', 'await event.wait()');
    if (this.isSet()) return true;
    if (timeout === 0) return false;
    return this.#waitSlowSync(deadlineOf(timeout, 'Event.waitSync'));
  }

  /** The sync slow path: the plan of {@link Event.#waitPlan}, written out (no allocation on a latency path). */
  #waitSlowSync(deadline: number): boolean {
    const view = this.#view;
    Atomics.add(view, WAITERS, 1); // before reading FLAG (see "Why no wake is lost")
    try {
      const parkedOn = Atomics.load(view, FLAG);
      for (;;) {
        if (isSetWord(parkedOn) || Atomics.load(view, FLAG) !== parkedOn) return true;
        if (remaining(deadline) <= 0) return false;
        parkSync(view, FLAG, parkedOn, deadline);
      }
    } finally {
      Atomics.sub(view, WAITERS, 1);
    }
  }

  /**
   * Waits without blocking the thread until the flag is set, the timeout runs out or the signal aborts.
   *
   * @param options - `{ timeout, signal }`: milliseconds to wait at most (default forever), and a signal that
   *   cancels the wait.
   * @returns (resolves to) `true` when the flag is set, or was set while waiting; `false` when the timeout ran
   *   out (a boolean, as Python's `wait` returns, rather than a {@link TimeoutError}).
   * @throws (rejects) `signal.reason` when the signal aborts; RangeError/TypeError for bad options.
   *
   * @example
   * ```ts
   * import { Event } from 'shared-sync';
   * const event = new Event();
   * const controller = new AbortController();
   * const waiting = event.wait({ timeout: 5000, signal: controller.signal });
   * controller.abort(new Error('shutting down'));
   * await waiting.catch((err) => console.log(err.message)); // shutting down
   * ```
   */
  wait(options?: WaitOptions): Promise<boolean> {
    let deadline: number;
    let signal: AbortSignal | undefined;
    try {
      ({ deadline, signal } = parseWaitOptions(options, 'Event.wait'));
    } catch (err) {
      return Promise.reject(err);
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.isSet()) return Promise.resolve(true);
    return waitAsync(this.#waitPlan(), deadline, signal);
  }

  /**
   * One wait's plan (allocated only on the slow path): announce on the first attempt, remember the (even)
   * FLAG value read after announcing, and finish as soon as FLAG differs from it.
   */
  #waitPlan(): WaitPlan {
    const view = this.#view;
    let announced = false;
    let parkedOn = 0;
    return {
      view,
      index: FLAG,
      attempt: () => {
        if (!announced) {
          announced = true;
          Atomics.add(view, WAITERS, 1); // before reading FLAG (see "Why no wake is lost")
          parkedOn = Atomics.load(view, FLAG);
          return isSetWord(parkedOn) ? true : parkedOn;
        }
        // Only set() changes an even FLAG: any change means a set happened since we announced.
        return Atomics.load(view, FLAG) !== parkedOn ? true : parkedOn;
      },
      leave: () => {
        if (announced) Atomics.sub(view, WAITERS, 1);
      },
    };
  }
}

registerReviver(KIND, (received) => Event.from(received));
