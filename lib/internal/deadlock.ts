/**
 * Deadlock detection and lock-order checking, on the thread registry (`registry.ts`).
 *
 * ## The wait-for graph
 * A thread that is about to park waiting for a `Lock` or `RLock` publishes a *wait slot*: its id, the lock's id
 * and the lock's holder as the lock word named it (`mutex.ts`). The graph's nodes are threads, its edges
 * "waiter → holder". A wait that would close a cycle of two or more threads fails with `DeadlockError` instead of
 * parking; the thread whose wait closes the cycle is the victim, and what it holds stays held.
 *
 * When a thread counts as waiting:
 * - A thread blocked in a sync acquire waits, and everything it holds stays held while it does: its edges are
 *   certain.
 * - A thread whose async task awaits a lock is not blocked: another of its tasks may hold the lock that the next
 *   thread waits for and release it soon (the lock word names threads, not tasks). So an async wait counts as a
 *   wait of its thread, but a cycle through an async wait is reported only once it has stood unchanged for
 *   {@link ASYNC_CONFIRM_MS}: the classic case (each task holds one lock and awaits the other's) is reported after
 *   that delay; a program whose other task merely holds a lock for a while is not broken unless it holds it, with
 *   the whole cycle waiting, for longer than that.
 * - A thread waiting for a lock it holds itself is no edge: for a `Lock` that is Python's "acquire twice, another
 *   thread releases" signal idiom, and for async tasks of one thread the ordinary in-thread queue.
 * - A `Lock` counts as held by the thread that acquired it. Any thread may release a `Lock`, so a cycle through a
 *   `Lock` could in principle be broken by a thread outside it; the only programs that rely on that use a `Lock`
 *   as a cross-thread signal *and* let its acquirer wait, in a cycle, for the signal's sender. Use a `Semaphore`
 *   (no owner, never part of the graph) or an `Event` for such signals.
 * - Semaphores, Events, Barriers and Queues have no owner and are not part of the graph.
 *
 * ## Slots and their states
 * | word    | name    | meaning                                                          |
 * |---------|---------|------------------------------------------------------------------|
 * | 0       | TID     | the thread that owns the slot (0: free; a dead thread's slot may be claimed) |
 * | 1       | VERSION | +1 on every change of the words below                            |
 * | 2       | LOCK    | id of the lock waited for; 0 when not waiting                    |
 * | 3       | HOLDER  | the holder's thread id as last seen; 0 once that holder released the lock |
 * | 4       | FLAGS   | ASYNC: an async wait                                             |
 *
 * A waiter writes its slot, *then* checks that the lock word still names the same holder with the word
 * CONTENDED (its announce compare-exchange or a re-load), and only then marks the edge CONFIRMED: an edge that a
 * release overtook between the write and the check was never confirmed, and detection ignores unconfirmed edges. A release that replaces a
 * CONTENDED word clears HOLDER (compare-exchange from the releasing holder's id) in every slot waiting for that
 * lock, after its exchange; a thread publishes a new wait only after its previous releases returned. Hence an edge
 * "X waits for L held by Y", with Y itself waiting, is true: Y released nothing since it began waiting, and a
 * release of L before that cleared the edge. A thread that stops between any two of these steps leaves a slot that
 * names a dead thread, which detection ignores and anyone may claim.
 *
 * Detection runs only when a thread is about to park, and only when the lock's holder is itself waiting (one scan
 * of the slots in use, no lock); the full search runs under the GRAPH spinlock, which also makes the victim's
 * clear of its own slot atomic with its search, so two threads of one cycle never both throw. Before throwing,
 * the search re-reads every slot of the cycle and gives up if any changed.
 *
 * ## Lock-order checking
 * Opt-in (`setLockOrderChecking`, or the environment variable `SHARED_SYNC_LOCK_ORDER=warn|throw`): every
 * acquisition made while the thread holds other locks records the pairs "held A while acquiring B" in the
 * registry (all threads see them), with the acquisition's stack. An acquisition that inverts a recorded pair is
 * reported before it waits: a warning (once per pair, process-wide) or `LockOrderError`. Reentrant `RLock`
 * acquisitions are not orderings. The table holds {@link MAX_PAIRS} pairs; once full, new pairs are not recorded
 * (one warning says so) and only the recorded ones are checked.
 *
 * @internal
 * @module
 */

