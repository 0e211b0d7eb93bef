/**
 * The bank demo's second scene: a teller dies in the middle of a withdrawal (the logic, callable from specs).
 *
 * A withdrawal is four steps under the lock: read the balance, write a journal entry (who, the balance read,
 * the amount), hand out the cash, write the new balance, then close the entry. Teller 1 is stopped for good
 * between two of those steps: the main thread terminates its worker, and no `finally` runs, so the lock stays
 * held by a thread that no longer exists. Teller 2, waiting for the lock, takes it over and is told with
 * `OwnerDiedError`; it then repairs the account from the journal before doing its own withdrawal:
 *
 * | the dead teller's entry | what it had done                 | the repair                                    |
 * |-------------------------|----------------------------------|-----------------------------------------------|
 * | JOURNALED               | nothing the customer saw         | void the entry (the balance is still right)   |
 * | PAID                    | handed out the cash, balance old | write `before − amount`, close the entry      |
 * | WRITTEN                 | everything but closing the entry | close the entry                               |
 *
 * The repair is exact because the lock was held throughout: nobody changed the balance after the dead teller
 * read it, so `before − amount` is what it should be. The invariant a spec checks: balance + cash handed out =
 * the opening balance, after every scene.
 *
 * ## Stopping the teller at a chosen step, without timing luck
 * The victim publishes its step in a shared word and then waits, at that step, for a go-ahead that never comes
 * (the rendezvous of `support/rendezvous.ts`); the main thread waits until it sees the step and until teller 2
 * is queued for the lock, then terminates the victim. No sleep decides where it dies.
 */

import { Lock } from '../../lib/index';
import { Crew } from '../support/crew';
import { waitUntil } from '../support/rendezvous';
import { type Entry, Timeline } from '../support/timeline';

/** Words of the scene's shared `cells`. */
export const Cell = {
  BALANCE: 0,
  /** Cash handed out over the counter so far. */
  CASH: 1,
  /** Bumped on every change the rendezvous watches (see `support/rendezvous.ts`). */
  VERSION: 2,
  /** The victim's step ({@link Step}), published before it waits there. */
  VICTIM_STEP: 3,
  /** Whether teller 2 is about to wait for the lock (1) or has finished (2). */
  SURVIVOR: 4,
  /** The journal entry: its state ({@link Entry}), teller, the balance read, the amount. */
  JOURNAL_STATE: 5,
  JOURNAL_TELLER: 6,
  JOURNAL_BEFORE: 7,
  JOURNAL_AMOUNT: 8,
  /** Never set: the go-ahead the victim waits for. */
  GO: 9,
  SIZE: 10,
} as const;

/** The state of the journal entry, which is also the step a teller has reached in its withdrawal. */
export const Step = {
  CLOSED: 0, // no withdrawal in progress
  JOURNALED: 1, // entry written; nothing else done
  PAID: 2, // cash handed out; balance not yet written
  WRITTEN: 3, // balance written; entry not yet closed
} as const;
export type StepName = 'journaled' | 'paid' | 'written';
export const STEP_OF: Record<StepName, number> = {
  journaled: Step.JOURNALED,
  paid: Step.PAID,
  written: Step.WRITTEN,
};

/** Timeline events of the scene (A and B are the numbers each carries). */
export const DeathEvent = {
  LOCKED: 1, // took the lock
  CHECK: 2, // a = balance seen, b = amount
  JOURNALED: 3, // a = balance seen, b = amount
  PAID: 4, // a = amount handed out
  WRITTEN: 5, // a = amount, b = balance written
  CLOSED: 6, // closed the journal entry
  UNLOCKED: 7, // released the lock
  WAITS: 8, // about to wait for the lock
  TERMINATES: 9, // (main) terminates teller a
  EXITED: 10, // (main) teller a's 'exit' event: the library records the death
  TOLD: 11, // OwnerDiedError: a = the dead holder's thread id
  FOUND: 12, // found the dead teller's open entry: a = step, b = amount
  REPAIRED: 13, // a = step repaired, b = balance after the repair
  REFUSED: 14, // a = balance seen, b = amount
} as const;

/** What a teller is asked to do (both tellers run `death-teller.ts`). */
export interface DeathJob {
  role: 'victim' | 'survivor';
  teller: number; // 1-based, as printed
  amount: number;
  cells: SharedArrayBuffer;
  lock: Lock;
  timeline: Timeline['shared'];
  /** The victim's last step: it waits there until terminated. */
  stopAt: number;
  boundMs: number;
}

/** What the surviving teller reports. */
export interface SurvivorResult {
  /** The thread id OwnerDiedError named (-1: it was not told). */
  toldThreadId: number;
  /** The step of the dead teller's entry it found (Step.CLOSED: none). */
  found: number;
  ok: boolean;
}

export interface DeathParams {
  initial: number;
  /** Teller 1's withdrawal (it dies in the middle of it). */
  victimAmount: number;
  /** Teller 2's withdrawal, after the repair. */
  survivorAmount: number;
  /** The step after which teller 1 is terminated. @defaultValue 'paid' */
  stopAt?: StepName;
  /** Bound on every wait of the scene. @defaultValue 10000 */
  boundMs?: number;
}

