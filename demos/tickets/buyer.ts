// A worker hosting ticket buyers as async tasks (see tickets.ts): a sale or a flash sale per job.
import { Lock, Queue, QueueFullError, type Releaser } from '../../lib/index';
import { serve } from '../support/crew';
import { bump, pause, publish, waitUntil } from '../support/rendezvous';
import { Timeline } from '../support/timeline';
import {
  type BuyerResult,
  Cell,
  type FlashJob,
  Phase,
  readCount,
  type SaleJob,
  TicketEvent,
  writeCount,
} from './tickets';

async function buy(job: SaleJob, buyer: number): Promise<BuyerResult> {
  const cells = new Int32Array(job.cells);
  const timeline = new Timeline(job.timeline);
  const lock = job.lock ? Lock.from(job.lock) : null;
  const queue = job.queue ? Queue.from<{ remaining: number }>(job.queue) : null;
  const setPhase = (phase: number): void => publish(cells, Cell.PHASES + buyer, phase, Cell.VERSION);

  // Search: everyone reads the count at the same time, without any lock.
  const searched = job.store === 'file' ? await readCount(job.file) : Atomics.load(cells, Cell.DISPLAY);
  timeline.record(buyer, TicketEvent.SEARCH, searched);
  setPhase(Phase.SEARCHED);

  // Buy: read, pause, write back (under the lock, or holding the queue's only item).
  let release: Releaser | null = null;
  if (lock || queue) setPhase(Phase.WANTS);
  if (lock) release = await lock.acquire({ timeout: job.boundMs });
  try {
    const remaining = queue
      ? (await queue.get({ timeout: job.boundMs })).remaining
      : await readCount(job.file);
    timeline.record(buyer, TicketEvent.READ, remaining);
    setPhase(Phase.READ);
    let ticket: number | null = null;
    if (remaining > 0) {
      await pause(job.pauseMs);
      // The rendezvous (tickets.ts): the others have read, are done, or wait behind the lock/queue we hold.
      const lined = await waitUntil(
        cells,
        Cell.VERSION,
        () => {
          for (let b = 1; b <= job.totalBuyers; b++) {
            const phase = Atomics.load(cells, Cell.PHASES + b);
            if (b !== buyer && phase !== Phase.READ && phase !== Phase.DONE && phase !== Phase.WANTS)
              return false;
          }
          return true;
        },
        job.boundMs,
      );
      if (!lined) throw new Error(`buyer ${buyer}: the others did not line up within ${job.boundMs} ms`);
      ticket = remaining;
      timeline.record(buyer, TicketEvent.SOLD, ticket);
    } else {
      timeline.record(buyer, TicketEvent.REFUSED, remaining);
    }
    const left = ticket === null ? remaining : remaining - 1;
    if (queue) {
      Atomics.store(cells, Cell.DISPLAY, left);
      await queue.put({ remaining: left }, { timeout: job.boundMs });
    } else if (ticket !== null) {
      await writeCount(job.file, left, buyer);
    }
    return { buyer, searched, ticket };
  } finally {
    setPhase(Phase.DONE);
    release?.();
  }
}

async function flash(job: FlashJob): Promise<boolean[]> {
  const cells = new Int32Array(job.cells);
  const timeline = new Timeline(job.timeline);
  const queue = Queue.from<number>(job.queue);
  // The start gate: nobody tries before every worker's buyers are ready.
  Atomics.add(cells, Cell.READY, 1);
  bump(cells, Cell.VERSION);
  const open = await waitUntil(
    cells,
    Cell.VERSION,
    () => Atomics.load(cells, Cell.READY) >= job.workers,
    job.boundMs,
  );
  if (!open) throw new Error(`the start gate did not open within ${job.boundMs} ms`);
  return Promise.all(
    job.buyers.map(async (buyer) => {
      // A random 0-2 ms head start per buyer, so that buyers of different workers interleave (a race, not a
      // queue by worker); correctness never depends on it.
      await pause(Math.random() * 2);
      try {
        queue.putNowait(buyer);
        timeline.record(buyer, TicketEvent.ADMITTED, job.worker + 1);
        return true;
      } catch (err) {
        if (!(err instanceof QueueFullError)) throw err;
        timeline.record(buyer, TicketEvent.SOLD_OUT, job.worker + 1);
        return false;
      }
    }),
  );
}

serve<SaleJob | FlashJob, BuyerResult[] | boolean[]>((job) =>
  job.kind === 'sale' ? Promise.all(job.buyers.map((buyer) => buy(job, buyer))) : flash(job),
);
