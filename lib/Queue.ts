/**
 * `Queue`: a bounded multi-producer, multi-consumer FIFO queue of structured-cloneable items, shared by every
 * thread that holds a handle to it. This file is the public API; the queue is built from three parts:
 *
 * - `internal/ring.ts`: the memory layout, the byte ring and its protocol (a two-lock queue, Michael and Scott
 *   1996), with the table of what another thread sees if a writer stops between two steps;
 * - `internal/queueSignal.ts`: how producers and consumers wait for each other (futex-style event words, one
 *   wake per park, and short spins before parking);
 * - `internal/codec.ts`: how an item becomes bytes and back, with `structuredClone`'s semantics.
 *
 * An operation here *attempts* (takes its side's lock, does what the ring allows, or arms the event word and
 * says what to park on) and waits through `internal/wait.ts` between attempts. An item is taken only inside an
 * attempt, which is synchronous: a `get` that times out or is aborted has taken nothing, and one that has taken
 * an item returns it. Items are encoded before a lock is taken and decoded after it is released (as CPython
 * unpickles outside its lock), so a slow item does not hold the others up.
 *
 * @module
 */

import { QueueClosedError, QueueEmptyError, QueueFullError } from './errors';
import { checkArgCount, checkInteger, checkOptionKeys, PLACED } from './internal/args';
import { decode, type Encoded, encode, ItemType } from './internal/codec';
import { parseWait } from './internal/options';
import { arm, broadcastClosed, pollForItem, signal, spinForItem, spinForRoom } from './internal/queueSignal';
import {
  ALLOCATE_OUTSIDE_LOCK,
  CAPACITY,
  freshBytes,
  GET_LOCK,
  GETTERS,
  HEADER_BYTES,
  LOCK_BUSY,
  MAX_CAPACITY,
  MAXSIZE,
  NOT_EMPTY,
  NOT_FULL,
  PUT_LOCK,
  PUTTERS,
  Ring,
  recordSize,
  type Taken,
} from './internal/ring';
import {
  align8,
  allocate,
  attach,
  defineKind,
  type Kind,
  keepClassName,
  type Placement,
  registerReviver,
} from './internal/shared';
import {
  assertCanBlock,
  checkTimeout,
  deadlineOf,
  mayBlock,
  type WaitPlan,
  waitAsync,
  waitSync,
} from './internal/wait';
import type { WaitOptions } from './options';

export { HEADER_BYTES } from './internal/ring';

const KIND = defineKind('Queue', 12, HEADER_BYTES);
const MAX_MAXSIZE = 2 ** 31 - 1;

/**
 * Options of a new {@link Queue}.
 *
 * @example
 * ```ts
 * import { Queue, type QueueOptions } from 'shared-sync';
 * const options: QueueOptions = { maxsize: 100, capacity: 1 << 16 };
 * const queue = new Queue<string>(options);
 * ```
 */
export interface QueueOptions {
  /**
   * The most items the queue holds; `put` waits while it holds that many. `0` means no item limit (only
   * `capacity` limits the queue), as Python's `maxsize=0`. A non-negative integer, else a `RangeError`.
   * @defaultValue 0
   */
  maxsize?: number;
  /**
   * Bytes of shared memory for the items (rounded up to a multiple of 8). Each item takes 8 bytes plus its
   * encoding rounded up to 8; `put` waits while there is not enough room, and an item that could never fit
   * is a `RangeError`. A positive integer up to 2^30, else a `RangeError`.
   * @defaultValue {@link Queue.DEFAULT_CAPACITY} (1 MiB)
   */
  capacity?: number;
}

/** The encoded item a producer waits to write, and whether it announced itself. */
interface Putter {
  readonly encoded: Encoded;
  announced: boolean;
}

/** What a consumer took; whether it may wait (and so announce itself) and whether it did. */
interface Getter {
  item: unknown;
  waits: boolean;
  announced: boolean;
  /** A buffer allocated outside the lock for a large raw record seen at the head (see #attemptGet). */
  spare?: Uint8Array;
}

/** A batch of encoded items (each with bytes of its own) and the ring bytes they take together. */
interface Batch {
  readonly records: Encoded[];
  readonly size: number;
}

function checkMax(max: number, api: string): void {
  if (!Number.isInteger(max) || max < 1) {
    throw new RangeError(`${api}: max must be a positive integer, got ${String(max)}`);
  }
}

function parseQueueWait(options: WaitOptions | undefined, api: string): ReturnType<typeof parseWait> {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new TypeError(
      `${api}: options must be an object ({ timeout, signal }), got ${options === null ? 'null' : typeof options}`,
    );
  }
  return parseWait(options, api);
}

