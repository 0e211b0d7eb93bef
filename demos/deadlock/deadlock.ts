/**
 * Deadlock, detected (the logic of the deadlock demo, callable from specs).
 *
 * `n` workers (2–4) each take two locks, pausing while they hold the first. Lock names are A, B, C, D; worker
 * `i` needs lock `i` and lock `i+1 (mod n)`. Three variants:
 * - `opposite`: worker `i` takes lock `i` first. With two workers that is the classic f1 = A then B,
 *   f2 = B then A; with more it is a ring. Every worker holds one lock and waits for its neighbour's: deadlock.
 * - `rlock`: the classic lesson's fix: one `RLock` serves as every lock name (A = B = one RLock). A worker that
 *   holds "A" re-enters for "B"; the others wait their turn.
 * - `ordered`: the general fix: every worker takes its two locks in one global order (alphabetical), so no cycle
 *   of waits can form.
 *
 * ## Detection
 * Each worker publishes in a shared table which lock names it holds and which one it waits for, before it
 * waits and after it acquires (and clears a hold before it releases), so that "holds" in the table never claims a
 * lock the worker does not hold. The main thread polls the table, builds the wait-for graph (worker → the
 * worker that holds the lock it waits for) and reports a cycle once it has seen the same cycle in several polls
 * in a row. It then breaks the deadlock as a database does: it picks a victim (the lowest-numbered worker in the
 * cycle) and aborts its wait (the async acquire takes an `AbortSignal`); the victim releases what it holds and
 * reports that it gave up, and the others can finish. The demo ends in bounded time instead of hanging.
 *
 * ## Making the deadlock certain
 * The pause while holding the first lock makes the deadlock likely, not certain. So after its pause a worker
 * also waits (bounded) at a rendezvous until every worker holds its first lock, is done, or is waiting for a lock
 * that another worker holds. In `opposite` that means every first lock is taken before anyone asks for a second:
 * deadlock every time. In the fixes the rendezvous passes as soon as the others queue up behind the held locks.
 */

import { Lock, RLock } from '../../lib/index';
import { Crew } from '../support/crew';
import { pause } from '../support/rendezvous';
import { type Entry, Timeline } from '../support/timeline';

export type Variant = 'opposite' | 'rlock' | 'ordered';

/** Lock names by index. */
export const LOCK_NAMES = ['A', 'B', 'C', 'D'] as const;

/** Words of the shared table. */
export const Table = {
  VERSION: 0,
  /** Per worker `w`, {@link Table.STRIDE} words from `1 + w * STRIDE`: PHASE, HOLDS, WAITS. */
  STRIDE: 3,
  PHASE: 0,
  /** Bit `k` set: holds lock name `k`. */
  HOLDS: 1,
  /** Lock name index + 1 the worker waits for; 0 when not waiting. */
  WAITS: 2,
} as const;

/** Index of worker `w`'s `field` in the table. */
export function slot(w: number, field: number): number {
  return 1 + w * Table.STRIDE + field;
}

export const Phase = { IDLE: 0, RUNNING: 1, DONE: 2 } as const;

/** Timeline events. */
export const DeadlockEvent = {
  WANTS: 1, // a = lock name index
  TAKES: 2, // a = lock name index
  WORKS: 3, // has both locks
  RELEASES: 4, // a = lock name index
  GIVES_UP: 5, // a = lock name index it was waiting for
  DETECTED: 6, // main thread; a = workers in the cycle
} as const;

export interface PhilosopherJob {
  worker: number;
  workers: number;
  /** First and second lock name of every worker (for the rendezvous). */
  firsts: number[];
  second: number;
  /** Lock name index → index into `locks`. */
  physical: number[];
  kind: 'lock' | 'rlock';
  locks: unknown[];
  table: SharedArrayBuffer;
  timeline: Timeline['shared'];
  pauseMs: number;
  boundMs: number;
}

export interface PhilosopherResult {
  completed: boolean;
  /** Why the worker gave up, when it did. */
  reason?: string;
}

/** One worker in a detected cycle. */
export interface CycleLink {
  worker: number;
  holds: number[];
  waitsFor: number;
  heldBy: number;
}

export interface DeadlockParams {
  variant: Variant;
  /** Pause while holding the first lock, per worker (2–4 workers). */
  pausesMs: readonly number[];
  /** The bound: a deadlock must be detected (or the run complete) within it. @defaultValue 5000 */
  boundMs?: number;
  /** Table polling interval of the detector. @defaultValue 5 */
  pollMs?: number;
  /** Consecutive polls that must show the same cycle. @defaultValue 3 */
  confirmPolls?: number;
}

export interface DeadlockRun {
  variant: Variant;
  workers: number;
  /** The cycle the detector found, or null. */
  cycle: CycleLink[] | null;
  /** Ms from the start of the run to the detection. */
  detectedAfterMs: number | null;
  /** The worker whose wait the detector aborted to break the cycle. */
  victim: number | null;
  results: PhilosopherResult[];
  entries: Entry[];
  /** Lock name index → physical lock index (for printing "A = B"). */
  physical: number[];
}

/** Starts a crew of `size` workers for the deadlock demo. */
export function startPhilosophers(size: number): Promise<Crew> {
  return Crew.start(new URL('./philosopher.ts', import.meta.url), size);
}

