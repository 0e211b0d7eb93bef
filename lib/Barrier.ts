/**
 * `Barrier`: a rendezvous point for a fixed number of parties, shared by every thread that holds a handle to it.
 *
 * ## Memory layout (from `byteOffset`)
 * | bytes   | word       | name      | meaning                                                              |
 * |---------|------------|-----------|----------------------------------------------------------------------|
 * | 0-3     | 0          | TAG       | kind tag (see `internal/shared.ts`)                                  |
 * | 4-7     | 1          | PARTIES   | how many parties each generation waits for; written once             |
 * | 8-11    | 2          | STATE     | one of the states below                                              |
 * | 12-15   | 3          | COUNT     | parties inside `wait` right now (arrived, not yet returned)          |
 * | 16-23   | 4-5        | TIMEOUT   | Float64: the default timeout in ms (`Infinity`: none); written once  |
 * | 24-27   | 6          | UNTRACKED | parties inside whose thread found no free slot in the table          |
 * | 28-31   | 7          | DIED      | id of the dead thread whose death broke the barrier; 0 when broken otherwise or not broken |
 * | 32-…    | 8 + 2s     | THREAD(s) | slot s < `PARTY_SLOTS`: id of a thread with parties inside (`thread.ts`), or a stale id when INSIDE(s) = 0 |
 * |         | 9 + 2s     | INSIDE(s) | how many of COUNT are that thread's parties (async parties of one thread share a slot) |
 *
 * STATE, COUNT, UNTRACKED and the table are read and written only while holding the barrier's lock (the
 * `Lock` of its {@link Condition}, which lives in its own memory and travels with the handle), except that
 * the `nWaiting` and `broken` getters read STATE and COUNT without it, as Python's properties do.
 * Invariant whenever the lock is free: `COUNT = UNTRACKED + Σ INSIDE(s)`.
 *
 * ## States (CPython's `threading.Barrier`, whose algorithm this is, on this library's Lock and Condition)
 * | state     | value | meaning                                             | legal transitions                        |
 * |-----------|-------|-----------------------------------------------------|------------------------------------------|
 * | FILLING   | 0     | parties are arriving                                | → DRAINING (the last one arrives and the action succeeds); → BROKEN (`abort()`, a timeout or abort of a waiter, a failed action, a party found dead, a thread that died holding the lock); → RESETTING (`reset()` with parties inside) |
 * | DRAINING  | 1     | released: the parties of this generation are leaving | → FILLING (the last one leaves, or the last ones left are found dead); newcomers wait for it |
 * | RESETTING | -1    | `reset()` while parties were inside: they leave with BrokenBarrierError | → FILLING (the last one leaves, or the last ones left are found dead) |
 * | BROKEN    | -2    | every wait throws BrokenBarrierError until `reset()` | → RESETTING / FILLING (`reset()`)       |
 *
 * Waiters wait on the condition for STATE to leave FILLING; every transition notifies all of them. The
 * generation is implicit: newcomers cannot join while the previous generation drains, so a waiter never
 * mistakes the next generation's release for its own. The arrival index is COUNT at arrival, so the last
 * party gets `parties − 1`; it runs the action, holding the lock, before the others are released.
 *
 * ## Parties that die
 * A thread can die while its parties wait (terminated, crashed, `process.exit()`); nobody notifies then. So
 * every party records itself in the table on arrival (INSIDE(s) += 1 for its thread's slot) and removes
 * itself on leaving, and every wait is a death-watching wait (`Condition`'s internal `waitWatching…`): it parks
 * once and returns on any wake, among them the registry's wake after a death (`internal/registry.ts`; a
 * blocked thread cannot watch that word, so a sync wait parks `DEATH_POLL_MS` at most). Whoever holds the
 * lock (an arriving party, a woken waiter) first *reaps*: a slot whose thread is dead gives its INSIDE back
 * (COUNT −= INSIDE(s), the slot is freed); if that happened while FILLING, the generation can never complete:
 * the barrier breaks (every waiter gets BrokenBarrierError, as Java breaks a barrier whose waiting thread is
 * interrupted); while DRAINING or RESETTING, the dead parties simply count as having left.
 *
 * A thread that dies *holding the lock* (in the middle of an arrival, an exit, the action, `reset()` or
 * `abort()`) may have done only part of an update. The next holder takes the lock over (`OwnerDiedError`
 * from the lock, never seen by users of the barrier) and repairs: it reaps, recomputes COUNT from the table
 * (`UNTRACKED + Σ INSIDE`), and breaks the barrier if it was FILLING. An arrival writes its slot before
 * COUNT and an exit COUNT after its slot, so the recomputation gives the right count whichever step the
 * holder stopped at.
 *
 * The table has `PARTY_SLOTS` slots: with more threads than that waiting at one barrier at once, the parties
 * of the threads without a slot are counted in UNTRACKED, and their deaths are not detected (the others wait
 * until their timeout, as before). A death older than the registry's memory (`RING_SIZE` deaths ago) is not
 * detected either.
 *
 * @module
 */

