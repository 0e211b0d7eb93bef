/**
 * The withdrawal race (the logic of the bank demo, callable from specs).
 *
 * An account balance lives in shared memory. Each teller (a worker) withdraws with check-then-act: it reads
 * the balance, and if the amount fits it pauses, then debits. Without a lock every teller can check before any
 * debits, so withdrawals that each fit but together do not all succeed and the balance goes negative; with a
 * `Lock` around check-and-debit, the tellers take turns and a withdrawal that no longer fits is refused.
 *
 * ## Making the race certain (no timing luck)
 * The pause between check and debit is the lesson's `time.sleep(0.1)`; on its own it makes the race likely, not
 * certain (a teller could be descheduled for longer). So after pausing, a teller also waits at a rendezvous
 * until every other teller has checked, finished, or is blocked behind the lock someone holds. Without a lock,
 * that means every check happens before any debit: the race is shown every time. With the lock, the others are
 * blocked behind it, so the rendezvous passes at once and changes nothing. The rendezvous reads the tellers'
 * phases from the shared `cells` (see {@link Cell}) with `Atomics`.
 */

import { Lock } from '../../lib/index';
import { Crew } from '../support/crew';
import { type Entry, Timeline } from '../support/timeline';
import { Cell, type TellerJob, type TellerResult } from './withdraw';

export { BankEvent, Cell, Phase, type TellerJob, type TellerResult } from './withdraw';

/** Parameters of one run. */
export interface BankParams {
  initial: number;
  /** One withdrawal per teller (2 or more). */
  amounts: readonly number[];
  locked: boolean;
  /** The pause between check and debit. @defaultValue 100 */
  pauseMs?: number;
  /** Bound on every wait of the run (lock, rendezvous, result). @defaultValue 10000 */
  boundMs?: number;
}

/** The outcome of one run. */
export interface BankRun {
  initial: number;
  locked: boolean;
  final: number;
  tellers: TellerResult[];
  entries: Entry[];
}

/** Starts a crew of `size` tellers (reuse it across runs; close it when done). */
export function startTellers(size: number): Promise<Crew> {
  return Crew.start(new URL('./teller.ts', import.meta.url), size);
}

/** Runs the withdrawals on the first `amounts.length` workers of `crew`. */
export async function runBank(params: BankParams, crew: Crew): Promise<BankRun> {
  const { initial, amounts, locked, pauseMs = 100, boundMs = 10_000 } = params;
  if (amounts.length > crew.size) {
    throw new RangeError(`runBank: amounts must have at most ${crew.size} entries, got ${amounts.length}`);
  }
  const cells = new Int32Array(new SharedArrayBuffer((Cell.PHASES + amounts.length) * 4));
  cells[Cell.BALANCE] = initial;
  const lock = locked ? new Lock() : null;
  const timeline = new Timeline(16 * amounts.length);
  const tellers = await Promise.all(
    amounts.map(
      (amount, teller) =>
        crew.run<TellerResult>(
          teller,
          {
            teller,
            tellers: amounts.length,
            amount,
            cells: cells.buffer,
            lock,
            timeline: timeline.shared,
            pauseMs,
            boundMs,
          } satisfies TellerJob,
          boundMs * 2,
        ).result,
    ),
  );
  return { initial, locked, final: Atomics.load(cells, Cell.BALANCE), tellers, entries: timeline.entries() };
}

/** Whether a run shows what it should: the lock kept the balance right; without it, an overdraft. */
export function lessonOf(run: BankRun): { shown: boolean; verdict: string } {
  const succeeded = run.tellers.filter((t) => t.ok).length;
  if (run.locked) {
    const right = run.final >= 0 && run.final === run.initial - sumOk(run);
    return {
      shown: right,
      verdict: right
        ? `${succeeded} of ${run.tellers.length} succeeded: the lock held`
        : `balance ${run.final} is wrong even with the lock`,
    };
  }
  return {
    shown: run.final < 0,
    verdict:
      run.final < 0
        ? `${succeeded} of ${run.tellers.length} succeeded: overdrawn`
        : `balance ${run.final}: the race did not show`,
  };
}

function sumOk(run: BankRun): number {
  return run.tellers.reduce((sum, t) => sum + (t.ok ? t.amount : 0), 0);
}
