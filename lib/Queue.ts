/**
 * `Queue`: a bounded multi-producer, multi-consumer FIFO queue of structured-cloneable items, shared by every
 * thread that holds a handle to it.
 *
 * ## Memory layout (Int32 words from `byteOffset`, then the ring)
 * Two 64-byte cache lines: the words producers write on every put share line 0 with the read-mostly words
 * and the words only a thread about to park writes; the words consumers write on every get are alone on
 * line 1. In the common path a put and a get each write only their own line (and the ring), and a consumer
 * reads line 0 only when it has no record in view: no word is written by both sides on every item (but
 * `JoinableQueue`'s UNFINISHED, by nature).
 *
 * | word | name           | meaning                                                                  |
 * |------|----------------|--------------------------------------------------------------------------|
 * | 0    | TAG            | kind tag (see `internal/shared.ts`)                                      |
 * | 1    | CLOSED         | 0 open, 1 closed (never goes back; written under PUT_LOCK)               |
 * | 2    | MAXSIZE        | item limit, 0 for none (written once)                                    |
 * | 3    | CAPACITY       | bytes in the ring (written once)                                         |
 * | 4    | PUT_LOCK       | producers' mutex: UNLOCKED / LOCKED / CONTENDED, as in `Lock.ts`         |
 * | 5    | TAIL           | ring offset where the next record goes (producers, under PUT_LOCK)       |
 * | 6    | PUT_ITEMS      | items ever put, wrapping at 2^32 (producers, under PUT_LOCK)             |
 * | 7    | PUT_BYTES      | ring bytes ever taken by puts, wrapping (producers, under PUT_LOCK)      |
 * | 8    | NOT_EMPTY      | event word consumers park on: sequence << 1 \| ARMED                     |
 * | 9    | PUTTERS        | producers announced as waiting (diagnostics)                             |
 * | 10   | GETTERS        | consumers announced as waiting (diagnostics)                             |
 * | 11   | SEEN_GET_ITEMS | a past value of GET_ITEMS, producers' cache (under PUT_LOCK)             |
 * | 12   | SEEN_GET_BYTES | a past value of GET_BYTES, producers' cache (under PUT_LOCK)             |
 * | 13   | UNFINISHED     | `JoinableQueue`: items put and not yet marked done                       |
 * | 14   | JOINERS        | `JoinableQueue`: threads announced as waiting in `join`                  |
 * | 16   | GET_LOCK       | consumers' mutex (line 1: the consumers' words)                          |
 * | 17   | HEAD           | ring offset of the oldest record (consumers, under GET_LOCK)             |
 * | 18   | GET_ITEMS      | items ever taken, wrapping (consumers, under GET_LOCK)                   |
 * | 19   | GET_BYTES      | ring bytes ever freed by gets, wrapping (consumers, under GET_LOCK)      |
 * | 20   | NOT_FULL       | event word producers park on: sequence << 1 \| ARMED                     |
 * | 21   | SEEN_PUT_ITEMS | a past value of PUT_ITEMS, consumers' cache (under GET_LOCK)             |
 * | 15, 22‥31 |           | reserved                                                                 |
 * | 128 B…| RING          | `CAPACITY` bytes of records                                              |
 *
 * The queue holds `(PUT_ITEMS − GET_ITEMS) | 0` items in `(PUT_BYTES − GET_BYTES) >>> 0` bytes of the ring
 * (both differences are exact despite the wrapping: they never exceed 2^31 − 1 and 2^30).
 *
 * A record is `[u32 length][u32 item type | view kind << 8][payload][padding to 8]`: `8 + align8(length)`
 * bytes. Records start at multiples of 8 and the capacity is a multiple of 8, so a header never wraps; a
 * payload that reaches the end of the ring continues at its start.
 *
 * ## Protocol: a two-lock queue (Michael and Scott, "Simple, Fast, and Practical Non-Blocking and Blocking
 * Concurrent Queue Algorithms", 1996) over a byte ring, with futex-style event words
 * Producers serialize on PUT_LOCK and consumers on GET_LOCK (Drepper's three-state mutex, "Futexes Are
 * Tricky", as in `Lock.ts`), so a put and a get proceed in parallel. Each side only writes its own counters:
 * producers PUT_ITEMS and PUT_BYTES, consumers GET_ITEMS and GET_BYTES, and both only ever grow.
 *
 * A producer checks room against SEEN_GET_ITEMS / SEEN_GET_BYTES, values of the consumers' counters it or an
 * earlier producer read; only when they show no room does it read the consumers' counters again (those only
 * grow, so what it sees can only get better while it holds PUT_LOCK). It writes its record at TAIL, adds to
 * PUT_BYTES, and publishes the record by storing PUT_ITEMS + 1 (sequentially consistent atomics: a consumer
 * that reads the new PUT_ITEMS also sees the bytes written before it). FIFO order among producers is the
 * order of PUT_LOCK. A consumer takes a record when GET_ITEMS is below SEEN_PUT_ITEMS, and otherwise reads
 * PUT_ITEMS (after CLOSED) into SEEN_PUT_ITEMS first. It copies the record at HEAD out, advances HEAD, and
 * only then stores GET_ITEMS + 1 and GET_BYTES + size, still under GET_LOCK, so bytes are freed in ring order
 * and never while another consumer is copying them. `close()` sets CLOSED under PUT_LOCK, so once a consumer
 * sees CLOSED (it reads CLOSED before PUT_ITEMS) every put has published. The caches are shared words kept
 * under their side's lock, so they lag the counter they copy by at most what that side has seen, which keeps
 * the wrapping differences exact.
 *
 * Each lock is only ever held for the copy of one record, so every form takes it by spinning and then,
 * rarely, parking synchronously: an async `get` may block its thread for the length of another thread's
 * copy, never for a wait on the queue itself.
 *
 * Waiting follows `internal/wait.ts`, with the event words NOT_EMPTY / NOT_FULL as in a futex-based event
 * count: a consumer that finds the ring empty sets the ARMED bit of NOT_EMPTY (compare-exchange), reads
 * CLOSED and PUT_ITEMS again, and parks on the armed value it set. A producer, after publishing, reads
 * NOT_EMPTY; only if it is ARMED does it add one STEP, clear the bit and wake the word (so a put nobody waits
 * for writes nothing on the consumers' behalf). Either the consumer's second look sees the item, or the
 * producer's read comes after the arming and sees the bit (both sides write, then read, with sequentially
 * consistent atomics), or another signal stepped the word in between; in the last two cases the word no
 * longer holds the value the consumer parks on, so its `Atomics.wait` returns at once or is woken. Wakes are
 * broadcasts, so one wake reaches every consumer parked at that moment, and a consumer that must park again
 * re-arms: one wake per park, not one per item. Producers waiting for room mirror this with NOT_FULL, which
 * consumers read after freeing bytes. Before parking, `getSync` and `putSync` spin briefly on the other side's
 * counter. GETTERS/PUTTERS count announced waiters; a worker terminated while parked holds no lock and leaves
 * a count one too high and perhaps an ARMED bit, which costs at most one wake nobody needed.
 *
 * An item is taken only inside a wait attempt, which is synchronous: a `get` that times out or is aborted has
 * taken nothing, and one that has taken an item returns it. Items are encoded before a lock is taken and decoded
 * after it is released (as CPython unpickles outside its lock), so a slow item does not hold the others up.
 *
 * @module
 */

