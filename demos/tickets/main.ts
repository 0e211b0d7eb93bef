// The tickets demo: a JSON file without and with a Lock, the count in a Queue(1), and a flash sale.
import { type Paint, painter, sideBySide } from '../support/color';
import type { Crew } from '../support/crew';
import { type Entry, formatTimeline } from '../support/timeline';
import { auditSale, runFlashSale, runSale, type SaleRun, startBuyers, TicketEvent } from './tickets';

const TICKETS = 2;
const BUYERS = 4;
const FLASH_BUYERS = 100;
const FLASH_PLACES = 10;
const FLASH_WORKERS = 4;

function saleLines(run: SaleRun, paint: Paint): string[] {
  const lines = formatTimeline(
    run.entries,
    (e: Entry) => {
      switch (e.event) {
        case TicketEvent.SEARCH:
          return paint.dim(`searches: ${e.a} left`);
        case TicketEvent.READ:
          return `reads ${e.a} left`;
        case TicketEvent.SOLD:
          return paint.green(`buys ticket #${e.a}`);
        case TicketEvent.REFUSED:
          return paint.yellow('sold out');
        default:
          return `event ${e.event}`;
      }
    },
    (actor) => `buyer ${actor}`,
    paint.actor,
  );
  const { sold, refused, soldTwice, correct } = auditSale(run);
  const twice = soldTwice.map((ticket) => {
    const times = run.results.filter((r) => r.ticket === ticket).length;
    return paint.red(`ticket #${ticket} was sold ${times} times`);
  });
  return [
    ...lines,
    `sold ${sold}, refused ${refused}; the count says ${run.remaining} left`,
    ...twice,
    correct
      ? paint.green(`✓ sold = min(buyers, tickets) = ${sold}`)
      : paint.red(`✗ oversold: ${sold} sold, ${TICKETS} tickets`),
  ];
}

async function flashSale(print: (line: string) => void, paint: Paint, crew: Crew): Promise<boolean> {
  const run = await runFlashSale({ buyers: FLASH_BUYERS, places: FLASH_PLACES }, crew);
  const perWorker = FLASH_BUYERS / run.workers;
  print(
    paint.bold(
      `flash sale: ${FLASH_BUYERS} buyers race for ${FLASH_PLACES} places, one putNowait each on a Queue(${FLASH_PLACES})`,
    ),
  );
  print(
    paint.dim(
      `(the buyers are async tasks, ${perWorker} in each of ${run.workers} workers, started together)`,
    ),
  );
  const admittedAt = new Map<number, Entry>();
  for (const e of run.entries) if (e.event === TicketEvent.ADMITTED) admittedAt.set(e.actor, e);
  const start = run.entries[0]?.time ?? 0;
  run.winners.forEach((buyer, i) => {
    const e = admittedAt.get(buyer);
    const at = e ? `${(e.time - start).toFixed(1)}ms` : '';
    print(
      `  ${String(i + 1).padStart(2)}. ${paint.actor(e?.a ?? 1, `buyer ${buyer}`)} (worker ${e?.a}) ${paint.dim(at)}`,
    );
  });
  const refused = run.admitted.filter((a) => !a).length;
  const expected = Math.min(FLASH_BUYERS, FLASH_PLACES);
  const unique = new Set(run.winners).size === run.winners.length;
  const shown = run.winners.length === expected && unique && refused === FLASH_BUYERS - expected;
  print(`  ${refused} buyers got QueueFullError: sold out`);
  print(
    shown
      ? paint.green(`  ✓ exactly ${expected} admitted, listed in the order they got in`)
      : paint.red(`  ✗ ${run.winners.length} admitted`),
  );
  return shown;
}

/** Runs the demo and prints it; resolves to whether every lesson was shown. */
export async function main(print: (line: string) => void = console.log): Promise<boolean> {
  const paint = painter();
  const crew = await startBuyers(FLASH_WORKERS);
  try {
    const common = { tickets: TICKETS, buyers: BUYERS, pauseMs: 50 };
    const race = await runSale({ ...common, store: 'file', locked: false }, crew);
    const fixed = await runSale({ ...common, store: 'file', locked: true }, crew);
    const queued = await runSale({ ...common, store: 'queue', locked: true }, crew);
    print(
      `${TICKETS} tickets, ${BUYERS} buyers (async tasks, spread over ${Math.min(BUYERS, FLASH_WORKERS)} workers).`,
    );
    print('Each searches (reads the count), then buys: reads the count, pauses 50 ms, writes it minus one.');
    print('');
    const width = 48;
    const left = [paint.bold('JSON file, no lock'), ...saleLines(race, paint)];
    const right = [paint.bold('JSON file under a Lock'), ...saleLines(fixed, paint)];
    for (const line of sideBySide(left, right, width)) print(line);
    print('');
    print(paint.bold('the count kept in a Queue(1): get it to buy, put the new count back'));
    for (const line of saleLines(queued, paint)) print(`  ${line}`);
    print('');
    const flashShown = await flashSale(print, paint, crew);
    print('');
    print(
      'Searching concurrently is harmless; buying is read-modify-write and must be exclusive, by a lock or',
    );
    print('by keeping the count in a Queue(1) that only one buyer can hold at a time.');
    return !auditSale(race).correct && auditSale(fixed).correct && auditSale(queued).correct && flashShown;
  } finally {
    await crew.close();
  }
}
