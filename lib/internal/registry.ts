/**
 * The thread registry: which threads have died, in shared memory that every thread of the process reaches.
 *
 * A thread can end at any instruction (`worker.terminate()`, an uncaught exception, `process.exit()`, returning
 * from its script) and no `finally` runs. A lock word names its holder (see `mutex.ts`), so a waiter can take
 * over a lock whose holder is dead, as POSIX robust mutexes do, if it can learn that the holder died. This
 * module is where that is learnt: the thread that sees a worker end records its id here, and every thread
 * checks here before it parks and whenever it wakes.
 *
 * ## Who records a death
 * In Node, every thread that loads the library listens for `process.on('worker')` (emitted in the thread that
 * creates a worker, for every `new Worker`), captures the worker's `threadId` there (it reads −1 once the worker
 * has exited) and records the death on the worker's `'exit'` event, whichever way it ended. In a browser (or a
 * worker made by a thread that never loaded the library) nothing observes the end: the program reports it with
 * `reportThreadExit()`.
 *
 * ## Reaching one registry from every thread
 * The registry is one `SharedArrayBuffer`. The first thread to load the library creates it and hands it on with
 * `worker_threads.setEnvironmentData`, which every worker created afterwards (and every worker they create)
 * inherits; it is also kept on `globalThis` under a `Symbol.for` key, so that the ESM and CommonJS builds loaded
 * into one thread share it. A worker created before its creator loaded the library makes its own registry: deaths
 * recorded in one are not seen by the threads of the other (see the Limits guide).
 *
 * ## Memory layout (Int32 words)
 * | word           | name    | meaning                                                                     |
 * |----------------|---------|-----------------------------------------------------------------------------|
 * | 0              | MAGIC   | `REGISTRY_MAGIC`: tells a registry from any other buffer                    |
 * | 1              | DEATHS  | deaths recorded so far (monotonic); notified after every death              |
 * | 2              | GRAPH   | spinlock (0 free, 1 held) over the wait-for graph: see `deadlock.ts`        |
 * | 3              | LOCK_IDS| the last lock id handed out (ids start at 1)                                |
 * | 4              | WAITS_HIGH | how many wait slots have ever been claimed (scans stop there)            |
 * | 5              | ORDER_MODE | lock-order checking: 0 off, 1 warn, 2 throw (`deadlock.ts`)              |
 * | 6              | SERIAL  | a random nonzero number drawn at creation: tells one registry's clones apart from another registry |
 * | 7              | RECORDED | deaths whose RING slot is written (each recorder adds 1 after its store): see `settledDeathCount` |
 * | 8 … 8+RING−1   | RING    | the ids of the last `RING_SIZE` threads that died, `RING[n % RING_SIZE]`    |
 * | WAITS …        | wait slots | `MAX_WAITS` slots of `WAIT_WORDS` words: who waits for which lock (`deadlock.ts`) |
 * | NAMES …        | lock names | `MAX_NAMES` slots of `NAME_WORDS` words: lock id → name (`deadlock.ts`)   |
 * | PAIRS …        | lock order | `MAX_PAIRS` slots of `PAIR_WORDS` words: "held A while acquiring B"       |
 *
 * Recording a death is two steps: `n = DEATHS++`, then `RING[n % RING_SIZE] = id`, then a notify on DEATHS.
 * A thread that reads DEATHS between the two steps scans a slot not yet written and misses the death once; the
 * notify after the store wakes it to look again. A recorder that stops between the steps (its thread is killed)
 * leaves a slot that names an older death or 0, which is harmless: the death is then simply not recorded, as if
 * nobody had observed it. The ring is fixed in size, so any number of deaths costs no memory; a death older than
 * the last `RING_SIZE` is forgotten: a lock still held by that thread is then no longer recovered (see the
 * Limits guide).
 *
 * Thread ids are Node's `threadId + 1` (never reused within a process) or, in a browser, a random 29-bit id
 * (`thread.ts`).
 *
 * @internal
 * @module
 */

import { currentThreadId } from './thread';