/** The two lock names worker `w` of `n` takes, in the order it takes them. */
export function orderOf(variant: Variant, w: number, n: number): [number, number] {
  const mine = w;
  const next = (w + 1) % n;
  return variant === 'ordered' ? [Math.min(mine, next), Math.max(mine, next)] : [mine, next];
}

interface Snapshot {
  holds: number[];
  waits: number[];
}

function snapshot(table: Int32Array, n: number): Snapshot {
  const holds: number[] = [];
  const waits: number[] = [];
  for (let w = 0; w < n; w++) {
    holds.push(Atomics.load(table, slot(w, Table.HOLDS)));
    waits.push(Atomics.load(table, slot(w, Table.WAITS)) - 1);
  }
  return { holds, waits };
}

function namesOf(mask: number): number[] {
  return LOCK_NAMES.map((_, k) => k).filter((k) => (mask >> k) & 1);
}

/**
 * Finds a cycle in the wait-for graph of a snapshot: worker w → the worker holding (physically) the lock w waits
 * for. Each lock has one holder, so each worker has at most one outgoing edge and a walk finds any cycle.
 */
export function findCycle(snap: Snapshot, physical: readonly number[]): CycleLink[] | null {
  const n = snap.holds.length;
  const holderOf = (name: number, except: number): number => {
    for (let w = 0; w < n; w++) {
      if (w !== except && namesOf(snap.holds[w]).some((k) => physical[k] === physical[name])) return w;
    }
    return -1;
  };
  const next = (w: number): number => (snap.waits[w] < 0 ? -1 : holderOf(snap.waits[w], w));
  for (let start = 0; start < n; start++) {
    const seen: number[] = [];
    let w = start;
    while (w >= 0 && !seen.includes(w)) {
      seen.push(w);
      w = next(w);
    }
    if (w < 0) continue;
    const cycle = seen.slice(seen.indexOf(w));
    return cycle.map((worker) => ({
      worker,
      holds: namesOf(snap.holds[worker]),
      waitsFor: snap.waits[worker],
      heldBy: next(worker),
    }));
  }
  return null;
}

function keyOf(cycle: CycleLink[]): string {
  return [...cycle]
    .sort((a, b) => a.worker - b.worker)
    .map((l) => `${l.worker}:${l.waitsFor}>${l.heldBy}`)
    .join(',');
}

/** Runs one variant on the first `pausesMs.length` workers of `crew`. */
export async function runDeadlock(params: DeadlockParams, crew: Crew): Promise<DeadlockRun> {
  const { variant, pausesMs, boundMs = 5000, pollMs = 5, confirmPolls = 3 } = params;
  const n = pausesMs.length;
  if (n < 2 || n > Math.min(LOCK_NAMES.length, crew.size)) {
    throw new RangeError(`runDeadlock: pausesMs must have 2 to ${Math.min(4, crew.size)} entries, got ${n}`);
  }
  const kind = variant === 'rlock' ? 'rlock' : 'lock';
  const physical = LOCK_NAMES.slice(0, n).map((_, k) => (kind === 'rlock' ? 0 : k));
  const locks = kind === 'rlock' ? [new RLock()] : physical.map(() => new Lock());
  const table = new Int32Array(new SharedArrayBuffer((1 + n * Table.STRIDE) * 4));
  const timeline = new Timeline(32 * n);
  const orders = Array.from({ length: n }, (_, w) => orderOf(variant, w, n));
  const started = performance.now();
  const runs = orders.map(([, second], worker) =>
    crew.run<PhilosopherResult>(
      worker,
      {
        worker,
        workers: n,
        firsts: orders.map(([first]) => first),
        second,
        physical,
        kind,
        locks,
        table: table.buffer,
        timeline: timeline.shared,
        pauseMs: pausesMs[worker],
        boundMs,
      } satisfies PhilosopherJob,
      boundMs * 2,
    ),
  );
  let settled = 0;
  for (const run of runs)
    void run.result.then(
      () => settled++,
      () => settled++,
    );

  let cycle: CycleLink[] | null = null;
  let detectedAfterMs: number | null = null;
  let victim: number | null = null;
  let lastKey = '';
  let streak = 0;
  while (settled < n && performance.now() - started < boundMs) {
    await pause(pollMs);
    const found = findCycle(snapshot(table, n), physical);
    const key = found ? keyOf(found) : '';
    streak = found && key === lastKey ? streak + 1 : found ? 1 : 0;
    lastKey = key;
    if (found && streak >= confirmPolls) {
      cycle = found;
      detectedAfterMs = performance.now() - started;
      timeline.record(0, DeadlockEvent.DETECTED, found.length);
      victim = Math.min(...found.map((link) => link.worker));
      runs[victim].abort();
      break;
    }
  }
  const results = await Promise.all(runs.map((r) => r.result));
  return {
    variant,
    workers: n,
    cycle,
    detectedAfterMs,
    victim,
    results,
    entries: timeline.entries(),
    physical,
  };
}

/**
 * Whether a run shows its lesson: `opposite` deadlocks, is detected within `boundMs`, and once the victim gave
 * up every other worker completes; the fixes complete without any cycle.
 */
export function lessonOf(run: DeadlockRun, boundMs = 5000): boolean {
  if (run.variant === 'opposite') {
    return (
      run.cycle !== null &&
      run.cycle.length === run.workers &&
      run.detectedAfterMs !== null &&
      run.detectedAfterMs < boundMs &&
      run.results.every((r, w) => r.completed === (w !== run.victim))
    );
  }
  return run.cycle === null && run.results.every((r) => r.completed);
}