import { Condition } from './Condition';
import { BrokenBarrierError, OwnerDiedError } from './errors';
import { checkArgCount, checkInteger, checkOptionKeys, PLACED } from './internal/args';
import { deathCount, isDead } from './internal/registry';
import {
  allocate,
  attach,
  defineKind,
  describe,
  keepClassName,
  type Placement,
  registerReviver,
} from './internal/shared';
import { currentThreadId } from './internal/thread';
import { assertCanBlock, checkTimeout, deadlineOf, mayBlock, remaining } from './internal/wait';
import { parseWaitOptions } from './internal/waitOptions';
import { Lock } from './Lock';
import type { WaitOptions } from './options';

/** How many threads' parties the table of a barrier tracks at once (see "Parties that die"). */
const PARTY_SLOTS = 32;
const TABLE = 8;
const WORDS = TABLE + 2 * PARTY_SLOTS;

const KIND = defineKind('Barrier', 7, WORDS * 4);

const PARTIES = 1;
const STATE = 2;
const COUNT = 3;
const TIMEOUT_F64 = 2; // index in a Float64Array view of the barrier
const UNTRACKED = 6;
const DIED = 7;
const NO_SLOT = -1;

/** The word of slot `s` that names its thread. */
function threadWord(slot: number): number {
  return TABLE + 2 * slot;
}

/** The word of slot `s` that counts its thread's parties inside. */
function insideWord(slot: number): number {
  return TABLE + 2 * slot + 1;
}

const FILLING = 0; // parties are arriving
const DRAINING = 1; // released; this generation's parties are leaving
const RESETTING = -1; // reset while parties were inside; they are leaving with BrokenBarrierError
const BROKEN = -2; // broken until reset

/**
 * What a barrier runs when a generation is complete (see {@link BarrierOptions.action}).
 *
 * @example
 * ```ts
 * import { Barrier, type BarrierAction } from 'shared-sync';
 * const announce: BarrierAction = () => console.log('everyone is here');
 * const barrier = new Barrier(3, { action: announce });
 * ```
 */
export type BarrierAction = () => void;

/**
 * Options of a {@link Barrier}.
 *
 * @example
 * ```ts
 * import { Barrier, type BarrierOptions } from 'shared-sync';
 * const options: BarrierOptions = { timeout: 5000, action: () => console.log('round complete') };
 * const barrier = new Barrier(2, options);
 * ```
 */
export interface BarrierOptions {
  /**
   * Called once per generation, in the thread of the last party to arrive, before any party is released
   * (holding the barrier's lock). If it throws, the barrier is broken: that party's wait throws the action's
   * error and the others get {@link BrokenBarrierError}. A function cannot travel to another thread: it
   * belongs to this handle only (see {@link Barrier.from}).
   */
  action?: BarrierAction;
  /**
   * The timeout of every wait that gives none, in milliseconds.
   * @defaultValue `Infinity` (no timeout)
   */
  timeout?: number;
}

function checkAction(action: unknown, api: string): BarrierAction | undefined {
  if (action !== undefined && typeof action !== 'function') {
    throw new TypeError(`${api}: action must be a function, got ${describe(action)}`);
  }
  return action as BarrierAction | undefined;
}