const REGISTRY_MAGIC = 0x5353_5248; // 'SSRH' (version 2 of the layout)
const MAGIC = 0;
const DEATHS = 1;
/** @internal Word indices used by `deadlock.ts`. */
export const GRAPH = 2;
export const LOCK_IDS = 3;
export const WAITS_HIGH = 4;
export const ORDER_MODE = 5;
/** A random number that names this registry (two clones of one buffer are different objects). */
const SERIAL = 6;
/** @internal For specs that record a death step by step. */
export const RECORDED = 7;
/** @internal For specs that record a death step by step. */
export const RING = 8;
/** How many deaths the registry remembers. */
export const RING_SIZE = 1024;

/** Wait slots: one per lock wait in progress (a sync waiter, or the head of a thread's async acquirers). */
export const MAX_WAITS = 512;
export const WAIT_WORDS = 8 + 17; // 8 words of state, then the lock's name (length + 64 bytes)
export const WAITS = RING + RING_SIZE;
/** Lock names: id → UTF-8 name, for messages in any thread. */
export const MAX_NAMES = 1024;
export const NAME_WORDS = 18; // id, byte length, 64 bytes of UTF-8
export const NAMES = WAITS + MAX_WAITS * WAIT_WORDS;
/** Lock-order pairs. */
export const MAX_PAIRS = 1024;
export const PAIR_WORDS = 132; // a, b, thread, reported, site length, 508 bytes of site
export const PAIRS = NAMES + MAX_NAMES * NAME_WORDS;
const WORDS = PAIRS + MAX_PAIRS * PAIR_WORDS;

const ENV_KEY = 'shared-sync:registry:v2';
const GLOBAL_KEY = Symbol.for('shared-sync.registry.v2');

interface NodeWorkerThreads {
  getEnvironmentData?(key: string): unknown;
  setEnvironmentData?(key: string, value: unknown): void;
}
interface NodeWorker {
  readonly threadId: number;
  once(event: 'exit', listener: () => void): unknown;
}
interface NodeProcess {
  getBuiltinModule?(id: string): unknown;
  on?(event: 'worker', listener: (worker: NodeWorker) => void): unknown;
}

interface RegistryState {
  /** Replaced only by {@link adoptRegistry}, before the thread has used its own registry. */
  view: Int32Array;
}

function isRegistry(value: unknown): value is SharedArrayBuffer {
  return (
    Object.prototype.toString.call(value) === '[object SharedArrayBuffer]' &&
    (value as SharedArrayBuffer).byteLength >= WORDS * 4 &&
    Atomics.load(new Int32Array(value as SharedArrayBuffer, 0, 1), MAGIC) === REGISTRY_MAGIC
  );
}

function obtain(): RegistryState {
  const global = globalThis as { [GLOBAL_KEY]?: RegistryState };
  const existing = global[GLOBAL_KEY];
  if (existing) return existing;
  const proc = (globalThis as { process?: NodeProcess }).process;
  const workerThreads = proc?.getBuiltinModule?.('node:worker_threads') as NodeWorkerThreads | undefined;
  const inherited = workerThreads?.getEnvironmentData?.(ENV_KEY);
  let buffer: SharedArrayBuffer;
  if (isRegistry(inherited)) {
    buffer = inherited;
  } else if (typeof SharedArrayBuffer === 'function') {
    buffer = new SharedArrayBuffer(WORDS * 4);
    const words = new Int32Array(buffer);
    Atomics.store(words, SERIAL, globalThis.crypto.getRandomValues(new Int32Array(1))[0] | 1); // odd: never 0
    Atomics.store(words, MAGIC, REGISTRY_MAGIC);
    workerThreads?.setEnvironmentData?.(ENV_KEY, buffer);
  } else {
    // No shared memory here (a browser page that is not cross-origin isolated): creating any primitive throws
    // SharedMemoryUnavailableError, so this thread-local stand-in only lets the library load.
    buffer = new ArrayBuffer(WORDS * 4) as unknown as SharedArrayBuffer;
  }
  const state: RegistryState = { view: new Int32Array(buffer) };
  global[GLOBAL_KEY] = state;
  // Watch every worker this thread creates. The id must be captured now: it reads −1 after the exit.
  proc?.on?.('worker', (worker) => {
    const id = worker.threadId + 1;
    worker.once('exit', () => recordDeath(id));
  });
  return state;
}

