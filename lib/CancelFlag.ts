/**
 * `CancelFlag`: a cross-thread cancellation token. A `bool` {@link RawValue} that any thread can set once, with
 * an `AbortSignal` view in every thread, so that one `cancel()` stops `fetch`es, timers and this library's waits
 * in all the threads that share the flag (the graceful shutdown of Python's `RawValue(c_bool, True)` loops).
 *
 * ## Memory layout (from `byteOffset`)
 * | bytes    | word | name          | meaning                                                              |
 * |----------|------|---------------|----------------------------------------------------------------------|
 * | 0-3      | 0    | TAG           | kind tag (see `internal/shared.ts`)                                  |
 * | 4-7      | 1    | CLAIM         | 0 until a `cancel()` wins the right to write the reason, then 1      |
 * | 8-11     | 2    | REASON_LENGTH | bytes of the reason, or −1 while none is written                      |
 * | 12-15    | 3    |               | unused                                                               |
 * | 16-39    |      | FLAG          | a `RawValue<'bool'>` (its own layout in `Value.ts`): cancelled or not |
 * | 40-295   |      | REASON        | the reason, UTF-8, at most 256 bytes                                 |
 *
 * ## States
 * | CLAIM | FLAG  | meaning                                                     | next                            |
 * |-------|-------|-------------------------------------------------------------|---------------------------------|
 * | 0     | false | not cancelled                                               | a `cancel()` claims             |
 * | 1     | false | a `cancel()` is writing the reason (a few hundred ns)       | it sets FLAG (and wakes)        |
 * | 1     | true  | cancelled, for good                                         | —                               |
 *
 * The winner of CLAIM writes the reason, publishes its length (an atomic store, so the bytes written before it
 * are visible to whoever reads the length), then sets FLAG, whose write wakes the waiters (the sequence-word
 * protocol of `Value.ts`). A `cancel()` that loses CLAIM returns only once FLAG is set: it spins briefly for the
 * winner, then sets FLAG itself (the winner may have been terminated mid-write); a reader may then see the flag
 * before the reason, and reports none.
 *
 * A flag is never reset: an `AbortSignal` cannot be un-aborted. Make a new flag for the next run.
 *
 * @module
 */

import { CancelledError } from './errors';
import { checkArgCount, PLACED } from './internal/args';
import { parseWait } from './internal/options';
import {
  allocate,
  attach,
  defineKind,
  keepClassName,
  type Placement,
  registerReviver,
} from './internal/shared';
import { assertCanBlock, checkTimeout, mayBlock, SPIN_LIMIT } from './internal/wait';
import type { WaitOptions } from './options';
import { initializeRawValue, RawValue } from './Value';

const REASON_CAPACITY = 256;
const KIND = defineKind('CancelFlag', 14, 40 + REASON_CAPACITY);

const CLAIM = 1;
const REASON_LENGTH = 2;
const FLAG_BYTE = 16;
const REASON_BYTE = 40;

const UNCLAIMED = 0;
const CLAIMED = 1;
const NO_REASON = -1;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// This thread's abort controllers, one per flag memory (so that every view of a flag in a thread hands out the
// same signal, and a flag is watched at most once per thread).
const controllers = new WeakMap<SharedArrayBuffer, Map<number, AbortController>>();

/** The longest prefix of `bytes` of at most `max` bytes that does not cut a UTF-8 sequence. */
function utf8Prefix(bytes: Uint8Array, max: number): Uint8Array {
  if (bytes.length <= max) return bytes;
  let end = max;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--; // bytes[end] continues a sequence: cut before it
  return bytes.subarray(0, end);
}