/**
 * A bounded multi-producer, multi-consumer FIFO queue in shared memory: Python's `queue.Queue` /
 * `multiprocessing.Queue` for worker threads, with async, blocking (`…Sync`) and non-blocking (`…Nowait`)
 * forms.
 *
 * Items are copied, with the semantics of `structuredClone`: objects, arrays, `Map`, `Set`, `Date`, typed
 * arrays, `ArrayBuffer`, bigint, `Error`, `RegExp`, nested and cyclic structures. What cannot be cloned
 * (functions, symbols, `SharedArrayBuffer`s, objects holding one) is rejected by `put` with a `TypeError`, and
 * nothing is enqueued. Strict FIFO: items come out in the order their puts succeeded.
 *
 * Pass the queue to a worker in `workerData` or `postMessage` and rebuild it there with {@link Queue.from} or
 * {@link revive}.
 *
 * @typeParam T - The items' type.
 *
 * @remarks
 * **Codec choice.** How an item becomes bytes decides whether a queue in shared memory can beat `postMessage`:
 * `v8.serialize` + `v8.deserialize` of a small object cost more than `postMessage`'s whole trip from worker to
 * worker, so the queue has its own encoder (`internal/codec.ts`), with three paths:
 * - strings, `ArrayBuffer`s and typed arrays spanning their whole buffer travel as their bytes, with no
 *   serializer at all (a typed array is copied straight from its memory into the ring);
 * - trees of plain data (objects, arrays, numbers, strings, booleans, null, undefined, bigint, `Date`, `Map`,
 *   `Set`, whole-buffer typed arrays) use a compact tagged format, about ten times cheaper to encode and thirty
 *   times cheaper to decode than `v8.serialize` / `v8.deserialize` (the codec section of `npm run bench -- queue`);
 * - anything the tagged format cannot reproduce exactly (shared or cyclic references, sparse arrays, arrays
 *   with named properties, class instances, `Error`, `RegExp`, boxed primitives, views on part of a buffer…)
 *   goes through V8's own `Serializer`, the one `structuredClone` uses.
 *
 * The fast path gives up as soon as it meets such a value, so every item comes out exactly as
 * `structuredClone` would make it (the specs check this with fast-check against `structuredClone` itself).
 * A serialization library (`msgpackr` with its structured-clone extension) was the alternative; it would have
 * needed the same exactness guards and fallback, and a runtime dependency, for no gain on the raw-bytes path.
 *
 * **Speed.** Worker to worker, the queue's figures against plain `postMessage` depend on the machine more than
 * on anything in this file. What the queue saves is the event loop: a producer and a consumer that each have a
 * core hand items over through memory, without a message event per item. On a machine with more runnable
 * threads than cores that saving is small, because then every item's CPU time counts, and it is about the same
 * through the queue as through `postMessage` (with the encoding, the copies and the decoding). The Performance guide
 * (`docs/performance.md`) has the figures, min–median–max over alternating runs, and says which targets are not
 * reached. For small items, {@link Queue.putManySync} / {@link Queue.getManySync} and their async twins take one
 * lock, one publication and one wake-up check per batch instead of one per item.
 *
 * `qsize()`, `empty()` and `full()` are approximate, as in Python: another thread may change the queue
 * between the answer and its use.
 *
 * @example
 * ```ts
 * import { Queue } from 'shared-sync';
 * const jobs = new Queue<{ url: string }>({ maxsize: 100 });
 * // producer (any thread)
 * await jobs.put({ url: 'https://example.com' });
 * jobs.close();
 * // consumer (any thread): ends when the queue is closed and drained
 * for await (const job of jobs) console.log(job.url);
 * ```
 */
export class Queue<T = unknown> implements AsyncIterable<T> {
  static {
    keepClassName(Queue, 'Queue');
  }

  /** The shared memory the queue lives in; carried to other threads by structured clone. */
  readonly buffer: SharedArrayBuffer;
  /** Where in {@link Queue.buffer} the queue lives. */
  readonly byteOffset: number;
  readonly #ring: Ring;
  /**
   * The getter of `getSync` and `getNowait`, reused: a synchronous get finishes before this thread runs
   * anything else, so no two of them ever use it at once (an async `get` has its own).
   */
  readonly #syncGetter: Getter = { item: undefined, waits: false, announced: false };
  /** Whether this view's last get took a raw record of at least ALLOCATE_OUTSIDE_LOCK bytes (see #attemptGet). */
  #largeRaw = false;

  /** Bytes of item storage of a queue created without `capacity`: 1 MiB. */
  static readonly DEFAULT_CAPACITY: number = 1 << 20;

  /** @internal The kind a constructor allocates; `JoinableQueue` overrides it. */
  protected static readonly kind: Kind = KIND;

  /**
   * Creates an empty queue in a fresh `SharedArrayBuffer` of `512 + capacity` bytes.
   *
   * @param options - `maxsize` (items, 0 = no limit) and `capacity` (bytes).
   * @throws TypeError when `options` is not an object, has another key than `maxsize` and `capacity`, or one
   *   of them is not a number; also for a second argument.
   * @throws RangeError when `maxsize` is not a non-negative integer or `capacity` not a positive integer up to
   *   2^30.
   *
   * @example
   * ```ts
   * import { Queue } from 'shared-sync';
   * const unbounded = new Queue<string>(); // limited only by its 1 MiB of storage
   * const bounded = new Queue<number>({ maxsize: 10, capacity: 4096 });
   * ```
   */
  constructor(options?: QueueOptions);
  /** @internal Views the queue at `placement` (already initialized). */
  constructor(placed: typeof PLACED, placement: Placement);
  constructor(...args: unknown[]) {
    let placement: Placement;
    if (args[0] === PLACED) {
      placement = args[1] as Placement;
    } else {
      const kind = (new.target as unknown as { kind: Kind }).kind;
      const { maxsize, capacity } = parseOptions(args[0], kind.name);
      checkArgCount(args, ['options'], kind.name);
      placement = allocate(kind, capacity);
      const words = new Int32Array(placement.buffer, placement.byteOffset, HEADER_BYTES / 4);
      words[MAXSIZE] = maxsize;
      words[CAPACITY] = capacity;
    }
    this.buffer = placement.buffer;
    this.byteOffset = placement.byteOffset;
    this.#ring = new Ring(placement.buffer, placement.byteOffset);
  }

  /**
   * Rebuilds a queue received from another thread (through `workerData` or `postMessage`).
   *
   * @param received - The structured clone of a `Queue` (or a `Queue` itself).
   * @throws TypeError when `received` is not a clone of a `Queue`, saying what it is instead.
   *
   * @example
   * ```ts
   * import { Queue } from 'shared-sync';
   * const received: unknown = structuredClone(new Queue<string>()); // what a worker finds in workerData
   * const queue = Queue.from<string>(received);
   * queue.putNowait('hello');
   * ```
   */
  static from<T = unknown>(received: unknown): Queue<T> {
    return new Queue<T>(PLACED, attachQueue(KIND, received));
  }

  /**
   * The item limit given at creation (0: none).
   *
   * @example
   * ```ts
   * import { Queue } from 'shared-sync';
   * console.log(new Queue({ maxsize: 3 }).maxsize); // 3
   * ```
   */
  get maxsize(): number {
    return this.#ring.maxsize;
  }

