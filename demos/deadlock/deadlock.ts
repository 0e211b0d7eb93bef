/**
 * Deadlock, refused by the library (the logic of the deadlock demo, callable from specs).
 *
 * `n` workers (2–4), the philosophers, each take two locks named A, B, C, D (`new Lock({ name: 'A' })`), pausing
 * while they hold the first. Worker `i` needs lock `i` and lock `i+1 (mod n)`. Four scenes:
 * - `opposite`: worker `i` takes lock `i` first. With two workers that is the classic f1 = A then B,
 *   f2 = B then A; with more it is a ring. Every worker holds one lock and waits for its neighbour's: the wait
 *   that closes the cycle is refused by the library with `DeadlockError`; that worker releases its first lock and
 *   the others finish.
 * - `lucky`: the same opposite orders, but the workers run one after the other, so nothing deadlocks. Lock-order
 *   checking (on in the crew's workers: {@link startPhilosophers}) has recorded "A, then B" from worker 1 and
 *   names the inversion when worker 2 takes A while holding B.
 * - `rlock`: the classic lesson's fix: one `RLock` serves as every lock name (A = B = one RLock). A worker that
 *   holds "A" re-enters for "B" (a reentry is not an ordering); the others wait their turn.
 * - `ordered`: the general fix: every worker takes its two locks in one global order (alphabetical), so no cycle
 *   of waits can form and the checker has nothing to report.
 *
 * ## Forcing the interleaving (a rendezvous, not a sleep)
 * The pause while holding the first lock makes the deadlock likely, not certain. So after its pause a worker also
 * waits (bounded) at a rendezvous over a few shared words: each worker's STEP (wants its first lock, holds it,
 * done), bumped with a VERSION word on every acquisition and release. A worker goes on once every worker holds
 * its first lock, is done, or wants a first lock that is locked (queued behind a holder). In `opposite` only first
 * locks are taken before anyone passes, and they are all different, so passing means every first lock is held
 * before anyone asks for a second: the deadlock happens every time. In the fixes the rendezvous passes as soon as
 * the others queue up behind the held locks. In `lucky` worker `i` instead starts only once worker `i-1` is done.
 * The rendezvous only orders the workers; finding the deadlock is entirely the library's.
 */

import { type DeadlockLink, Lock, type LockOrderMode, RLock } from '../../lib/index';
import { Crew } from '../support/crew';
import { type Entry, Timeline } from '../support/timeline';

export type Variant = 'opposite' | 'lucky' | 'rlock' | 'ordered';

/** Lock names by index. */
export const LOCK_NAMES = ['A', 'B', 'C', 'D'] as const;

/** Words of the rendezvous: VERSION, then one STEP per worker. */
export const Rendezvous = { VERSION: 0, STEPS: 1 } as const;

/** A worker's step, as the rendezvous sees it. */
export const Step = { IDLE: 0, WANTS_FIRST: 1, HOLDS_FIRST: 2, DONE: 3 } as const;

/** Timeline events. */
export const DeadlockEvent = {
  WANTS: 1, // a = lock name index
  TAKES: 2, // a = lock name index
  WORKS: 3, // has both locks
  RELEASES: 4, // a = lock name index
  REFUSED: 5, // DeadlockError; a = lock name index it asked for
  INVERSION: 6, // a lock-order warning or LockOrderError; a = lock name index being acquired
  TIMED_OUT: 7, // a = lock name index
} as const;

/** How a philosopher waits for its locks. */
export type AcquireMode = 'sync' | 'async';

export interface PhilosopherJob {
  worker: number;
  workers: number;
  variant: Variant;
  /** First lock name of every worker (for the rendezvous), and this worker's second. */
  firsts: number[];
  second: number;
  /** Lock name index → index into `locks`. */
  physical: number[];
  kind: 'lock' | 'rlock';
  locks: unknown[];
  rendezvous: SharedArrayBuffer;
  timeline: Timeline['shared'];
  pauseMs: number;
  boundMs: number;
  acquire: AcquireMode;
}

/** What a `DeadlockError` told the worker whose wait closed the cycle. */
export interface Refusal {
  message: string;
  cycle: DeadlockLink[];
}

/** A lock-order inversion, as a warning (`'warn'`) or a `LockOrderError` (`'throw'`) reported it. */
export interface Inversion {
  kind: 'warning' | 'error';
  message: string;
  /** The two lock names (from the error's fields, or the warning's first sentence). */
  held?: string;
  acquiring?: string;
}

export interface PhilosopherResult {
  completed: boolean;
  /** Node's threadId of the worker, as the library's messages name it. */
  threadId: number;
  /** Set when its wait was refused with `DeadlockError`. */
  refused?: Refusal;
  /** The lock-order inversions reported in this worker during the job. */
  inversions: Inversion[];
  /** Why the worker gave up otherwise. */
  reason?: string;
}

