/**
 * `Semaphore` and `BoundedSemaphore`: counting semaphores shared by every thread that holds a handle to them.
 *
 * ## Memory layout (Int32 words from `byteOffset`)
 * | word | name    | meaning                                                                      |
 * |------|---------|------------------------------------------------------------------------------|
 * | 0    | TAG     | kind tag (see `internal/shared.ts`): Semaphore or BoundedSemaphore           |
 * | 1    | VALUE   | permits available now                                                        |
 * | 2    | WAITERS | waits announced (the count that a release's fairness rule reads)             |
 * | 3    | BOUND   | the largest VALUE allowed: a BoundedSemaphore's initial value, else 2³¹−1    |
 * | 4 + 2s | THREAD(s) | slot s < `SCOPE_SLOTS` of the scoped-holders table (see below): 0 free; t > 0 thread t holds HELD(s) permits through the scoped forms; −r thread r is reclaiming the slot of a dead thread |
 * | 5 + 2s | HELD(s)   | permits that thread holds through the scoped forms (written by that thread only while it lives) |
 * | 68   | EVENT   | the event word waiters park on (`internal/eventWord.ts`: an ARMED bit and a sequence) |
 *
 * A wait is announced in WAITERS by a blocked `acquireSync`, by each thread's turnstile head (the one async
 * acquirer of that thread that contends for VALUE) and by each pending `waitForUnlock`.
 *
 * ## States
 * VALUE is a count, so the "states" are its ranges for a wait of weight `w`; EVENT's ARMED bit says whether to
 * wake:
 * | VALUE | EVENT    | meaning                                    | legal transitions                          |
 * |-------|----------|--------------------------------------------|--------------------------------------------|
 * | `≥ w` | any      | an acquire of `w` succeeds now             | −w (acquire: a CAS); +n (release: a CAS)   |
 * | `< w` | unarmed  | an acquire of `w` must wait; nobody parked | ARMED set (a waiter about to park)         |
 * | `< w` | armed    | waiters may be parked on EVENT             | +n, then EVENT stepped to its next, unarmed value and woken (release) |
 *
 * Invariants: `0 ≤ VALUE ≤ BOUND` at every instant (takes and releases are compare-exchanges that check it, and
 * `setValue` checks its argument); WAITERS equals the number of waits between their announcement and their end,
 * so it is never negative and is 0 when nobody waits; BOUND is written once, before the handle is shared, and
 * never changes. Permits taken by plain `acquire`/`acquireSync`/`tryAcquire` are not recorded anywhere: as
 * in Python, a semaphore has no owners, and any thread may release.
 *
 * ## Permits of threads that die (the scoped-holders table)
 * The scoped forms (`runExclusive`, `runExclusiveSync`, `guard`, `guardSync`) know who holds their permits
 * and for how long, so they record them: after the take, the thread adds the weight to HELD of its slot
 * (claimed with a compare-exchange THREAD 0 → t when it holds none yet); before the release it subtracts it,
 * and frees the slot (THREAD → 0) when HELD reaches 0. A slot is written only by its thread while that thread
 * lives, so HELD needs no read-modify-write. When a thread dies, its slot still says what it held. Waiters
 * reclaim it when they would otherwise park (every wait watches deaths: `internal/wait.ts`), as do a failing
 * `tryAcquire` and a table full of slots: THREAD t → −me (a compare-exchange, so exactly one reclaimer wins),
 * HELD → 0 (an exchange), the permits added back (clamped at BOUND: a BoundedSemaphore's bound is never
 * exceeded), THREAD → 0. A reclaimer that dies between these steps leaves −r of a dead r, which the next
 * reclaimer takes over the same way; the exchange makes sure the permits are added back at most once.
 *
 * What a thread that stops between two steps leaves behind, for each multi-step update:
 * | update              | steps                                   | stopped in between                             |
 * |---------------------|-----------------------------------------|------------------------------------------------|
 * | scoped acquire      | take (VALUE CAS), then HELD += w        | the permits are lost (never returned twice)    |
 * | scoped release      | HELD −= w (THREAD → 0 at 0), then add to VALUE | the permits are lost (never returned twice) |
 * | reclaim             | THREAD t → −r, HELD → 0, VALUE += HELD, THREAD → 0 | taken over by the next reclaimer; at worst the permits are lost |
 * The order is chosen so that a death can only lose permits, never return them twice: returning permits
 * nobody gave back would let more threads in than the semaphore admits. The windows are a few instructions.
 *
 * With more than `SCOPE_SLOTS` threads holding scoped permits of one semaphore at once, the extra threads'
 * permits are not recorded (as for a plain acquire). A death older than the registry's memory
 * (`RING_SIZE` deaths ago in `internal/registry.ts`) is no longer recognised, and its permits stay lost.
 *
 * ## Algorithm
 * Acquiring is a compare-exchange loop that never takes VALUE below zero. A thread that must wait counts itself
 * in WAITERS once, and before every park arms EVENT, reads VALUE again and parks on EVENT's armed value; a
 * release adds to VALUE and then signals EVENT, which steps and wakes it only if it is armed (the event word of
 * `internal/eventWord.ts`, as the Queue's NOT_EMPTY). Because both sides write their own word and then read
 * the other's with sequentially consistent operations (all that `Atomics` offers), at least one of them sees
 * the other: either the waiter's look after arming sees the new permits, or the release's read sees the word
 * armed and steps it, so the park returns at once or is woken; EVENT only ever grows (arming and each wake
 * add one), so the value a waiter parks on never comes back. (glibc's value-plus-waiter-count semaphore,
 * `sem_post` in NPTL, wakes whenever a wait is announced: a waiter stays announced while it is awake and
 * retrying, and two workers contending for a `Semaphore(1)` made about 25,000 wakes per million releases that
 * way, nearly all for nobody; a few dozen with the event word.) Wakes are broadcast (see `internal/wait.ts`);
 * with weights a released permit may suit any waiter, so every one re-checks.
 *
 * Releases are compare-exchange loops too, not a plain add, so that the bound (and the Int32 range) is checked
 * and applied in one step: two racing releases of a BoundedSemaphore cannot both pass the check.
 *
 * A thread's async acquirers queue in its turnstile (`internal/turnstile.ts`: priority, FIFO, weights) and
 * only the head contends for VALUE. Across threads there is no order; a heavy acquirer can be overtaken by
 * lighter ones in other threads for as long as they keep the value low.
 *
 * @module
 */

