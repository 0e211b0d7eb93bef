/**
 * The Queue's memory and its ring protocol: where every word lives, how a record is laid out, how a producer
 * publishes a record and a consumer removes one. Waiting (the event words) is in `queueSignal.ts`; the public
 * API in `Queue.ts`.
 *
 * ## Memory layout (Int32 words from `byteOffset`, then the ring)
 * Eight 64-byte cache lines. Each side's private words (its lock and its caches of the other side's counters)
 * have a line of their own, and so do the words each side *publishes*: on every item a producer writes only its
 * private line and its published line (and the ring), and a consumer reads the producers' published line only
 * when it has no record in view. A side never writes a line the other side reads on every item.
 *
 * | word | line | name           | meaning                                                                  |
 * |------|------|----------------|--------------------------------------------------------------------------|
 * | 0    | 0    | TAG            | kind tag (see `shared.ts`)                                               |
 * | 1    | 0    | CLOSED         | 0 open, 1 closed (never goes back; written under PUT_LOCK)               |
 * | 2    | 0    | MAXSIZE        | item limit, 0 for none (written once)                                    |
 * | 3    | 0    | CAPACITY       | bytes in the ring, a multiple of 8 (written once)                        |
 * | 16   | 1    | PUT_LOCK       | producers' mutex (`mutex.ts`: Drepper's three states)                   |
 * | 17   | 1    | SEEN_GET_ITEMS | a past value of GET_ITEMS: producers' cache (under PUT_LOCK)             |
 * | 18   | 1    | SEEN_GET_POS   | a past value of GET_POS: producers' cache (under PUT_LOCK)               |
 * | 19   | 1    | PUT_UNDO_ITEMS | PUT_ITEMS before the put under way (see "stops" below)                   |
 * | 20   | 1    | PUT_UNDO_POS   | the PUT_POS the put under way is about to store                          |
 * | 32   | 2    | PUT_POS        | where the next record goes, as a position (below): **publishes** records |
 * | 33   | 2    | PUT_ITEMS      | items ever put, wrapping at 2^32 (under PUT_LOCK)                        |
 * | 48   | 3    | GET_LOCK       | consumers' mutex                                                         |
 * | 49   | 3    | SEEN_PUT_POS   | a past value of PUT_POS: consumers' cache (under GET_LOCK)               |
 * | 50   | 3    | GET_UNDO_ITEMS | GET_ITEMS before the get under way                                       |
 * | 51   | 3    | GET_UNDO_POS   | the GET_POS the get under way is about to store                          |
 * | 52   | 3    | GET_UNDO_SLOT  | `JoinableQueue`: the getting thread's entry in the table of consumers    |
 * | 53   | 3    | GET_UNDO_HELD  | `JoinableQueue`: that entry's task count before the get                  |
 * | 64   | 4    | GET_POS        | where the oldest record starts, as a position: **removes** records       |
 * | 65   | 4    | GET_ITEMS      | items ever taken, wrapping (under GET_LOCK)                              |
 * | 80   | 5    | NOT_EMPTY      | event word consumers park on (`queueSignal.ts`)                          |
 * | 81   | 5    | GETTERS        | consumers announced as waiting                                           |
 * | 96   | 6    | NOT_FULL       | event word producers park on                                             |
 * | 97   | 6    | PUTTERS        | producers announced as waiting                                           |
 * | 112  | 7    | TASKS_DONE     | `JoinableQueue`: `taskDone()` calls ever, wrapping; unfinished tasks are `(PUT_ITEMS − TASKS_DONE) \| 0` |
 * | 113  | 7    | JOINERS        | `JoinableQueue`: threads announced as waiting in `join`                  |
 * | 114  | 7    | ABANDONED      | `JoinableQueue`: tasks ever abandoned by consumers that died             |
 * | 115  | 7    | ABANDONER      | `JoinableQueue`: the last such consumer's thread id                      |
 * | 512 B… |    | RING           | `CAPACITY` bytes of records                                              |
 * | after the ring | | CONSUMERS | `JoinableQueue`: 64 entries `[thread id, tasks held]` (512 bytes)         |
 *
 * **Positions.** PUT_POS and GET_POS count bytes modulo 2·CAPACITY (the "one lap ahead" trick of ring
 * buffers): the ring offset is the position, or the position − CAPACITY in the second lap, and the bytes in use
 * are `(PUT_POS − GET_POS) mod 2·CAPACITY`, which tells a full ring (CAPACITY) from an empty one (0). So one
 * word says both where a side is and how far it has gone: publishing a record is one store, and so is removing
 * one. (Positions reach 2^31 − 8 at most: they are read back with `>>> 0`.)
 *
 * The queue holds `(PUT_ITEMS − GET_ITEMS) | 0` items (exact despite the wrapping: never more than 2^31 − 1).
 *
 * A record is `[u32 length][u32 item type | view kind << 8][payload][padding to 8]`: `8 + align8(length)` bytes.
 * Records start at multiples of 8 and the capacity is a multiple of 8, so a header never wraps; a payload that
 * reaches the end of the ring continues at its start.
 *
 * ## Protocol: a two-lock queue (Michael and Scott, "Simple, Fast, and Practical Non-Blocking and Blocking
 * Concurrent Queue Algorithms", 1996) over a byte ring
 * Producers serialize on PUT_LOCK and consumers on GET_LOCK, so a put and a get proceed in parallel; each lock is
 * held for the copy of one record (or one batch), so a contended taker spins briefly and then parks
 * synchronously. Each side writes only its own words and reads the other side's published words.
 *
 * A producer checks room against SEEN_GET_ITEMS / SEEN_GET_POS, values of the consumers' words that it or an
 * earlier producer read; only when they show no room does it read GET_ITEMS / GET_POS again (consumers only
 * make room, so a stale copy only understates it). It writes the record at PUT_POS's offset, counts it in
 * PUT_ITEMS, and publishes it by storing the new PUT_POS (sequentially consistent: a consumer that reads the new
 * PUT_POS also sees the bytes and the count written before it). A consumer takes a record when its SEEN_PUT_POS
 * is ahead of GET_POS, and otherwise reads CLOSED, then PUT_POS, into SEEN_PUT_POS first. It copies the record
 * out, counts it in GET_ITEMS, and removes it by storing the new GET_POS, still under GET_LOCK: bytes are freed
 * in ring order, and never while another consumer is copying them. `close()` sets CLOSED under PUT_LOCK, so a
 * consumer that sees CLOSED (it reads CLOSED before PUT_POS) sees every put that will ever be published.
 *
 * ## What another thread sees if a writer stops between two steps ("stops")
 * A thread can end at any instruction. Every change of the queue is one store that comes after
 * everything it makes visible, so a put has enqueued all of its item (or batch) or nothing, and a get has removed
 * whole items or nothing. What a dead writer can leave behind is its lock (held, and taken over by the next
 * thread that wants it, see `mutex.ts`) and a count ahead of the bytes. So before it changes a count, a writer
 * saves what a successor needs to undo it, in its side's private line: the count's value before the change
 * (PUT_UNDO_ITEMS / GET_UNDO_ITEMS; for a `JoinableQueue`'s get also the entry of this consumer and its task
 * count, GET_UNDO_SLOT / GET_UNDO_HELD), then the position it is about to store (PUT_UNDO_POS / GET_UNDO_POS).
 *
 * | a put or get stopped…                          | the queue                       | what the successor sees and does |
 * |------------------------------------------------|---------------------------------|----------------------------------|
 * | while copying the record(s)                    | unchanged (bytes past PUT_POS are free space) | UNDO_POS = the position: nothing |
 * | after the undo words, before the position      | unchanged (a put's records are whole but unpublished; a get's are still there) | UNDO_POS ≠ the position: the counts go back to the saved values |
 * | after the position (before the unlock)         | holds the put item / the got item is gone with the dead thread | UNDO_POS = the position: nothing |
 *
 * The successor is whoever takes the side's lock over (`Ring.#undo`, holding the lock, so nobody else changes
 * those words meanwhile), or `Ring.settle`, which `qsize()` and a `JoinableQueue`'s counts call: when a thread
 * has died since it last looked, it takes over a lock whose holder is dead, which undoes, and releases it. The
 * undo words are written in program order before the count; a thread ends only where V8 checks for
 * interrupts, and every store made before that is visible to the thread that learns of its death (through the
 * registry's sequentially consistent words). A thread that dies while parked holds no lock and leaves a waiter
 * count one too high and perhaps an armed event word: one wake that nobody needed. A thread that dies after its
 * position and before its signal (`queueSignal.ts`) leaves the other side's parked waiters unwoken beside the
 * item or the room: every wait for an item or for room watches deaths (`wait.ts`: async waits are woken by the
 * registry's death watch, sync ones park in slices of `DEATH_POLL_MS`) and looks again once the death is
 * recorded.
 *
 * ## A `JoinableQueue`'s consumers
 * Its unfinished count is PUT_ITEMS − TASKS_DONE (so it is exact whenever PUT_ITEMS is), and after its ring it
 * has a table of {@link CONSUMER_SLOTS} entries `[thread id, tasks held]`: a consumer claims an entry on its first
 * get (under GET_LOCK) and counts the items it takes there, under GET_LOCK and before the store of GET_POS (so a
 * get that removed an item has always counted it); `taskDone()` counts down the calling thread's entry after
 * TASKS_DONE. A joiner (or `unfinishedTasks()`), once a thread has died since it last looked, takes GET_LOCK and
 * marks done the tasks of every dead thread's entry (at most GET_ITEMS − TASKS_DONE, the tasks got and not done
 * by anyone), adds them to ABANDONED, stores the thread in ABANDONER and frees the entry; a `join` that sees
 * ABANDONED change reports it with `OwnerDiedError`. A consumer beyond the table's size, or a `taskDone()` made
 * by another thread than the one that got the item, is not tracked: its death abandons nothing (join then waits
 * as Python's does), or marks done tasks that another thread still holds (a `join` may then return before they
 * are done).
 *
 * @internal
 * @module
 */

