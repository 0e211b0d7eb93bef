/**
 * This thread's async acquirers of one primitive, in priority order.
 *
 * Async acquirers in one thread queue here (highest priority first, FIFO within a priority) and only the head
 * contends for the shared word, through {@link waitAsync}. When the head's acquisition succeeds it is handed the
 * resource; an entry that times out, is aborted or cancelled leaves the queue at once, so nothing waits behind
 * it and nothing is left behind. This is the thread-local half of every acquire; the shared word is the other.
 *
 * A turnstile belongs to the memory, not to a view: two views of one primitive in one thread share it
 * ({@link turnstileOf}), so their acquirers are ordered together.
 *
 * @internal
 * @module
 */

import { clearTimer, setTimer } from './clock';
import { type ParsedWait, timedOut } from './options';
import { remaining, type WaitPlan, waitAsync, wake } from './wait';

/** What a primitive gives its turnstile: how to take `weight` units and how to give them back. */
export interface Resource {
  /**
   * The word waiters park on: the head's wait, and the wait given to {@link Turnstile.waitForUnlock}, which must
   * park on this word too (the turnstile wakes it when the head leaves, see `Turnstile.#headLeft`).
   */
  readonly view: Int32Array;
  readonly index: number;
  /** Takes `weight` units or announces a waiter and returns the value to park on (see {@link WaitPlan}). */
  attempt(weight: number): number | true;
  /** Undoes what `attempt` announced, once the head stops waiting. */
  leave?(): void;
  /** Gives back units taken for an entry that left between the take and the hand-over. */
  giveBack(weight: number): void;
  /**
   * What the acquirer learns with a take, read right after `attempt` succeeded (a lock's dead holder taken over,
   * see `mutex.ts`); 0 when there is nothing to tell.
   */
  takeResult?(): number;
  /** When `attempt` wants to run again although nothing woke it (see `WaitPlan.recheckAt`). */
  recheckAt?(): number;
  /** Whether `attempt` may succeed because a thread died (see `WaitPlan.watchesDeaths`). */
  readonly watchesDeaths?: boolean;
}

/** Turns the take's result (see `Resource.takeResult`) into what the acquirer's promise resolves to; may throw. */
export type Finish<T> = (result: number) => T;

/** The `timeoutError` of an acquirer without deadline (never called): passed so that no closure is made. */
export const neverTimesOut = (): Error => new Error('turnstile: an acquirer without deadline timed out');

/** The `timeoutError` of a parsed wait with a deadline (a function of its own: it makes a closure). */
function timeoutOf(parsed: ParsedWait, api: string): () => Error {
  return () => timedOut(api, parsed.timeout);
}

/** The {@link Finish} that resolves to the take's result itself. */
export const tookOver: Finish<number> = (result) => result;

/**
 * One queued acquirer. A class, not closures: an acquire without timeout or signal (the in-thread contention
 * path) allocates this object and its promise, nothing else.
 */
class Entry {
  timer: ReturnType<typeof setTimeout> | undefined = undefined;
  onAbort: (() => void) | undefined = undefined;
  constructor(
    readonly priority: number,
    readonly weight: number,
    readonly signal: AbortSignal | undefined,
    readonly finish: Finish<unknown>,
    readonly resolve: (value: unknown) => void,
    readonly reject: (reason: unknown) => void,
  ) {}

  /** Settles the acquirer with the take's result: `finish(result)`, or its exception as the rejection. */
  settle(result: number): void {
    let value: unknown;
    try {
      value = this.finish(result);
    } catch (err) {
      this.reject(err);
      return;
    }
    this.resolve(value);
  }

  detach(): void {
    if (this.timer !== undefined) clearTimer(this.timer);
    if (this.onAbort !== undefined) this.signal!.removeEventListener('abort', this.onAbort);
  }
}

/**
 * Where {@link capture} leaves a new promise's resolving functions: an executor that is not a closure, so that
 * making an acquirer's promise makes no function of ours (the executor runs synchronously, within `new
 * Promise`, and the caller reads these right after it).
 */
let capturedResolve: (value: unknown) => void = () => {};
let capturedReject: (reason: unknown) => void = () => {};
function capture(resolve: (value: never) => void, reject: (reason: unknown) => void): void {
  capturedResolve = resolve as (value: unknown) => void;
  capturedReject = reject;
}

/** A pending `waitForUnlock` of this thread (see {@link Turnstile.waitForUnlock}). */
interface UnlockWaiter {
  readonly priority: number;
  readonly weight: number;
  wake(): void;
}

export class Turnstile {
  readonly #resource: Resource;
  readonly #entries: Entry[] = [];
  readonly #unlockWaiters: UnlockWaiter[] = [];
  readonly #plan: WaitPlan;
  #serving = false;
  #kick: AbortController | undefined;
  #takenFor: Entry | undefined;
  #takenResult = 0;

