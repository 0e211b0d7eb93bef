// A teller of the bank demo's second scene (see death.ts): a journaled withdrawal under the lock. The victim
// stops at a chosen step and waits there until it is terminated; the survivor, told by OwnerDiedError that the
// lock's holder died, repairs the account from the journal before its own withdrawal.
import { Lock, OwnerDiedError } from '../../lib/index';
import { serve } from '../support/crew';
import { bump, publish, waitUntilSync } from '../support/rendezvous';
import { Timeline } from '../support/timeline';
import { Cell, DeathEvent, type DeathJob, Step, type SurvivorResult } from './death';

serve((job: DeathJob): SurvivorResult => {
  const cells = new Int32Array(job.cells);
  const timeline = new Timeline(job.timeline);
  const lock = Lock.from(job.lock);
  const actor = job.teller;
  const victim = job.role === 'victim';

  /** The victim's stop: publish the step, then wait for a go-ahead that never comes (the main thread kills it). */
  const reached = (step: number): void => {
    if (!victim || step !== job.stopAt) return;
    publish(cells, Cell.VICTIM_STEP, step, Cell.VERSION);
    if (!waitUntilSync(cells, Cell.VERSION, () => Atomics.load(cells, Cell.GO) === 1, job.boundMs)) {
      throw new Error(`teller ${actor} was not terminated within ${job.boundMs} ms`);
    }
  };

  let toldThreadId = -1;
  let found: number = Step.CLOSED;
  timeline.record(actor, DeathEvent.WAITS);
  if (!victim) publish(cells, Cell.SURVIVOR, 1, Cell.VERSION);
  try {
    if (!lock.acquireSync(job.boundMs)) throw new Error(`no lock within ${job.boundMs} ms`);
    timeline.record(actor, DeathEvent.LOCKED);
  } catch (err) {
    if (!(err instanceof OwnerDiedError)) throw err;
    // The lock is ours now, and what it protects may be half-updated.
    toldThreadId = err.threadId;
    timeline.record(actor, DeathEvent.TOLD, err.threadId);
  }
  try {
    found = Atomics.load(cells, Cell.JOURNAL_STATE);
    if (found !== Step.CLOSED) repair(cells, timeline, actor, found);

    const seen = Atomics.load(cells, Cell.BALANCE);
    timeline.record(actor, DeathEvent.CHECK, seen, job.amount);
    if (seen < job.amount) {
      timeline.record(actor, DeathEvent.REFUSED, seen, job.amount);
      return { toldThreadId, found, ok: false };
    }
    Atomics.store(cells, Cell.JOURNAL_TELLER, actor);
    Atomics.store(cells, Cell.JOURNAL_BEFORE, seen);
    Atomics.store(cells, Cell.JOURNAL_AMOUNT, job.amount);
    Atomics.store(cells, Cell.JOURNAL_STATE, Step.JOURNALED);
    timeline.record(actor, DeathEvent.JOURNALED, seen, job.amount);
    reached(Step.JOURNALED);

    Atomics.add(cells, Cell.CASH, job.amount);
    Atomics.store(cells, Cell.JOURNAL_STATE, Step.PAID);
    timeline.record(actor, DeathEvent.PAID, job.amount);
    reached(Step.PAID);

    Atomics.store(cells, Cell.BALANCE, seen - job.amount);
    Atomics.store(cells, Cell.JOURNAL_STATE, Step.WRITTEN);
    timeline.record(actor, DeathEvent.WRITTEN, job.amount, seen - job.amount);
    reached(Step.WRITTEN);

    Atomics.store(cells, Cell.JOURNAL_STATE, Step.CLOSED);
    timeline.record(actor, DeathEvent.CLOSED);
    return { toldThreadId, found, ok: true };
  } finally {
    timeline.record(actor, DeathEvent.UNLOCKED);
    lock.release();
    if (!victim) publish(cells, Cell.SURVIVOR, 2, Cell.VERSION);
    bump(cells, Cell.VERSION);
  }
});

/** Finishes or voids the open journal entry of a teller that died holding the lock (see death.ts's table). */
function repair(cells: Int32Array, timeline: Timeline, actor: number, step: number): void {
  const before = Atomics.load(cells, Cell.JOURNAL_BEFORE);
  const amount = Atomics.load(cells, Cell.JOURNAL_AMOUNT);
  timeline.record(actor, DeathEvent.FOUND, step, amount);
  // Nobody changed the balance since the dead teller read it: it held the lock until it died, and we hold it now.
  if (step === Step.PAID) Atomics.store(cells, Cell.BALANCE, before - amount);
  Atomics.store(cells, Cell.JOURNAL_STATE, Step.CLOSED);
  timeline.record(actor, DeathEvent.REPAIRED, step, Atomics.load(cells, Cell.BALANCE));
}