import { E_CANCELED, type SemaphoreInterface } from 'async-mutex';
import { SemaphoreOverflowError, TimeoutError } from './errors';
import { checkArgCount } from './internal/args';
import { arm, signal } from './internal/eventWord';
import { guardOf, type ParsedWait, parseWait } from './internal/options';
import { deathCount, isDead } from './internal/registry';
import {
  allocate,
  attach,
  defineKind,
  describe,
  type Kind,
  keepClassName,
  type Placement,
  registerReviver,
} from './internal/shared';
import { currentThreadId } from './internal/thread';
import { neverTimesOut, type Resource, type Turnstile, turnstileOf } from './internal/turnstile';
import {
  assertCanBlock,
  checkTimeout,
  deadlineOf,
  mayBlock,
  SPIN_LIMIT,
  type WaitPlan,
  waitAsync,
  waitSync,
} from './internal/wait';
import type { AcquireOptions, Guard, Releaser, SemaphoreOptions } from './options';

/** How many threads' scoped permits the table of a semaphore records at once. */
const SCOPE_SLOTS = 32;
const TABLE = 4;
/** The event word the waiters park on (`internal/eventWord.ts`), after the table. */
const EVENT = TABLE + 2 * SCOPE_SLOTS;
const WORDS = EVENT + 1;

const SEMAPHORE = defineKind('Semaphore', 3, WORDS * 4);
const BOUNDED = defineKind('BoundedSemaphore', 4, WORDS * 4);

const VALUE = 1;
const WAITERS = 2;
const BOUND = 3;
const NO_SLOT = -1;

/** The word of slot `s` that names its thread. */
function threadWord(slot: number): number {
  return TABLE + 2 * slot;
}

/** The word of slot `s` that counts the permits its thread holds through the scoped forms. */
function heldWord(slot: number): number {
  return TABLE + 2 * slot + 1;
}

/** The largest value a semaphore can hold (its Int32 word). */
const MAX_VALUE = 0x7fff_ffff;

/** The API names of one class, built once so that fast paths pass constant strings. */
interface Names {
  readonly ctor: string;
  readonly acquireSync: string;
  readonly tryAcquire: string;
  readonly release: string;
  readonly acquire: string;
  readonly runExclusive: string;
  readonly runExclusiveSync: string;
  readonly guard: string;
  readonly guardSync: string;
  readonly waitForUnlock: string;
  readonly setValue: string;
}

function namesOf(kind: Kind): Names {
  const n = kind.name;
  return {
    ctor: n,
    acquireSync: `${n}.acquireSync`,
    tryAcquire: `${n}.tryAcquire`,
    release: `${n}.release`,
    acquire: `${n}.acquire`,
    runExclusive: `${n}.runExclusive`,
    runExclusiveSync: `${n}.runExclusiveSync`,
    guard: `${n}.guard`,
    guardSync: `${n}.guardSync`,
    waitForUnlock: `${n}.waitForUnlock`,
    setValue: `${n}.setValue`,
  };
}

/** Marks the internal constructor call that views existing memory (not reachable by accident). */
const PLACED: unique symbol = Symbol('Semaphore.placed');

const SEMAPHORE_NAMES = namesOf(SEMAPHORE);
const BOUNDED_NAMES = namesOf(BOUNDED);

/**
 * Parses the options of the constructor: `{ cancelError }`, or a bare `Error` as `async-mutex`'s
 * `new Semaphore(value, cancelError)` takes it. Returns the cancel error (or undefined).
 */
function parseSemaphoreOptions(options: unknown, api: string): Error | undefined {
  if (options === undefined || options instanceof Error) return options;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(
      `${api}: options must be an object such as { cancelError }, or an Error, got ${describe(options)}`,
    );
  }
  for (const key of Object.keys(options)) {
    if (key !== 'cancelError') {
      throw new TypeError(`${api}: unknown option '${key}' (the only option is cancelError)`);
    }
  }
  const { cancelError } = options as SemaphoreOptions;
  if (cancelError !== undefined && !(cancelError instanceof Error)) {
    throw new TypeError(`${api}: cancelError must be an Error, got ${describe(cancelError)}`);
  }
  return cancelError;
}

function describeNumber(value: unknown): string {
  return typeof value === 'number' ? String(value) : typeof value;
}

/** The async form a blocking call should be replaced with on a thread that may not block. */
function asyncFormOf(api: string): string {
  if (api.endsWith('.runExclusiveSync')) return 'await semaphore.runExclusive(callback)';
  if (api.endsWith('.guardSync')) return 'await semaphore.guard()';
  return 'await semaphore.acquire()';
}

/** Checks a weight or `n`: an integer from 1 to the largest value. */
function checkWeight(weight: unknown, api: string, name: string): number {
  if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 1 || weight > MAX_VALUE) {
    throw new RangeError(
      `${api}: ${name} must be a positive integer (at most ${MAX_VALUE}), got ${describeNumber(weight)}`,
    );
  }
  return weight;
}

/** Checks a value: an integer from 0 to `limit`. */
function checkValue(value: unknown, api: string, limit: number, bounded: boolean): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > limit) {
    const range = bounded ? `from 0 to ${limit} (its bound)` : `(at most ${limit})`;
    throw new RangeError(
      `${api}: value must be a non-negative integer ${range}, got ${describeNumber(value)}`,
    );
  }
  return value;
}

/** `acquire()` without options: parsed once, so that the common call allocates nothing for them. */
const NO_OPTIONS = parseWait(undefined, 'Semaphore.acquire');

/** Hand-overs in a row to this thread's own waiters while another thread waits (see `Semaphore.release`). */
const HAND_OVER_BURST = 8;

/**
 * What one thread knows about its own waits on one semaphore (shared by its handles, like the turnstile):
 * how many of the waits announced in WAITERS are this thread's, so that `release` can tell whether another
 * thread waits.
 */
interface Local {
  announced: number;
}

const locals = new WeakMap<Turnstile, Local>();