/**
 * A barrier that works across worker threads: Python's `threading.Barrier` / `multiprocessing.Barrier`.
 *
 * Each generation waits for `parties` calls to {@link Barrier.wait} or {@link Barrier.waitSync}; then all of
 * them return, each with a different arrival index in `0 … parties − 1`, and the barrier is ready for the
 * next generation. A timeout or an aborted wait breaks it: every waiter, now and until {@link Barrier.reset},
 * gets {@link BrokenBarrierError}.
 *
 * Pass it to a worker in `workerData` or `postMessage` and rebuild it there with {@link Barrier.from} or
 * {@link revive}; the clone carries everything but the action.
 *
 * @example
 * ```ts
 * import { Barrier } from 'shared-sync';
 * const barrier = new Barrier(3, { timeout: 5000 });
 * // each of three workers, every step: Barrier.from(workerData.barrier).waitSync()
 * // here, three async tasks of one thread:
 * const indices = await Promise.all([barrier.wait(), barrier.wait(), barrier.wait()]);
 * console.log(indices.sort()); // [0, 1, 2]
 * ```
 */
export class Barrier {
  static {
    keepClassName(Barrier, 'Barrier');
  }

  /** The shared memory the barrier's state lives in; carried to other threads by structured clone. */
  readonly buffer: SharedArrayBuffer;
  /** Where in {@link Barrier.buffer} the barrier lives. */
  readonly byteOffset: number;
  /**
   * @internal The condition (over a {@link Lock}) that guards and signals the state; carried by structured
   * clone with the barrier.
   */
  readonly condition: Condition;
  readonly #view: Int32Array;
  readonly #defaultTimeout: number;
  readonly #action: BarrierAction | undefined;
  /** The slot this thread's parties used last: looked at first on the next arrival. */
  #slotHint = 0;

  /** Bytes a `Barrier` occupies in shared memory (its lock and condition not included). */
  static readonly byteLength: number = KIND.byteLength;

  /**
   * Creates a barrier for `parties` parties in a fresh `SharedArrayBuffer`.
   *
   * @param parties - How many waits each generation needs; a positive integer.
   * @param options - `{ action, timeout }`: see {@link BarrierOptions}.
   * @throws TypeError for a `parties` that is not a number, options that are not an object or have another
   *   key, an action that is not a function, or a third argument.
   * @throws RangeError for a `parties` that is not a positive integer, or a negative or `NaN` timeout.
   */
  constructor(parties: number, options?: BarrierOptions);
  /** @internal Views the barrier at `placement` (already initialized), over `condition`, with `action`. */
  constructor(
    placed: typeof PLACED,
    placement: Placement,
    condition: Condition,
    action: BarrierAction | undefined,
  );
  constructor(...args: unknown[]) {
    let at: Placement;
    if (args[0] === PLACED) {
      at = args[1] as Placement;
      this.condition = args[2] as Condition;
      this.#action = args[3] as BarrierAction | undefined;
    } else {
      const parties = checkInteger(args[0], 1, 0x7fff_ffff, 'Barrier', 'parties', 'a positive integer');
      const { action, timeout } = checkOptionKeys(
        args[1],
        ['action', 'timeout'],
        'Barrier',
        '{ timeout: 5000 }',
      );
      this.#action = checkAction(action, 'Barrier');
      checkTimeout(timeout, 'Barrier');
      checkArgCount(args, ['parties', 'options'], 'Barrier');
      at = allocate(KIND);
      this.condition = new Condition(new Lock());
      // Written before the handle can reach another thread (structured clone happens after the constructor).
      Atomics.store(new Int32Array(at.buffer, at.byteOffset, WORDS), PARTIES, parties);
      new Float64Array(at.buffer, at.byteOffset, 3)[TIMEOUT_F64] =
        (timeout as number | undefined) ?? Number.POSITIVE_INFINITY;
    }
    this.buffer = at.buffer;
    this.byteOffset = at.byteOffset;
    this.#view = new Int32Array(at.buffer, at.byteOffset, WORDS);
    this.#defaultTimeout = new Float64Array(at.buffer, at.byteOffset, 3)[TIMEOUT_F64];
  }

