// A bank teller: withdraws one amount with check-then-act, with or without the shared lock (see bank.ts).
import { Lock } from '../../lib/index';
import { serve } from '../support/crew';
import { pauseSync, publish, waitUntilSync } from '../support/rendezvous';
import { Timeline } from '../support/timeline';
import { BankEvent, Cell, Phase, type TellerJob, type TellerResult } from './bank';

serve((job: TellerJob): TellerResult => {
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
});