/**
 * A counting semaphore that works across worker threads: Python's `threading.Semaphore` /
 * `multiprocessing.Semaphore`, with `async-mutex`'s `SemaphoreInterface` (weights, priorities, `runExclusive`,
 * `waitForUnlock`, `cancel`) for async code, so `async-mutex`'s `withTimeout` and `tryAcquire` decorators work
 * with it.
 *
 * The value counts available permits. Acquiring `weight` permits waits until that many are available and takes
 * them at once; releasing adds permits, and a plain `Semaphore` may be released more often than it was acquired
 * (as in Python). Weights and `n` are positive integers: `0`, negatives and fractions are a `RangeError` (as
 * Python's `release(0)` is a `ValueError` and `async-mutex` rejects weights `≤ 0`).
 *
 * Permits are not owned, as in Python: any thread may release them. The exception is what the scoped forms
 * ({@link Semaphore.runExclusive}, {@link Semaphore.runExclusiveSync}, {@link Semaphore.guard},
 * {@link Semaphore.guardSync}) hold: if their thread dies while holding them (terminated, crashed,
 * `process.exit()`), the permits are given back to the semaphore, by whichever thread next has to wait for
 * permits (or fails a `tryAcquire`). Permits taken with a plain `acquire`/`acquireSync`/`tryAcquire` stay
 * taken when their thread dies; release them yourself, or use a scoped form.
 *
 * Order: the async acquirers of one thread are served by priority, then FIFO, and a heavy head is not
 * overtaken by lighter acquirers of the same thread; threads (and sync acquirers) are not ordered against each
 * other. A release in a thread whose own async acquirers are queued hands the permits straight to them (they
 * stay taken, and the acquirer resumes in a microtask, as with `async-mutex`); while another thread is known to
 * wait, at most 8 hand-overs happen in a row before a release goes through the shared value (see
 * {@link Semaphore.release}).
 *
 * Pass it to a worker in `workerData` or `postMessage` and rebuild it there with {@link Semaphore.from} or
 * {@link revive}.
 *
 * @example
 * ```ts
 * import { Semaphore } from 'shared-sync';
 * const slots = new Semaphore(3); // at most three holders at a time, in every thread together
 *
 * // blocking, Python style (in a worker)
 * if (slots.acquireSync(1000)) {
 *   try {
 *     // use one of the three slots
 *   } finally {
 *     slots.release();
 *   }
 * }
 *
 * // async, async-mutex style: two permits at once
 * await slots.runExclusive(async (value) => console.log(`had ${value} permits`), 2);
 * ```
 */
export class Semaphore implements SemaphoreInterface {
  static {
    keepClassName(Semaphore, 'Semaphore');
  }

  /** The shared memory the semaphore lives in; carried to other threads by structured clone. */
  readonly buffer: SharedArrayBuffer;
  /** Where in {@link Semaphore.buffer} the semaphore lives. */
  readonly byteOffset: number;
  readonly #view: Int32Array;
  /** BOUND, read once: it is written before the handle is shared and never changes. */
  readonly #limit: number;
  readonly #names: Names;
  #turnstileCache: Turnstile | undefined;
  #cancelError: unknown = E_CANCELED;
  #local: Local | undefined;
  /** The table slot this thread used last (see "Permits of threads that die"). */
  #slotHint = 0;
  /** Hand-overs to this thread's own waiters since the last release through the shared value. */
  #handOvers = 0;
  /**
   * The value this handle last saw VALUE take (after its own take or release): the first compare-exchange of
   * the next take or release expects it, so that under contention the word's cache line is fetched once, for
   * writing, instead of a load and then the exchange. A wrong guess costs one failed exchange, which returns the
   * actual value.
   */
  #guess = 0;

  /** Bytes a `Semaphore` (or `BoundedSemaphore`) occupies in shared memory. */
  static readonly byteLength: number = SEMAPHORE.byteLength;

  /**
   * Creates a semaphore with `value` permits in a fresh `SharedArrayBuffer`.
   *
   * @param value - The initial number of permits. Defaults to 1.
   * @param options - `{ cancelError }`: what {@link Semaphore.cancel} rejects with. A bare `Error` is taken as
   *   the `cancelError`, so that `async-mutex`'s `new Semaphore(value, cancelError)` works unchanged.
   * @throws TypeError when `value` is not a number (Python's `Semaphore('2')` is a `TypeError` too).
   * @throws RangeError when `value` is not an integer from 0 to 2³¹−1.
   * @throws TypeError for options other than `{ cancelError }` with an `Error`, or an `Error`.
   */
  constructor(value?: number, options?: SemaphoreOptions | Error);
  /** @internal Views the semaphore at `placement` (already initialized). */
  constructor(placed: typeof PLACED, placement: Placement);
  constructor(...args: unknown[]) {
    const bounded = this instanceof BoundedSemaphore;
    this.#names = bounded ? BOUNDED_NAMES : SEMAPHORE_NAMES;
    let placement: Placement;
    if (args[0] === PLACED) {
      placement = args[1] as Placement;
    } else {
      const api = this.#names.ctor;
      checkArgCount(args, ['value', 'options'], api);
      const [arg = 1, options] = args;
      if (typeof arg !== 'number') {
        throw new TypeError(`${api}: value must be a number (a non-negative integer), got ${describe(arg)}`);
      }
      const value = checkValue(arg, api, MAX_VALUE, false);
      this.#cancelError = parseSemaphoreOptions(options, api) ?? E_CANCELED;
      placement = allocate(bounded ? BOUNDED : SEMAPHORE);
      const view = new Int32Array(placement.buffer, placement.byteOffset, WORDS);
      // Written before the handle can reach another thread (structured clone happens after the constructor).
      Atomics.store(view, BOUND, bounded ? value : MAX_VALUE);
      Atomics.store(view, VALUE, value);
    }
    this.buffer = placement.buffer;
    this.byteOffset = placement.byteOffset;
    this.#view = new Int32Array(placement.buffer, placement.byteOffset, WORDS);
    this.#limit = Atomics.load(this.#view, BOUND);
  }

  /**
   * Rebuilds a semaphore received from another thread (through `workerData` or `postMessage`).
   *
   * @param received - The structured clone of a `Semaphore` (or a `Semaphore` itself).
   * @throws TypeError when `received` is not a clone of a `Semaphore` (a `BoundedSemaphore` clone is
   *   rebuilt with {@link BoundedSemaphore.from}), saying what it is instead.
   *
   * @example
   * ```ts
   * import { Semaphore } from 'shared-sync';
   * const received: unknown = structuredClone(new Semaphore(2)); // what a worker finds in workerData
   * const sem = Semaphore.from(received);
   * console.log(sem.getValue()); // 2
   * ```
   */
  static from(received: unknown): Semaphore {
    return new Semaphore(PLACED, attach(SEMAPHORE, received));
  }

