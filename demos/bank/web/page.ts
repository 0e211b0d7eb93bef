/**
 * The bank race in a browser: two Web Worker tellers withdraw from one balance without a lock, and two others
 * with a `Lock`, side by side, while the page draws both timelines as they happen (it reads the shared timelines
 * and balances on every animation frame). The withdrawal is the terminal demo's (../withdraw.ts).
 *
 * When both runs are over, `document.body.dataset.state` is `done` (or `failed`) and `globalThis.bankRuns`
 * holds what happened, for the spec (spec/browser/bank-web.spec.ts).
 */
import { Lock } from '../../../lib/index';
import { type Entry, Timeline } from '../../support/timeline';
import { BankEvent, Cell, type TellerJob, type TellerResult } from '../withdraw';
import { document, element, nextFrame, startWorker, type WebWorker } from './dom';

const INITIAL = 1000;
const AMOUNTS = [800, 800];
/** Long enough to watch; the race is certain anyway (the rendezvous, see ../bank.ts). */
const PAUSE_MS = 800;
const BOUND_MS = 15_000;
/** The time axis of the drawing, in ms. */
const AXIS_MS = PAUSE_MS + 400;

interface Run {
  readonly locked: boolean;
  readonly cells: Int32Array;
  readonly timeline: Timeline;
  results?: TellerResult[];
}

interface RunSummary {
  locked: boolean;
  initial: number;
  final: number;
  tellers: TellerResult[];
  entries: Entry[];
}

function newRun(locked: boolean): Run {
  const cells = new Int32Array(new SharedArrayBuffer((Cell.PHASES + AMOUNTS.length) * 4));
  cells[Cell.BALANCE] = INITIAL;
  return { locked, cells, timeline: new Timeline(16 * AMOUNTS.length) };
}

function startTeller(): Promise<WebWorker> {
  return new Promise((resolve, reject) => {
    const worker = startWorker(new URL('./teller.js', import.meta.url));
    worker.onerror = (event) => reject(new Error(`a teller did not start: ${event.message ?? 'load error'}`));
    worker.onmessage = ({ data }) => {
      if ((data as { ready?: boolean }).ready) resolve(worker);
    };
  });
}

function withdrawIn(worker: WebWorker, job: TellerJob): Promise<TellerResult> {
  return new Promise((resolve, reject) => {
    worker.onerror = (event) => reject(new Error(`teller ${job.teller + 1} failed: ${event.message}`));
    worker.onmessage = ({ data }) => {
      const { result, error } = data as { result?: TellerResult; error?: string };
      if (error !== undefined) reject(new Error(`teller ${job.teller + 1}: ${error}`));
      else resolve(result as TellerResult);
    };
    worker.postMessage(job);
  });
}

async function play(run: Run, workers: WebWorker[]): Promise<void> {
  const lock = run.locked ? new Lock() : null;
  run.results = await Promise.all(
    AMOUNTS.map((amount, teller) =>
      withdrawIn(workers[teller], {
        teller,
        tellers: AMOUNTS.length,
        amount,
        cells: run.cells.buffer as SharedArrayBuffer,
        lock,
        timeline: run.timeline.shared,
        pauseMs: PAUSE_MS,
        boundMs: BOUND_MS,
      }),
    ),
  );
}

// ---------------------------------------------------------------------------------------------------------
// Drawing

const COLORS = ['#1f77b4', '#d62728'];
const WIDTH = 460;
const LANE = 70;
const LEFT = 70;

function x(ms: number): number {
  return LEFT + (Math.min(ms, AXIS_MS) / AXIS_MS) * (WIDTH - LEFT - 20);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c] ?? c);
}

function describe(entry: Entry): string {
  switch (entry.event) {
    case BankEvent.CHECK:
      return `sees ${entry.a}${entry.a >= entry.b ? ` ≥ ${entry.b}: ok` : ''}`;
    case BankEvent.DEBIT:
      return `debits ${entry.a} → ${entry.b}`;
    case BankEvent.REFUSED:
      return 'insufficient balance';
    case BankEvent.LOCKED:
      return 'takes the lock';
    case BankEvent.UNLOCKED:
      return 'releases the lock';
    default:
      return `event ${entry.event}`;
  }
}