  /**
   * Bytes of item storage (the `capacity` given at creation, rounded up to a multiple of 8).
   *
   * @example
   * ```ts
   * import { Queue } from 'shared-sync';
   * console.log(new Queue({ capacity: 1000 }).capacity); // 1000
   * ```
   */
  get capacity(): number {
    return this.#ring.capacity;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Put

  #encode(item: T, api: string): Encoded {
    const encoded = encode(item, api);
    const size = recordSize(encoded.bytes.length);
    if (size > this.#ring.capacity) {
      throw new RangeError(
        `${api}: the item takes ${size} bytes in the queue (${encoded.bytes.length} encoded + header), ` +
          `more than its whole capacity of ${this.#ring.capacity} bytes`,
      );
    }
    return encoded;
  }

  /**
   * Writes the item if there is room; otherwise announces `putter` (when given) and returns the NOT_FULL value
   * to park on. Throws {@link QueueClosedError} on a closed queue.
   */
  #attemptPut(encoded: Encoded, putter: Putter | null, api: string): number | true {
    const room = this.#reserve(recordSize(encoded.bytes.length), 1, putter, api);
    if (room !== true) return room;
    this.#ring.writeOne(encoded);
    this.#ring.unlock(PUT_LOCK);
    signal(this.#ring.words, NOT_EMPTY);
    return true;
  }

