// A worker of the deadlock demo: takes its two locks in its order, pausing while it holds the first.
// Whatever it holds is released in `finally`, also when its wait was refused with DeadlockError.
import { DeadlockError, getThreadId, Lock, LockOrderError, RLock } from '../../lib/index';
import { serve } from '../support/crew';
import { bump, pause, pauseSync, publish, waitUntil, waitUntilSync } from '../support/rendezvous';
import { Timeline } from '../support/timeline';
import {
  DeadlockEvent,
  type Inversion,
  type PhilosopherJob,
  type PhilosopherResult,
  type Refusal,
  Rendezvous,
  Step,
} from './deadlock';

// Lock-order warnings are collected here and returned with the job, so that the demo can print them in order
// with the rest; a program would simply let Node print them. Other warnings are printed as usual.
let inversions: Inversion[] = [];
process.removeAllListeners('warning');
process.on('warning', (warning: Error & { code?: string }) => {
  if (warning.name !== 'LockOrderWarning' || warning.code !== 'SHARED_SYNC_LOCK_ORDER') {
    console.warn(`${warning.name}: ${warning.message}`);
    return;
  }
  const names = /holds '([^']*)' and is acquiring '([^']*)'/.exec(warning.message);
  inversions.push({ kind: 'warning', message: warning.message, held: names?.[1], acquiring: names?.[2] });
});

/** Lets warnings emitted during the job (Node emits them on the next tick) reach the listener above. */
const flushWarnings = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

serve(async (job: PhilosopherJob): Promise<PhilosopherResult> => {
  inversions = [];
  const steps = new Int32Array(job.rendezvous);
  const timeline = new Timeline(job.timeline);
  const locks = job.locks.map((l) => (job.kind === 'rlock' ? RLock.from(l) : Lock.from(l)));
  const lockOf = (name: number): Lock | RLock => locks[job.physical[name]];
  const me = job.worker;
  const actor = me + 1;
  const sync = job.acquire === 'sync';
  const held: number[] = [];
  const stepOf = (w: number): number => Atomics.load(steps, Rendezvous.STEPS + w);
  const setStep = (step: number): void => publish(steps, Rendezvous.STEPS + me, step, Rendezvous.VERSION);
  const until = (condition: () => boolean, timeoutMs: number): boolean | Promise<boolean> =>
    sync
      ? waitUntilSync(steps, Rendezvous.VERSION, condition, timeoutMs)
      : waitUntil(steps, Rendezvous.VERSION, condition, timeoutMs);

  async function take(name: number): Promise<void> {
    timeline.record(actor, DeadlockEvent.WANTS, name);
    const lock = lockOf(name);
    try {
      if (sync) {
        if (!lock.acquireSync(job.boundMs)) throw new Error(`timed out waiting for ${lock.name}`);
      } else {
        await lock.acquire({ timeout: job.boundMs });
      }
    } catch (err) {
      if (err instanceof DeadlockError) timeline.record(actor, DeadlockEvent.REFUSED, name);
      else if (err instanceof LockOrderError) timeline.record(actor, DeadlockEvent.INVERSION, name);
      else timeline.record(actor, DeadlockEvent.TIMED_OUT, name);
      throw err;
    }
    held.push(name);
    timeline.record(actor, DeadlockEvent.TAKES, name);
    bump(steps, Rendezvous.VERSION); // a lock just became held: the rendezvous may pass now
  }

  // The rendezvous (deadlock.ts): everyone holds its first lock, is done, or is queued behind a held lock.
  const lined = (): boolean => {
    for (let w = 0; w < job.workers; w++) {
      const step = stepOf(w);
      if (step === Step.DONE || step === Step.HOLDS_FIRST) continue;
      if (step === Step.WANTS_FIRST && locks[job.physical[job.firsts[w]]].isLocked()) continue;
      return false;
    }
    return true;
  };

  let completed = false;
  let refused: Refusal | undefined;
  let reason: string | undefined;
  try {
    // A lucky run: worker i starts once worker i-1 is done, so two of them never hold locks at once.
    if (
      job.variant === 'lucky' &&
      me > 0 &&
      !(await until(() => stepOf(me - 1) === Step.DONE, job.boundMs))
    ) {
      throw new Error(`worker ${me} did not finish within ${job.boundMs} ms`);
    }
    setStep(Step.WANTS_FIRST);
    await take(job.firsts[me]);
    setStep(Step.HOLDS_FIRST);
    if (sync) pauseSync(job.pauseMs);
    else await pause(job.pauseMs);
    if (job.variant !== 'lucky' && !(await until(lined, job.boundMs))) {
      throw new Error(`the others did not line up within ${job.boundMs} ms`);
    }
    await take(job.second);
    timeline.record(actor, DeadlockEvent.WORKS);
    completed = true;
  } catch (err) {
    if (err instanceof DeadlockError) {
      refused = { message: err.message, cycle: err.cycle.map((link) => ({ ...link })) };
    } else if (err instanceof LockOrderError) {
      inversions.push({ kind: 'error', message: err.message, held: err.held, acquiring: err.acquiring });
    } else {
      reason = err instanceof Error ? err.message : String(err);
    }
  } finally {
    for (const name of held.reverse()) {
      timeline.record(actor, DeadlockEvent.RELEASES, name);
      lockOf(name).release();
    }
    setStep(Step.DONE);
  }
  await flushWarnings();
  return { completed, threadId: getThreadId(), refused, inversions, reason };
});
