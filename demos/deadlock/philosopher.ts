// A worker of the deadlock demo: takes its two locks in its order, pausing while it holds the first.
import { Lock, type Releaser, RLock } from '../../lib/index';
import { serve } from '../support/crew';
import { pause, publish, waitUntilSync } from '../support/rendezvous';
import { Timeline } from '../support/timeline';
import { DeadlockEvent, Phase, type PhilosopherJob, type PhilosopherResult, slot, Table } from './deadlock';

serve(async (job: PhilosopherJob, signal: AbortSignal): Promise<PhilosopherResult> => {
  const table = new Int32Array(job.table);
  const timeline = new Timeline(job.timeline);
  const locks = job.locks.map((l) => (job.kind === 'rlock' ? RLock.from(l) : Lock.from(l)));
  const me = job.worker;
  const actor = me + 1;
  const first = job.firsts[me];
  const held: { name: number; release: Releaser }[] = [];
  const read = (w: number, field: number): number => Atomics.load(table, slot(w, field));
  const write = (field: number, value: number): void => publish(table, slot(me, field), value, Table.VERSION);

  async function take(name: number): Promise<void> {
    write(Table.WAITS, name + 1);
    timeline.record(actor, DeadlockEvent.WANTS, name);
    const release = await locks[job.physical[name]].acquire({ signal, timeout: job.boundMs });
    held.push({ name, release });
    write(Table.HOLDS, read(me, Table.HOLDS) | (1 << name));
    write(Table.WAITS, 0);
    timeline.record(actor, DeadlockEvent.TAKES, name);
  }

  // The rendezvous (deadlock.ts): each worker holds its first lock, is done, or waits behind a held lock.
  const lined = (): boolean => {
    for (let w = 0; w < job.workers; w++) {
      if (read(w, Table.PHASE) === Phase.DONE || (read(w, Table.HOLDS) >> job.firsts[w]) & 1) continue;
      const waits = read(w, Table.WAITS) - 1;
      if (waits < 0) return false;
      let heldElsewhere = false;
      for (let k = 0; k < job.workers; k++) {
        const holds = read(k, Table.HOLDS);
        for (let name = 0; name < job.physical.length; name++) {
          if (k !== w && (holds >> name) & 1 && job.physical[name] === job.physical[waits])
            heldElsewhere = true;
        }
      }
      if (!heldElsewhere) return false;
    }
    return true;
  };

  write(Table.PHASE, Phase.RUNNING);
  try {
    await take(first);
    await pause(job.pauseMs);
    if (!waitUntilSync(table, Table.VERSION, lined, job.boundMs)) {
      throw new Error(`the others did not line up within ${job.boundMs} ms`);
    }
    await take(job.second);
    timeline.record(actor, DeadlockEvent.WORKS);
    return { completed: true };
  } catch (err) {
    const waited = read(me, Table.WAITS) - 1;
    timeline.record(actor, DeadlockEvent.GIVES_UP, waited);
    write(Table.WAITS, 0);
    return { completed: false, reason: err instanceof Error ? err.message : String(err) };
  } finally {
    for (const { name, release } of held.reverse()) {
      write(Table.HOLDS, read(me, Table.HOLDS) & ~(1 << name));
      timeline.record(actor, DeadlockEvent.RELEASES, name);
      release();
    }
    write(Table.PHASE, Phase.DONE);
  }
});