  /**
   * Takes PUT_LOCK and checks that `items` records of `bytes` bytes in all fit: returns `true` with the lock held
   * when they do; otherwise announces `putter` (when given), arms NOT_FULL, and returns the value to park on with
   * the lock released. Throws {@link QueueClosedError} on a closed queue.
   */
  #reserve(bytes: number, items: number, putter: Putter | null, api: string): number | true {
    const ring = this.#ring;
    const words = ring.words;
    ring.lock(PUT_LOCK);
    // CLOSED only changes under PUT_LOCK: this read is exact.
    if (ring.isClosed()) {
      ring.unlock(PUT_LOCK);
      throw new QueueClosedError(`${api}: the queue is closed`);
    }
    if (ring.fits(bytes, items)) return true;
    if (!putter) {
      ring.unlock(PUT_LOCK);
      return Atomics.load(words, NOT_FULL);
    }
    if (!putter.announced) {
      putter.announced = true;
      Atomics.add(words, PUTTERS, 1);
    }
    // Arm, then look again: a get between the first look and the arming would not have woken us.
    const expected = arm(words, NOT_FULL);
    if (ring.fits(bytes, items)) return true;
    ring.unlock(PUT_LOCK);
    return expected;
  }

  /** Copies the encoded bytes if they alias the item or the thread's scratch buffer, for a put that waits. */
  static #own(encoded: Encoded): Encoded {
    return { type: encoded.type, kind: encoded.kind, bytes: encoded.bytes.slice() };
  }

  /**
   * The wait of a put that found no room. An async put copies the encoding first: while it waits, other code
   * of this thread may change the item or encode another one into the scratch buffer. A sync put blocks the
   * thread, so nothing can, and it skips the copy (a whole item's worth of bytes when items are large).
   */
  #putPlan(encoded: Encoded, api: string, blocking: boolean): WaitPlan {
    const words = this.#ring.words;
    const putter: Putter = { encoded: blocking ? encoded : Queue.#own(encoded), announced: false };
    return {
      view: words,
      index: NOT_FULL,
      // A thread killed between its publish (or removal) and its signal leaves the waiters unwoken: look again
      // after every recorded death (sync waits park in slices of DEATH_POLL_MS for that, see wait.ts).
      watchesDeaths: true,
      attempt: () => this.#attemptPut(putter.encoded, putter, api),
      leave: () => {
        if (putter.announced) Atomics.sub(words, PUTTERS, 1);
      },
    };
  }

  /**
   * One attempt of an async form. The queue's short locks are not waited for by parking the thread here: the
   * holder may be a worker this thread created and that died holding it, and this thread records that death
   * only when its event loop runs. A lock still held after the spin (and now marked CONTENDED, so that its
   * release notifies) makes the attempt return that lock word's value and point `retry.index` at it: the wait
   * then parks asynchronously on the lock word, and wakes when it is released or when a death is recorded.
   * Nothing was changed.
   */
  #attemptAsync(
    attempt: () => number | true,
    index: number,
    retry: { index: number } = { index },
  ): number | true {
    const ring = this.#ring;
    ring.noPark = true;
    try {
      retry.index = index;
      return attempt();
    } catch (error) {
      if (error !== LOCK_BUSY) throw error;
      retry.index = ring.busyIndex;
      return ring.busyWord;
    } finally {
      ring.noPark = false;
    }
  }

  /** `waitAsync` of a plan whose attempts go through {@link Queue.#attemptAsync}. */
  #waitAsync(plan: WaitPlan, deadline: number, signal: AbortSignal | undefined): Promise<boolean> {
    const retrying = {
      view: plan.view,
      index: plan.index,
      // A lock word's holder may die: wake after every recorded death too.
      watchesDeaths: true,
      attempt: (): number | true => this.#attemptAsync(plan.attempt, plan.index, retrying),
      leave: plan.leave,
    };
    return waitAsync(retrying, deadline, signal);
  }

  /**
   * Puts `item` at the end of the queue, waiting without blocking the thread while the queue is full: Python's
   * `put(item, timeout=…)`.
   *
   * The item is encoded (copied) at the call, so changing it afterwards does not change what is queued.
   *
   * @param item - Any structured-cloneable value.
   * @param options - `{ timeout, signal }`: how long to wait for room at most, and what cancels the wait.
   * @throws (rejects) {@link QueueFullError} when the timeout runs out, `signal.reason` when the signal aborts,
   *   {@link QueueClosedError} when the queue is or gets closed, `TypeError` for an item that cannot be
   *   cloned, `RangeError` for an item larger than the whole capacity. In every such case nothing is enqueued.
   *
   * @example
   * ```ts
   * import { Queue, QueueFullError } from 'shared-sync';
   * const queue = new Queue<number>({ maxsize: 1 });
   * await queue.put(1);
   * await queue.put(2, { timeout: 10 }).catch((err) => console.log(err instanceof QueueFullError)); // true
   * ```
   */
  async put(item: T, options?: WaitOptions): Promise<void> {
    const { deadline, signal, timeout } = parseQueueWait(options, 'Queue.put');
    if (signal?.aborted) throw signal.reason;
    const encoded = this.#encode(item, 'Queue.put');
    if (this.#attemptAsync(() => this.#attemptPut(encoded, null, 'Queue.put'), NOT_FULL) === true) return;
    if (!(await this.#waitAsync(this.#putPlan(encoded, 'Queue.put', false), deadline, signal))) {
      throw new QueueFullError(`Queue.put: the queue stayed full for ${timeout} ms`);
    }
  }

  /**
   * Puts `item` at the end of the queue, blocking the thread while the queue is full: Python's
   * `put(item, block=True, timeout=…)`.
   *
   * @param item - Any structured-cloneable value.
   * @param timeout - Milliseconds to wait for room at most; omitted or `Infinity` waits forever, `0` does not
   *   wait (as {@link Queue.putNowait}).
   * @throws {@link QueueFullError} when the timeout runs out; {@link QueueClosedError}, `TypeError`,
   *   `RangeError` as {@link Queue.put}; {@link BlockingNotAllowedError} on a thread that may not block.
   *
   * @example
   * ```ts
   * import { Queue } from 'shared-sync';
   * const queue = new Queue<string>({ maxsize: 10 });
   * queue.putSync('job', 1000); // in a worker; on Node's main thread it blocks the event loop while full
   * ```
   */
  putSync(item: T, timeout?: number): void {
    checkTimeout(timeout, 'Queue.putSync');
    if (!mayBlock) assertCanBlock('Queue.putSync', 'await queue.put(item)');
    const encoded = this.#encode(item, 'Queue.putSync');
    const first = this.#attemptPut(encoded, null, 'Queue.putSync');
    if (first === true) return;
    if (timeout === 0) throw new QueueFullError('Queue.putSync: the queue is full');
    const deadline = deadlineOf(timeout, 'Queue.putSync');
    spinForRoom(this.#ring, recordSize(encoded.bytes.length), 1, deadline);
    if (!waitSync(this.#putPlan(encoded, 'Queue.putSync', true), deadline)) {
      throw new QueueFullError(`Queue.putSync: the queue stayed full for ${timeout} ms`);
    }
  }

  /**
   * Puts `item` if there is room right now: Python's `put_nowait(item)`.
   *
   * @param item - Any structured-cloneable value.
   * @throws {@link QueueFullError} when the queue is full (by items or by bytes); {@link QueueClosedError},
   *   `TypeError`, `RangeError` as {@link Queue.put}.
   *
   * @example
   * ```ts
   * import { Queue } from 'shared-sync';
   * const queue = new Queue<number>({ maxsize: 1 });
   * queue.putNowait(1);
   * console.log(queue.full()); // true
   * ```
   */
  putNowait(item: T): void {
    const encoded = this.#encode(item, 'Queue.putNowait');
    if (this.#attemptPut(encoded, null, 'Queue.putNowait') !== true) {
      throw new QueueFullError('Queue.putNowait: the queue is full');
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Get

  /**
   * Takes the oldest item if there is one; otherwise announces `getter` (when it waits) and returns the NOT_EMPTY
   * value to park on. Throws {@link QueueClosedError} on a closed, drained queue. The item is copied out under
   * the lock and decoded after it is released, still inside this synchronous step.
   */
  #attemptGet(getter: Getter, api: string): number | true {
    const ring = this.#ring;
    const words = ring.words;
    if (this.#largeRaw && getter.spare === undefined) {
      // This thread's last get took a large raw record: allocate for the head before the lock, from a look
      // without it (a hint: the length is checked again under the lock), instead of locking twice.
      const length = ring.largeRawHead();
      if (length !== 0) getter.spare = freshBytes(length);
    }
    ring.lock(GET_LOCK);
    if (!ring.hasRecord()) {
      const expected = this.#emptyAttempt(getter, api);
      if (expected !== true) return expected;
    }
    // Raw items become the result's own buffer; the others are decoded from this thread's inbox.
    const type = ring.headType() & 0xff;
    let into: Uint8Array | undefined;
    this.#largeRaw = false;
    if (type === ItemType.Buffer || type === ItemType.View) {
      const length = ring.headLength();
      if (length < ALLOCATE_OUTSIDE_LOCK) {
        into = this.#allocateLocked(length);
      } else if (getter.spare?.length === length) {
        into = getter.spare;
        getter.spare = undefined;
        this.#largeRaw = true;
      } else {
        // Allocating a large buffer (and the collection it may trigger) must not hold the lock: release it,
        // allocate, and try again; the head is usually the same record then.
        ring.unlock(GET_LOCK);
        getter.spare = freshBytes(length);
        return this.#attemptGet(getter, api);
      }
    }
    const taken = Queue.#taken;
    try {
      ring.take(into, 0, taken);
    } catch (err) {
      throw this.#failedTake(err);
    }
    ring.unlock(GET_LOCK);
    signal(words, NOT_FULL);
    getter.item = decode(taken.type, taken.kind, taken.bytes);
    return true;
  }

  /** A buffer for a raw record, allocated holding GET_LOCK (see {@link Queue.#failedTake}). */
  #allocateLocked(length: number): Uint8Array {
    try {
      return new Uint8Array(length);
    } catch (err) {
      throw this.#failedTake(err);
    }
  }

  /**
   * A take that threw holding GET_LOCK: only an allocation can (a buffer for a raw item, or the inbox growing
   * for a huge record), and a take allocates before it counts or removes anything (`Ring.take`), so nothing was
   * removed. The lock is released (held, it would stop every consumer for good) and the error goes
   * to the caller; the item stays first in the queue.
   */
  #failedTake(err: unknown): unknown {
    this.#ring.unlock(GET_LOCK);
    return err;
  }

  /**
   * The ring looked empty to a consumer holding GET_LOCK: throws if it is closed and drained; otherwise, for a
   * getter that waits, arms NOT_EMPTY and looks again. Returns `true` when a record turned up (the lock still
   * held), else the value to park on (the lock released).
   */
  #emptyAttempt(getter: Getter, api: string): number | true {
    const ring = this.#ring;
    const words = ring.words;
    // CLOSED before PUT_POS (in hasRecord): once CLOSED is seen, every put has published (close() takes
    // PUT_LOCK).
    let closed = ring.isClosed();
    if (!ring.hasRecord()) {
      if (closed) {
        ring.unlock(GET_LOCK);
        throw new QueueClosedError(`${api}: the queue is closed and drained`);
      }
      if (!getter.waits) {
        ring.unlock(GET_LOCK);
        return Atomics.load(words, NOT_EMPTY);
      }
      if (!getter.announced) {
        getter.announced = true;
        Atomics.add(words, GETTERS, 1);
      }
      // Arm, then look again: a put or close between the first look and the arming would not have woken us.
      const expected = arm(words, NOT_EMPTY);
      closed = ring.isClosed();
      if (!ring.hasRecord()) {
        ring.unlock(GET_LOCK);
        if (closed) throw new QueueClosedError(`${api}: the queue is closed and drained`);
        return expected;
      }
    }
    return true;
  }

  /** Where #attemptGet receives a record (reused: the record is decoded before anything else can take one). */
  static readonly #taken: Taken = { type: ItemType.Fast, kind: 0, bytes: new Uint8Array(0) };

  /** {@link Queue.#syncGetter}, cleared for a new synchronous get. */
  #syncGetterReset(): Getter {
    const getter = this.#syncGetter;
    getter.waits = false;
    getter.announced = false;
    getter.spare = undefined;
    return getter;
  }

  /** The item a getter took, which it no longer holds on to. */
  static #takeItem(getter: Getter): unknown {
    const item = getter.item;
    getter.item = undefined;
    return item;
  }

  #getPlan(getter: Getter, api: string): WaitPlan {
    const words = this.#ring.words;
    getter.waits = true;
    return {
      view: words,
      index: NOT_EMPTY,
      // A thread killed between its publish (or removal) and its signal leaves the waiters unwoken: look again
      // after every recorded death (sync waits park in slices of DEATH_POLL_MS for that, see wait.ts).
      watchesDeaths: true,
      attempt: () => this.#attemptGet(getter, api),
      leave: () => {
        if (getter.announced) Atomics.sub(words, GETTERS, 1);
      },
    };
  }

  /**
   * Removes and returns the oldest item, waiting without blocking the thread while the queue is empty:
   * Python's `get(timeout=…)`.
   *
   * A `get` that times out or is aborted has taken nothing: an item arriving at that moment stays in the
   * queue for the next consumer.
   *
   * @param options - `{ timeout, signal }`: how long to wait for an item at most, and what cancels the wait.
   * @returns The item, as `structuredClone` would have copied it.
   * @throws (rejects) {@link QueueEmptyError} when the timeout runs out, `signal.reason` when the signal
   *   aborts, {@link QueueClosedError} when the queue is closed and drained.
   *
   * @example
   * ```ts
   * import { Queue } from 'shared-sync';
   * const queue = new Queue<Map<string, number>>();
   * await queue.put(new Map([['a', 1]]));
   * const item = await queue.get({ timeout: 1000 });
   * console.log(item.get('a')); // 1
   * ```
   */
  async get(options?: WaitOptions): Promise<T> {
    const { deadline, signal, timeout } = parseQueueWait(options, 'Queue.get');
    if (signal?.aborted) throw signal.reason;
    const getter: Getter = { item: undefined, waits: false, announced: false };
    // The attempts are anonymous arrows, not a named const: a build that keeps function names (tsx, esbuild's
    // keepNames) would name a named one with Object.defineProperty on every call.
    if (this.#attemptAsync(() => this.#attemptGet(getter, 'Queue.get'), NOT_EMPTY) === true) {
      return getter.item as T;
    }
    // Before arming the wake: look on the next turns (see pollForItem).
    if (
      (await pollForItem(this.#ring, deadline, signal)) &&
      this.#attemptAsync(() => this.#attemptGet(getter, 'Queue.get'), NOT_EMPTY) === true
    ) {
      return getter.item as T;
    }
    if (!(await this.#waitAsync(this.#getPlan(getter, 'Queue.get'), deadline, signal))) {
      throw new QueueEmptyError(`Queue.get: the queue stayed empty for ${timeout} ms`);
    }
    return getter.item as T;
  }

  /**
   * Removes and returns the oldest item, blocking the thread while the queue is empty: Python's
   * `get(block=True, timeout=…)`.
   *
   * @param timeout - Milliseconds to wait for an item at most; omitted or `Infinity` waits forever, `0` does
   *   not wait (as {@link Queue.getNowait}).
   * @returns The item.
   * @throws {@link QueueEmptyError} when the timeout runs out; {@link QueueClosedError} when the queue is
   *   closed and drained; {@link BlockingNotAllowedError} on a thread that may not block.
   *
   * @example
   * ```ts
   * import { Queue } from 'shared-sync';
   * const queue = new Queue<number>();
   * queue.putNowait(7);
   * console.log(queue.getSync(1000)); // 7
   * ```
   */
  getSync(timeout?: number): T {
    checkTimeout(timeout, 'Queue.getSync');
    if (!mayBlock) assertCanBlock('Queue.getSync', 'await queue.get()');
    const getter = this.#syncGetterReset();
    const first = this.#attemptGet(getter, 'Queue.getSync');
    if (first === true) return Queue.#takeItem(getter) as T;
    if (timeout === 0) throw new QueueEmptyError('Queue.getSync: the queue is empty');
    const deadline = deadlineOf(timeout, 'Queue.getSync');
    spinForItem(this.#ring, deadline);
    if (!waitSync(this.#getPlan(getter, 'Queue.getSync'), deadline)) {
      throw new QueueEmptyError(`Queue.getSync: the queue stayed empty for ${timeout} ms`);
    }
    return Queue.#takeItem(getter) as T;
  }

  /**
   * Removes and returns the oldest item if there is one: Python's `get_nowait()`.
   *
   * @returns The item.
   * @throws {@link QueueEmptyError} when the queue is empty; {@link QueueClosedError} when it is closed and
   *   drained.
   *
   * @example
   * ```ts
   * import { Queue, QueueEmptyError } from 'shared-sync';
   * const queue = new Queue<string>();
   * try {
   *   queue.getNowait();
   * } catch (err) {
   *   console.log(err instanceof QueueEmptyError); // true
   * }
   * ```
   */
  getNowait(): T {
    const getter = this.#syncGetterReset();
    if (this.#attemptGet(getter, 'Queue.getNowait') !== true) {
      throw new QueueEmptyError('Queue.getNowait: the queue is empty');
    }
    return Queue.#takeItem(getter) as T;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Batches

  /**
   * Encodes a batch: every item's bytes copied into one buffer of the batch's own (each encoding would
   * otherwise overwrite the thread's scratch buffer), with the batch's checks. Nothing is shared yet.
   */
  #encodeMany(items: readonly T[], api: string): Batch {
    if (!Array.isArray(items)) {
      throw new TypeError(`${api}: items must be an array, got ${items === null ? 'null' : typeof items}`);
    }
    const ring = this.#ring;
    if (ring.maxsize !== 0 && items.length > ring.maxsize) {
      throw new RangeError(`${api}: ${items.length} items can never fit a queue of maxsize ${ring.maxsize}`);
    }
    const parts: Encoded[] = [];
    let bytes = 0;
    let size = 0;
    for (const item of items) {
      const encoded = this.#encode(item, api);
      parts.push({ type: encoded.type, kind: encoded.kind, bytes: encoded.bytes.slice() });
      bytes += encoded.bytes.length;
      size += recordSize(encoded.bytes.length);
    }
    if (size > ring.capacity) {
      throw new RangeError(
        `${api}: the ${items.length} items take ${size} bytes in the queue (${bytes} encoded + headers), ` +
          `more than its whole capacity of ${ring.capacity} bytes`,
      );
    }
    return { records: parts, size };
  }

  /** {@link Queue.#attemptPut} for a whole batch: all of it is written and published at once, or nothing. */
  #attemptPutMany(batch: Batch, putter: Putter | null, api: string): number | true {
    const room = this.#reserve(batch.size, batch.records.length, putter, api);
    if (room !== true) return room;
    this.#ring.write(batch.records, batch.records.length);
    this.#ring.unlock(PUT_LOCK);
    signal(this.#ring.words, NOT_EMPTY);
    return true;
  }

  #putManyPlan(batch: Batch, api: string): WaitPlan {
    const words = this.#ring.words;
    const putter: Putter = { encoded: batch.records[0], announced: false };
    return {
      view: words,
      index: NOT_FULL,
      // A thread killed between its publish (or removal) and its signal leaves the waiters unwoken: look again
      // after every recorded death (sync waits park in slices of DEATH_POLL_MS for that, see wait.ts).
      watchesDeaths: true,
      attempt: () => this.#attemptPutMany(batch, putter, api),
      leave: () => {
        if (putter.announced) Atomics.sub(words, PUTTERS, 1);
      },
    };
  }

  /**
   * Puts every item of `items`, in order, as one step: they enter the queue together (no other producer's item
   * comes between them) and are published with one store, so a consumer that waits is woken once for all of
   * them. Waits without blocking the thread while there is no room for the whole batch. Not in Python's API:
   * a batch costs one lock and one wake-up check instead of one per item, which matters for small items.
   *
   * @param items - Structured-cloneable values; an empty array puts nothing.
   * @param options - `{ timeout, signal }` as {@link Queue.put}.
   * @throws (rejects) {@link QueueFullError} when the timeout runs out before the whole batch fits, `signal.reason`
   *   when the signal aborts, {@link QueueClosedError} when the queue is or gets closed, `TypeError` when `items`
   *   is not an array or holds an item that cannot be cloned, `RangeError` when the batch could never fit (more
   *   items than `maxsize`, or more bytes than the capacity). In every such case nothing is enqueued.
   *
   * @example
   * ```ts
   * import { Queue } from 'shared-sync';
   * const queue = new Queue<number>();
   * await queue.putMany([1, 2, 3]);
   * console.log(queue.qsize()); // 3
   * ```
   */
  async putMany(items: readonly T[], options?: WaitOptions): Promise<void> {
    const { deadline, signal, timeout } = parseQueueWait(options, 'Queue.putMany');
    if (signal?.aborted) throw signal.reason;
    const batch = this.#encodeMany(items, 'Queue.putMany');
    if (batch.records.length === 0) return;
    if (this.#attemptAsync(() => this.#attemptPutMany(batch, null, 'Queue.putMany'), NOT_FULL) === true)
      return;
    if (!(await this.#waitAsync(this.#putManyPlan(batch, 'Queue.putMany'), deadline, signal))) {
      throw new QueueFullError(`Queue.putMany: the queue had no room for the batch for ${timeout} ms`);
    }
  }

  /**
   * Puts every item of `items`, in order, as one step (see {@link Queue.putMany}), blocking the thread while
   * there is no room for the whole batch.
   *
   * @param items - Structured-cloneable values; an empty array puts nothing.
   * @param timeout - Milliseconds to wait for room at most; omitted or `Infinity` waits forever, `0` does not
   *   wait.
   * @throws {@link QueueFullError} when the timeout runs out; {@link QueueClosedError}, `TypeError`, `RangeError`
   *   as {@link Queue.putMany}; {@link BlockingNotAllowedError} on a thread that may not block. Nothing is
   *   enqueued then.
   *
   * @example
   * ```ts
   * import { Queue } from 'shared-sync';
   * const queue = new Queue<{ id: number }>({ maxsize: 1000 });
   * queue.putManySync([{ id: 1 }, { id: 2 }], 1000); // in a worker
   * console.log(queue.getManySync(10)); // [ { id: 1 }, { id: 2 } ]
   * ```
   */
  putManySync(items: readonly T[], timeout?: number): void {
    checkTimeout(timeout, 'Queue.putManySync');
    if (!mayBlock) assertCanBlock('Queue.putManySync', 'await queue.putMany(items)');
    const batch = this.#encodeMany(items, 'Queue.putManySync');
    if (batch.records.length === 0) return;
    if (this.#attemptPutMany(batch, null, 'Queue.putManySync') === true) return;
    if (timeout === 0) throw new QueueFullError('Queue.putManySync: the queue has no room for the batch');
    const deadline = deadlineOf(timeout, 'Queue.putManySync');
    spinForRoom(this.#ring, batch.size, batch.records.length, deadline);
    if (!waitSync(this.#putManyPlan(batch, 'Queue.putManySync'), deadline)) {
      throw new QueueFullError(`Queue.putManySync: the queue had no room for the batch for ${timeout} ms`);
    }
  }

  /**
   * Takes up to `max` of the items in the queue now, oldest first, if there is at least one; otherwise announces
   * the getter (when it waits) and returns the NOT_EMPTY value to park on. All of them are removed with one store
   * and decoded after the lock is released.
   */
  #attemptGetMany(getter: Getter, max: number, api: string): number | true {
    const ring = this.#ring;
    const words = ring.words;
    ring.lock(GET_LOCK);
    if (!ring.hasRecord()) {
      const expected = this.#emptyAttempt(getter, api);
      if (expected !== true) return expected;
    }
    const taken = Queue.#takenMany;
    let count: number;
    try {
      count = ring.takeMany(max, taken);
    } catch (err) {
      throw this.#failedTake(err);
    }
    ring.unlock(GET_LOCK);
    signal(words, NOT_FULL);
    const items = new Array(count);
    for (let i = 0; i < count; i++) {
      const record = taken[i];
      items[i] = decode(record.type, record.kind, record.bytes);
      record.bytes = Queue.#taken.bytes; // drop the reference to an item's own buffer
    }
    getter.item = items;
    return true;
  }

  /** Where #attemptGetMany receives its records (reused, as {@link Queue.#taken}). */
  static readonly #takenMany: Taken[] = [];

  #getManyPlan(getter: Getter, max: number, api: string): WaitPlan {
    const words = this.#ring.words;
    getter.waits = true;
    return {
      view: words,
      index: NOT_EMPTY,
      // A thread killed between its publish (or removal) and its signal leaves the waiters unwoken: look again
      // after every recorded death (sync waits park in slices of DEATH_POLL_MS for that, see wait.ts).
      watchesDeaths: true,
      attempt: () => this.#attemptGetMany(getter, max, api),
      leave: () => {
        if (getter.announced) Atomics.sub(words, GETTERS, 1);
      },
    };
  }

  /**
   * Removes and returns up to `max` items, oldest first: all those in the queue when it looks, waiting without
   * blocking the thread until there is at least one. Not in Python's API: for a consumer that handles items in
   * batches, one call costs one lock and one removal instead of one per item.
   *
   * @param max - The most items to return, a positive integer.
   * @param options - `{ timeout, signal }` as {@link Queue.get}.
   * @returns Between 1 and `max` items.
   * @throws (rejects) {@link QueueEmptyError} when the timeout runs out, `signal.reason` when the signal aborts,
   *   {@link QueueClosedError} when the queue is closed and drained, `RangeError` for a bad `max`.
   *
   * @example
   * ```ts
   * import { Queue } from 'shared-sync';
   * const queue = new Queue<string>();
   * await queue.putMany(['a', 'b', 'c']);
   * console.log(await queue.getMany(2)); // [ 'a', 'b' ]
   * ```
   */
  async getMany(max: number, options?: WaitOptions): Promise<T[]> {
    checkMax(max, 'Queue.getMany');
    const { deadline, signal, timeout } = parseQueueWait(options, 'Queue.getMany');
    if (signal?.aborted) throw signal.reason;
    const getter: Getter = { item: undefined, waits: false, announced: false };
    if (this.#attemptAsync(() => this.#attemptGetMany(getter, max, 'Queue.getMany'), NOT_EMPTY) === true) {
      return getter.item as T[];
    }
    if (
      (await pollForItem(this.#ring, deadline, signal)) &&
      this.#attemptAsync(() => this.#attemptGetMany(getter, max, 'Queue.getMany'), NOT_EMPTY) === true
    ) {
      return getter.item as T[];
    }
    if (!(await this.#waitAsync(this.#getManyPlan(getter, max, 'Queue.getMany'), deadline, signal))) {
      throw new QueueEmptyError(`Queue.getMany: the queue stayed empty for ${timeout} ms`);
    }
    return getter.item as T[];
  }

  /**
   * Removes and returns up to `max` items, oldest first (see {@link Queue.getMany}), blocking the thread until
   * there is at least one.
   *
   * @param max - The most items to return, a positive integer.
   * @param timeout - Milliseconds to wait for an item at most; omitted or `Infinity` waits forever, `0` does not
   *   wait.
   * @returns Between 1 and `max` items.
   * @throws {@link QueueEmptyError} when the timeout runs out; {@link QueueClosedError} when the queue is closed
   *   and drained; `RangeError` for a bad `max`; {@link BlockingNotAllowedError} on a thread that may not block.
   *
   * @example
   * ```ts
   * import { Queue } from 'shared-sync';
   * const queue = new Queue<number>();
   * queue.putManySync([1, 2, 3]);
   * console.log(queue.getManySync(100, 1000)); // [ 1, 2, 3 ]
   * ```
   */
  getManySync(max: number, timeout?: number): T[] {
    checkMax(max, 'Queue.getManySync');
    checkTimeout(timeout, 'Queue.getManySync');
    if (!mayBlock) assertCanBlock('Queue.getManySync', 'await queue.getMany(max)');
    const getter = this.#syncGetterReset();
    if (this.#attemptGetMany(getter, max, 'Queue.getManySync') === true)
      return Queue.#takeItem(getter) as T[];
    if (timeout === 0) throw new QueueEmptyError('Queue.getManySync: the queue is empty');
    const deadline = deadlineOf(timeout, 'Queue.getManySync');
    spinForItem(this.#ring, deadline);
    if (!waitSync(this.#getManyPlan(getter, max, 'Queue.getManySync'), deadline)) {
      throw new QueueEmptyError(`Queue.getManySync: the queue stayed empty for ${timeout} ms`);
    }
    return Queue.#takeItem(getter) as T[];
  }

  /**
   * Yields items as they arrive until the queue is closed and drained: `for await (const item of queue)`.
   * Several consumers may iterate the same queue; each item goes to one of them.
   *
   * @example
   * ```ts
   * import { Queue } from 'shared-sync';
   * const queue = new Queue<number>();
   * await queue.put(1);
   * await queue.put(2);
   * queue.close();
   * for await (const item of queue) console.log(item); // 1, then 2
   * ```
   */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      let item: T;
      try {
        item = await this.get();
      } catch (err) {
        if (err instanceof QueueClosedError) return;
        throw err;
      }
      yield item;
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // State

  /**
   * Closes the queue for good: wakes every waiting `put` and `get` in every thread. Later puts throw
   * {@link QueueClosedError}; gets return what is left, then throw it. Closing twice does nothing.
   * (Python 3.13's `shutdown()`, without `immediate`.)
   *
   * @example
   * ```ts
   * import { Queue } from 'shared-sync';
   * const queue = new Queue<number>();
   * queue.putNowait(1);
   * queue.close();
   * console.log(queue.getNowait(), queue.isClosed()); // 1 true
   * ```
   */
  close(): void {
    const ring = this.#ring;
    // Under PUT_LOCK, so that no put is half-way through when CLOSED becomes visible.
    ring.lock(PUT_LOCK);
    ring.markClosed();
    ring.unlock(PUT_LOCK);
    broadcastClosed(ring.words);
  }

  /**
   * Whether {@link Queue.close} has been called, in any thread.
   *
   * @example
   * ```ts
   * import { Queue } from 'shared-sync';
   * const queue = new Queue();
   * console.log(queue.isClosed()); // false
   * ```
   */
  isClosed(): boolean {
    return this.#ring.isClosed();
  }

  /**
   * The number of items in the queue right now (approximate: other threads may change it at any moment).
   *
   * @example
   * ```ts
   * import { Queue } from 'shared-sync';
   * const queue = new Queue<number>();
   * queue.putNowait(1);
   * console.log(queue.qsize()); // 1
   * ```
   */
  qsize(): number {
    return this.#ring.size();
  }

  /**
   * Whether the queue holds no item right now (approximate, as {@link Queue.qsize}).
   *
   * @example
   * ```ts
   * import { Queue } from 'shared-sync';
   * console.log(new Queue().empty()); // true
   * ```
   */
  empty(): boolean {
    return this.qsize() === 0;
  }

  /**
   * Whether the queue holds `maxsize` items right now (approximate; always `false` without `maxsize`, as in
   * Python). A put may also wait for *bytes* of room while `full()` is `false`.
   *
   * @example
   * ```ts
   * import { Queue } from 'shared-sync';
   * const queue = new Queue<number>({ maxsize: 1 });
   * queue.putNowait(1);
   * console.log(queue.full()); // true
   * ```
   */
  full(): boolean {
    return this.#ring.maxsize > 0 && this.qsize() >= this.#ring.maxsize;
  }

  /** @internal The header words, for `JoinableQueue`. */
  protected get words(): Int32Array {
    return this.#ring.words;
  }

  /** @internal The ring protocol, for `JoinableQueue`'s table of consumers. */
  protected get ring(): Ring {
    return this.#ring;
  }
}

function parseOptions(options: unknown, api: string): { maxsize: number; capacity: number } {
  const { maxsize = 0, capacity = Queue.DEFAULT_CAPACITY } = checkOptionKeys(
    options,
    ['maxsize', 'capacity'],
    api,
    '{ maxsize: 100 }',
  );
  checkInteger(maxsize, 0, MAX_MAXSIZE, api, 'maxsize', 'a non-negative integer (0 for no limit)');
  checkInteger(capacity, 1, MAX_CAPACITY, api, 'capacity', 'a positive integer number of bytes up to 2^30');
  return { maxsize: maxsize as number, capacity: align8(capacity as number) };
}

/** {@link attach}, plus the check that the buffer holds the whole ring its header announces. */
export function attachQueue(kind: Kind, received: unknown): Placement {
  const placement = attach(kind, received);
  const capacity = new Int32Array(placement.buffer, placement.byteOffset, HEADER_BYTES / 4)[CAPACITY];
  if (placement.byteOffset + kind.byteLength + capacity > placement.buffer.byteLength) {
    throw new TypeError(
      `${kind.name}.from: expected a ${kind.name} or its clone, got a SharedArrayBuffer of ` +
        `${placement.buffer.byteLength} bytes, too small for its ring of ${capacity} bytes`,
    );
  }
  return placement;
}

registerReviver(KIND, (received) => Queue.from(received));