import { QueueClosedError, QueueEmptyError, QueueFullError } from './errors';
import { decode, type Encoded, encode, ItemType } from './internal/codec';
import { parseWait } from './internal/options';
import {
  align8,
  allocate,
  attach,
  defineKind,
  type Kind,
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
  wake,
} from './internal/wait';
import type { WaitOptions } from './options';

/** @internal Bytes of the header words before the ring (two cache lines). */
export const HEADER_BYTES = 128;
const KIND = defineKind('Queue', 12, HEADER_BYTES);

// Line 0: read-mostly words, the producers' words, and the words only waiters write.
const CLOSED = 1;
const MAXSIZE = 2;
const CAPACITY = 3;
const PUT_LOCK = 4;
const TAIL = 5;
const PUT_ITEMS = 6;
const PUT_BYTES = 7;
const NOT_EMPTY = 8;
const PUTTERS = 9;
const GETTERS = 10;
const SEEN_GET_ITEMS = 11;
const SEEN_GET_BYTES = 12;
/** @internal Used by `JoinableQueue`. */
export const UNFINISHED = 13;
/** @internal Used by `JoinableQueue`. */
export const JOINERS = 14;
// Line 1: the consumers' words.
const GET_LOCK = 16;
const HEAD = 17;
const GET_ITEMS = 18;
const GET_BYTES = 19;
const NOT_FULL = 20;
const SEEN_PUT_ITEMS = 21;

