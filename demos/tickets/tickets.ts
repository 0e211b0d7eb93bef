/**
 * The ticket sale (the logic of the tickets demo, callable from specs).
 *
 * Buyers first *search*: they read the remaining count concurrently, without any lock. Then they *buy*: read the
 * count, and if a ticket is left, pause, then write the count minus one; the ticket sold is numbered by the
 * count read (ticket #3 when 3 were left). Two stores for the count:
 * - `file`: a JSON file on disk (`{"remaining": n}` in a temp directory), as in the classic lesson, with or
 *   without a `Lock` around the buy. Without it, every buyer reads the same count and sells the same ticket:
 *   oversold. With it, sold = min(buyers, tickets) and no ticket is sold twice.
 * - `queue`: the count lives in a `Queue` with `maxsize` 1: to buy, a buyer `get`s the count (now nobody else
 *   can), and `put`s back the new one. The queue is both the store and the lock. The search then reads an
 *   advertised count (a shared word the buyer holding the count updates), as a shop's display board.
 *
 * Buyers are async tasks spread over a few workers (buyer b runs in worker b mod crew size), so many buyers do not
 * need many threads; the lock (or the queue) excludes them across threads and within a worker alike.
 *
 * ## Making the overselling certain
 * As in the bank demo, after its pause a buyer that is about to sell waits at a rendezvous until every other
 * buyer has read the count, is done, or is blocked behind the lock (or the queue) someone holds. Without the lock
 * every read then comes before every write; with it the rendezvous passes at once.
 *
 * ## The flash sale
 * `buyers` buyers race for `places` places through a `Queue` with `maxsize` = places: each calls `putNowait` with
 * its number once; `QueueFullError` means sold out. All buyers start together (a start gate over the workers);
 * afterwards the main thread drains the queue: the winners in the order they got in.
 */

import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lock, Queue } from '../../lib/index';
import { Crew } from '../support/crew';
import { type Entry, Timeline } from '../support/timeline';

/** Words of the shared `cells`. */
export const Cell = {
  VERSION: 0,
  /** The advertised remaining count (queue store). */
  DISPLAY: 1,
  /** Workers of a flash sale that are ready to start. */
  READY: 2,
  /** First per-buyer phase word: buyer b's phase is at `PHASES + b`. */
  PHASES: 3,
} as const;

export const Phase = {
  IDLE: 0,
  SEARCHED: 1,
  WANTS: 2, // waiting for the lock or the queue's item
  READ: 3, // read the count, between read and write
  DONE: 4,
} as const;

export const TicketEvent = {
  SEARCH: 1, // a = remaining seen
  READ: 2, // a = remaining read in the buy step
  SOLD: 3, // a = ticket number
  REFUSED: 4, // a = remaining read
  ADMITTED: 5, // flash sale; a = buyer's worker
  SOLD_OUT: 6, // flash sale; a = buyer's worker
} as const;

export type Store = 'file' | 'queue';

export interface SaleJob {
  kind: 'sale';
  store: Store;
  buyers: number[];
  totalBuyers: number;
  file: string;
  lock: Lock | null;
  queue: Queue<{ remaining: number }> | null;
  cells: SharedArrayBuffer;
  timeline: Timeline['shared'];
  pauseMs: number;
  boundMs: number;
}

export interface FlashJob {
  kind: 'flash';
  worker: number;
  workers: number;
  buyers: number[];
  queue: Queue<number>;
  cells: SharedArrayBuffer;
  timeline: Timeline['shared'];
  boundMs: number;
}

export interface BuyerResult {
  buyer: number;
  /** The count seen when searching. */
  searched: number;
  /** The ticket number bought, or null when refused. */
  ticket: number | null;
}

export interface SaleParams {
  tickets: number;
  buyers: number;
  store: Store;
  /** Whether a `Lock` protects the file (ignored for the queue store, which is its own lock). */
  locked: boolean;
  /** The pause between reading the count and writing it back. @defaultValue 50 */
  pauseMs?: number;
  /** Bound on every wait. @defaultValue 10000 */
  boundMs?: number;
}

export interface SaleRun {
  params: SaleParams;
  results: BuyerResult[];
  /** The count left in the store at the end. */
  remaining: number;
  entries: Entry[];
}

export interface FlashParams {
  buyers: number;
  places: number;
  /** Bound on every wait. @defaultValue 10000 */
  boundMs?: number;
}

export interface FlashRun {
  params: FlashParams;
  workers: number;
  /** Buyers admitted, in queue order. */
  winners: number[];
  /** Per buyer: admitted or not (index = buyer number - 1). */
  admitted: boolean[];
  entries: Entry[];
}

/** Starts a crew of `size` workers that host the buyers. */
export function startBuyers(size: number): Promise<Crew> {
  return Crew.start(new URL('./buyer.ts', import.meta.url), size);
}

