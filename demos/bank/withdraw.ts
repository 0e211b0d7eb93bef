/**
 * One teller's withdrawal (see bank.ts for the lesson and the rendezvous): what a worker runs, in Node
 * (teller.ts) and in a browser's Web Worker (web/teller.ts). Uses nothing but the library, `Atomics` and the
 * shared timeline, so that it runs in both.
 */
import { Lock } from '../../lib/index';
import { pauseSync, publish, waitUntilSync } from '../support/rendezvous';
import { Timeline, type TimelineShared } from '../support/timeline';

/** Words of the shared `cells` array. */
export const Cell = {
  /** The account balance. */
  BALANCE: 0,
  /** Bumped on every phase change (see `support/rendezvous.ts`). */
  VERSION: 1,
  /** First of the per-teller phase words: teller t's phase is at `PHASES + t`. */
  PHASES: 2,
} as const;

/** A teller's phase, as published in its phase word. */
export const Phase = {
  IDLE: 0, // has not started
  WANTS_LOCK: 1, // waiting for the lock (locked run only)
  CHECKED: 2, // has read the balance and is between check and debit
  DONE: 3, // finished (debited or refused)
} as const;

/** Timeline events (A and B are the numbers each carries). */
export const BankEvent = {
  CHECK: 1, // a = balance seen, b = amount
  DEBIT: 2, // a = amount, b = balance after
  REFUSED: 3, // a = balance seen, b = amount
  LOCKED: 4, // acquired the lock
  UNLOCKED: 5, // released the lock
} as const;

/** What a teller is asked to do. */
export interface TellerJob {
  teller: number; // 0-based
  tellers: number;
  amount: number;
  cells: SharedArrayBuffer;
  lock: Lock | null;
  timeline: TimelineShared;
  pauseMs: number;
  boundMs: number;
}

/** What a teller reports. */
export interface TellerResult {
  amount: number;
  /** The balance the teller saw when it checked. */
  seen: number;
  ok: boolean;
}

/** Withdraws `job.amount` with check-then-act, with or without the shared lock; records every step. */
export function withdraw(job: TellerJob): TellerResult {
  const cells = new Int32Array(job.cells);
  const timeline = new Timeline(job.timeline);
  const lock = job.lock ? Lock.from(job.lock) : null;
  const me = job.teller;
  const actor = me + 1;
  const phaseOf = (t: number): number => Atomics.load(cells, Cell.PHASES + t);
  const setPhase = (phase: number): void => publish(cells, Cell.PHASES + me, phase, Cell.VERSION);

  if (lock) {
    setPhase(Phase.WANTS_LOCK);
    if (!lock.acquireSync(job.boundMs)) throw new Error(`no lock within ${job.boundMs} ms`);
    timeline.record(actor, BankEvent.LOCKED);
  }
  try {
    const seen = Atomics.load(cells, Cell.BALANCE);
    timeline.record(actor, BankEvent.CHECK, seen, job.amount);
    setPhase(Phase.CHECKED);
    if (seen < job.amount) {
      timeline.record(actor, BankEvent.REFUSED, seen, job.amount);
      return { amount: job.amount, seen, ok: false };
    }
    pauseSync(job.pauseMs);
    // The rendezvous (bank.ts): everyone else has checked, is done, or is stuck behind the lock we hold.
    const lined = waitUntilSync(
      cells,
      Cell.VERSION,
      () => {
        for (let t = 0; t < job.tellers; t++) {
          const phase = phaseOf(t);
          if (t !== me && phase !== Phase.CHECKED && phase !== Phase.DONE && phase !== Phase.WANTS_LOCK)
            return false;
        }
        return true;
      },
      job.boundMs,
    );
    if (!lined) throw new Error(`the other tellers did not check within ${job.boundMs} ms`);
    const after = Atomics.sub(cells, Cell.BALANCE, job.amount) - job.amount;
    timeline.record(actor, BankEvent.DEBIT, job.amount, after);
    return { amount: job.amount, seen, ok: true };
  } finally {
    setPhase(Phase.DONE);
    if (lock) {
      timeline.record(actor, BankEvent.UNLOCKED);
      lock.release();
    }
  }
}