  /**
   * Rebuilds a barrier received from another thread (through `workerData` or `postMessage`). The action does
   * not travel (functions cannot be cloned): give this thread's handle its own with `options.action`; it runs
   * when the party completing a generation arrived through this handle.
   *
   * @param received - The structured clone of a `Barrier` (or a `Barrier` itself).
   * @param options - `{ action }` for this handle.
   * @returns A view of the same barrier (same parties, default timeout and state).
   * @throws TypeError when `received` is not a clone of a `Barrier`, `options` has another key than `action`,
   *   or `action` is not a function.
   *
   * @example
   * ```ts
   * import { Barrier } from 'shared-sync';
   * const received: unknown = structuredClone(new Barrier(2)); // what a worker finds in workerData
   * const barrier = Barrier.from(received, { action: () => console.log('generation complete') });
   * console.log(barrier.parties); // 2
   * ```
   */
  static from(received: unknown, options?: Pick<BarrierOptions, 'action'>): Barrier {
    const placement = attach(KIND, received);
    const action = checkAction(
      checkOptionKeys(options, ['action'], 'Barrier.from', '{ action }').action,
      'Barrier.from',
    );
    const carried = (received as { condition?: unknown }).condition;
    let condition: Condition;
    try {
      condition = Condition.from(carried);
    } catch {
      throw new TypeError(
        `Barrier.from: expected the clone to carry its condition, got ${describe(carried)}`,
      );
    }
    if (!(condition.lock instanceof Lock)) {
      throw new TypeError('Barrier.from: expected the clone to carry a condition over a Lock');
    }
    return new Barrier(PLACED, placement, condition, action);
  }

  /**
   * How many waits each generation needs.
   *
   * @example
   * ```ts
   * import { Barrier } from 'shared-sync';
   * console.log(new Barrier(4).parties); // 4
   * ```
   */
  get parties(): number {
    return Atomics.load(this.#view, PARTIES);
  }

  /**
   * How many parties are waiting for the current generation to complete (Python's `n_waiting`); 0 while a
   * generation drains, is reset or the barrier is broken. A snapshot: other threads may change it at once.
   *
   * @example
   * ```ts
   * import { Barrier } from 'shared-sync';
   * const barrier = new Barrier(2);
   * void barrier.wait();
   * await new Promise((resolve) => setTimeout(resolve, 10));
   * console.log(barrier.nWaiting); // 1
   * ```
   */
  get nWaiting(): number {
    return Atomics.load(this.#view, STATE) === FILLING ? Atomics.load(this.#view, COUNT) : 0;
  }

  /**
   * Whether the barrier is broken (by {@link Barrier.abort}, a timeout, an aborted wait or a failed action);
   * it stays broken until {@link Barrier.reset}.
   *
   * @example
   * ```ts
   * import { Barrier } from 'shared-sync';
   * const barrier = new Barrier(2);
   * barrier.abort();
   * console.log(barrier.broken); // true
   * ```
   */
  get broken(): boolean {
    return Atomics.load(this.#view, STATE) === BROKEN;
  }

  #state(): number {
    return Atomics.load(this.#view, STATE);
  }

  #setState(state: number): void {
    Atomics.store(this.#view, STATE, state);
  }

  #count(): number {
    return Atomics.load(this.#view, COUNT);
  }

  #setCount(count: number): void {
    Atomics.store(this.#view, COUNT, count);
  }

  /** Breaks the barrier and wakes every waiter (holding the lock); `died`: the dead thread that broke it. */
  #break(died = 0): void {
    Atomics.store(this.#view, DIED, died);
    this.#setState(BROKEN);
    this.condition.notifyAll();
  }

  /** The last party: runs the action, then releases the generation (holding the lock). */
  #release(): void {
    try {
      this.#action?.();
      this.#setState(DRAINING);
      this.condition.notifyAll();
    } catch (err) {
      this.#break();
      throw err;
    }
  }

  /** A party leaves: the last one out of a draining or reset generation reopens the barrier (holding the lock). */
  #exit(slot: number): void {
    const view = this.#view;
    // The slot before COUNT: a holder that dies in between leaves COUNT one too high, which the repair's
    // recomputation from the table corrects (see "Parties that die").
    if (slot === NO_SLOT) Atomics.store(view, UNTRACKED, Atomics.load(view, UNTRACKED) - 1);
    else Atomics.store(view, insideWord(slot), Atomics.load(view, insideWord(slot)) - 1);
    this.#setCount(this.#count() - 1);
    this.#reopenIfEmpty();
  }

  /** The last party out of a draining or reset generation reopens the barrier (holding the lock). */
  #reopenIfEmpty(): void {
    const state = this.#state();
    if (this.#count() === 0 && (state === DRAINING || state === RESETTING)) {
      this.#setState(FILLING);
      this.condition.notifyAll();
    }
  }