const UNLOCKED = 0; // free
const LOCKED = 1; // held, nobody parked
const CONTENDED = 2; // held, somebody may be parked on the lock word

// The event words NOT_EMPTY and NOT_FULL: a sequence number in bits 1‥31, and the ARMED bit.
const ARMED = 1; // a waiter may be parked: the next signal must wake the word
const STEP = 2; // one step of the sequence

const RECORD_HEADER = 8;
/** How long a thread spins for the queue's lock before parking (see #lockContended). */
const LOCK_SPIN_MS = 0.05;
/** How long a sync put or get spins for the other side before parking (see #spinForItem, #spinForRoom). */
const WAIT_SPIN_MS = 0.05;
const MAX_CAPACITY = 2 ** 30;
const MAX_MAXSIZE = 2 ** 31 - 1;

/** Bytes a record of `length` payload bytes takes in the ring. */
function recordSize(length: number): number {
  return RECORD_HEADER + align8(length);
}

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

/** Raw records from this size on get their buffer allocated outside the lock. */
const ALLOCATE_OUTSIDE_LOCK = 2048;

type UnsafeAllocator = { allocUnsafeSlow(size: number): Uint8Array };
const nodeBuffer = (globalThis as { Buffer?: UnsafeAllocator }).Buffer;

/**
 * A fresh buffer of exactly `length` bytes for a raw item. Node's `allocUnsafeSlow` skips zero-filling
 * memory that is overwritten at once anyway; the result is always a plain `Uint8Array` over its own buffer.
 */
function freshBytes(length: number): Uint8Array {
  if (nodeBuffer) return new Uint8Array(nodeBuffer.allocUnsafeSlow(length).buffer, 0, length);
  return new Uint8Array(length);
}

// This thread's buffer for records that are decoded as soon as they are copied out (reused: decoding is
// synchronous and finishes before the next take).
let inbox = new Uint8Array(16 * 1024);

// The last view handed out by inboxOf: items of one shape come one after another, and a fresh subarray per
// item costs more than the rest of a small item's copy.
let inboxView = inbox.subarray(0, 0);

function inboxOf(length: number): Uint8Array {
  if (inboxView.length === length) return inboxView;
  if (inbox.length < length) inbox = new Uint8Array(Math.max(length, inbox.length * 2));
  inboxView = inbox.subarray(0, length);
  return inboxView;
}