import { type Encoded, ItemType, isScratchView, scratchWords } from './codec';
import { holderOf, internalLockPlan, type LockPlan, tryLock, UNLOCKED, unlockInternal } from './mutex';
import { isDead, settledDeathCount } from './registry';
import { align8, defineKind, type Kind } from './shared';
import { SpinBudget } from './spin';
import { currentThreadId } from './thread';
import { mayBlock, waitSync, wake } from './wait';

/** Thrown by {@link Ring.lock} when {@link Ring.noPark} is set and the lock is still held after the spin. */
export const LOCK_BUSY: Error = new Error('Ring.lock: busy (caught by the async forms of Queue)');

/** Bytes of the header words before the ring (eight cache lines). */
export const HEADER_BYTES = 512;

// Line 0: read-mostly.
export const CLOSED = 1;
export const MAXSIZE = 2;
export const CAPACITY = 3;
// Line 1: producers' private words.
export const PUT_LOCK = 16;
const SEEN_GET_ITEMS = 17;
const SEEN_GET_POS = 18;
export const PUT_UNDO_ITEMS = 19;
export const PUT_UNDO_POS = 20;
// Line 2: what producers publish.
export const PUT_POS = 32;
export const PUT_ITEMS = 33;
// Line 3: consumers' private words.
export const GET_LOCK = 48;
const SEEN_PUT_POS = 49;
export const GET_UNDO_ITEMS = 50;
export const GET_UNDO_POS = 51;
export const GET_UNDO_SLOT = 52;
export const GET_UNDO_HELD = 53;
// Line 4: what consumers publish.
export const GET_POS = 64;
export const GET_ITEMS = 65;
// Lines 5-7: waiting (queueSignal.ts) and JoinableQueue.
export const NOT_EMPTY = 80;
export const GETTERS = 81;
export const NOT_FULL = 96;
export const PUTTERS = 97;
export const TASKS_DONE = 112;
export const JOINERS = 113;
export const ABANDONED = 114;
export const ABANDONER = 115;