import { DeadlockError, type DeadlockLink, LockOrderError, OwnerDiedError } from '../errors';
import { now } from './clock';
import {
  GRAPH,
  isDead,
  LOCK_IDS,
  MAX_NAMES,
  MAX_PAIRS,
  MAX_WAITS,
  NAME_WORDS,
  NAMES,
  ORDER_MODE,
  PAIR_WORDS,
  PAIRS,
  registryView as view,
  WAIT_WORDS,
  WAITS,
  WAITS_HIGH,
  wakeDeathWatchers,
} from './registry';
import { currentThreadId } from './thread';

/** How long a cycle through an async wait must stand unchanged before it is reported. */
export const ASYNC_CONFIRM_MS = 1000;

const TID = 0;
const VERSION = 1;
const LOCK = 2;
const HOLDER = 3;
const FLAGS = 4;
const NAME = 8; // the lock's name field, copied from its memory when the wait starts
const ASYNC = 1; // an async wait
const KEEP = 2; // a wait that must not be refused (a Condition's reacquire): another thread of its cycle is
const CHOSEN = 4; // chosen as the victim by a KEEP wait that closed a cycle: refuse this wait
const CONFIRMED = 8; // the waiter saw the lock word still name HOLDER after publishing: the edge is true

// ---------------------------------------------------------------------------------------------------------
// Lock ids and names