/**
 * A cancellation token shared by threads: {@link CancelFlag.cancel | cancel()} in any thread, and every thread
 * sees {@link CancelFlag.cancelled}, gets {@link CancelledError} from
 * {@link CancelFlag.throwIfCancelled | throwIfCancelled()}, has its {@link CancelFlag.signal | signal} aborted,
 * and is released from {@link CancelFlag.waitSync | waitSync()} / {@link CancelFlag.wait | wait()}.
 *
 * It is a `bool` {@link RawValue} at heart: checking it is one atomic load, cheap enough for every iteration of
 * a hot loop.
 *
 * @example
 * ```ts
 * import { CancelFlag } from 'shared-sync';
 * const stop = new CancelFlag();
 * // new Worker(url, { workerData: { stop } }); in the worker:
 * //   const stop = CancelFlag.from(workerData.stop);
 * //   while (!stop.cancelled) doSomeWork();
 * //   await fetch(url, { signal: stop.signal });
 * process.once('SIGINT', () => stop.cancel('SIGINT'));
 * ```
 */
export class CancelFlag {
  static {
    keepClassName(CancelFlag, 'CancelFlag');
  }

  /** The shared memory the flag lives in; carried to other threads by structured clone. */
  readonly buffer: SharedArrayBuffer;
  /** Where in {@link CancelFlag.buffer} the flag lives. */
  readonly byteOffset: number;
  readonly #header: Int32Array;
  readonly #flag: RawValue<'bool'>;

  /** Bytes a `CancelFlag` occupies in shared memory. */
  static readonly byteLength: number = KIND.byteLength;

  /** The longest reason kept, in UTF-8 bytes; longer reasons are cut at a character boundary. */
  static readonly reasonCapacity: number = REASON_CAPACITY;