/** Entries of a `JoinableQueue`'s table of consumers (thread id, tasks it got and has not marked done). */
export const CONSUMER_SLOTS = 64;
const SLOT_WORDS = 2;
/** No table entry: not looked for yet, or none (a plain `Queue`, or a full table). */
const NO_SLOT = -1;
const UNTRACKED = -2;

/** A `JoinableQueue`: a Queue's header, then (after the ring) its table of consumers. */
export const JOINABLE_KIND: Kind = defineKind(
  'JoinableQueue',
  13,
  HEADER_BYTES + CONSUMER_SLOTS * SLOT_WORDS * 4,
);

export const RECORD_HEADER = 8;
/** The largest capacity: positions run to 2·capacity and must fit in 31 bits. */
export const MAX_CAPACITY = 2 ** 30;
/** How long a thread spins for one of the queue's locks before parking, at most. */
const LOCK_SPIN_MS = 0.05;
// This thread's budget for that spin (see spin.ts).
const lockSpin = new SpinBudget(LOCK_SPIN_MS);

/** Bytes a record of `length` payload bytes takes in the ring. */
export function recordSize(length: number): number {
  return RECORD_HEADER + align8(length);
}

/** Raw records from this size on get their buffer allocated outside the lock (see `Queue.#attemptGet`). */
export const ALLOCATE_OUTSIDE_LOCK = 2048;

/**
 * A fresh buffer of exactly `length` bytes for a raw item: a plain `Uint8Array` over its own buffer. (Node's
 * `Buffer.allocUnsafeSlow`, which skips the zero-filling, measured 15-25% slower for 4-16 KB items, copy
 * included, and the same at 1 MB: its call into Node's binding costs more than the zeroing saves.)
 */
export function freshBytes(length: number): Uint8Array {
  return new Uint8Array(length);
}

/** A record copied out of the ring: its type, view kind and bytes (in the thread's inbox, or its own buffer). */
export interface Taken {
  type: ItemType;
  kind: number;
  bytes: Uint8Array;
}

// This thread's buffer for records that are decoded as soon as they are copied out (reused: decoding is
// synchronous and finishes before the next take). A batch take lays its records one after another.
let inbox = new Uint8Array(16 * 1024);
/** The inbox as 32-bit words, for copying a small record out by words (see Ring.#copyOut). */
let inboxWords = new Int32Array(inbox.buffer);
// The last view handed out by inboxAt: items of one shape come one after another, and a fresh subarray per item
// costs more than the rest of a small item's copy.
let inboxView = inbox.subarray(0, 0);