  constructor(resource: Resource) {
    this.#resource = resource;
    this.#plan = {
      view: resource.view,
      index: resource.index,
      attempt: () => {
        const head = this.#entries[0];
        if (!head) return true; // nobody left to serve: end the wait, the loop then stops
        const result = resource.attempt(head.weight);
        if (result === true) {
          this.#takenFor = head;
          this.#takenResult = resource.takeResult?.() ?? 0;
        }
        return result;
      },
      leave: resource.leave && (() => resource.leave!()),
      watchesDeaths: resource.watchesDeaths === true,
      get recheckAt() {
        return resource.recheckAt?.() ?? Number.POSITIVE_INFINITY;
      },
    };
  }

  /** True when no acquirer of this thread is queued (so a new one may take the fast path). */
  isEmpty(): boolean {
    return this.#entries.length === 0;
  }

  /**
   * Hands what the caller is releasing (`weight` units) straight to the head of this thread's queue, without
   * going through the shared word: the head resolves in a microtask, to `result`. Returns the units the head
   * took, or 0 (and does nothing) when the head needs more than `weight`, or when the server has just taken
   * units for the head and is about to hand them over itself. The caller decides whether a hand-over is fair
   * to other threads.
   */
  handOver(weight: number, result: number, available = weight): number {
    const head = this.#entries[0];
    if (!head || head.weight > weight || this.#takenFor !== undefined) return 0;
    // At this instant the units are free: waitForUnlock callers of a higher priority than the head see them.
    if (this.#unlockWaiters.length > 0) this.#wakeUnlockWaiters(head.priority, available);
    this.#entries.shift();
    head.detach();
    head.settle(result);
    // The server's pending wait serves the next head; with nobody left, it must stop waiting. A next head that
    // needs fewer units than this one may be servable already (units were free, just not enough for this head):
    // its attempt must run now, and nothing on the shared word would make it run.
    const next = this.#entries[0];
    if (next === undefined || next.weight < head.weight) this.#kickServer();
    // A waitForUnlock this head held back may be free to go now (the queue emptied, or the next head has a lower
    // priority), with units that were free all along.
    this.#headLeft();
    return head.weight;
  }

  /**
   * Queues an acquirer; once `weight` units have been taken for it, resolves to `finish(result)` (`result` is
   * the resource's `takeResult`, or what a hand-over passed; an exception of `finish` rejects instead). Rejects
   * with `timeoutError()` at the deadline or with `signal.reason` when aborted.
   */
  enqueue<T>(
    priority: number,
    weight: number,
    deadline: number,
    signal: AbortSignal | undefined,
    timeoutError: () => Error,
    finish: Finish<T>,
  ): Promise<T> {
    // No closure is made here (a function whose body makes one allocates its context on every call, taken path
    // or not): the plain acquirer, without deadline or signal, is the in-thread contention path.
    if (signal?.aborted) return Promise.reject(signal.reason);
    const promise = new Promise<T>(capture);
    const entry = new Entry(priority, weight, signal, finish, capturedResolve, capturedReject);
    if (deadline !== Number.POSITIVE_INFINITY) this.#armTimer(entry, deadline, timeoutError);
    if (signal !== undefined) this.#armAbort(entry, signal);
    this.#insert(entry);
    return promise;
  }

  /**
   * {@link Turnstile.enqueue} without deadline or signal (the in-thread contention path): nothing to check or
   * arm, only the entry to queue.
   */
  enqueuePlain<T>(priority: number, weight: number, finish: Finish<T>): Promise<T> {
    const promise = new Promise<T>(capture);
    this.#insert(new Entry(priority, weight, undefined, finish, capturedResolve, capturedReject));
    return promise;
  }

  #armTimer(entry: Entry, deadline: number, timeoutError: () => Error): void {
    const onTimer = (): void => {
      const left = remaining(deadline);
      if (left > 0) entry.timer = setTimer(onTimer, Math.max(1, left));
      else this.#leave(entry, timeoutError());
    };
    entry.timer = setTimer(onTimer, Math.max(1, remaining(deadline)));
  }

  #armAbort(entry: Entry, signal: AbortSignal): void {
    entry.onAbort = () => this.#leave(entry, signal.reason);
    signal.addEventListener('abort', entry.onAbort, { once: true });
  }

  /** {@link Turnstile.enqueue} with parsed `{ timeout, signal, priority }`; a timeout rejects with `TimeoutError`. */
  acquire<T>(parsed: ParsedWait, weight: number, api: string, finish: Finish<T>): Promise<T> {
    const { deadline } = parsed;
    const timeoutError = deadline === Number.POSITIVE_INFINITY ? neverTimesOut : timeoutOf(parsed, api);
    return this.enqueue(parsed.priority, weight, deadline, parsed.signal, timeoutError, finish);
  }

  /**
   * `waitForUnlock(priority)` as `async-mutex` orders it: resolves once `weight` units are free and no queued
   * acquirer of this thread has a priority at least `priority` (those go first); a waiter of a higher priority
   * than the head is also resolved by a hand-over to the head, at which the units are free for an instant.
   * `wait(signal, blocked)` waits on the shared word until the units are observed free while `blocked()` is
   * false, rejecting with `signal.reason` when aborted.
   */
  waitForUnlock(
    priority: number,
    weight: number,
    signal: AbortSignal | undefined,
    wait: (signal: AbortSignal, blocked: () => boolean) => Promise<void>,
  ): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const blocked = (): boolean => {
      const head = this.#entries[0];
      return head !== undefined && head.priority >= priority;
    };
    const stop = new AbortController();
    const onAbort = (): void => stop.abort(signal!.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    return new Promise<void>((resolve, reject) => {
      const waiter: UnlockWaiter = {
        priority,
        weight,
        wake: () => {
          done();
          resolve();
          stop.abort(); // ends the shared wait; its rejection comes after the resolve and changes nothing
        },
      };
      const done = (): void => {
        const at = this.#unlockWaiters.indexOf(waiter);
        if (at >= 0) this.#unlockWaiters.splice(at, 1);
        signal?.removeEventListener('abort', onAbort);
      };
      this.#unlockWaiters.push(waiter);
      wait(stop.signal, blocked).then(
        () => {
          done();
          resolve();
        },
        (err) => {
          done();
          reject(err);
        },
      );
    });
  }

  #wakeUnlockWaiters(headPriority: number, available: number): void {
    for (const waiter of [...this.#unlockWaiters]) {
      if (waiter.priority > headPriority && waiter.weight <= available) waiter.wake();
    }
  }

  /** Rejects every queued acquirer of this thread with `reason` (async-mutex's `cancel()`). */
  cancel(reason: unknown): void {
    const entries = this.#entries.splice(0);
    for (const entry of entries) {
      entry.detach();
      entry.reject(reason);
    }
    this.#kickServer();
    if (entries.length > 0) this.#headLeft();
  }

  /**
   * The head left the queue without going through the shared word (timed out, aborted, cancelled, failed, or
   * handed units over). A `waitForUnlock` it held back may now be free to go while the units were free all
   * along: no shared word changed, so nothing else would wake that waiter (it slept on until the next release,
   * or its deadline). So the word is woken when such waiters exist; this thread's waiters on it look again, and
   * those of other threads look and park again.
   */
  #headLeft(): void {
    if (this.#unlockWaiters.length > 0) wake(this.#resource.view, this.#resource.index);
  }

  #insert(entry: Entry): void {
    const entries = this.#entries;
    let at = entries.length;
    // The common case first: joining the end of a queue that is being served needs nothing else.
    if (at > 0 && this.#serving && entries[at - 1].priority >= entry.priority) {
      entries.push(entry);
      return;
    }
    while (at > 0 && entries[at - 1].priority < entry.priority) at--;
    if (at === entries.length) entries.push(entry);
    else entries.splice(at, 0, entry);
    if (!this.#serving) void this.#serve();
    else if (at === 0) this.#kickServer(); // a new head may need less, or more; let the server look again
  }

  #leave(entry: Entry, reason: unknown): void {
    const at = this.#entries.indexOf(entry);
    if (at < 0) return;
    this.#entries.splice(at, 1);
    entry.detach();
    entry.reject(reason);
    if (at === 0) {
      this.#kickServer();
      this.#headLeft();
    }
  }

  #failHead(reason: unknown): void {
    const head = this.#entries.shift();
    if (!head) return;
    head.detach();
    head.reject(reason);
    this.#headLeft();
  }

  #kickServer(): void {
    this.#kick?.abort();
  }

  async #serve(): Promise<void> {
    this.#serving = true;
    try {
      while (this.#entries.length > 0) {
        const kick = (this.#kick = new AbortController());
        let taken = false;
        try {
          taken = await waitAsync(this.#plan, Number.POSITIVE_INFINITY, kick.signal);
        } catch (err) {
          // Kicked (the head changed or the queue emptied): look again. Anything else (a DeadlockError from the
          // attempt) is the head's.
          if (!kick.signal.aborted) this.#failHead(err);
        }
        this.#kick = undefined;
        const takenFor = this.#takenFor;
        const takenResult = this.#takenResult;
        this.#takenFor = undefined;
        this.#takenResult = 0;
        if (!taken || !takenFor) continue;
        if (this.#entries[0] === takenFor) {
          this.#entries.shift();
          takenFor.detach();
          takenFor.settle(takenResult);
        } else {
          // The entry left (aborted in a microtask) between the take and now: the units are nobody's.
          this.#resource.giveBack(takenFor.weight);
        }
      }
    } finally {
      this.#serving = false;
    }
  }
}

const turnstiles = new WeakMap<SharedArrayBuffer, Map<number, Turnstile>>();

/** The turnstile of the primitive at `(buffer, byteOffset)` in this thread, made by `create` the first time. */
export function turnstileOf(
  buffer: SharedArrayBuffer,
  byteOffset: number,
  create: () => Resource,
): Turnstile {
  let byOffset = turnstiles.get(buffer);
  if (!byOffset) turnstiles.set(buffer, (byOffset = new Map()));
  let turnstile = byOffset.get(byteOffset);
  if (!turnstile) byOffset.set(byteOffset, (turnstile = new Turnstile(create())));
  return turnstile;
}