  /**
   * A party arrives: records it in its thread's slot (or UNTRACKED when the table is full), then in COUNT;
   * returns the slot, for {@link Barrier.#exit}. Holding the lock.
   */
  #arrive(): number {
    const view = this.#view;
    let slot = NO_SLOT;
    if (Atomics.load(view, threadWord(this.#slotHint)) === currentThreadId) {
      slot = this.#slotHint;
    } else {
      let free = NO_SLOT;
      for (let s = 0; s < PARTY_SLOTS; s++) {
        if (Atomics.load(view, threadWord(s)) === currentThreadId) {
          slot = s;
          break;
        }
        if (free === NO_SLOT && Atomics.load(view, insideWord(s)) === 0) free = s;
      }
      if (slot === NO_SLOT && free !== NO_SLOT) {
        slot = free;
        Atomics.store(view, threadWord(slot), currentThreadId);
      }
    }
    if (slot === NO_SLOT) {
      Atomics.store(view, UNTRACKED, Atomics.load(view, UNTRACKED) + 1);
    } else {
      this.#slotHint = slot;
      Atomics.store(view, insideWord(slot), Atomics.load(view, insideWord(slot)) + 1);
    }
    return slot;
  }

  /**
   * Gives back the places of parties whose thread died (holding the lock); a death while FILLING breaks the
   * barrier, and a draining or reset generation whose last parties died reopens it. Costs nothing until a
   * thread has died, then a registry lookup per occupied slot.
   */
  #reap(): void {
    if (deathCount() === 0) return;
    const view = this.#view;
    let died = 0;
    for (let s = 0; s < PARTY_SLOTS; s++) {
      const inside = Atomics.load(view, insideWord(s));
      const thread = Atomics.load(view, threadWord(s));
      if (inside === 0 || !isDead(thread)) continue;
      Atomics.store(view, insideWord(s), 0);
      this.#setCount(this.#count() - inside);
      died = thread;
    }
    if (died === 0) return;
    if (this.#state() === FILLING) this.#break(died);
    else this.#reopenIfEmpty();
  }

  /**
   * After taking over the lock of a thread that died holding it (the lock is held): reap, make COUNT agree
   * with the table again, and break the barrier if a generation was filling (the dead thread may have been
   * one of its parties, half arrived).
   */
  #repair(died: number): void {
    this.#reap();
    const view = this.#view;
    let count = Atomics.load(view, UNTRACKED);
    for (let s = 0; s < PARTY_SLOTS; s++) count += Atomics.load(view, insideWord(s));
    this.#setCount(count);
    if (this.#state() === FILLING) this.#break(died);
    else this.#reopenIfEmpty();
  }

  /** Takes the lock by blocking; a lock taken over from a dead thread is repaired first. */
  #lockSync(): void {
    try {
      this.condition.lock.acquireSync();
    } catch (err) {
      if (!(err instanceof OwnerDiedError)) throw err;
      this.#repair(err.threadId + 1);
    }
  }