function inboxAt(start: number, length: number): Uint8Array {
  if (start === 0 && inboxView.length === length && inboxView.buffer === inbox.buffer) return inboxView;
  if (inbox.length < start + length) {
    // A multiple of 8, as inboxWords needs (an odd size would make its Int32Array view throw).
    const grown = new Uint8Array(align8(Math.max(start + length, inbox.length * 2)));
    grown.set(inbox.subarray(0, start));
    inbox = grown;
    inboxWords = new Int32Array(grown.buffer);
  }
  const view = inbox.subarray(start, start + length);
  if (start === 0) inboxView = view;
  return view;
}

/**
 * A view of one queue's memory: its words and its ring, and the steps of the protocol above. Stateless (every
 * field is fixed at creation); the caller holds the lock a step requires.
 */
export class Ring {
  readonly words: Int32Array;
  readonly #bytes: Uint8Array;
  readonly #ring32: Int32Array;
  readonly capacity: number;
  /** 2 · capacity: positions wrap there. */
  readonly #laps: number;
  readonly maxsize: number;
  /** A `JoinableQueue`'s table of consumers (after the ring), or none. */
  readonly #slots: Int32Array | undefined;
  /** This thread's entry in {@link Ring.#slots} (its first word), {@link NO_SLOT} or {@link UNTRACKED}. */
  #slot = NO_SLOT;
  /** The registry's death count when this view last looked for dead lock holders (see {@link Ring.settle}). */
  #settled = 0;
  /** The same, for dead consumers (see {@link Ring.reapDeadConsumers}). */
  #reaped = 0;