/** A new lock id, unique among the locks of every thread that shares this registry. */
export function newLockId(): number {
  return Atomics.add(view, LOCK_IDS, 1) + 1;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const NAME_BYTES = (NAME_WORDS - 2) * 4;

/** Encodes a lock's name into at most `maxBytes` bytes of UTF-8 (cut at a character boundary). */
export function encodeName(name: string, maxBytes: number): Uint8Array {
  let bytes = encoder.encode(name);
  if (bytes.length > maxBytes) {
    let end = maxBytes;
    while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
    bytes = bytes.subarray(0, end);
  }
  return bytes;
}

/** Words a name takes in a lock's memory or a wait slot: the byte length, then 64 bytes of UTF-8. */
export const NAME_FIELD_WORDS = 17;
const NAME_FIELD_BYTES = (NAME_FIELD_WORDS - 1) * 4;

/** Writes `name` (at most 64 bytes of UTF-8) at `view[at]` (length) and the 16 words after it. */
export function writeName(view: Int32Array, at: number, name: string): void {
  const bytes = encodeName(name, NAME_FIELD_BYTES);
  const padded = new Uint8Array(NAME_FIELD_BYTES);
  padded.set(bytes);
  const words = new Int32Array(padded.buffer);
  for (let i = 0; i < words.length; i++) Atomics.store(view, at + 1 + i, words[i]);
  Atomics.store(view, at, bytes.length);
}

/** Reads a name written by {@link writeName}; `''` when none was. */
export function readName(view: Int32Array, at: number): string {
  const length = Atomics.load(view, at);
  if (length <= 0) return '';
  const words = new Int32Array(NAME_FIELD_WORDS - 1);
  for (let i = 0; i < words.length; i++) words[i] = Atomics.load(view, at + 1 + i);
  return decoder.decode(new Uint8Array(words.buffer, 0, Math.min(length, NAME_FIELD_BYTES)));
}

/** Copies a name field from one view to another (a lock's name into a wait slot). */
function copyName(from: Int32Array, fromAt: number, to: Int32Array, toAt: number): void {
  for (let i = 1; i < NAME_FIELD_WORDS; i++) Atomics.store(to, toAt + i, Atomics.load(from, fromAt + i));
  Atomics.store(to, toAt, Atomics.load(from, fromAt));
}

/**
 * Publishes a lock's name in the registry's table (best effort: the table is not freed, and once full a name
 * is no longer published), for lock-order messages about locks a thread has no handle of. A lock's own memory
 * holds its name for its own `.name` and for deadlock messages (see {@link WaitSlot.publish}).
 */
export function registerName(id: number, name: string): void {
  const bytes = encodeName(name, NAME_BYTES);
  for (let probe = 0; probe < MAX_NAMES; probe++) {
    const at = NAMES + ((id + probe) % MAX_NAMES) * NAME_WORDS;
    const owner = Atomics.load(view, at);
    if (owner !== 0 && owner !== id) continue;
    // Write the bytes before the id, so that a reader that finds the id finds the name.
    const padded = new Uint8Array(NAME_BYTES);
    padded.set(bytes);
    const words = new Int32Array(padded.buffer);
    for (let i = 0; i < words.length; i++) Atomics.store(view, at + 2 + i, words[i]);
    Atomics.store(view, at + 1, bytes.length);
    if (Atomics.compareExchange(view, at, 0, id) === 0 || owner === id) return;
  }
  // Full: the lock keeps its generated label in other threads.
}

/** A lock's name as published, or its generated label. */
export function nameOf(id: number, kind = 'lock'): string {
  for (let probe = 0; probe < MAX_NAMES; probe++) {
    const at = NAMES + ((id + probe) % MAX_NAMES) * NAME_WORDS;
    const owner = Atomics.load(view, at);
    if (owner === 0) break;
    if (owner !== id) continue;
    const length = Atomics.load(view, at + 1);
    const words = new Int32Array(NAME_WORDS - 2);
    for (let i = 0; i < words.length; i++) words[i] = Atomics.load(view, at + 2 + i);
    return decoder.decode(new Uint8Array(words.buffer, 0, length));
  }
  return `${kind}#${id}`;
}

// ---------------------------------------------------------------------------------------------------------
// Wait slots

const freeSlots: number[] = [];

function claimSlot(): number {
  const reused = freeSlots.pop();
  if (reused !== undefined) return reused;
  for (let i = 0; i < MAX_WAITS; i++) {
    const at = WAITS + i * WAIT_WORDS;
    const tid = Atomics.load(view, at + TID);
    if ((tid === 0 || isDead(tid)) && Atomics.compareExchange(view, at + TID, tid, currentThreadId) === tid) {
      Atomics.store(view, at + LOCK, 0);
      for (;;) {
        const high = Atomics.load(view, WAITS_HIGH);
        if (high > i || Atomics.compareExchange(view, WAITS_HIGH, high, i + 1) === high) break;
      }
      return at;
    }
  }
  return -1; // every slot is in use: this wait is not part of the graph
}

/** One lock wait of this thread, as published in the registry. */
export class WaitSlot {
  /** Whether this slot's waits must not be refused (a Condition's reacquire, which must end holding the lock). */
  readonly #keep: boolean;
  #at = -1;
  #lock = 0;
  #holder = 0;
  /** The cycle suspected at the last detection (async), and since when. */
  #suspect = '';
  #since = 0;

  constructor(keep = false) {
    this.#keep = keep;
  }

  /**
   * Publishes "this thread waits for lock `lock`, held by `holder`"; returns whether that changed the slot (a
   * new wait, or a new holder), in which case the caller must check again that the lock word still names
   * `holder` before it parks. The lock's name field (`lockView[nameAt]`) is copied into the slot when the wait
   * starts, so that any thread's DeadlockError can name it.
   */
  publish(lock: number, holder: number, async: boolean, lockView: Int32Array, nameAt: number): boolean {
    if (this.#at < 0) {
      this.#at = claimSlot();
      if (this.#at < 0) return false;
    }
    const at = this.#at;
    if (this.#lock === lock && this.#holder === holder && Atomics.load(view, at + HOLDER) === holder)
      return false;
    if (this.#lock !== lock) copyName(lockView, nameAt, view, at + NAME);
    this.#lock = lock;
    this.#holder = holder;
    this.#suspect = '';
    Atomics.store(view, at + FLAGS, (async ? ASYNC : 0) | (this.#keep ? KEEP : 0)); // not confirmed yet
    Atomics.store(view, at + HOLDER, holder);
    Atomics.store(view, at + LOCK, lock);
    Atomics.add(view, at + VERSION, 1);
    return true;
  }

  /**
   * Confirms the published edge once the waiter has seen the lock word still name its holder, with the word
   * CONTENDED (its own announce, or another waiter's): from then on the holder's release goes through the
   * contended path, which clears the edge. Until then the edge may be stale (the holder released between the
   * publish and the announce, without clearing anything), so detection ignores it.
   */
  confirm(): void {
    const at = this.#at;
    if (at < 0 || (Atomics.load(view, at + FLAGS) & CONFIRMED) !== 0) return;
    Atomics.or(view, at + FLAGS, CONFIRMED);
    Atomics.add(view, at + VERSION, 1);
  }

  /** Ends the wait: the slot no longer names a lock, and goes back to this thread's pool. */
  clear(): void {
    const at = this.#at;
    if (at < 0) return;
    this.#at = -1;
    this.#lock = 0;
    this.#holder = 0;
    this.#suspect = '';
    Atomics.store(view, at + LOCK, 0);
    Atomics.add(view, at + VERSION, 1);
    freeSlots.push(at);
  }

  /**
   * Looks for a cycle through this wait (published before). Returns the cycle when this wait must fail with
   * `DeadlockError` (the slot is then cleared, under the graph lock), or `undefined`. `recheck` says when an
   * async-confirmation is pending (a time on the `performance.now()` clock), else `Infinity`.
   */
  detect(): { cycle?: DeadlockLink[]; recheck: number } {
    const at = this.#at;
    if (at >= 0 && (Atomics.load(view, at + FLAGS) & CHOSEN) !== 0) return this.#refuseChosen();
    if (at < 0 || this.#holder === currentThreadId || !isWaiting(this.#holder)) {
      this.#suspect = '';
      return { recheck: Number.POSITIVE_INFINITY };
    }
    lockGraph();
    try {
      const found = findCycle(at);
      if (!found) {
        this.#suspect = '';
        return { recheck: Number.POSITIVE_INFINITY };
      }
      const time = now();
      if (found.async) {
        if (found.key !== this.#suspect) {
          this.#suspect = found.key;
          this.#since = time;
        }
        if (time - this.#since < ASYNC_CONFIRM_MS) return { recheck: this.#since + ASYNC_CONFIRM_MS };
      }
      this.#suspect = '';
      if (this.#keep) {
        // This wait must end holding its lock: refuse another wait of the cycle instead, which notices at its
        // next attempt (sync waiters within a poll slice; async ones are woken through the death watch).
        const victim = found.path.find((edge) => (edge.flags & KEEP) === 0);
        if (victim) {
          Atomics.or(view, victim.at + FLAGS, CHOSEN);
          Atomics.add(view, victim.at + VERSION, 1);
          wakeDeathWatchers();
          return { recheck: Number.POSITIVE_INFINITY };
        }
      }
      this.#end(at);
      return { cycle: found.links, recheck: Number.POSITIVE_INFINITY };
    } finally {
      unlockGraph();
    }
  }

  /** Whether this wait has been chosen as a victim (the next attempt then calls {@link WaitSlot.detect}). */
  chosen(): boolean {
    return this.#at >= 0 && (Atomics.load(view, this.#at + FLAGS) & CHOSEN) !== 0;
  }

  /** The chosen victim's side: refuses the wait if its cycle still stands, else forgets the choice. */
  #refuseChosen(): { cycle?: DeadlockLink[]; recheck: number } {
    const at = this.#at;
    lockGraph();
    try {
      Atomics.and(view, at + FLAGS, ~CHOSEN);
      const found = findCycle(at);
      if (!found) return { recheck: Number.POSITIVE_INFINITY };
      this.#suspect = '';
      this.#end(at);
      return { cycle: found.links, recheck: Number.POSITIVE_INFINITY };
    } finally {
      unlockGraph();
    }
  }

  /** Clears the slot of a refused wait (under the graph lock, so that no other thread of its cycle throws). */
  #end(at: number): void {
    Atomics.store(view, at + LOCK, 0);
    Atomics.add(view, at + VERSION, 1);
    this.#lock = 0;
    this.#holder = 0;
  }
}

/** Whether thread `tid` has a wait published (a quick check, without the graph lock). */
function isWaiting(tid: number): boolean {
  const high = Atomics.load(view, WAITS_HIGH);
  for (let i = 0; i < high; i++) {
    const at = WAITS + i * WAIT_WORDS;
    if (Atomics.load(view, at + TID) === tid && Atomics.load(view, at + LOCK) !== 0) return true;
  }
  return false;
}

/** Whether a thread other than this one has a wait for lock `lock` published (for the hand-over's fairness). */
export function othersWaitFor(lock: number): boolean {
  const high = Atomics.load(view, WAITS_HIGH);
  for (let i = 0; i < high; i++) {
    const at = WAITS + i * WAIT_WORDS;
    if (Atomics.load(view, at + LOCK) === lock && Atomics.load(view, at + TID) !== currentThreadId)
      return true;
  }
  return false;
}

/**
 * Clears the edges "waits for `lock`, held by `holder`" after `holder`'s hold of it ended (a release that found
 * waiters). Runs on the contended release path only.
 */
export function releasedContended(lock: number, holder: number): void {
  const high = Atomics.load(view, WAITS_HIGH);
  for (let i = 0; i < high; i++) {
    const at = WAITS + i * WAIT_WORDS;
    if (
      Atomics.load(view, at + LOCK) === lock &&
      Atomics.compareExchange(view, at + HOLDER, holder, 0) === holder
    ) {
      Atomics.add(view, at + VERSION, 1);
    }
  }
}

function lockGraph(): void {
  while (Atomics.compareExchange(view, GRAPH, 0, 1) !== 0) {
    // The section is a scan of a few slots; the holder is running.
  }
}

function unlockGraph(): void {
  Atomics.store(view, GRAPH, 0);
}

interface Edge {
  at: number;
  tid: number;
  lock: number;
  holder: number;
  async: boolean;
  flags: number;
  version: number;
}

/** Depth-first search for a path from this wait's holder back to this thread. Caller holds the graph lock. */
function findCycle(
  mine: number,
): { links: DeadlockLink[]; path: Edge[]; key: string; async: boolean } | undefined {
  const high = Atomics.load(view, WAITS_HIGH);
  const byThread = new Map<number, Edge[]>();
  let start: Edge | undefined;
  for (let i = 0; i < high; i++) {
    const at = WAITS + i * WAIT_WORDS;
    const version = Atomics.load(view, at + VERSION);
    const tid = Atomics.load(view, at + TID);
    const lock = Atomics.load(view, at + LOCK);
    const holder = Atomics.load(view, at + HOLDER);
    if (tid === 0 || lock === 0 || holder === 0 || holder === tid) continue;
    if (isDead(tid) || isDead(holder)) continue;
    const flags = Atomics.load(view, at + FLAGS);
    if ((flags & CONFIRMED) === 0) continue;
    const edge: Edge = { at, tid, lock, holder, async: (flags & ASYNC) !== 0, flags, version };
    if (at === mine) start = edge;
    const list = byThread.get(tid);
    if (list) list.push(edge);
    else byThread.set(tid, [edge]);
  }
  if (!start) return undefined;
  const me = start.tid;
  const path: Edge[] = [start];
  const visited = new Set<number>([me]);
  const search = (tid: number): boolean => {
    if (tid === me) return true;
    if (visited.has(tid)) return false;
    visited.add(tid);
    for (const edge of byThread.get(tid) ?? []) {
      path.push(edge);
      if (search(edge.holder)) return true;
      path.pop();
    }
    return false;
  };
  if (!search(start.holder)) return undefined;
  // Re-read: a slot that changed since the scan may mean the cycle no longer exists.
  for (const edge of path) {
    if (Atomics.load(view, edge.at + VERSION) !== edge.version) return undefined;
  }
  const nameIn = (edge: Edge): string => readName(view, edge.at + NAME) || `lock#${edge.lock}`;
  const links: DeadlockLink[] = path.map((edge, i) => {
    const previous = path[(i + path.length - 1) % path.length];
    return {
      threadId: edge.tid - 1,
      holds: nameIn(previous),
      waitsFor: nameIn(edge),
      async: edge.async,
    };
  });
  const key = path.map((e) => `${e.at}:${e.version}`).join(',');
  return { links, path, key, async: path.some((e) => e.async) };
}

/** The `DeadlockError` of the victim `api`. */
export function deadlockError(api: string, cycle: DeadlockLink[]): DeadlockError {
  const steps = cycle.map(
    (link) =>
      `thread ${link.threadId} holds '${link.holds}' and waits for '${link.waitsFor}'${link.async ? ' (async)' : ''}`,
  );
  return new DeadlockError(
    `${api}: deadlock: ${steps.join('; ')}. This wait closed the cycle and was refused; the locks this thread ` +
      'holds stay held (release them to let the others go on)',
    cycle,
  );
}

// ---------------------------------------------------------------------------------------------------------
// Lock-order checking

/**
 * The lock-order checking modes (see `setLockOrderChecking`).
 *
 * @example
 * ```ts
 * import { type LockOrderMode, setLockOrderChecking } from 'shared-sync';
 * const mode: LockOrderMode = process.env.CI ? 'throw' : 'off';
 * setLockOrderChecking(mode);
 * setLockOrderChecking('off');
 * ```
 */
export type LockOrderMode = 'off' | 'warn' | 'throw';
const MODES: readonly LockOrderMode[] = ['off', 'warn', 'throw'];

interface EnvProcess {
  env?: Record<string, string | undefined>;
  emitWarning?(warning: string | Error, options?: { type?: string; code?: string }): void;
}

interface DenoPermissions {
  permissions?: { querySync?(descriptor: { name: 'env'; variable: string }): { state: string } };
}

function envMode(): LockOrderMode | undefined {
  // Deno guards every variable: without --allow-env, reading one throws (or, in a terminal, prompts the user),
  // and importing the library must need no permission. So there the variable is read only when granted.
  const deno = (globalThis as { Deno?: DenoPermissions }).Deno;
  const variable = 'SHARED_SYNC_LOCK_ORDER';
  if (deno && deno.permissions?.querySync?.({ name: 'env', variable }).state !== 'granted') return undefined;
  let value: string | undefined;
  try {
    value = (globalThis as { process?: EnvProcess }).process?.env?.[variable];
  } catch {
    return undefined; // a runtime that refuses the read: as if unset
  }
  return MODES.includes(value as LockOrderMode) ? (value as LockOrderMode) : undefined;
}

/**
 * This thread's copy of the mode, read on every acquisition (a module variable, so checking costs a branch
 * when off). It starts from the environment variable, then the registry (set by a thread that called
 * `setLockOrderChecking` before this one started).
 */
export let orderMode: LockOrderMode = envMode() ?? MODES[Atomics.load(view, ORDER_MODE)] ?? 'off';

/** Sets the mode for this thread and, through the registry, for threads started afterwards. */
export function setOrderMode(mode: LockOrderMode): void {
  orderMode = mode;
  Atomics.store(view, ORDER_MODE, MODES.indexOf(mode));
}

/** Ids of the locks this thread holds, in acquisition order (kept only while checking is on). */
const held: number[] = [];
let tableFullWarned = false;

const A = 0;
const B = 1;
const THREAD = 2;
const REPORTED = 3;
const SITE_LENGTH = 4;
const SITE = 5;
const SITE_BYTES = (PAIR_WORDS - SITE) * 4;

function pairSlot(a: number, b: number, insert: boolean): number {
  const hash = (Math.imul(a, 0x9e3779b1) ^ b) >>> 0;
  for (let probe = 0; probe < MAX_PAIRS; probe++) {
    const at = PAIRS + ((hash + probe) % MAX_PAIRS) * PAIR_WORDS;
    const pa = Atomics.load(view, at + A);
    if (pa === 0) {
      if (!insert) return -1;
      // Claim with a placeholder, fill, then publish the second id.
      if (Atomics.compareExchange(view, at + A, 0, a) !== 0) {
        probe--;
        continue;
      }
      return at;
    }
    if (pa === a && Atomics.load(view, at + B) === b) return at;
  }
  return -1;
}

function siteOf(): string {
  const stack = new Error().stack ?? '';
  // Drop the message line and the library's own frames.
  return stack
    .split('\n')
    .slice(1)
    .filter((line) => !/internal[\\/]deadlock|[\\/]lib[\\/](Lock|RLock)\.|shared-sync[\\/]dist/.test(line))
    .slice(0, 8)
    .join('\n');
}

function writeSite(at: number, site: string): void {
  const bytes = encodeName(site, SITE_BYTES);
  const padded = new Uint8Array(SITE_BYTES);
  padded.set(bytes);
  const words = new Int32Array(padded.buffer);
  for (let i = 0; i < words.length; i++) Atomics.store(view, at + SITE + i, words[i]);
  Atomics.store(view, at + SITE_LENGTH, bytes.length);
}

function readSite(at: number): string {
  const length = Atomics.load(view, at + SITE_LENGTH);
  const words = new Int32Array(PAIR_WORDS - SITE);
  for (let i = 0; i < words.length; i++) words[i] = Atomics.load(view, at + SITE + i);
  return decoder.decode(new Uint8Array(words.buffer, 0, Math.min(length, SITE_BYTES)));
}

/**
 * Before an acquisition of lock `id` (not a reentry): reports an inversion of a recorded pair, by warning or by
 * throwing `LockOrderError`.
 */
export function checkOrder(id: number, api: string): void {
  if (held.length === 0) return;
  for (const h of held) {
    if (h === id) continue;
    const at = pairSlot(id, h, false);
    if (at < 0 || Atomics.load(view, at + B) !== h) continue;
    const other = Atomics.load(view, at + THREAD) - 1;
    const message =
      `${api}: lock-order inversion: this thread (thread ${currentThreadId - 1}) holds '${nameOf(h)}' and is ` +
      `acquiring '${nameOf(id)}', but thread ${other} acquired '${nameOf(h)}' while holding '${nameOf(id)}'. ` +
      'Two threads taking them in these orders at the same time would deadlock.\n' +
      `'${nameOf(h)}' then '${nameOf(id)}' here:\n${siteOf()}\n` +
      `'${nameOf(id)}' then '${nameOf(h)}' in thread ${other}:\n${readSite(at)}`;
    if (orderMode === 'throw') {
      throw new LockOrderError(message, { held: nameOf(h), acquiring: nameOf(id), otherThreadId: other });
    }
    if (Atomics.compareExchange(view, at + REPORTED, 0, 1) === 0) {
      (globalThis as { process?: EnvProcess }).process?.emitWarning?.(message, {
        type: 'LockOrderWarning',
        code: 'SHARED_SYNC_LOCK_ORDER',
      });
    }
  }
}

/**
 * After an acquisition of lock `id` (not a reentry): records "held h while acquiring id" for every held h
 * (unless `record` is false: a try-acquire, which cannot deadlock), and notes `id` as held.
 */
export function acquiredInOrder(id: number, record: boolean): void {
  if (record && held.length > 0) {
    let site: string | undefined;
    for (const h of held) {
      if (h === id) continue;
      const existing = pairSlot(h, id, false);
      if (existing >= 0 && Atomics.load(view, existing + B) === id) continue;
      const at = pairSlot(h, id, true);
      if (at < 0) {
        if (!tableFullWarned) {
          tableFullWarned = true;
          (globalThis as { process?: EnvProcess }).process?.emitWarning?.(
            `shared-sync: the lock-order table is full (${MAX_PAIRS} pairs); new pairs are not recorded`,
            { type: 'LockOrderWarning', code: 'SHARED_SYNC_LOCK_ORDER_FULL' },
          );
        }
        break;
      }
      site ??= siteOf();
      writeSite(at, site);
      Atomics.store(view, at + THREAD, currentThreadId);
      Atomics.store(view, at + B, id);
    }
  }
  held.push(id);
}

/**
 * Runs `acquire` (which returns whether it took lock `id`) and notes the hold for lock-order checking when it
 * did; an `OwnerDiedError` also means the lock was taken. `record` as for {@link acquiredInOrder}.
 */
export function acquireInOrder(id: number, record: boolean, acquire: () => boolean): boolean {
  let acquired = false;
  try {
    acquired = acquire();
    return acquired;
  } catch (err) {
    acquired = err instanceof OwnerDiedError;
    throw err;
  } finally {
    if (acquired) acquiredInOrder(id, record);
  }
}

/** After this thread released its last hold of lock `id`. */
export function releasedInOrder(id: number): void {
  const at = held.lastIndexOf(id);
  if (at >= 0) held.splice(at, 1);
}