export interface DeathRun {
  initial: number;
  victimAmount: number;
  survivorAmount: number;
  stopAt: StepName;
  /** The victim's thread id (the one OwnerDiedError should name). */
  victimThreadId: number;
  survivor: SurvivorResult;
  balance: number;
  cash: number;
  /** The journal entry's state at the end (Step.CLOSED when everything was closed). */
  journal: number;
  entries: Entry[];
}

const DEATH_TELLER = new URL('./death-teller.ts', import.meta.url);

/** Starts the surviving teller's worker (reuse it across scenes; close it when done). */
export function startSurvivor(): Promise<Crew> {
  return Crew.start(DEATH_TELLER, 1);
}

/** Runs the scene: teller 1 (a fresh worker) dies at `stopAt`, teller 2 (from `survivor`) repairs. */
export async function runTellerDeath(params: DeathParams, survivor: Crew): Promise<DeathRun> {
  const { initial, victimAmount, survivorAmount, stopAt = 'paid', boundMs = 10_000 } = params;
  if (!(victimAmount >= 1 && victimAmount <= initial)) {
    throw new RangeError(
      `runTellerDeath: victimAmount must be between 1 and initial (${initial}), got ${victimAmount}`,
    );
  }
  const cells = new Int32Array(new SharedArrayBuffer(Cell.SIZE * 4));
  cells[Cell.BALANCE] = initial;
  const lock = new Lock();
  const timeline = new Timeline(64);
  const job = { cells: cells.buffer, lock, timeline: timeline.shared, stopAt: STEP_OF[stopAt], boundMs };

  const victimCrew = await Crew.start(DEATH_TELLER, 1);
  const victim = victimCrew.workers[0];
  const victimThreadId = victim.threadId;
  // Prepended: the library's own 'exit' listener (registered when the worker was made) records the death and
  // wakes teller 2, which can then be told before a listener added after it runs.
  const exited = new Promise<void>((resolve) =>
    victim.prependOnceListener('exit', () => {
      timeline.record(0, DeathEvent.EXITED, 1);
      resolve();
    }),
  );
  try {
    const died = victimCrew
      .run<never>(0, { ...job, role: 'victim', teller: 1, amount: victimAmount } satisfies DeathJob, boundMs)
      .result.then(
        () => new Error('teller 1 finished its withdrawal: it was not stopped'),
        () => null, // its worker was terminated: the result never comes
      );
    const stopped = await waitUntil(
      cells,
      Cell.VERSION,
      () => Atomics.load(cells, Cell.VICTIM_STEP) === STEP_OF[stopAt],
      boundMs,
    );
    if (!stopped) throw new Error(`teller 1 did not reach the step '${stopAt}' within ${boundMs} ms`);
    const survived = survivor.run<SurvivorResult>(
      0,
      { ...job, role: 'survivor', teller: 2, amount: survivorAmount } satisfies DeathJob,
      boundMs * 2,
    ).result;
    const queued = await waitUntil(
      cells,
      Cell.VERSION,
      () => Atomics.load(cells, Cell.SURVIVOR) >= 1,
      boundMs,
    );
    if (!queued) throw new Error(`teller 2 did not queue for the lock within ${boundMs} ms`);
    timeline.record(0, DeathEvent.TERMINATES, 1);
    await victim.terminate();
    await exited;
    const unexpected = await died;
    if (unexpected) throw unexpected;
    const result = await survived;
    return {
      initial,
      victimAmount,
      survivorAmount,
      stopAt,
      victimThreadId,
      survivor: result,
      balance: Atomics.load(cells, Cell.BALANCE),
      cash: Atomics.load(cells, Cell.CASH),
      journal: Atomics.load(cells, Cell.JOURNAL_STATE),
      entries: timeline.entries(),
    };
  } finally {
    await victimCrew.close();
  }
}

/** What the scene should end with: the dead teller's withdrawal completed or voided, then teller 2's. */
export function expectedOf(run: Pick<DeathRun, 'initial' | 'victimAmount' | 'survivorAmount' | 'stopAt'>): {
  balance: number;
  cash: number;
} {
  // Teller 1 had read the balance and its amount fitted (else it would not have journaled it).
  const victimPaid = run.stopAt === 'journaled' ? 0 : run.victimAmount;
  const left = run.initial - victimPaid;
  const survivorPaid = run.survivorAmount <= left ? run.survivorAmount : 0;
  return { balance: left - survivorPaid, cash: victimPaid + survivorPaid };
}

/** Whether the scene shows its lesson: teller 2 was told who died, and the repaired account is exact. */
export function deathLessonOf(run: DeathRun): { shown: boolean; verdict: string } {
  const expected = expectedOf(run);
  if (run.survivor.toldThreadId !== run.victimThreadId) {
    return { shown: false, verdict: 'teller 2 was not told that teller 1 died holding the lock' };
  }
  const exact =
    run.balance === expected.balance &&
    run.cash === expected.cash &&
    run.balance + run.cash === run.initial &&
    run.journal === Step.CLOSED;
  return {
    shown: exact,
    verdict: exact
      ? `balance ${run.balance} + cash handed out ${run.cash} = ${run.initial}: repaired exactly`
      : `balance ${run.balance} + cash ${run.cash} ≠ ${run.initial} (expected balance ${expected.balance})`,
  };
}