/** `(at + bytes) % capacity` for `at < capacity` and `bytes <= capacity`, without a division. */
function wrap(at: number, bytes: number, capacity: number): number {
  const next = at + bytes;
  return next >= capacity ? next - capacity : next;
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
 * **Codec choice and measurements.** How an item becomes bytes decides whether a queue in shared memory can
 * beat `postMessage`. `v8.serialize` + `v8.deserialize` of `{ id, payload: 32 chars }` cost 7 to 15 µs on the
 * 2-core development machine, more than `postMessage`'s whole trip from worker to worker, so the queue has its
 * own encoder (`internal/codec.ts`), with three paths:
 * - strings, `ArrayBuffer`s and typed arrays spanning their whole buffer travel as their bytes, with no
 *   serializer at all (a typed array is copied straight from its memory into the ring);
 * - trees of plain data (objects, arrays, numbers, strings, booleans, null, undefined, bigint, `Date`, `Map`,
 *   `Set`, whole-buffer typed arrays) use a compact tagged format: 0.2 to 0.5 µs to encode and 0.2 to 0.35 µs to
 *   decode that object in the same runs, 18 to 27 times less than `v8.serialize`;
 * - anything the tagged format cannot reproduce exactly (shared or cyclic references, sparse arrays, arrays
 *   with named properties, class instances, `Error`, `RegExp`, boxed primitives, views on part of a buffer…)
 *   goes through V8's own `Serializer`, the one `structuredClone` uses.
 *
 * The fast path gives up as soon as it meets such a value, so every item comes out exactly as
 * `structuredClone` would make it (the specs check this with fast-check against `structuredClone` itself).
 * A serialization library (`msgpackr` with its structured-clone extension) was the alternative; it would have
 * needed the same exactness guards and fallback, and a runtime dependency, for no gain on the raw-bytes path.
 *
 * Worker to worker (`npm run bench -- queue`, one producer, one consumer, on a shared and heavily loaded
 * 2-core machine, so the figures vary by ±50% from run to run): small objects go through the queue at
 * 0.59 to 1.16 M/s with `putSync`/`getSync` and 0.47 to 1.03 M/s with `await put`/`await get`, 1.0× to 3.7×
 * the rate of `postMessage` and 0.37 to 0.44 of a raw ring of fixed 64-byte records in the same runs (0.24 to
 * 0.30 before producers and consumers stopped writing shared counters). 64 KB binary items reach 0.44 to
 * 2.6 GB/s, where the raw ring copies 3.7 to 17 GB/s: handing each item out in a fresh buffer, which any queue
 * (and `postMessage`) must do, already brings the raw ring down to 0.86 to 2.7 GB/s on this machine.
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
  /** The shared memory the queue lives in; carried to other threads by structured clone. */
  readonly buffer: SharedArrayBuffer;
  /** Where in {@link Queue.buffer} the queue lives. */
  readonly byteOffset: number;
  readonly #view: Int32Array;
  readonly #ring: Uint8Array;
  readonly #ring32: Int32Array;
  readonly #capacity: number;
  readonly #maxsize: number;
  readonly #countsTasks: boolean;
  /**
   * The getter of `getSync` and `getNowait`, reused: a synchronous get finishes before this thread runs
   * anything else, so no two of them ever use it at once (an async `get` has its own).
   */
  readonly #syncGetter: Getter = { item: undefined, waits: false, announced: false };

  /** Bytes of item storage of a queue created without `capacity`: 1 MiB. */
  static readonly DEFAULT_CAPACITY: number = 1 << 20;

  /** @internal The kind a constructor allocates; `JoinableQueue` overrides it. */
  protected static readonly kind: Kind = KIND;

  /**
   * Creates an empty queue in a fresh `SharedArrayBuffer` of `128 + capacity` bytes.
   *
   * @param options - `maxsize` (items, 0 = no limit) and `capacity` (bytes).
   * @throws RangeError when `maxsize` is not a non-negative integer or `capacity` not a positive integer up to
   *   2^30; TypeError when `options` is not an object.
   *
   * @example
   * ```ts
   * import { Queue } from 'shared-sync';
   * const unbounded = new Queue<string>(); // limited only by its 1 MiB of storage
   * const bounded = new Queue<number>({ maxsize: 10, capacity: 4096 });
   * ```
   */
  constructor(options?: QueueOptions);
  /** @internal Views the queue at `placement` (already initialized) when one is given. */
  constructor(options: QueueOptions | undefined, placement: Placement | undefined);
  constructor(options?: QueueOptions, placement?: Placement) {
    const kind = (new.target as unknown as { kind: Kind }).kind;
    const api = kind.name;
    if (!placement) {
      const { maxsize, capacity } = parseOptions(options, api);
      placement = allocate(kind, capacity);
      const words = new Int32Array(placement.buffer, placement.byteOffset, HEADER_BYTES / 4);
      words[MAXSIZE] = maxsize;
      words[CAPACITY] = capacity;
    }
    this.buffer = placement.buffer;
    this.byteOffset = placement.byteOffset;
    this.#view = new Int32Array(placement.buffer, placement.byteOffset, HEADER_BYTES / 4);
    this.#capacity = this.#view[CAPACITY];
    this.#maxsize = this.#view[MAXSIZE];
    this.#ring = new Uint8Array(placement.buffer, placement.byteOffset + HEADER_BYTES, this.#capacity);
    this.#ring32 = new Int32Array(placement.buffer, placement.byteOffset + HEADER_BYTES, this.#capacity / 4);
    this.#countsTasks = kind !== KIND;
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
    return new Queue<T>(undefined, attachQueue(KIND, received));
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
    return this.#maxsize;
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
    return this.#capacity;
  }

  // ---------------------------------------------------------------------------------------------------------
  // The lock (held only while one record is copied; see "Protocol")

  #lock(index: number): void {
    if (Atomics.compareExchange(this.#view, index, UNLOCKED, LOCKED) !== UNLOCKED) this.#lockContended(index);
  }

  #lockContended(index: number): void {
    const view = this.#view;
    // The holder is copying one record, which for a large item takes microseconds: spin for up to
    // LOCK_SPIN_MS before parking, since a park and its wake cost more than that on a busy machine.
    const until = performance.now() + LOCK_SPIN_MS;
    for (let i = 1; ; i++) {
      if (
        Atomics.load(view, index) === UNLOCKED &&
        Atomics.compareExchange(view, index, UNLOCKED, LOCKED) === UNLOCKED
      ) {
        return;
      }
      if ((i & 63) === 0 && performance.now() > until) break;
    }
    if (!mayBlock) {
      // A thread that may not park (a browser's main thread) spins: the holder is copying one record.
      while (Atomics.compareExchange(view, index, UNLOCKED, LOCKED) !== UNLOCKED);
      return;
    }
    while (Atomics.exchange(view, index, CONTENDED) !== UNLOCKED) Atomics.wait(view, index, CONTENDED);
  }

  /**
   * Before a sync get parks: spins while the queue looks empty and open, for at most WAIT_SPIN_MS. The
   * producer is usually running on the other core and about to put; a park and the wake it needs cost more
   * than the spin on a busy machine. Only reads: the attempt that follows decides.
   */
  #spinForItem(deadline: number): void {
    const view = this.#view;
    const until = Math.min(deadline, performance.now() + WAIT_SPIN_MS);
    for (
      let i = 1;
      Atomics.load(view, PUT_ITEMS) === Atomics.load(view, GET_ITEMS) && Atomics.load(view, CLOSED) === 0;
      i++
    ) {
      if ((i & 63) === 0 && performance.now() > until) return;
    }
  }

  /** Before a sync put parks: spins while a record of `size` bytes looks as if it does not fit (as above). */
  #spinForRoom(size: number, deadline: number): void {
    const view = this.#view;
    const maxsize = this.#maxsize;
    const room = this.#capacity - size;
    const until = Math.min(deadline, performance.now() + WAIT_SPIN_MS);
    for (let i = 1; Atomics.load(view, CLOSED) === 0; i++) {
      if (
        (maxsize === 0 || ((Atomics.load(view, PUT_ITEMS) - Atomics.load(view, GET_ITEMS)) | 0) < maxsize) &&
        (Atomics.load(view, PUT_BYTES) - Atomics.load(view, GET_BYTES)) >>> 0 <= room
      ) {
        return;
      }
      if ((i & 63) === 0 && performance.now() > until) return;
    }
  }

  #unlock(index: number): void {
    if (Atomics.exchange(this.#view, index, UNLOCKED) === CONTENDED) wake(this.#view, index);
  }

  /**
   * Announces a waiter on the event word `index` (NOT_EMPTY or NOT_FULL): sets its ARMED bit, so that the
   * next change of the condition wakes the word, and returns the word's value to park on.
   */
  #arm(index: number): number {
    const view = this.#view;
    for (;;) {
      const value = Atomics.load(view, index);
      if (value & ARMED) return value;
      if (Atomics.compareExchange(view, index, value, value | ARMED) === value) return value | ARMED;
    }
  }

  /**
   * Signals the event word `index` after the condition changed: when a waiter armed it, a new sequence number,
   * the bit cleared, and a wake. Unarmed, it only reads the word (no write to a line the other side reads).
   */
  #signal(index: number): void {
    const view = this.#view;
    if (Atomics.load(view, index) & ARMED) {
      Atomics.add(view, index, STEP);
      Atomics.and(view, index, ~ARMED);
      wake(view, index);
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Put

  #encode(item: T, api: string): Encoded {
    const encoded = encode(item, api);
    const size = recordSize(encoded.bytes.length);
    if (size > this.#capacity) {
      throw new RangeError(
        `${api}: the item takes ${size} bytes in the queue (${encoded.bytes.length} encoded + header), ` +
          `more than its whole capacity of ${this.#capacity} bytes`,
      );
    }
    return encoded;
  }

  /**
   * Writes the item if there is room; otherwise announces `putter` (when given) and returns the NOT_FULL value
   * to park on. Throws {@link QueueClosedError} on a closed queue.
   */
  #attemptPut(encoded: Encoded, putter: Putter | null, api: string): number | true {
    const view = this.#view;
    const bytes = encoded.bytes;
    const size = recordSize(bytes.length);
    this.#lock(PUT_LOCK);
    // CLOSED only changes under PUT_LOCK: this read is exact.
    if (Atomics.load(view, CLOSED)) {
      this.#unlock(PUT_LOCK);
      throw new QueueClosedError(`${api}: the queue is closed`);
    }
    if (!this.#fits(size)) {
      if (!putter) {
        this.#unlock(PUT_LOCK);
        return Atomics.load(view, NOT_FULL);
      }
      if (!putter.announced) {
        putter.announced = true;
        Atomics.add(view, PUTTERS, 1);
      }
      // Arm, then look again: a get between the first look and the arming would not have woken us.
      const expected = this.#arm(NOT_FULL);
      if (!this.#fits(size)) {
        this.#unlock(PUT_LOCK);
        return expected;
      }
    }
    const tail = view[TAIL];
    this.#ring32[tail >> 2] = bytes.length;
    this.#ring32[(tail >> 2) + 1] = encoded.type | (encoded.kind << 8);
    this.#copyIn(bytes, wrap(tail, RECORD_HEADER, this.#capacity));
    view[TAIL] = wrap(tail, size, this.#capacity);
    view[PUT_BYTES] = (view[PUT_BYTES] + size) | 0;
    if (this.#countsTasks) Atomics.add(view, UNFINISHED, 1);
    // Publishes the record: a consumer that reads the new PUT_ITEMS also sees the bytes written before it.
    Atomics.store(view, PUT_ITEMS, (view[PUT_ITEMS] + 1) | 0);
    this.#unlock(PUT_LOCK);
    this.#signal(NOT_EMPTY);
    return true;
  }

  /**
   * Whether a record of `size` bytes fits now; the caller holds PUT_LOCK. Looks at the producers' cached copies
   * of the consumers' counters first, and reads the counters themselves (lines the consumers write) only when
   * the copies show no room: consumers only make room, so the copies can only understate it.
   */
  #fits(size: number): boolean {
    const view = this.#view;
    const maxsize = this.#maxsize;
    if (maxsize !== 0 && ((view[PUT_ITEMS] - view[SEEN_GET_ITEMS]) | 0) >= maxsize) {
      view[SEEN_GET_ITEMS] = Atomics.load(view, GET_ITEMS);
      if (((view[PUT_ITEMS] - view[SEEN_GET_ITEMS]) | 0) >= maxsize) return false;
    }
    const room = this.#capacity - size;
    if ((view[PUT_BYTES] - view[SEEN_GET_BYTES]) >>> 0 > room) {
      view[SEEN_GET_BYTES] = Atomics.load(view, GET_BYTES);
      if ((view[PUT_BYTES] - view[SEEN_GET_BYTES]) >>> 0 > room) return false;
    }
    return true;
  }

  #copyIn(bytes: Uint8Array, at: number): void {
    const ring = this.#ring;
    const length = bytes.length;
    const first = Math.min(length, this.#capacity - at);
    if (length <= 64) {
      for (let i = 0; i < first; i++) ring[at + i] = bytes[i];
      for (let i = first; i < length; i++) ring[i - first] = bytes[i];
      return;
    }
    ring.set(first === length ? bytes : bytes.subarray(0, first), at);
    if (first < length) ring.set(bytes.subarray(first), 0);
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
    const view = this.#view;
    const putter: Putter = { encoded: blocking ? encoded : Queue.#own(encoded), announced: false };
    return {
      view,
      index: NOT_FULL,
      attempt: () => this.#attemptPut(putter.encoded, putter, api),
      leave: () => {
        if (putter.announced) Atomics.sub(view, PUTTERS, 1);
      },
    };
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
    if (this.#attemptPut(encoded, null, 'Queue.put') === true) return;
    if (!(await waitAsync(this.#putPlan(encoded, 'Queue.put', false), deadline, signal))) {
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
    this.#spinForRoom(recordSize(encoded.bytes.length), deadline);
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
    const view = this.#view;
    this.#lock(GET_LOCK);
    const taken = view[GET_ITEMS];
    if (view[SEEN_PUT_ITEMS] === taken) {
      // No record known yet: read the producers' counter. CLOSED before PUT_ITEMS: once CLOSED is seen, every
      // put has published (close() takes PUT_LOCK).
      let closed = Atomics.load(view, CLOSED);
      let put = Atomics.load(view, PUT_ITEMS);
      if (put === taken) {
        if (closed) {
          this.#unlock(GET_LOCK);
          throw new QueueClosedError(`${api}: the queue is closed and drained`);
        }
        if (!getter.waits) {
          this.#unlock(GET_LOCK);
          return Atomics.load(view, NOT_EMPTY);
        }
        if (!getter.announced) {
          getter.announced = true;
          Atomics.add(view, GETTERS, 1);
        }
        // Arm, then look again: a put or close between the first look and the arming would not have woken us.
        const expected = this.#arm(NOT_EMPTY);
        closed = Atomics.load(view, CLOSED);
        put = Atomics.load(view, PUT_ITEMS);
        if (put === taken) {
          this.#unlock(GET_LOCK);
          if (closed) throw new QueueClosedError(`${api}: the queue is closed and drained`);
          return expected;
        }
      }
      view[SEEN_PUT_ITEMS] = put;
    }
    const head = view[HEAD];
    const length = this.#ring32[head >> 2];
    const typeWord = this.#ring32[(head >> 2) + 1];
    const type = (typeWord & 0xff) as ItemType;
    // Raw items become the result's own buffer; the others are decoded from this thread's inbox.
    let bytes: Uint8Array;
    if (type !== ItemType.Buffer && type !== ItemType.View) {
      bytes = inboxOf(length);
    } else if (length < ALLOCATE_OUTSIDE_LOCK) {
      bytes = new Uint8Array(length);
    } else if (getter.spare?.length === length) {
      bytes = getter.spare;
      getter.spare = undefined;
    } else {
      // Allocating a large buffer (and the collection it may trigger) must not hold the lock: release it,
      // allocate, and try again; the head is usually the same record then.
      this.#unlock(GET_LOCK);
      getter.spare = freshBytes(length);
      return this.#attemptGet(getter, api);
    }
    this.#copyOut(bytes, wrap(head, RECORD_HEADER, this.#capacity));
    const size = recordSize(length);
    view[HEAD] = wrap(head, size, this.#capacity);
    Atomics.store(view, GET_ITEMS, (taken + 1) | 0);
    // Frees the bytes only once they are copied out, and in ring order (consumers hold GET_LOCK meanwhile).
    Atomics.store(view, GET_BYTES, (view[GET_BYTES] + size) | 0);
    this.#unlock(GET_LOCK);
    this.#signal(NOT_FULL);
    getter.item = decode(type, typeWord >>> 8, bytes);
    return true;
  }

  #copyOut(bytes: Uint8Array, at: number): void {
    const ring = this.#ring;
    const length = bytes.length;
    const first = Math.min(length, this.#capacity - at);
    if (length <= 64) {
      for (let i = 0; i < first; i++) bytes[i] = ring[at + i];
      for (let i = first; i < length; i++) bytes[i] = ring[i - first];
      return;
    }
    bytes.set(ring.subarray(at, at + first));
    if (first < length) bytes.set(ring.subarray(0, length - first), first);
  }

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
    const view = this.#view;
    getter.waits = true;
    return {
      view,
      index: NOT_EMPTY,
      attempt: () => this.#attemptGet(getter, api),
      leave: () => {
        if (getter.announced) Atomics.sub(view, GETTERS, 1);
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
    if (this.#attemptGet(getter, 'Queue.get') === true) return getter.item as T;
    if (!(await waitAsync(this.#getPlan(getter, 'Queue.get'), deadline, signal))) {
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
    this.#spinForItem(deadline);
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
    const view = this.#view;
    // Under PUT_LOCK, so that no put is half-way through when CLOSED becomes visible.
    this.#lock(PUT_LOCK);
    Atomics.store(view, CLOSED, 1);
    this.#unlock(PUT_LOCK);
    // Every waiter, armed or not, re-checks and finds the queue closed.
    Atomics.and(view, NOT_EMPTY, ~ARMED);
    Atomics.add(view, NOT_EMPTY, STEP);
    Atomics.and(view, NOT_FULL, ~ARMED);
    Atomics.add(view, NOT_FULL, STEP);
    wake(view, NOT_EMPTY);
    wake(view, NOT_FULL);
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
    return Atomics.load(this.#view, CLOSED) !== 0;
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
    const view = this.#view;
    // GET_ITEMS first: PUT_ITEMS read later is at least as large, so the difference is never negative.
    const taken = Atomics.load(view, GET_ITEMS);
    const count = (Atomics.load(view, PUT_ITEMS) - taken) | 0;
    return this.#maxsize > 0 && count > this.#maxsize ? this.#maxsize : count;
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
    return this.#maxsize > 0 && this.qsize() >= this.#maxsize;
  }

  /** @internal The header words, for `JoinableQueue`. */
  protected get words(): Int32Array {
    return this.#view;
  }
}

function parseOptions(options: QueueOptions | undefined, api: string): { maxsize: number; capacity: number } {
  if (options === undefined) return { maxsize: 0, capacity: Queue.DEFAULT_CAPACITY };
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(
      `${api}: options must be an object ({ maxsize, capacity }), got ${options === null ? 'null' : typeof options}`,
    );
  }
  const { maxsize = 0, capacity = Queue.DEFAULT_CAPACITY } = options;
  if (!Number.isInteger(maxsize) || maxsize < 0 || maxsize > MAX_MAXSIZE) {
    throw new RangeError(
      `${api}: maxsize must be a non-negative integer (0 for no limit), got ${String(maxsize)}`,
    );
  }
  if (!Number.isInteger(capacity) || capacity <= 0 || capacity > MAX_CAPACITY) {
    throw new RangeError(
      `${api}: capacity must be a positive integer number of bytes up to 2^30, got ${String(capacity)}`,
    );
  }
  return { maxsize, capacity: align8(capacity) };
}

/** {@link attach}, plus the check that the buffer holds the whole ring its header announces. */
export function attachQueue(kind: Kind, received: unknown): Placement {
  const placement = attach(kind, received);
  const capacity = new Int32Array(placement.buffer, placement.byteOffset, HEADER_BYTES / 4)[CAPACITY];
  if (placement.byteOffset + HEADER_BYTES + capacity > placement.buffer.byteLength) {
    throw new TypeError(
      `${kind.name}.from: expected a ${kind.name} or its clone, got a SharedArrayBuffer of ` +
        `${placement.buffer.byteLength} bytes, too small for its ring of ${capacity} bytes`,
    );
  }
  return placement;
}

registerReviver(KIND, (received) => Queue.from(received));