  /**
   * The upper bound of the value: the initial value for a {@link BoundedSemaphore}, 2³¹−1 (the largest value
   * the shared word holds) for a `Semaphore`.
   *
   * @example
   * ```ts
   * import { BoundedSemaphore } from 'shared-sync';
   * console.log(new BoundedSemaphore(4).bound); // 4
   * ```
   */
  get bound(): number {
    return this.#limit;
  }

  /** Takes `weight` permits if that many are available; returns the value before, or -1. */
  #take(weight: number): number {
    const view = this.#view;
    let value = this.#guess;
    for (;;) {
      if (value < weight) {
        value = Atomics.load(view, VALUE);
        if (value < weight) return -1;
      }
      const seen = Atomics.compareExchange(view, VALUE, value, value - weight);
      if (seen === value) {
        this.#guess = value - weight;
        return value;
      }
      value = seen;
    }
  }

  /** A weight that can never be satisfied (above the bound) is an error rather than a wait forever. */
  #checkReachable(weight: number, api: string): void {
    if (weight > this.#limit) {
      throw new RangeError(
        `${api}: weight ${weight} exceeds the bound ${this.#limit}, so it could never be acquired`,
      );
    }
  }

  /**
   * Acquires `weight` permits, blocking the thread until they are available or `timeout` ms have passed:
   * Python's `acquire(timeout=…)`.
   *
   * @param timeout - Milliseconds to wait at most; omitted or `Infinity` waits forever, `0` does not wait.
   * @param weight - How many permits to take at once (an extension of Python's API). Defaults to 1.
   * @returns `true` when the permits were taken, `false` when the timeout ran out (nothing was taken).
   *   The permits are not owned: if this thread dies before releasing them, they stay taken (the scoped forms
   *   such as {@link Semaphore.runExclusiveSync} give them back).
   * @throws RangeError for a negative, `NaN` or non-number timeout, or a weight that is not a positive
   *   integer or exceeds {@link Semaphore.bound}.
   * @throws {@link BlockingNotAllowedError} on a thread that may not block (a browser's main thread).
   *
   * @example
   * ```ts
   * import { Semaphore } from 'shared-sync';
   * const sem = new Semaphore(2);
   * console.log(sem.acquireSync(), sem.acquireSync(), sem.acquireSync(50)); // true true false (after 50 ms)
   * sem.release(2);
   * console.log(sem.acquireSync(undefined, 2)); // true: both permits at once
   * ```
   */
  acquireSync(timeout?: number, weight = 1): boolean {
    // The uncontended case (one permit, no timeout): the take (a compare-exchange against the value this handle
    // last saw) before anything is checked or looked up. Otherwise the full path.
    if (weight === 1 && timeout === undefined && mayBlock && this.#take(1) >= 0) return true;
    return this.#acquireSync(timeout, weight, this.#names.acquireSync) >= 0;
  }

  /** Takes `weight` permits by blocking; returns the value before the take, or -1 on timeout. */
  #acquireSync(timeout: number | undefined, weight: number, api: string): number {
    checkTimeout(timeout, api);
    if (weight !== 1) checkWeight(weight, api, 'weight');
    if (!mayBlock) assertCanBlock(api, asyncFormOf(api));
    const previous = this.#take(weight);
    if (previous >= 0) return previous;
    this.#checkReachable(weight, api);
    if (timeout === 0) return this.#reclaim() > 0 ? this.#take(weight) : -1;
    return this.#acquireContendedSync(timeout, weight, api);
  }

  #acquireContendedSync(timeout: number | undefined, weight: number, api: string): number {
    const deadline = deadlineOf(timeout, api);
    const view = this.#view;
    // A holder on the other core is often about to release: a short spin saves two syscalls.
    for (let i = 0; i < SPIN_LIMIT; i++) {
      if (Atomics.load(view, VALUE) >= weight) {
        const previous = this.#take(weight);
        if (previous >= 0) return previous;
      }
    }
    const waiter = this.#waiter();
    const plan: WaitPlan = {
      view,
      index: EVENT,
      attempt: () => waiter.attempt(weight, true),
      leave: () => waiter.leave(),
      watchesDeaths: true, // a scoped holder that dies gives its permits back through the waiters
    };
    return waitSync(plan, deadline) ? waiter.previous : -1;
  }

  /**
   * One waiter's side of the protocol: take (or, for `waitForUnlock`, just observe) `weight` permits, or
   * announce itself in WAITERS (once), arm EVENT and return its armed value to park on (EVENT is the plan's
   * word). The arming comes before the last read of VALUE, so a release after that read finds EVENT armed and
   * wakes.
   */
  #waiter(given?: Local): {
    attempt(weight: number, take: boolean): number | true;
    leave(): void;
    previous: number;
  } {
    const view = this.#view;
    let announced = false;
    const reclaim = (): number => this.#reclaim();
    const local = given ?? this.#localState();
    const waiter = {
      previous: -1,
      attempt(weight: number, take: boolean): number | true {
        for (;;) {
          const value = Atomics.load(view, VALUE);
          if (value >= weight) {
            if (!take) return true;
            if (Atomics.compareExchange(view, VALUE, value, value - weight) === value) {
              waiter.previous = value;
              return true;
            }
            continue; // VALUE changed under us: look again
          }
          // Before parking: permits of scoped holders that died come back (and wake the others too).
          if (reclaim() > 0) continue;
          if (!announced) {
            local.announced++;
            Atomics.add(view, WAITERS, 1);
            announced = true;
          }
          // Arm the event word, then read VALUE once more: a release after that read sees the word armed and
          // steps it, so the park on the armed value returns at once or is woken.
          const expected = arm(view, EVENT);
          if (Atomics.load(view, VALUE) >= weight) continue;
          return expected;
        }
      },
      leave(): void {
        if (announced) {
          announced = false;
          Atomics.sub(view, WAITERS, 1);
          local.announced--;
        }
      },
    };
    return waiter;
  }

  /**
   * Takes `weight` permits if they are available, without waiting: Python's `acquire(blocking=False)`.
   *
   * @param weight - How many permits to take at once. Defaults to 1.
   * @returns `true` when the permits were taken; `false` (and nothing taken) otherwise.
   * @throws RangeError when `weight` is not a positive integer or exceeds {@link Semaphore.bound}.
   *
   * @example
   * ```ts
   * import { Semaphore } from 'shared-sync';
   * const sem = new Semaphore(3);
   * console.log(sem.tryAcquire(2), sem.tryAcquire(2), sem.tryAcquire()); // true false true
   * ```
   */
  tryAcquire(weight = 1): boolean {
    if (weight !== 1) checkWeight(weight, this.#names.tryAcquire, 'weight');
    if (this.#take(weight) >= 0) return true;
    this.#checkReachable(weight, this.#names.tryAcquire);
    return this.#reclaim() > 0 && this.#take(weight) >= 0;
  }

  /**
   * Releases `n` permits, waking waiters that may now proceed: Python's `release(n)`. Any thread may release,
   * and a `Semaphore` may be released more often than it was acquired (its value then grows, as in Python).
   *
   * When async acquirers of the calling thread are queued, the permits go straight to them, head first while
   * the head's weight fits (as `async-mutex` does): they stay taken, so {@link Semaphore.getValue} and
   * {@link Semaphore.isLocked} reflect it at once, and each acquirer resumes in a microtask. What is left goes
   * to the shared value. So that other threads are not starved, while a wait of another thread is announced
   * at most 8 hand-overs happen in a row; the next release goes through the shared value, where every thread
   * competes on equal terms.
   *
   * @param n - How many permits to give back (`async-mutex` calls it the weight). Defaults to 1.
   * @throws RangeError when `n` is not a positive integer, or (for a `Semaphore`) the value would exceed
   *   2³¹−1; nothing is released then.
   * @throws {@link SemaphoreOverflowError} from a {@link BoundedSemaphore} when the value would exceed its
   *   bound; nothing is released then.
   *
   * @example
   * ```ts
   * import { Semaphore } from 'shared-sync';
   * const sem = new Semaphore(0);
   * sem.release(3);
   * console.log(sem.getValue()); // 3
   * ```
   */
  release(n = 1): void {
    if (n !== 1) checkWeight(n, this.#names.release, 'n');
    const view = this.#view;
    const limit = this.#limit;
    const turnstile = this.#turnstileCache;
    if (turnstile !== undefined && !turnstile.isEmpty()) {
      const value = Atomics.load(view, VALUE);
      if (value > limit - n) this.#overflow(value, n);
      n -= this.#handOver(turnstile, n, value);
      if (n === 0) return;
    }
    let value = this.#guess;
    for (;;) {
      // A guess past the bound is checked against the actual value, never reported.
      if (value > limit - n) {
        value = Atomics.load(view, VALUE);
        if (value > limit - n) this.#overflow(value, n);
      }
      const seen = Atomics.compareExchange(view, VALUE, value, value + n);
      if (seen === value) break;
      value = seen;
    }
    this.#guess = value + n;
    // The add above happens-before this read; a waiter's arming happens-before its last read of VALUE.
    signal(view, EVENT);
  }

  /**
   * A release in a thread whose own async acquirers are queued hands the permits straight to them, head first
   * while the head's weight fits in what is left: they stay taken (VALUE does not change for them) and each
   * acquirer resumes in a microtask, as with `async-mutex`. Returns how many of the `n` permits were handed
   * over; the rest goes to the shared value. Bounded bias, as for `Lock`: while a wait of another thread is
   * announced (WAITERS counts more waits than this thread's own), at most `HAND_OVER_BURST` (8) hand-overs
   * happen in a row; then one release goes through the shared value, where the other thread competes on
   * equal terms.
   */
  #handOver(turnstile: Turnstile, n: number, value: number): number {
    const view = this.#view;
    let left = n;
    let seen = value; // VALUE as the caller just read it
    for (;;) {
      // Looked at every HAND_OVER_BURST-th hand-over, so a wait announced at any time is seen within that many.
      if (this.#handOvers >= HAND_OVER_BURST) {
        this.#handOvers = 0;
        if (Atomics.load(view, WAITERS) > this.#localState().announced) break;
      }
      // The value the acquirer is told: the value as if the permits had been added, before its take.
      const available = seen + left;
      const weight = turnstile.handOver(left, available, available);
      if (weight === 0) break;
      left -= weight;
      this.#handOvers++;
      if (left === 0) break;
      seen = Atomics.load(view, VALUE);
    }
    return n - left;
  }

  #overflow(value: number, n: number): never {
    const api = this.#names.release;
    if (this instanceof BoundedSemaphore) {
      throw new SemaphoreOverflowError(
        `${api}: released too many times: releasing ${n} would raise the value from ${value} above its bound ${this.#limit}`,
      );
    }
    throw new RangeError(
      `${api}: releasing ${n} would raise the value from ${value} above ${MAX_VALUE}, the most a Semaphore holds`,
    );
  }

  /** Adds back permits taken for an acquirer that left before the hand-over; never above the bound. */
  #giveBack(weight: number): void {
    const view = this.#view;
    for (;;) {
      const value = Atomics.load(view, VALUE);
      // A setValue() in between may have left no room: the permits it replaced are then simply gone.
      const next = Math.min(this.#limit, value + weight);
      if (Atomics.compareExchange(view, VALUE, value, next) === value) break;
    }
    signal(view, EVENT);
  }

  // -------------------------------------------------------------------------------------------------------
  // The scoped-holders table (see "Permits of threads that die")

  /** Records `weight` permits just taken by a scoped form of this thread; returns the slot (or NO_SLOT). */
  #record(weight: number): number {
    const view = this.#view;
    let slot = this.#slotHint;
    if (Atomics.load(view, threadWord(slot)) !== currentThreadId) slot = this.#claim();
    if (slot !== NO_SLOT) Atomics.store(view, heldWord(slot), Atomics.load(view, heldWord(slot)) + weight);
    return slot;
  }

  /** Finds this thread's slot or claims a free one; when none is free, frees dead threads' slots and looks again. */
  #claim(): number {
    const view = this.#view;
    for (let round = 0; round < 2; round++) {
      for (let s = 0; s < SCOPE_SLOTS; s++) {
        const thread = Atomics.load(view, threadWord(s));
        if (
          thread === currentThreadId ||
          (thread === 0 && Atomics.compareExchange(view, threadWord(s), 0, currentThreadId) === 0)
        ) {
          this.#slotHint = s;
          return s;
        }
      }
      if (round === 0) this.#reclaim();
    }
    return NO_SLOT; // the table is full of live threads: these permits are not recorded
  }

  /** Un-records `weight` permits of a scoped form before they are released; frees the slot at 0. */
  #unrecord(slot: number, weight: number): void {
    if (slot === NO_SLOT) return;
    const view = this.#view;
    const held = Atomics.load(view, heldWord(slot)) - weight;
    Atomics.store(view, heldWord(slot), held);
    if (held === 0) Atomics.store(view, threadWord(slot), 0);
  }

  /**
   * Gives back the permits that dead threads held through the scoped forms, and frees their slots; returns
   * how many permits came back. One load when nobody has died; then a registry lookup per occupied slot.
   */
  #reclaim(): number {
    if (deathCount() === 0) return 0;
    const view = this.#view;
    const reclaiming = -currentThreadId;
    let returned = 0;
    for (let s = 0; s < SCOPE_SLOTS; s++) {
      const thread = Atomics.load(view, threadWord(s));
      if (thread === 0 || thread === reclaiming || !isDead(Math.abs(thread))) continue;
      // Exactly one reclaimer wins the slot; a dead reclaimer's claim (−r) is taken over the same way.
      if (Atomics.compareExchange(view, threadWord(s), thread, reclaiming) !== thread) continue;
      const held = Atomics.exchange(view, heldWord(s), 0);
      if (held > 0) {
        this.#giveBack(held);
        returned += held;
      }
      Atomics.store(view, threadWord(s), 0);
    }
    return returned;
  }

  /** The releaser of a scoped form: un-records, then releases, once. */
  #scopedReleaser(weight: number, slot: number): Releaser {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#unrecord(slot, weight);
      this.release(weight);
    };
  }

  /** `acquire()` for the async scoped forms: the permits are recorded as soon as they are taken. */
  #acquireScoped(weight: number, options: number | AcquireOptions | undefined): Promise<[number, Releaser]> {
    return this.acquire(weight, options).then(([value]) => [
      value,
      this.#scopedReleaser(weight, this.#record(weight)),
    ]);
  }

  /**
   * The number of permits available right now (`async-mutex`'s `getValue`; Python's private `_value`).
   * Other threads may change it at any moment.
   *
   * @example
   * ```ts
   * import { Semaphore } from 'shared-sync';
   * const sem = new Semaphore(2);
   * sem.tryAcquire();
   * console.log(sem.getValue()); // 1
   * ```
   */
  getValue(): number {
    return Atomics.load(this.#view, VALUE);
  }

  /**
   * Sets the number of available permits (`async-mutex`'s `setValue`), waking waiters that may now proceed.
   * Permits held at the time are not affected: their releases still add to the new value.
   *
   * @param value - The new value.
   * @throws RangeError when `value` is not a non-negative integer, or exceeds {@link Semaphore.bound}; the
   *   value is then left unchanged.
   *
   * @example
   * ```ts
   * import { Semaphore } from 'shared-sync';
   * const sem = new Semaphore(1);
   * sem.setValue(5);
   * console.log(sem.getValue()); // 5
   * ```
   */
  setValue(value: number): void {
    checkValue(value, this.#names.setValue, this.#limit, this instanceof BoundedSemaphore);
    const view = this.#view;
    const previous = Atomics.exchange(view, VALUE, value);
    if (value > previous) signal(view, EVENT);
  }

  /**
   * Whether no permit is available right now (`async-mutex`'s `isLocked`: the value is 0). Another thread may
   * change that at any moment.
   *
   * @example
   * ```ts
   * import { Semaphore } from 'shared-sync';
   * const sem = new Semaphore(1);
   * sem.tryAcquire();
   * console.log(sem.isLocked()); // true
   * ```
   */
  isLocked(): boolean {
    return Atomics.load(this.#view, VALUE) <= 0;
  }

  /**
   * Acquires `weight` permits without blocking the thread; resolves to `[value, releaser]` once they are
   * taken, where `value` is the number of permits available just before the take (as in `async-mutex`).
   *
   * Async acquirers of one thread are served by priority (higher first), FIFO within a priority, and a queued
   * head is not overtaken by lighter acquirers of the same thread; threads compete through the shared value.
   * An acquire that can be served at once resolves without queueing.
   *
   * @param weight - How many permits to take at once. Defaults to 1.
   * @param options - A priority (as in `async-mutex`), or `{ timeout, signal, priority }`.
   * @returns The value before the take, and the releaser that gives the `weight` permits back (a second call
   *   does nothing). The permits are not owned: if this thread dies before releasing them, they stay taken
   *   ({@link Semaphore.runExclusive} and {@link Semaphore.guard} give them back).
   * @throws (rejects) RangeError for a bad weight or options; {@link TimeoutError} when the timeout runs out;
   *   `signal.reason` when the signal aborts; `async-mutex`'s `E_CANCELED` after {@link Semaphore.cancel}.
   *   Nothing is taken later in any of these cases.
   *
   * @example
   * ```ts
   * import { Semaphore } from 'shared-sync';
   * const sem = new Semaphore(4);
   * const [value, release] = await sem.acquire(3, { timeout: 1000 });
   * console.log(value, sem.getValue()); // 4 1
   * release();
   * ```
   */
  acquire(weight = 1, options?: number | AcquireOptions): Promise<[number, Releaser]> {
    if (weight === 1 && options === undefined && this.#limit >= 1) return this.#acquireOne();
    const api = this.#names.acquire;
    let parsed: ReturnType<typeof parseWait>;
    try {
      if (weight !== 1) checkWeight(weight, api, 'weight');
      parsed = options === undefined ? NO_OPTIONS : parseWait(options, api);
    } catch (err) {
      return Promise.reject(err);
    }
    // An aborted signal wins over free permits, as with fetch(): the caller asked for nothing to happen.
    if (parsed.signal?.aborted) return Promise.reject(parsed.signal.reason);
    const turnstile = this.#turnstile();
    if (turnstile.isEmpty()) {
      const previous = this.#take(weight);
      if (previous >= 0) return Promise.resolve([previous, this.#releaser(weight)]);
    }
    try {
      this.#checkReachable(weight, api);
    } catch (err) {
      return Promise.reject(err);
    }
    // The common acquire (weight 1, no deadline, no signal) makes no closure: this body makes none at all
    // (a function that makes one allocates its context on every call), #enqueue makes what the others need.
    if (weight === 1 && parsed.deadline === Number.POSITIVE_INFINITY && parsed.signal === undefined) {
      return turnstile.enqueue(
        parsed.priority,
        1,
        Number.POSITIVE_INFINITY,
        undefined,
        neverTimesOut,
        this.#grantedOne,
      );
    }
    return this.#enqueue(turnstile, weight, parsed, api);
  }

  #enqueue(
    turnstile: Turnstile,
    weight: number,
    parsed: ParsedWait,
    api: string,
  ): Promise<[number, Releaser]> {
    const { timeout, deadline } = parsed;
    return turnstile.enqueue(
      parsed.priority,
      weight,
      deadline,
      parsed.signal,
      deadline === Number.POSITIVE_INFINITY
        ? neverTimesOut
        : () => new TimeoutError(`${api}: timed out after ${timeout} ms`, timeout),
      weight === 1 ? this.#grantedOne : (previous): [number, Releaser] => [previous, this.#releaser(weight)],
    );
  }

  /**
   * `acquire()`: one permit, no options (async-mutex's common call, and the in-thread contention path). The
   * general path with its checks folded away; it makes no closure but the releaser.
   */
  #acquireOne(): Promise<[number, Releaser]> {
    const turnstile = this.#turnstileCache ?? this.#turnstile();
    if (turnstile.isEmpty()) {
      const previous = this.#take(1);
      if (previous >= 0) return Promise.resolve([previous, this.#releaser(1)]);
    }
    return turnstile.enqueuePlain(NO_OPTIONS.priority, 1, this.#grantedOne);
  }

  /** What a queued acquirer of one permit resolves to once it is taken (or handed over) for it. */
  readonly #grantedOne = (previous: number): [number, Releaser] => [previous, this.#releaser(1)];

  #releaser(weight: number): Releaser {
    // onceReleaser's contract, written out: one closure instead of two on the async fast path.
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.release(weight);
    };
  }

  #turnstile(): Turnstile {
    if (this.#turnstileCache) return this.#turnstileCache;
    // The turnstile (and what its resource records) belongs to the memory: two views in one thread share it.
    let created: Local | undefined;
    const turnstile = turnstileOf(this.buffer, this.byteOffset, () => {
      created = { announced: 0 };
      const waiter = this.#waiter(created);
      const resource: Resource = {
        view: this.#view,
        index: EVENT,
        attempt: (weight) => waiter.attempt(weight, true),
        leave: () => waiter.leave(),
        giveBack: (weight) => this.#giveBack(weight),
        // What the acquirer is told: the value before its take (the turnstile reads it right after the take).
        takeResult: () => waiter.previous,
        // The turnstile's wait watches deaths: permits of a dead scoped holder come back (see #acquireContendedSync).
        watchesDeaths: true,
      };
      return resource;
    });
    if (created) locals.set(turnstile, created);
    this.#turnstileCache = turnstile;
    return turnstile;
  }

  /** This thread's {@link Local} record of the semaphore's memory. */
  #localState(): Local {
    return (this.#local ??= locals.get(this.#turnstile())!);
  }

  /**
   * Runs `callback` while holding `weight` permits (acquired asynchronously) and releases them afterwards,
   * also when the callback throws or rejects: the async form of Python's `with sem:`.
   *
   * @param callback - Receives the value before the take (as in `async-mutex`); may be async.
   * @param weight - How many permits to hold. Defaults to 1.
   * @param options - A priority, or `{ timeout, signal, priority }` for the acquire.
   * @returns What `callback` returned.
   * @remarks If this thread dies while the callback runs, the permits are given back to the semaphore (see the
   *   class notes).
   *
   * @example
   * ```ts
   * import { Semaphore } from 'shared-sync';
   * const sem = new Semaphore(2);
   * const doubled = await sem.runExclusive(async (value) => value * 2);
   * console.log(doubled); // 4
   * ```
   */
  async runExclusive<T>(
    callback: SemaphoreInterface.Worker<T>,
    weight = 1,
    options?: number | AcquireOptions,
  ): Promise<T> {
    const [value, release] = await this.#acquireScoped(weight, options);
    try {
      return await callback(value);
    } finally {
      release();
    }
  }

  /**
   * Runs `callback` while holding `weight` permits (acquired by blocking) and releases them afterwards, also
   * when it throws: Python's `with sem:`.
   *
   * @param callback - Receives the value before the take.
   * @param timeout - Milliseconds to wait for the permits at most.
   * @param weight - How many permits to hold. Defaults to 1.
   * @returns What `callback` returned.
   * @throws {@link TimeoutError} when the permits could not be taken in time (the callback did not run).
   * @remarks If this thread dies while the callback runs (`worker.terminate()`, `process.exit()`), the permits
   *   are given back to the semaphore.
   *
   * @example
   * ```ts
   * import { Semaphore } from 'shared-sync';
   * const sem = new Semaphore(3);
   * const seen = sem.runExclusiveSync((value) => value, 100, 2);
   * console.log(seen, sem.getValue()); // 3 3
   * ```
   */
  runExclusiveSync<T>(callback: (value: number) => T, timeout?: number, weight = 1): T {
    const api = this.#names.runExclusiveSync;
    const value = this.#acquireSync(timeout, weight, api);
    if (value < 0) throw new TimeoutError(`${api}: timed out after ${timeout} ms`, timeout ?? 0);
    const slot = this.#record(weight);
    try {
      return callback(value);
    } finally {
      this.#unrecord(slot, weight);
      this.release(weight);
    }
  }

  /**
   * Acquires `weight` permits by blocking and returns a {@link Guard} that releases them at the end of a
   * `using` block.
   *
   * @param timeout - Milliseconds to wait at most.
   * @param weight - How many permits to hold. Defaults to 1.
   * @throws {@link TimeoutError} when the permits could not be taken in time.
   * @remarks If this thread dies before the guard is released, the permits are given back to the semaphore.
   *
   * @example
   * ```ts
   * import { Semaphore } from 'shared-sync';
   * const sem = new Semaphore(2);
   * {
   *   using _held = sem.guardSync(1000);
   *   console.log(sem.getValue()); // 1
   * }
   * console.log(sem.getValue()); // 2
   * ```
   */
  guardSync(timeout?: number, weight = 1): Guard {
    const api = this.#names.guardSync;
    if (this.#acquireSync(timeout, weight, api) < 0) {
      throw new TimeoutError(`${api}: timed out after ${timeout} ms`, timeout ?? 0);
    }
    return guardOf(this.#scopedReleaser(weight, this.#record(weight)));
  }

  /**
   * Acquires `weight` permits asynchronously and resolves to a {@link Guard} for `await using`.
   *
   * @param weight - How many permits to hold. Defaults to 1.
   * @param options - A priority, or `{ timeout, signal, priority }`.
   * @remarks If this thread dies before the guard is released, the permits are given back to the semaphore.
   *
   * @example
   * ```ts
   * import { Semaphore } from 'shared-sync';
   * const sem = new Semaphore(2);
   * {
   *   await using _held = await sem.guard(2, { timeout: 1000 });
   *   console.log(sem.isLocked()); // true
   * }
   * ```
   */
  async guard(weight = 1, options?: number | AcquireOptions): Promise<Guard> {
    const [, release] = await this.#acquireScoped(weight, options);
    return guardOf(release);
  }

  /**
   * Resolves once at least `weight` permits are observed available, without taking them
   * (`async-mutex`'s `waitForUnlock`). Other threads may take them right after.
   *
   * The priority orders it against this thread's queued acquirers as in `async-mutex`: it resolves only when
   * no acquirer of this thread with the same or a higher priority is queued (those go first), and a release
   * that hands permits to a queued acquirer of a *lower* priority resolves it first when `weight` permits were
   * free at that instant. Acquirers of other threads are not ordered against it.
   *
   * @param weight - How many permits must be available. Defaults to 1.
   * @param options - A priority (default 0), or `{ timeout, signal, priority }`.
   * @throws (rejects) RangeError for a bad weight or options, {@link TimeoutError}, or `signal.reason`.
   *
   * @example
   * ```ts
   * import { Semaphore } from 'shared-sync';
   * const sem = new Semaphore(2);
   * await sem.waitForUnlock(2); // resolves at once: both permits are free
   * ```
   */
  waitForUnlock(weight = 1, options?: number | AcquireOptions): Promise<void> {
    const api = this.#names.waitForUnlock;
    let parsed: ReturnType<typeof parseWait>;
    try {
      if (weight !== 1) checkWeight(weight, api, 'weight');
      this.#checkReachable(weight, api);
      parsed = parseWait(options, api);
    } catch (err) {
      return Promise.reject(err);
    }
    const { deadline, signal, timeout, priority } = parsed;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const turnstile = this.#turnstile();
    if (turnstile.isEmpty() && Atomics.load(this.#view, VALUE) >= weight) return Promise.resolve();
    // Returned as it is (not awaited in an async function), so that a hand-over resolves it before the acquirer.
    return turnstile.waitForUnlock(priority, weight, signal, async (stop, blocked) => {
      const waiter = this.#waiter();
      const plan: WaitPlan = {
        view: this.#view,
        index: EVENT,
        // While an acquirer of this thread that goes first is queued, no value is enough: announce and park.
        attempt: () => waiter.attempt(blocked() ? Number.POSITIVE_INFINITY : weight, false),
        leave: () => waiter.leave(),
        watchesDeaths: true,
      };
      if (!(await waitAsync(plan, deadline, stop))) {
        throw new TimeoutError(`${api}: timed out after ${timeout} ms`, timeout);
      }
    });
  }

  /**
   * Rejects every pending async acquirer *of this thread* with `async-mutex`'s `E_CANCELED` (or the
   * `cancelError` this handle was created with), as `Semaphore.cancel()` does there. Holders, sync waiters and
   * other threads' waiters are not affected.
   *
   * @example
   * ```ts
   * import { E_CANCELED } from 'async-mutex';
   * import { Semaphore } from 'shared-sync';
   * const sem = new Semaphore(0);
   * const pending = sem.acquire();
   * sem.cancel();
   * await pending.catch((err) => console.log(err === E_CANCELED)); // true
   * ```
   */
  cancel(): void {
    this.#turnstile().cancel(this.#cancelError);
  }
}

/**
 * A {@link Semaphore} that may not be released above its initial value: Python's `threading.BoundedSemaphore`.
 * Such a release is almost always a bug (a permit released twice), so it throws {@link SemaphoreOverflowError}
 * (Python's `ValueError`) and changes nothing; the check and the add are one atomic step, so two racing
 * releases cannot both pass it. The bound lives in shared memory, so every clone enforces the same one;
 * {@link Semaphore.setValue} is limited to it too, and a weight above it is a `RangeError`.
 *
 * @example
 * ```ts
 * import { BoundedSemaphore, SemaphoreOverflowError } from 'shared-sync';
 * const pool = new BoundedSemaphore(2);
 * pool.acquireSync();
 * pool.release();
 * try {
 *   pool.release(); // one release too many
 * } catch (err) {
 *   console.log(err instanceof SemaphoreOverflowError, pool.getValue()); // true 2
 * }
 * ```
 */
export class BoundedSemaphore extends Semaphore {
  static {
    keepClassName(BoundedSemaphore, 'BoundedSemaphore');
  }

  /**
   * Creates a bounded semaphore with `value` permits, which is also its bound, in a fresh `SharedArrayBuffer`.
   *
   * @param value - The initial number of permits and the most it may ever hold. Defaults to 1.
   * @param options - `{ cancelError }` (or a bare `Error`), as for {@link Semaphore}.
   * @throws RangeError when `value` is not an integer from 0 to 2³¹−1.
   * @throws TypeError for options other than `{ cancelError }` with an `Error`, or an `Error`.
   */
  constructor(value?: number, options?: SemaphoreOptions | Error);
  /** @internal Views the semaphore at `placement` (already initialized). */
  constructor(placed: typeof PLACED, placement: Placement);
  constructor(...args: unknown[]) {
    // Both overloads of the base: the arguments pass through as they came (and are checked there).
    super(...(args as [number]));
  }

  /**
   * Rebuilds a bounded semaphore received from another thread (through `workerData` or `postMessage`).
   *
   * @param received - The structured clone of a `BoundedSemaphore` (or a `BoundedSemaphore` itself).
   * @throws TypeError when `received` is not a clone of a `BoundedSemaphore`, saying what it is instead.
   *
   * @example
   * ```ts
   * import { BoundedSemaphore } from 'shared-sync';
   * const received: unknown = structuredClone(new BoundedSemaphore(3));
   * const sem = BoundedSemaphore.from(received);
   * console.log(sem.bound); // 3
   * ```
   */
  static override from(received: unknown): BoundedSemaphore {
    return new BoundedSemaphore(PLACED, attach(BOUNDED, received));
  }
}

registerReviver(SEMAPHORE, (received) => Semaphore.from(received));
registerReviver(BOUNDED, (received) => BoundedSemaphore.from(received));