/** The SVG of one run's timeline: a lane per teller, its lock hold as a bar, its steps as labelled marks. */
function drawTimeline(entries: Entry[], start: number, now: number): string {
  const parts: string[] = [];
  const height = LANE * AMOUNTS.length + 30;
  for (let ms = 0; ms <= AXIS_MS; ms += 200) {
    parts.push(
      `<line x1="${x(ms)}" y1="10" x2="${x(ms)}" y2="${height - 20}" class="grid"/>`,
      `<text x="${x(ms)}" y="${height - 6}" class="tick" text-anchor="middle">${ms}</text>`,
    );
  }
  if (now > start) {
    parts.push(
      `<line x1="${x(now - start)}" y1="10" x2="${x(now - start)}" y2="${height - 20}" class="now"/>`,
    );
  }
  for (let t = 0; t < AMOUNTS.length; t++) {
    const actor = t + 1;
    const y = 20 + t * LANE;
    const color = COLORS[t % COLORS.length];
    parts.push(`<text x="4" y="${y + 24}" class="lane" fill="${color}">teller ${actor}</text>`);
    const mine = entries.filter((e) => e.actor === actor);
    const locked = mine.find((e) => e.event === BankEvent.LOCKED);
    if (locked) {
      const unlocked = mine.find((e) => e.event === BankEvent.UNLOCKED);
      const from = x(locked.time - start);
      const to = x((unlocked ? unlocked.time : now) - start);
      parts.push(
        `<rect x="${from}" y="${y + 8}" width="${Math.max(2, to - from)}" height="26" class="held" fill="${color}"/>`,
      );
    }
    const check = mine.find((e) => e.event === BankEvent.CHECK);
    const end = mine.find((e) => e.event === BankEvent.DEBIT || e.event === BankEvent.REFUSED);
    if (check) {
      const to = end ? end.time : now;
      parts.push(
        `<line x1="${x(check.time - start)}" y1="${y + 21}" x2="${x(to - start)}" y2="${y + 21}" stroke="${color}" class="pause"/>`,
      );
    }
    for (const e of mine) {
      if (e.event === BankEvent.LOCKED || e.event === BankEvent.UNLOCKED) continue;
      const at = x(e.time - start);
      const bad = e.event === BankEvent.DEBIT && e.b < 0;
      const mark = e.event === BankEvent.REFUSED ? 'refused' : bad ? 'bad' : 'mark';
      parts.push(
        `<circle cx="${at}" cy="${y + 21}" r="6" fill="${color}" class="${mark}"/>`,
        `<text x="${Math.min(at, WIDTH - 150)}" y="${e.event === BankEvent.CHECK ? y + 6 : y + 50}" class="${mark}">${escapeHtml(describe(e))}</text>`,
      );
    }
  }
  return `<svg viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img">${parts.join('')}</svg>`;
}

function verdictOf(summary: RunSummary): { shown: boolean; text: string } {
  const ok = summary.tellers.filter((t) => t.ok);
  if (summary.locked) {
    const right =
      summary.final >= 0 && summary.final === summary.initial - ok.reduce((s, t) => s + t.amount, 0);
    return {
      shown: right,
      text: right
        ? `${ok.length} of ${summary.tellers.length} withdrawals succeeded: the lock held`
        : 'wrong even with the lock',
    };
  }
  return {
    shown: summary.final < 0,
    text:
      summary.final < 0
        ? `${ok.length} of ${summary.tellers.length} withdrawals succeeded: overdrawn`
        : 'the race did not show this time',
  };
}

function draw(run: Run, id: string, start: number, now: number, done: boolean): void {
  const entries = run.timeline.entries();
  const balance = Atomics.load(run.cells, Cell.BALANCE);
  element(`${id}-balance`).innerHTML = `balance <b class="${balance < 0 ? 'bad' : ''}">${balance}</b>`;
  element(`${id}-timeline`).innerHTML = drawTimeline(entries, start, now);
  element(`${id}-log`).textContent = entries
    .map((e) => `${(e.time - start).toFixed(0).padStart(5)} ms  teller ${e.actor}  ${describe(e)}`)
    .join('\n');
  const verdict = element(`${id}-verdict`);
  if (done && run.results) {
    const { shown, text } = verdictOf(summarize(run));
    verdict.innerHTML = `<span class="${shown ? 'good' : 'bad'}">${shown ? '✓' : '✗'} ${escapeHtml(text)}</span>`;
  } else {
    verdict.textContent = 'running…';
  }
}

function summarize(run: Run): RunSummary {
  return {
    locked: run.locked,
    initial: INITIAL,
    final: Atomics.load(run.cells, Cell.BALANCE),
    tellers: run.results ?? [],
    entries: run.timeline.entries(),
  };
}

const state = globalThis as unknown as { bankRuns?: { unlocked: RunSummary; locked: RunSummary } };

async function playBoth(): Promise<void> {
  const button = element('again');
  button.disabled = true;
  document.body.dataset.state = 'running';
  const unlocked = newRun(false);
  const locked = newRun(true);
  let workers: WebWorker[] = [];
  let finished = false;
  try {
    workers = await Promise.all(Array.from({ length: 2 * AMOUNTS.length }, startTeller));
    const start = performance.timeOrigin + performance.now();
    const frame = (): void => {
      const now = performance.timeOrigin + performance.now();
      draw(unlocked, 'unlocked', start, now, finished);
      draw(locked, 'locked', start, now, finished);
      if (!finished) nextFrame(frame);
    };
    nextFrame(frame);
    await Promise.all([
      play(unlocked, workers.slice(0, AMOUNTS.length)),
      play(locked, workers.slice(AMOUNTS.length)),
    ]);
    finished = true;
    const end = performance.timeOrigin + performance.now();
    draw(unlocked, 'unlocked', start, end, true);
    draw(locked, 'locked', start, end, true);
    state.bankRuns = { unlocked: summarize(unlocked), locked: summarize(locked) };
    document.body.dataset.state = 'done';
  } catch (err) {
    finished = true;
    element('error').textContent = err instanceof Error ? err.message : String(err);
    document.body.dataset.state = 'failed';
  } finally {
    for (const worker of workers) worker.terminate();
    button.disabled = false;
  }
}

element('intro').textContent =
  `The balance is ${INITIAL}. Two tellers (Web Workers) each withdraw ${AMOUNTS[0]}: ` +
  `they check the balance, pause ${PAUSE_MS} ms, then debit.`;
element('again').addEventListener('click', () => void playBoth());
void playBoth();