  constructor(buffer: SharedArrayBuffer, byteOffset: number) {
    this.words = new Int32Array(buffer, byteOffset, HEADER_BYTES / 4);
    this.capacity = this.words[CAPACITY];
    this.#laps = 2 * this.capacity;
    this.maxsize = this.words[MAXSIZE];
    this.#bytes = new Uint8Array(buffer, byteOffset + HEADER_BYTES, this.capacity);
    this.#ring32 = new Int32Array(buffer, byteOffset + HEADER_BYTES, this.capacity / 4);
    if (this.words[0] === JOINABLE_KIND.tag) {
      this.#slots = new Int32Array(
        buffer,
        byteOffset + HEADER_BYTES + this.capacity,
        CONSUMER_SLOTS * SLOT_WORDS,
      );
    } else {
      this.#slot = UNTRACKED;
    }
  }

  /** Ring offset of a position. */
  #offset(pos: number): number {
    return pos >= this.capacity ? pos - this.capacity : pos;
  }

  /** The position `bytes` after `pos`. */
  #advance(pos: number, bytes: number): number {
    const next = pos + bytes;
    return next >= this.#laps ? next - this.#laps : next;
  }

  /** Bytes in use from `getPos` to `putPos`. */
  #used(putPos: number, getPos: number): number {
    const used = putPos - getPos;
    return used < 0 ? used + this.#laps : used;
  }

  // -----------------------------------------------------------------------------------------------------------
  // Locks (mutex.ts's word; held for one record or one batch)

  /**
   * Set by the async forms while they attempt (see `Queue.#attemptAsync`): a lock still held after the spin is
   * then not waited for by parking the thread; {@link LOCK_BUSY} is thrown instead, before anything changed.
   */
  noPark = false;
  /** After {@link LOCK_BUSY}: the lock word that was held, and its value to park on (marked CONTENDED). */
  busyIndex = 0;
  busyWord = 0;

  lock(index: number): void {
    if (!tryLock(this.words, index)) this.#lockContended(index);
  }

  #lockContended(index: number): void {
    const words = this.words;
    // The holder is copying a record, which for a large item takes microseconds: spin (adaptively, see
    // spin.ts) before parking, since a park and its wake cost more than that when the holder is running.
    if (lockSpin.spin(() => Atomics.load(words, index) !== UNLOCKED, Number.POSITIVE_INFINITY)) {
      if (tryLock(words, index)) return;
    }
    // A holder that died is taken over (mutex.ts), and what it left half-way is undone (see the table above).
    const plan: LockPlan = internalLockPlan(words, index);
    if (this.noPark) {
      // An async caller: its holder may be a worker this thread created and that died, whose death this thread
      // records only when its event loop runs, so parking here could wait forever. A dead holder whose death
      // is recorded is taken over at once.
      const word = plan.attempt();
      if (word !== true) {
        this.busyIndex = index;
        this.busyWord = word;
        throw LOCK_BUSY;
      }
    } else if (mayBlock) {
      waitSync(plan, Number.POSITIVE_INFINITY);
    } else {
      // A thread that may not park (a browser's main thread) spins: the holder is copying one record.
      while (plan.attempt() !== true);
    }
    if (plan.died !== 0) this.#undo(index, plan.died);
  }

  /**
   * Undoes the count update of a put or get whose thread died holding the lock at `index` (now held by the
   * caller) before it published its position: the position it was about to store (the UNDO_POS word, written
   * before the counts) is not there, so the counts go back to the values it saved before changing them.
   */
  #undo(index: number, died: number): void {
    const words = this.words;
    if (index === PUT_LOCK) {
      if (words[PUT_POS] !== words[PUT_UNDO_POS]) {
        words[PUT_ITEMS] = words[PUT_UNDO_ITEMS];
        words[PUT_UNDO_POS] = words[PUT_POS];
      }
      return;
    }
    if (words[GET_POS] !== words[GET_UNDO_POS]) {
      Atomics.store(words, GET_ITEMS, words[GET_UNDO_ITEMS]);
      const slots = this.#slots;
      const slot = words[GET_UNDO_SLOT];
      // The dead consumer's own entry (it held GET_LOCK, so it wrote GET_UNDO_SLOT); its count goes back too.
      if (slots && slot >= 0 && slots[slot] === died) slots[slot + 1] = words[GET_UNDO_HELD];
      words[GET_UNDO_POS] = words[GET_POS];
    }
  }

  /**
   * Takes over and repairs either lock if its holder has died since this view last looked, so that the counts
   * (`qsize()`, a `JoinableQueue`'s unfinished tasks) are exact even when no put or get comes along to do it.
   * Costs one load while nobody dies.
   */
  settle(): void {
    // -1 (a death being recorded) is never remembered as looked at: see settledDeathCount.
    const deaths = settledDeathCount();
    if (deaths >= 0 && deaths === this.#settled) return;
    this.#settled = deaths;
    const noPark = this.noPark;
    // Never parks: a lock held by a live thread after all was taken over by it, which did the repair.
    this.noPark = true;
    try {
      for (const index of [PUT_LOCK, GET_LOCK]) {
        const word = Atomics.load(this.words, index);
        if (word !== UNLOCKED && isDead(holderOf(word))) {
          try {
            this.lock(index);
          } catch (error) {
            if (error !== LOCK_BUSY) throw error;
            continue;
          }
          this.unlock(index);
        }
      }
    } finally {
      this.noPark = noPark;
    }
  }

  unlock(index: number): void {
    unlockInternal(this.words, index);
  }

  /** Whether the lock at `index` is held (diagnostics). */
  isLocked(index: number): boolean {
    return Atomics.load(this.words, index) !== UNLOCKED;
  }

  // -----------------------------------------------------------------------------------------------------------
  // Producers (under PUT_LOCK)

  /**
   * Whether `items` more records of `bytes` bytes in all fit now. Looks at the producers' copies of the
   * consumers' words first, and reads the words themselves (a line the consumers write) only when the copies
   * show no room.
   */
  fits(bytes: number, items: number): boolean {
    const words = this.words;
    const maxsize = this.maxsize;
    if (maxsize !== 0 && ((words[PUT_ITEMS] - words[SEEN_GET_ITEMS]) | 0) > maxsize - items) {
      words[SEEN_GET_ITEMS] = Atomics.load(words, GET_ITEMS);
      if (((words[PUT_ITEMS] - words[SEEN_GET_ITEMS]) | 0) > maxsize - items) return false;
    }
    const putPos = words[PUT_POS] >>> 0;
    const room = this.capacity - bytes;
    if (this.#used(putPos, words[SEEN_GET_POS] >>> 0) > room) {
      words[SEEN_GET_POS] = Atomics.load(words, GET_POS);
      if (this.#used(putPos, words[SEEN_GET_POS] >>> 0) > room) return false;
    }
    return true;
  }

  /**
   * Writes the records at PUT_POS, counts them, and publishes them all with one store of PUT_POS. The caller
   * checked {@link Ring.fits} for them under the same hold of PUT_LOCK.
   */
  write(records: readonly Encoded[], count: number): void {
    const words = this.words;
    let pos = words[PUT_POS] >>> 0;
    for (let i = 0; i < count; i++) {
      const { bytes, type, kind } = records[i];
      const at = this.#offset(pos);
      this.#ring32[at >> 2] = bytes.length;
      this.#ring32[(at >> 2) + 1] = type | (kind << 8);
      this.#copyIn(bytes, at + RECORD_HEADER === this.capacity ? 0 : at + RECORD_HEADER);
      pos = this.#advance(pos, recordSize(bytes.length));
    }
    // What a producer that takes the lock over from this thread, dead before the store of PUT_POS, undoes.
    const items = words[PUT_ITEMS];
    words[PUT_UNDO_ITEMS] = items;
    words[PUT_UNDO_POS] = pos;
    words[PUT_ITEMS] = (items + count) | 0;
    // The publication: a consumer that reads this position also sees every byte and count written above.
    Atomics.store(words, PUT_POS, pos);
  }

  /** {@link Ring.write} of one record, without the array. */
  writeOne(encoded: Encoded): void {
    const words = this.words;
    const bytes = encoded.bytes;
    const pos = words[PUT_POS] >>> 0;
    const at = this.#offset(pos);
    this.#ring32[at >> 2] = bytes.length;
    this.#ring32[(at >> 2) + 1] = encoded.type | (encoded.kind << 8);
    this.#copyIn(bytes, at + RECORD_HEADER === this.capacity ? 0 : at + RECORD_HEADER);
    const next = this.#advance(pos, recordSize(bytes.length));
    const items = words[PUT_ITEMS];
    words[PUT_UNDO_ITEMS] = items;
    words[PUT_UNDO_POS] = next;
    words[PUT_ITEMS] = (items + 1) | 0;
    Atomics.store(words, PUT_POS, next);
  }

  #copyIn(bytes: Uint8Array, at: number): void {
    const ring = this.#bytes;
    const length = bytes.length;
    const first = Math.min(length, this.capacity - at);
    if (length <= 64) {
      // An encoding in the scratch buffer (offset 0) into a payload that does not wrap (`at` is 8-aligned): by
      // words, then the last bytes.
      if (first === length && isScratchView(bytes)) {
        const words = length >> 2;
        const ring32 = this.#ring32;
        const from = scratchWords;
        const to = at >> 2;
        for (let i = 0; i < words; i++) ring32[to + i] = from[i];
        for (let i = words << 2; i < length; i++) ring[at + i] = bytes[i];
        return;
      }
      for (let i = 0; i < first; i++) ring[at + i] = bytes[i];
      for (let i = first; i < length; i++) ring[i - first] = bytes[i];
      return;
    }
    ring.set(first === length ? bytes : bytes.subarray(0, first), at);
    if (first < length) ring.set(bytes.subarray(first), 0);
  }

  /** Sets CLOSED; the caller holds PUT_LOCK, so no put is half-way through when it becomes visible. */
  markClosed(): void {
    Atomics.store(this.words, CLOSED, 1);
  }

  // -----------------------------------------------------------------------------------------------------------
  // Consumers (under GET_LOCK)

  /**
   * Whether a record is in view: from the consumers' copy of PUT_POS first, else from PUT_POS itself (read
   * after CLOSED, which {@link Ring.closedWhenEmpty} relies on).
   */
  hasRecord(): boolean {
    const words = this.words;
    const getPos = words[GET_POS];
    if (words[SEEN_PUT_POS] !== getPos) return true;
    const putPos = Atomics.load(words, PUT_POS);
    if (putPos === getPos) return false;
    words[SEEN_PUT_POS] = putPos;
    return true;
  }

  /**
   * The type word of the record at GET_POS (a record must be in view): what the caller needs to choose where to
   * copy it.
   */
  headType(): number {
    return this.#ring32[(this.#offset(this.words[GET_POS] >>> 0) >> 2) + 1];
  }

  /**
   * Without GET_LOCK: the payload length of the record at GET_POS when it is a raw item (Buffer or View) of at
   * least {@link ALLOCATE_OUTSIDE_LOCK} bytes, else 0. Only a hint for allocating before the lock: another
   * consumer may take that record meanwhile, so the length is checked again under the lock; it never exceeds
   * the capacity, and an empty ring (whose bytes at GET_POS are an old record's) gives 0.
   */
  largeRawHead(): number {
    const getPos = Atomics.load(this.words, GET_POS);
    if (getPos === Atomics.load(this.words, PUT_POS)) return 0; // empty: the bytes there are an old record's
    const at = this.#offset(getPos >>> 0);
    const type = this.#ring32[(at >> 2) + 1] & 0xff;
    if (type !== ItemType.Buffer && type !== ItemType.View) return 0;
    const length = this.#ring32[at >> 2];
    return length >= ALLOCATE_OUTSIDE_LOCK && length <= this.capacity ? length : 0;
  }

  /** Payload bytes of the record at GET_POS. */
  headLength(): number {
    return this.#ring32[this.#offset(this.words[GET_POS] >>> 0) >> 2];
  }

  /**
   * Copies the record at GET_POS into `into` (the record's length exactly) or, when omitted, into this thread's
   * inbox at `inboxStart`; then counts it and removes it with one store of GET_POS. Whatever it allocates (the
   * inbox growing), it allocates before it counts or removes anything, as {@link Ring.takeMany} does: a take that
   * throws (an allocation that failed) has changed nothing but the SEEN_PUT_POS cache, and the caller releases
   * the lock.
   */
  take(into: Uint8Array | undefined, inboxStart: number, taken: Taken): void {
    const words = this.words;
    const pos = words[GET_POS] >>> 0;
    const at = this.#offset(pos);
    const length = this.#ring32[at >> 2];
    const typeWord = this.#ring32[(at >> 2) + 1];
    const bytes = into ?? inboxAt(inboxStart, length);
    this.#copyOut(bytes, at + RECORD_HEADER === this.capacity ? 0 : at + RECORD_HEADER, into === undefined);
    taken.type = (typeWord & 0xff) as ItemType;
    taken.kind = typeWord >>> 8;
    taken.bytes = bytes;
    const next = this.#advance(pos, recordSize(length));
    this.#count(next, 1);
    // The removal: the bytes are free for producers once this store is seen, and only then.
    Atomics.store(words, GET_POS, next);
  }

  /**
   * Counts `n` records about to be removed (GET_POS will be `next`): GET_ITEMS and, in a `JoinableQueue`, the
   * tasks this thread holds; first the values a consumer that takes the lock over from this thread (dead before
   * the store of GET_POS) puts back.
   */
  #count(next: number, n: number): void {
    const words = this.words;
    const items = words[GET_ITEMS];
    words[GET_UNDO_ITEMS] = items;
    // A plain Queue's view is UNTRACKED from the start; a JoinableQueue's claims its entry on its first get.
    const slot = this.#slot === NO_SLOT ? this.#claimSlot() : this.#slot;
    words[GET_UNDO_SLOT] = slot;
    const slots = this.#slots as Int32Array;
    const held = slot >= 0 ? slots[slot + 1] : 0;
    words[GET_UNDO_HELD] = held;
    words[GET_UNDO_POS] = next;
    if (slot >= 0) Atomics.store(slots, slot + 1, held + n);
    words[GET_ITEMS] = (items + n) | 0;
  }

  /**
   * Copies up to `max` records from GET_POS into this thread's inbox (raw items into buffers of their own), and
   * removes them all with one store of GET_POS. Returns how many; at least one record must be in view.
   */
  takeMany(max: number, out: Taken[]): number {
    const words = this.words;
    let pos = words[GET_POS] >>> 0;
    let seen = words[SEEN_PUT_POS] >>> 0;
    if (max > 1) {
      // A batch takes what is in the queue now, not only what an earlier look saw.
      words[SEEN_PUT_POS] = Atomics.load(words, PUT_POS);
      seen = words[SEEN_PUT_POS] >>> 0;
    }
    let inboxUsed = 0;
    let n = 0;
    while (n < max && pos !== seen) {
      const at = this.#offset(pos);
      const length = this.#ring32[at >> 2];
      const typeWord = this.#ring32[(at >> 2) + 1];
      const type = (typeWord & 0xff) as ItemType;
      const raw = type === ItemType.Buffer || type === ItemType.View;
      const bytes = raw ? freshBytes(length) : inboxAt(inboxUsed, length);
      if (!raw) inboxUsed += length;
      this.#copyOut(bytes, at + RECORD_HEADER === this.capacity ? 0 : at + RECORD_HEADER, !raw);
      const taken = out[n] ?? (out[n] = { type, kind: 0, bytes });
      taken.type = type;
      taken.kind = typeWord >>> 8;
      taken.bytes = bytes;
      pos = this.#advance(pos, recordSize(length));
      n++;
    }
    this.#count(pos, n);
    Atomics.store(words, GET_POS, pos);
    return n;
  }

  /** `inbox`: `bytes` is a view of this thread's inbox (never an item's own small buffer: see #copyIn). */
  #copyOut(bytes: Uint8Array, at: number, inbox: boolean): void {
    const ring = this.#bytes;
    const length = bytes.length;
    const first = Math.min(length, this.capacity - at);
    if (length <= 64) {
      // Into the inbox at a word boundary, from a payload that does not wrap: by words, as in #copyIn.
      const offset = bytes.byteOffset;
      if (inbox && first === length && (offset & 3) === 0) {
        const words = length >> 2;
        const ring32 = this.#ring32;
        const to = inboxWords;
        const base = offset >> 2;
        const from = at >> 2;
        for (let i = 0; i < words; i++) to[base + i] = ring32[from + i];
        for (let i = words << 2; i < length; i++) bytes[i] = ring[at + i];
        return;
      }
      for (let i = 0; i < first; i++) bytes[i] = ring[at + i];
      for (let i = first; i < length; i++) bytes[i] = ring[i - first];
      return;
    }
    bytes.set(ring.subarray(at, at + first));
    if (first < length) bytes.set(ring.subarray(0, length - first), first);
  }

  // -----------------------------------------------------------------------------------------------------------
  // Any thread, no lock

  isClosed(): boolean {
    return Atomics.load(this.words, CLOSED) !== 0;
  }

  /** Items in the queue now (approximate: other threads may change it at any moment). */
  size(): number {
    this.settle();
    const words = this.words;
    // GET_ITEMS first: PUT_ITEMS read later is at least as large, so the difference is never negative.
    const taken = Atomics.load(words, GET_ITEMS);
    const count = (Atomics.load(words, PUT_ITEMS) - taken) | 0;
    return this.maxsize > 0 && count > this.maxsize ? this.maxsize : count;
  }

  /** Whether the queue looks empty (both positions equal), for spinning before a park. */
  looksEmpty(): boolean {
    return Atomics.load(this.words, PUT_POS) === Atomics.load(this.words, GET_POS);
  }

  /** Whether `bytes` for `items` more records look as if they fit, for spinning before a park. */
  looksRoomy(bytes: number, items: number): boolean {
    const words = this.words;
    const maxsize = this.maxsize;
    if (
      maxsize !== 0 &&
      ((Atomics.load(words, PUT_ITEMS) - Atomics.load(words, GET_ITEMS)) | 0) > maxsize - items
    ) {
      return false;
    }
    const used = this.#used(Atomics.load(words, PUT_POS) >>> 0, Atomics.load(words, GET_POS) >>> 0);
    return used <= this.capacity - bytes;
  }

  // -----------------------------------------------------------------------------------------------------------
  // A JoinableQueue's consumers: who holds which tasks, and the tasks of consumers that died

  /**
   * This thread's entry in the table of consumers, claimed on its first get (under GET_LOCK, which every change
   * of an entry's thread id holds): {@link UNTRACKED} when all entries belong to live threads.
   */
  #claimSlot(): number {
    const own = this.#entryOf(currentThreadId);
    if (own >= 0) return (this.#slot = own);
    let free = this.#entryOf(0);
    // Entries of dead consumers are freed (their tasks abandoned) when no entry is free.
    if (free === UNTRACKED && this.#reapLocked() >= 0) free = this.#entryOf(0);
    if (free >= 0) {
      const slots = this.#slots as Int32Array;
      slots[free + 1] = 0;
      Atomics.store(slots, free, currentThreadId);
    }
    this.#slot = free;
    return free;
  }

  /** The first entry of the table of consumers whose thread id is `id` (0: a free one), or {@link UNTRACKED}. */
  #entryOf(id: number): number {
    const slots = this.#slots as Int32Array;
    for (let at = 0; at < slots.length; at += SLOT_WORDS) if (slots[at] === id) return at;
    return UNTRACKED;
  }

  /**
   * One task of this thread marked done (`taskDone()` counted it in TASKS_DONE already): its entry's count goes
   * down, if it has any (a task got by another thread and marked done here is that thread's).
   */
  taskDone(): void {
    const slots = this.#slots;
    if (slots === undefined) return;
    // A view that has not got anything looks for this thread's entry: another view in this thread may have.
    const slot = this.#slot === NO_SLOT ? this.#entryOf(currentThreadId) : this.#slot;
    if (slot >= 0 && slots[slot + 1] > 0) Atomics.sub(slots, slot + 1, 1);
  }

  /**
   * Marks done the tasks held by consumers that died (each at most the tasks got and not yet done) and frees
   * their entries; checks only when a thread has died since this view last looked. Holds GET_LOCK, so a dead
   * consumer's half-done get is undone first and no entry changes meanwhile. Never parks the thread (it is
   * called from async forms and non-blocking queries, and GET_LOCK's holder may be a worker this thread created
   * and that died, whose death this thread records only when its event loop runs): returns `false` when
   * GET_LOCK was held, and the next call tries again.
   */
  reapDeadConsumers(): boolean {
    if (this.#slots === undefined) return true;
    const deaths = settledDeathCount();
    if (deaths >= 0 && deaths === this.#reaped) return true;
    const noPark = this.noPark;
    this.noPark = true;
    try {
      this.settle();
      this.lock(GET_LOCK);
    } catch (error) {
      if (error !== LOCK_BUSY) throw error;
      return false;
    } finally {
      this.noPark = noPark;
    }
    try {
      this.#reaped = deaths;
      this.#reapLocked();
      return true;
    } finally {
      this.unlock(GET_LOCK);
    }
  }

  /**
   * {@link Ring.reapDeadConsumers}'s work, GET_LOCK held: returns the tasks abandoned (0 when entries of dead
   * consumers holding none were freed), or -1 when no entry belonged to a dead thread. Wakes the joiners when
   * it abandoned tasks.
   */
  #reapLocked(): number {
    const slots = this.#slots as Int32Array;
    const words = this.words;
    let reaped = -1;
    for (let at = 0; at < slots.length; at += SLOT_WORDS) {
      const id = slots[at];
      if (id === 0 || !isDead(id)) continue;
      if (reaped < 0) reaped = 0;
      const held = slots[at + 1];
      for (;;) {
        const done = Atomics.load(words, TASKS_DONE);
        const open = (Atomics.load(words, GET_ITEMS) - done) | 0;
        const n = Math.min(held, open);
        if (n <= 0) break;
        if (Atomics.compareExchange(words, TASKS_DONE, done, (done + n) | 0) === done) {
          Atomics.add(words, ABANDONED, n);
          Atomics.store(words, ABANDONER, id);
          reaped += n;
          break;
        }
      }
      slots[at + 1] = 0;
      Atomics.store(slots, at, 0);
    }
    if (reaped > 0 && Atomics.load(words, JOINERS) > 0) wake(words, TASKS_DONE);
    return reaped;
  }
}
