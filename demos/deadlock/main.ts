// The deadlock demo: opposite lock orders deadlock (and are detected), then the two fixes complete.
import { type Paint, painter } from '../support/color';
import { formatTimeline } from '../support/timeline';
import {
  DeadlockEvent,
  type DeadlockRun,
  LOCK_NAMES,
  lessonOf,
  orderOf,
  runDeadlock,
  startPhilosophers,
  type Variant,
} from './deadlock';

const WORKERS = 2;
const PAUSE_MS = 100;
const BOUND_MS = 5000;

function lockName(run: DeadlockRun, name: number): string {
  if (run.variant !== 'rlock') return LOCK_NAMES[name];
  return LOCK_NAMES.slice(0, run.workers).join('=');
}

function describeRun(run: DeadlockRun, paint: Paint): string[] {
  const timeline = formatTimeline(
    run.entries,
    (e) => {
      const name = LOCK_NAMES[e.a] ?? '?';
      switch (e.event) {
        case DeadlockEvent.WANTS:
          return `wants ${name}`;
        case DeadlockEvent.TAKES:
          return `takes ${name}`;
        case DeadlockEvent.WORKS:
          return paint.green('has both locks: works');
        case DeadlockEvent.RELEASES:
          return paint.dim(`releases ${name}`);
        case DeadlockEvent.GIVES_UP:
          return paint.yellow(`gives up waiting for ${name}`);
        case DeadlockEvent.DETECTED:
          return paint.red(`deadlock detected: a cycle of ${e.a} waits`);
        default:
          return `event ${e.event}`;
      }
    },
    (actor) => (actor === 0 ? 'detector' : `worker ${actor}`),
    paint.actor,
  );
  const lines = timeline.map((l) => `  ${l}`);
  if (run.cycle) {
    lines.push(paint.red(`  DEADLOCK, detected after ${Math.round(run.detectedAfterMs ?? 0)} ms:`));
    for (const link of run.cycle) {
      lines.push(
        `    worker ${link.worker + 1} holds ${link.holds.map((k) => lockName(run, k)).join(', ')}, ` +
          `waits for ${lockName(run, link.waitsFor)} (held by worker ${link.heldBy + 1})`,
      );
    }
    lines.push(
      `    → the detector aborted the wait of worker ${(run.victim ?? 0) + 1} (the victim): it released what ` +
        'it held and the others finished',
    );
  }
  const shown = lessonOf(run, BOUND_MS);
  const verdict =
    run.variant === 'opposite'
      ? shown
        ? 'deadlock happened and was detected in bounded time'
        : 'the deadlock was not shown'
      : shown
        ? 'every worker completed'
        : 'a worker did not complete';
  lines.push(`  ${shown ? paint.green('✓') : paint.red('✗')} ${verdict}`);
  return lines;
}

const TITLES: Record<Variant, string> = {
  opposite: 'opposite orders',
  rlock: 'fix 1: one RLock used as both A and B',
  ordered: 'fix 2: one consistent lock order',
};

function orders(variant: Variant): string {
  return Array.from({ length: WORKERS }, (_, w) => {
    const [a, b] = orderOf(variant, w, WORKERS);
    return `worker ${w + 1}: ${LOCK_NAMES[a]} then ${LOCK_NAMES[b]}`;
  }).join(', ');
}

/** Runs the demo and prints it; resolves to whether all three lessons were shown. */
export async function main(print: (line: string) => void = console.log): Promise<boolean> {
  const paint = painter();
  const crew = await startPhilosophers(WORKERS);
  try {
    print(`${WORKERS} workers, two locks; each pauses ${PAUSE_MS} ms while holding its first lock`);
    let shown = true;
    for (const variant of ['opposite', 'rlock', 'ordered'] as const) {
      const pausesMs = Array.from({ length: WORKERS }, () => PAUSE_MS);
      const run = await runDeadlock({ variant, pausesMs, boundMs: BOUND_MS }, crew);
      print('');
      print(`${paint.bold(TITLES[variant])} ${paint.dim(`(${orders(variant)})`)}`);
      for (const line of describeRun(run, paint)) print(line);
      shown &&= lessonOf(run, BOUND_MS);
    }
    print('');
    print('Two threads that take two locks in opposite orders can each hold one and wait forever for the');
    print(
      'other. One reentrant lock for both, or one global order of acquisition, makes the cycle impossible.',
    );
    return shown;
  } finally {
    await crew.close();
  }
}