  /**
   * Creates a flag, not cancelled, in a fresh `SharedArrayBuffer`.
   *
   * @throws TypeError when given any argument (the reason is given to {@link CancelFlag.cancel}).
   */
  constructor();
  /** @internal Views the flag at `placement` (already initialized). */
  constructor(placed: typeof PLACED, placement: Placement);
  constructor(...args: unknown[]) {
    const fresh = args[0] !== PLACED;
    if (fresh) checkArgCount(args, [], 'CancelFlag');
    const at = fresh ? allocate(KIND) : (args[1] as Placement);
    this.buffer = at.buffer;
    this.byteOffset = at.byteOffset;
    this.#header = new Int32Array(at.buffer, at.byteOffset, 4);
    const flagAt = { buffer: at.buffer, byteOffset: at.byteOffset + FLAG_BYTE };
    if (fresh) {
      Atomics.store(this.#header, REASON_LENGTH, NO_REASON);
      this.#flag = initializeRawValue(flagAt, 'bool');
    } else {
      this.#flag = RawValue.from(flagAt, 'bool');
    }
  }

  /**
   * Rebuilds a flag received from another thread (through `workerData` or `postMessage`).
   *
   * @param received - The structured clone of a `CancelFlag` (or a `CancelFlag` itself).
   * @throws TypeError when `received` is not a clone of a `CancelFlag`, saying what it is instead.
   *
   * @example
   * ```ts
   * import { CancelFlag } from 'shared-sync';
   * const received: unknown = structuredClone(new CancelFlag()); // what a worker finds in workerData
   * const stop = CancelFlag.from(received);
   * console.log(stop.cancelled); // false
   * ```
   */
  static from(received: unknown): CancelFlag {
    return new CancelFlag(PLACED, attach(KIND, received, 'CancelFlag.from'));
  }

  /**
   * Cancels: sets the flag for every thread, aborts every thread's {@link CancelFlag.signal}, and releases the
   * waiters. Only the first call counts; later ones (from any thread) change nothing. As with
   * `AbortController.abort()`, the calling thread's own signal is aborted before `cancel()` returns (and its
   * `abort` listeners have run); other threads' signals abort when their event loops next run.
   *
   * @param reason - Why, for messages: kept in shared memory (at most {@link CancelFlag.reasonCapacity} UTF-8
   *   bytes) and shown in every thread's {@link CancelledError}.
   * @returns `true` for the call that cancelled the flag, `false` if it was already cancelled.
   * @throws TypeError when `reason` is given and is not a string; nothing is changed.
   *
   * @example
   * ```ts
   * import { CancelFlag } from 'shared-sync';
   * const stop = new CancelFlag();
   * console.log(stop.cancel('shutting down'), stop.cancel()); // true false
   * console.log(stop.reason); // 'shutting down'
   * ```
   */
  cancel(reason?: string): boolean {
    if (reason !== undefined && typeof reason !== 'string') {
      throw new TypeError(
        `CancelFlag.cancel: reason must be a string, got ${reason === null ? 'null' : typeof reason}`,
      );
    }
    const flag = this.#flag;
    if (flag.value) {
      this.#abortHere(); // cancelled by another thread whose cancel() this thread's loop has not seen yet
      return false;
    }
    if (Atomics.compareExchange(this.#header, CLAIM, UNCLAIMED, CLAIMED) === UNCLAIMED) {
      if (reason !== undefined) {
        const bytes = utf8Prefix(encoder.encode(reason), REASON_CAPACITY);
        new Uint8Array(this.buffer, this.byteOffset + REASON_BYTE, REASON_CAPACITY).set(bytes);
        Atomics.store(this.#header, REASON_LENGTH, bytes.length); // publishes the bytes written above
      }
      flag.value = true; // wakes the waiters and the signal watchers
      this.#abortHere();
      return true;
    }
    // Another cancel() is writing its reason: let it finish, but never return with the flag still unset.
    for (let i = 0; i < SPIN_LIMIT && !flag.value; i++);
    if (!flag.value) flag.value = true;
    this.#abortHere();
    return false;
  }

  /**
   * Aborts this thread's signal, if it has handed one out, at once: the watch that aborts it otherwise runs on
   * a later turn of the event loop, and the thread that cancels expects what `AbortController.abort()` does
   * (its own signal aborted when the call returns). Other threads' signals abort on their event loops.
   */
  #abortHere(): void {
    const controller = controllers.get(this.buffer)?.get(this.byteOffset);
    if (controller && !controller.signal.aborted) controller.abort(this.#error());
  }

  /**
   * Whether the flag has been cancelled, by any thread. One atomic load.
   *
   * @example
   * ```ts
   * import { CancelFlag } from 'shared-sync';
   * const stop = new CancelFlag();
   * let rounds = 0;
   * while (!stop.cancelled) if (++rounds === 3) stop.cancel();
   * console.log(rounds); // 3
   * ```
   */
  get cancelled(): boolean {
    return this.#flag.value;
  }

  /**
   * Same as {@link CancelFlag.cancelled}, as a method.
   *
   * @example
   * ```ts
   * import { CancelFlag } from 'shared-sync';
   * console.log(new CancelFlag().isCancelled()); // false
   * ```
   */
  isCancelled(): boolean {
    return this.#flag.value;
  }

  /**
   * The reason given to the {@link CancelFlag.cancel | cancel()} that cancelled the flag; `undefined` while not
   * cancelled or when no reason was given.
   *
   * @example
   * ```ts
   * import { CancelFlag } from 'shared-sync';
   * const stop = new CancelFlag();
   * stop.cancel('deadline passed');
   * console.log(stop.reason); // 'deadline passed'
   * ```
   */
  get reason(): string | undefined {
    const length = Atomics.load(this.#header, REASON_LENGTH);
    if (length === NO_REASON) return undefined;
    // Copied out of shared memory first: TextDecoder does not accept views of a SharedArrayBuffer everywhere.
    return decoder.decode(new Uint8Array(this.buffer, this.byteOffset + REASON_BYTE, length).slice());
  }

  #error(): CancelledError {
    const reason = this.reason;
    return new CancelledError(`CancelFlag: cancelled${reason === undefined ? '' : `: ${reason}`}`);
  }

  /**
   * Throws {@link CancelledError} if the flag has been cancelled; otherwise does nothing. One atomic load.
   *
   * @throws {@link CancelledError} once cancelled; its message includes the reason.
   *
   * @example
   * ```ts
   * import { CancelFlag, CancelledError } from 'shared-sync';
   * const stop = new CancelFlag();
   * stop.cancel('bye');
   * try {
   *   stop.throwIfCancelled();
   * } catch (err) {
   *   console.log(err instanceof CancelledError, (err as Error).message); // true 'CancelFlag: cancelled: bye'
   * }
   * ```
   */
  throwIfCancelled(): void {
    if (this.#flag.value) throw this.#error();
  }

  /**
   * An `AbortSignal` that aborts, in this thread, when the flag is cancelled in any thread; its `reason` is a
   * {@link CancelledError}. Every view of one flag in one thread returns the same signal. Hand it to `fetch`,
   * `setTimeout` from `node:timers/promises`, `events.once`, or this library's waits.
   *
   * The signal is aborted by this thread's event loop, so it fires when the loop runs: not while this thread is
   * blocked in a `…Sync` call (check {@link CancelFlag.cancelled} there, or wait with
   * {@link CancelFlag.waitSync}).
   *
   * Watching the flag does not keep the thread alive, just as `AbortSignal.timeout()` does not: a worker whose
   * only pending work is listening to this signal exits. To wait for the cancellation itself, use
   * {@link CancelFlag.wait}, which does keep it alive.
   *
   * @example
   * ```ts
   * import { setTimeout as sleep } from 'node:timers/promises';
   * import { CancelFlag, CancelledError } from 'shared-sync';
   * const stop = new CancelFlag();
   * setTimeout(() => stop.cancel('enough'), 10); // any thread may cancel
   * try {
   *   await sleep(60_000, undefined, { signal: stop.signal });
   * } catch (err) {
   *   console.log(stop.signal.reason instanceof CancelledError); // true
   * }
   * ```
   */
  get signal(): AbortSignal {
    let byOffset = controllers.get(this.buffer);
    if (!byOffset) controllers.set(this.buffer, (byOffset = new Map()));
    let controller = byOffset.get(this.byteOffset);
    if (controller) return controller.signal;
    const fresh = new AbortController();
    controller = fresh;
    byOffset.set(this.byteOffset, fresh);
    if (this.#flag.value) fresh.abort(this.#error());
    else this.#flag.watch((cancelled) => cancelled).then(() => fresh.abort(this.#error()));
    return fresh.signal;
  }

  /**
   * Same as {@link CancelFlag.signal}, as a method.
   *
   * @example
   * ```ts
   * import { CancelFlag } from 'shared-sync';
   * const stop = new CancelFlag();
   * console.log(stop.getSignal() === stop.signal); // true
   * ```
   */
  getSignal(): AbortSignal {
    return this.signal;
  }

  /**
   * Blocks until the flag is cancelled or `timeout` ms have passed. Returns at once when it already is.
   *
   * @param timeout - Milliseconds to wait at most; omitted or `Infinity` waits forever.
   * @returns `true` when cancelled, `false` on timeout.
   * @throws RangeError for a negative, `NaN` or non-number timeout; {@link BlockingNotAllowedError} on a thread
   *   that may not block.
   *
   * @example
   * ```ts
   * import { CancelFlag } from 'shared-sync';
   * const stop = new CancelFlag();
   * // a worker's main loop: work in slices, stop when asked
   * while (!stop.waitSync(100)) {
   *   // periodic work every 100 ms
   *   stop.cancel();
   * }
   * ```
   */
  waitSync(timeout?: number): boolean {
    checkTimeout(timeout, 'CancelFlag.waitSync');
    if (!mayBlock) assertCanBlock('CancelFlag.waitSync', 'await flag.wait()');
    return this.#flag.waitForSync(true, timeout);
  }

  /**
   * Resolves once the flag is cancelled (`true`), or with `false` when the timeout runs out first. Unlike
   * listening to {@link CancelFlag.signal}, a pending `wait()` keeps the thread alive.
   *
   * @param options - `{ timeout, signal }`, or a timeout in milliseconds.
   * @returns `true` when cancelled, `false` on timeout.
   * @throws (rejects) `signal.reason` when the given signal aborts; RangeError / TypeError for bad options.
   *
   * @example
   * ```ts
   * import { CancelFlag } from 'shared-sync';
   * const stop = new CancelFlag();
   * setTimeout(() => stop.cancel(), 10);
   * await stop.wait();
   * console.log('shutting down');
   * ```
   */
  wait(options?: WaitOptions | number): Promise<boolean> {
    try {
      parseWait(typeof options === 'number' ? { timeout: options } : options, 'CancelFlag.wait');
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#flag.waitFor(true, options);
  }
}

registerReviver(KIND, (received) => CancelFlag.from(received));