export interface DeadlockParams {
  variant: Variant;
  /** Pause while holding the first lock, per worker (2–4 workers). */
  pausesMs: readonly number[];
  /** Bound on every wait, and on the rendezvous. @defaultValue 5000 */
  boundMs?: number;
  /** Sync (`acquireSync`, refused at once) or async (`await acquire()`, refused after 1 s). @defaultValue 'sync' */
  acquire?: AcquireMode;
}

export interface DeadlockRun {
  variant: Variant;
  workers: number;
  acquire: AcquireMode;
  results: PhilosopherResult[];
  entries: Entry[];
  /** Lock name index → physical lock index (for printing "A = B"). */
  physical: number[];
}

/** The crew's lock-order checking, set through `SHARED_SYNC_LOCK_ORDER` in the workers' environment. */
export interface PhilosopherOptions {
  /** @defaultValue 'warn' */
  lockOrder?: LockOrderMode;
}

/**
 * Starts a crew of `size` workers for the deadlock demo. Lock-order checking is switched on in the workers from
 * their start by the environment variable (the main thread's own mode is left alone).
 */
export function startPhilosophers(size: number, options: PhilosopherOptions = {}): Promise<Crew> {
  const { lockOrder = 'warn' } = options;
  return Crew.start(new URL('./philosopher.ts', import.meta.url), size, {
    env: { ...process.env, SHARED_SYNC_LOCK_ORDER: lockOrder },
  });
}

/** The two lock names worker `w` of `n` takes, in the order it takes them. */
export function orderOf(variant: Variant, w: number, n: number): [number, number] {
  const mine = w;
  const next = (w + 1) % n;
  return variant === 'ordered' ? [Math.min(mine, next), Math.max(mine, next)] : [mine, next];
}

/** Runs one scene on the first `pausesMs.length` workers of `crew`. */
export async function runDeadlock(params: DeadlockParams, crew: Crew): Promise<DeadlockRun> {
  const { variant, pausesMs, boundMs = 5000, acquire = 'sync' } = params;
  const n = pausesMs.length;
  if (n < 2 || n > Math.min(LOCK_NAMES.length, crew.size)) {
    throw new RangeError(`runDeadlock: pausesMs must have 2 to ${Math.min(4, crew.size)} entries, got ${n}`);
  }
  const kind = variant === 'rlock' ? 'rlock' : 'lock';
  const physical = LOCK_NAMES.slice(0, n).map((_, k) => (kind === 'rlock' ? 0 : k));
  const locks =
    kind === 'rlock'
      ? [new RLock({ name: LOCK_NAMES.slice(0, n).join('=') })]
      : physical.map((k) => new Lock({ name: LOCK_NAMES[k] }));
  const rendezvous = new SharedArrayBuffer((Rendezvous.STEPS + n) * 4);
  const timeline = new Timeline(32 * n);
  const orders = Array.from({ length: n }, (_, w) => orderOf(variant, w, n));
  const results = await Promise.all(
    orders.map(
      ([, second], worker) =>
        crew.run<PhilosopherResult>(
          worker,
          {
            worker,
            workers: n,
            variant,
            firsts: orders.map(([first]) => first),
            second,
            physical,
            kind,
            locks,
            rendezvous,
            timeline: timeline.shared,
            pauseMs: pausesMs[worker],
            boundMs,
            acquire,
          } satisfies PhilosopherJob,
          // A lucky run takes its turns one after the other.
          boundMs * (n + 1),
        ).result,
    ),
  );
  return { variant, workers: n, acquire, results, entries: timeline.entries(), physical };
}

/** The workers (0-based) whose wait was refused with `DeadlockError`. */
export function victimsOf(run: DeadlockRun): number[] {
  return run.results.flatMap((r, w) => (r.refused ? [w] : []));
}

/** Every lock-order inversion reported in the run's workers. */
export function inversionsOf(run: DeadlockRun): Inversion[] {
  return run.results.flatMap((r) => r.inversions);
}

/**
 * Whether a run shows its lesson:
 * - `opposite`: exactly one worker is refused with `DeadlockError`, whose cycle is the whole ring, and every
 *   other worker completes;
 * - `lucky`: nobody is refused with `DeadlockError`, lock-order checking named the inversion, and every worker
 *   completed (`'warn'`) or was stopped by the `LockOrderError` (`'throw'`);
 * - the fixes: every worker completes, nobody is refused, and lock-order checking stays silent.
 */
export function lessonOf(run: DeadlockRun): boolean {
  const victims = victimsOf(run);
  if (run.variant === 'opposite') {
    return (
      victims.length === 1 &&
      run.results[victims[0]].refused?.cycle.length === run.workers &&
      run.results.every((r, w) => w === victims[0] || r.completed)
    );
  }
  if (victims.length > 0) return false;
  if (run.variant === 'lucky') {
    return (
      inversionsOf(run).length > 0 &&
      run.results.every((r) => r.completed || r.inversions.some((i) => i.kind === 'error'))
    );
  }
  return inversionsOf(run).length === 0 && run.results.every((r) => r.completed);
}