const registry = obtain();
let view = registry.view;

/** The registry's words (for `deadlock.ts`; a live binding, replaced by {@link adoptRegistry}). */
export let registryView: Int32Array = view;

/** How many deaths have been recorded so far; a waiter compares it before and after parking. */
export function deathCount(): number {
  return Atomics.load(view, DEATHS);
}

/**
 * {@link deathCount} for a caller that remembers which count it has looked at (to look again only after a new
 * death): the count when every death it counts is already in the ring, or -1 while a recording is half done
 * (DEATHS incremented, its slot not yet written), when a look could miss that death and must not be remembered.
 * RECORDED is read first: equal to DEATHS read after it, no recording was in progress in between. A recorder that
 * stopped between its steps (or a copy of the library that does not count RECORDED) leaves -1 for good: such a
 * caller then looks every time, as if it remembered nothing.
 */
export function settledDeathCount(): number {
  const recorded = Atomics.load(view, RECORDED);
  const deaths = Atomics.load(view, DEATHS);
  return recorded === deaths ? deaths : -1;
}

/**
 * Whether thread `id` is known to have died. Costs one load while nobody has died, and a scan of at most
 * `RING_SIZE` words after deaths; called only on contended paths.
 */
export function isDead(id: number): boolean {
  const deaths = Atomics.load(view, DEATHS);
  if (deaths === 0 || id === currentThreadId) return false;
  const n = Math.min(deaths, RING_SIZE);
  for (let i = 0; i < n; i++) if (Atomics.load(view, RING + i) === id) return true;
  return false;
}

/**
 * Records that thread `id` has ended and wakes every waiter that watches deaths. Recording a thread twice, or
 * the current thread, does nothing.
 */
export function recordDeath(id: number): void {
  if (!Number.isInteger(id) || id <= 0 || id === currentThreadId || isDead(id)) return;
  const n = Atomics.add(view, DEATHS, 1);
  Atomics.store(view, RING + (n % RING_SIZE), id);
  Atomics.add(view, RECORDED, 1);
  Atomics.notify(view, DEATHS);
}

/**
 * Wakes every thread's death watch without recording a death, so that their async waiters attempt again (a
 * deadlock victim chosen by another thread must notice; see `deadlock.ts`).
 */
export function wakeDeathWatchers(): void {
  Atomics.notify(view, DEATHS);
}

/** The registry's DEATHS word, for waiters that park on it (`wait.ts`'s death watch). */
export function deathsWord(): { view: Int32Array; index: number } {
  return { view, index: DEATHS };
}

/** This thread's registry buffer, to hand to a browser worker (see {@link adoptRegistry}). */
export function registryBuffer(): SharedArrayBuffer {
  return view.buffer as SharedArrayBuffer;
}

/**
 * Makes `buffer` (another thread's {@link registryBuffer}) this thread's registry, for browsers, where no
 * environment data carries it to a worker. Allowed only while this thread's own registry is unused (no lock
 * id handed out, no wait recorded, no death recorded): lock ids and wait slots from two registries must never
 * mix. Returns false when `buffer` already is this thread's registry.
 */
export function adoptRegistry(buffer: unknown, api: string): boolean {
  if (!isRegistry(buffer)) {
    throw new TypeError(`${api}: expected the registry that getThreadRegistry() returned in another thread`);
  }
  const theirs = new Int32Array(buffer);
  if (buffer === view.buffer || Atomics.load(theirs, SERIAL) === Atomics.load(view, SERIAL)) return false;
  if (
    Atomics.load(view, LOCK_IDS) !== 0 ||
    Atomics.load(view, WAITS_HIGH) !== 0 ||
    Atomics.load(view, DEATHS) !== 0
  ) {
    throw new RangeError(
      `${api}: this thread has already used its own thread registry (it created or waited for a lock); ` +
        'call it first thing in the worker, before any lock is created or awaited',
    );
  }
  view = theirs;
  registryView = view;
  registry.view = view;
  return true;
}