  /**
   * One look of a wait at the barrier (holding the lock): reaps dead parties, then tells whether `predicate()`
   * holds; at the deadline it breaks the barrier and throws.
   */
  #ready(predicate: () => boolean, deadline: number, api: string): boolean {
    this.#reap();
    if (predicate()) return true;
    if (remaining(deadline) > 0) return false;
    this.#break();
    throw this.#brokenError(api);
  }

  /**
   * Waits (blocking, holding the lock) until `predicate()` holds, reaping dead parties after every wake;
   * breaks the barrier and throws at the deadline.
   */
  #waitUntilSync(predicate: () => boolean, deadline: number, api: string): void {
    for (;;) {
      const deaths = deathCount(); // before the reap: a death after it ends the wait below
      if (this.#ready(predicate, deadline, api)) return;
      try {
        this.condition.waitWatchingSync(deadline, deaths);
      } catch (err) {
        if (!(err instanceof OwnerDiedError)) throw err;
        this.#repair(err.threadId + 1);
      }
    }
  }

  /** The async form of {@link Barrier.#waitUntilSync}; an aborted wait breaks the barrier too. */
  async #waitUntil(
    predicate: () => boolean,
    deadline: number,
    signal: AbortSignal | undefined,
    api: string,
  ): Promise<void> {
    for (;;) {
      const deaths = deathCount();
      if (this.#ready(predicate, deadline, api)) return;
      try {
        await this.condition.waitWatching(deadline, signal, deaths);
      } catch (err) {
        if (err instanceof OwnerDiedError) {
          this.#repair(err.threadId + 1);
          continue;
        }
        this.#break(); // an aborted wait breaks the barrier, as a timeout does
        throw err;
      }
    }
  }

  #brokenError(api: string): BrokenBarrierError {
    const died = Atomics.load(this.#view, DIED);
    if (this.#state() === BROKEN && died !== 0) {
      return new BrokenBarrierError(
        `${api}: the barrier is broken: thread ${died - 1} died while it waited at the barrier or held its lock`,
      );
    }
    return new BrokenBarrierError(`${api}: the barrier is broken`);
  }

  readonly #mayEnter = (): boolean => {
    const state = this.#state();
    return state !== DRAINING && state !== RESETTING;
  };

  readonly #released = (): boolean => this.#state() !== FILLING;

  /**
   * Waits, blocking the thread, until all parties have arrived: Python's `wait(timeout)`.
   *
   * @param timeout - Milliseconds to wait at most; omitted: the barrier's default timeout.
   * @returns The arrival index, `0 … parties − 1`, different for each party of a generation.
   * @throws {@link BrokenBarrierError} when the barrier is or becomes broken (the timeout running out breaks
   *   it); whatever the action throws, in the thread that ran it; RangeError for a bad timeout;
   *   {@link BlockingNotAllowedError} on a thread that may not block.
   *
   * @example
   * ```ts
   * import { Barrier } from 'shared-sync';
   * const barrier = new Barrier(1); // a one-party barrier never blocks
   * console.log(barrier.waitSync(), barrier.waitSync()); // 0 0
   * ```
   */
  waitSync(timeout?: number): number {
    checkTimeout(timeout, 'Barrier.waitSync');
    if (!mayBlock) assertCanBlock('Barrier.waitSync', 'await barrier.wait()');
    const deadline = deadlineOf(timeout ?? this.#defaultTimeout, 'Barrier.waitSync');
    const api = 'Barrier.waitSync';
    this.#lockSync();
    try {
      // Wait while the previous generation drains or a reset completes.
      this.#waitUntilSync(this.#mayEnter, deadline, api);
      if (this.#state() < 0) throw this.#brokenError(api);
      const index = this.#count();
      const slot = this.#arrive();
      this.#setCount(index + 1);
      try {
        if (index + 1 === this.parties) this.#release();
        else this.#waitUntilSync(this.#released, deadline, api);
        if (this.#state() < 0) throw this.#brokenError(api);
        return index;
      } finally {
        this.#exit(slot);
      }
    } finally {
      this.condition.lock.release();
    }
  }

  /**
   * Waits without blocking the thread until all parties have arrived.
   *
   * @param options - `{ timeout, signal }`: milliseconds to wait at most (default: the barrier's default
   *   timeout) and a signal that cancels the wait.
   * @returns (resolves to) the arrival index, `0 … parties − 1`.
   * @throws (rejects) {@link BrokenBarrierError} when the barrier is or becomes broken (the timeout running
   *   out breaks it); `signal.reason` when the signal aborts (which breaks the barrier for the others); what
   *   the action throws; RangeError/TypeError for bad options.
   *
   * @example
   * ```ts
   * import { Barrier, BrokenBarrierError } from 'shared-sync';
   * const barrier = new Barrier(2);
   * await barrier.wait({ timeout: 10 }).catch((err) => console.log(err instanceof BrokenBarrierError)); // true
   * console.log(barrier.broken); // true: the timeout broke it
   * ```
   */
  wait(options?: WaitOptions): Promise<number> {
    let deadline: number;
    let signal: AbortSignal | undefined;
    try {
      const parsed = parseWaitOptions(options, 'Barrier.wait');
      signal = parsed.signal;
      deadline =
        options?.timeout === undefined ? deadlineOf(this.#defaultTimeout, 'Barrier.wait') : parsed.deadline;
    } catch (err) {
      return Promise.reject(err);
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    // Arrive within this call when the lock is free, so that the lock is not left held by a continuation that
    // has yet to run: `barrier.wait(); barrier.abort();` in one thread must not find it taken.
    const lock = this.condition.lock;
    const releaseLock = (): void => lock.release();
    try {
      if (lock.tryAcquire()) return this.#waitHolding(deadline, signal, releaseLock);
    } catch (err) {
      if (!(err instanceof OwnerDiedError)) return Promise.reject(err);
      this.#repair(err.threadId + 1); // the lock is held: taken over from a thread that died holding it
      return this.#waitHolding(deadline, signal, releaseLock);
    }
    return lock.acquire({ signal }).then(
      (release) => this.#waitHolding(deadline, signal, release),
      (err: unknown) => {
        if (!(err instanceof OwnerDiedError)) throw err;
        this.#repair(err.threadId + 1);
        return this.#waitHolding(deadline, signal, releaseLock);
      },
    );
  }

  /**
   * The async wait, holding the lock. Every step that can go on at once does so without an `await`, so that
   * the lock is only held across an `await` when a condition wait has to reacquire it.
   */
  async #waitHolding(
    deadline: number,
    signal: AbortSignal | undefined,
    release: () => void,
  ): Promise<number> {
    const api = 'Barrier.wait';
    try {
      this.#reap();
      if (!this.#mayEnter()) await this.#waitUntil(this.#mayEnter, deadline, signal, api);
      if (this.#state() < 0) throw this.#brokenError(api);
      const index = this.#count();
      const slot = this.#arrive();
      this.#setCount(index + 1);
      try {
        if (index + 1 === this.parties) this.#release();
        else await this.#waitUntil(this.#released, deadline, signal, api);
        if (this.#state() < 0) throw this.#brokenError(api);
        return index;
      } finally {
        this.#exit(slot);
      }
    } finally {
      release();
    }
  }

  /**
   * Returns the barrier to its initial, empty state: Python's `reset()`. Parties waiting now get
   * {@link BrokenBarrierError}; the barrier accepts a new generation once they have left. Takes the barrier's
   * lock (briefly, by blocking).
   *
   * @example
   * ```ts
   * import { Barrier } from 'shared-sync';
   * const barrier = new Barrier(2);
   * barrier.abort();
   * barrier.reset();
   * console.log(barrier.broken); // false
   * ```
   */
  reset(): void {
    const cond = this.condition;
    this.#lockSync();
    try {
      if (this.#count() > 0) {
        const state = this.#state();
        if (state === FILLING || state === BROKEN) this.#setState(RESETTING);
        // DRAINING: the generation was released; it completes as it would have.
      } else {
        this.#setState(FILLING);
      }
      cond.notifyAll();
    } finally {
      cond.lock.release();
    }
  }

  /**
   * Breaks the barrier: every party waiting now, and every wait until {@link Barrier.reset}, gets
   * {@link BrokenBarrierError} (Python's `abort()`), for example when one party cannot go on. Takes the
   * barrier's lock (briefly, by blocking).
   *
   * @example
   * ```ts
   * import { Barrier, BrokenBarrierError } from 'shared-sync';
   * const barrier = new Barrier(3);
   * const waiting = barrier.wait();
   * barrier.abort();
   * await waiting.catch((err) => console.log(err instanceof BrokenBarrierError)); // true
   * ```
   */
  abort(): void {
    const cond = this.condition;
    this.#lockSync();
    try {
      this.#break();
    } finally {
      cond.lock.release();
    }
  }
}

registerReviver(KIND, (received) => Barrier.from(received));