/** Buyer numbers (1-based) hosted by each worker of `crew`: buyer b goes to worker (b - 1) mod size. */
function spread(buyers: number, workers: number): number[][] {
  const hosted: number[][] = Array.from({ length: Math.min(buyers, workers) }, () => []);
  for (let b = 1; b <= buyers; b++) hosted[(b - 1) % hosted.length].push(b);
  return hosted;
}

/** Runs one ticket sale. */
export async function runSale(params: SaleParams, crew: Crew): Promise<SaleRun> {
  const { tickets, buyers, store, locked, pauseMs = 50, boundMs = 10_000 } = params;
  if (!Number.isInteger(buyers) || buyers < 1)
    throw new RangeError(`runSale: buyers must be ≥ 1, got ${buyers}`);
  const dir = await mkdtemp(join(tmpdir(), 'tickets-'));
  const file = join(dir, 'tickets.json');
  const cells = new Int32Array(new SharedArrayBuffer((Cell.PHASES + buyers + 1) * 4));
  const timeline = new Timeline(8 * buyers + 8);
  let queue: Queue<{ remaining: number }> | null = null;
  try {
    if (store === 'file') await writeFile(file, JSON.stringify({ remaining: tickets }));
    else {
      queue = new Queue({ maxsize: 1, capacity: 1024 });
      queue.putNowait({ remaining: tickets });
      Atomics.store(cells, Cell.DISPLAY, tickets);
    }
    const lock = store === 'file' && locked ? new Lock() : null;
    const hosted = spread(buyers, crew.size);
    const perWorker = await Promise.all(
      hosted.map(
        (ids, w) =>
          crew.run<BuyerResult[]>(
            w,
            {
              kind: 'sale',
              store,
              buyers: ids,
              totalBuyers: buyers,
              file,
              lock,
              queue,
              cells: cells.buffer,
              timeline: timeline.shared,
              pauseMs,
              boundMs,
            } satisfies SaleJob,
            boundMs * 2,
          ).result,
      ),
    );
    const results = perWorker.flat().sort((a, b) => a.buyer - b.buyer);
    const remaining =
      store === 'file'
        ? (JSON.parse(await readFile(file, 'utf8')) as { remaining: number }).remaining
        : (queue as Queue<{ remaining: number }>).getNowait().remaining;
    return { params, results, remaining, entries: timeline.entries() };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs a flash sale: `buyers` buyers, `places` places, one `putNowait` each. */
export async function runFlashSale(params: FlashParams, crew: Crew): Promise<FlashRun> {
  const { buyers, places, boundMs = 10_000 } = params;
  const queue = new Queue<number>({ maxsize: places, capacity: 16 * (places + 1) });
  const cells = new Int32Array(new SharedArrayBuffer((Cell.PHASES + 1) * 4));
  const timeline = new Timeline(2 * buyers + 8);
  const hosted = spread(buyers, crew.size);
  const perWorker = await Promise.all(
    hosted.map(
      (ids, worker) =>
        crew.run<boolean[]>(
          worker,
          {
            kind: 'flash',
            worker,
            workers: hosted.length,
            buyers: ids,
            queue,
            cells: cells.buffer,
            timeline: timeline.shared,
            boundMs,
          } satisfies FlashJob,
          boundMs * 2,
        ).result,
    ),
  );
  const admitted: boolean[] = new Array(buyers).fill(false);
  hosted.forEach((ids, w) => {
    ids.forEach((b, i) => {
      admitted[b - 1] = perWorker[w][i];
    });
  });
  const winners: number[] = [];
  while (!queue.empty()) winners.push(queue.getNowait());
  return { params, workers: hosted.length, winners, admitted, entries: timeline.entries() };
}

/** Writes `{"remaining": n}` atomically (a temp file renamed over the old one), so a search never reads half. */
export async function writeCount(file: string, remaining: number, writer: number): Promise<void> {
  const temp = `${file}.${writer}.tmp`;
  await writeFile(temp, JSON.stringify({ remaining }));
  await rename(temp, file);
}

/** Reads the count from the file. */
export async function readCount(file: string): Promise<number> {
  return (JSON.parse(await readFile(file, 'utf8')) as { remaining: number }).remaining;
}

/** The checks of a sale: sold, refused, tickets sold twice, and whether it is correct. */
export function auditSale(run: SaleRun): {
  sold: number;
  refused: number;
  soldTwice: number[];
  correct: boolean;
} {
  const sold = run.results.filter((r) => r.ticket !== null);
  const counts = new Map<number, number>();
  for (const r of sold) counts.set(r.ticket as number, (counts.get(r.ticket as number) ?? 0) + 1);
  const soldTwice = [...counts].filter(([, n]) => n > 1).map(([ticket]) => ticket);
  const { tickets, buyers } = run.params;
  const correct =
    sold.length === Math.min(buyers, tickets) &&
    soldTwice.length === 0 &&
    sold.every((r) => (r.ticket as number) >= 1 && (r.ticket as number) <= tickets) &&
    run.remaining === tickets - sold.length;
  return { sold: sold.length, refused: run.results.length - sold.length, soldTwice, correct };
}
