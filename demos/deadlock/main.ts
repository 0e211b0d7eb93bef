// The deadlock demo: opposite lock orders deadlock and the library refuses the wait that closes the cycle; a lucky
// run of the same orders is caught by lock-order checking; then the two fixes complete in silence.
import { type Paint, painter } from '../support/color';
import { formatTimeline } from '../support/timeline';
import {
  DeadlockEvent,
  type DeadlockRun,
  type Inversion,
  inversionsOf,
  LOCK_NAMES,
  lessonOf,
  orderOf,
  runDeadlock,
  startPhilosophers,
  type Variant,
  victimsOf,
} from './deadlock';

const WORKERS = 2;
const PAUSE_MS = 100;
const BOUND_MS = 5000;

const SCENES: readonly { variant: Variant; title: string }[] = [
  { variant: 'opposite', title: '1. opposite orders, forced to interleave' },
  { variant: 'lucky', title: '2. the same opposite orders on a lucky run: one worker after the other' },
  { variant: 'rlock', title: '3. fix 1: one RLock used as both A and B' },
  { variant: 'ordered', title: '4. fix 2: one consistent lock order' },
];

/** "thread 7" in the library's messages → "worker 2 (thread 7)". */
function workerNamer(run: DeadlockRun): (threadId: number) => string {
  return (threadId) => {
    const w = run.results.findIndex((r) => r.threadId === threadId);
    return w < 0 ? `thread ${threadId}` : `worker ${w + 1} (thread ${threadId})`;
  };
}

function timelineOf(run: DeadlockRun, paint: Paint): string[] {
  const lockName = (name: number): string =>
    run.variant === 'rlock' ? `${LOCK_NAMES[name]} (the RLock)` : (LOCK_NAMES[name] ?? '?');
  return formatTimeline(
    run.entries,
    (e) => {
      switch (e.event) {
        case DeadlockEvent.WANTS:
          return `wants ${lockName(e.a)}`;
        case DeadlockEvent.TAKES:
          return `takes ${lockName(e.a)}`;
        case DeadlockEvent.WORKS:
          return paint.green('has both locks: works');
        case DeadlockEvent.RELEASES:
          return paint.dim(`releases ${lockName(e.a)}`);
        case DeadlockEvent.REFUSED:
          return paint.red(`is refused ${lockName(e.a)}: DeadlockError`);
        case DeadlockEvent.INVERSION:
          return paint.yellow(`is refused ${lockName(e.a)}: LockOrderError`);
        case DeadlockEvent.TIMED_OUT:
          return paint.red(`gives up waiting for ${lockName(e.a)}`);
        default:
          return `event ${e.event}`;
      }
    },
    (actor) => `worker ${actor}`,
    paint.actor,
  ).map((line) => `  ${line}`);
}

function deadlockLines(run: DeadlockRun, paint: Paint): string[] {
  const [victim] = victimsOf(run);
  const refusal = run.results[victim]?.refused;
  if (!refusal) return [];
  const name = workerNamer(run);
  const lines = [
    paint.red(
      `  DeadlockError in worker ${victim + 1}: its wait closed this cycle, so it was refused instead of waiting:`,
    ),
  ];
  for (const link of refusal.cycle) {
    lines.push(`    ${name(link.threadId)} holds ${link.holds}, waits for ${link.waitsFor}`);
  }
  lines.push(
    `  → worker ${victim + 1} did not get the lock; its finally block released what it held, and the others`,
    '    finished. Without detection (as in Python) both workers would wait forever.',
  );
  return lines;
}

function inversionLines(run: DeadlockRun, paint: Paint): string[] {
  const name = workerNamer(run);
  const lines: string[] = [];
  for (const inversion of inversionsOf(run)) {
    lines.push(
      paint.yellow(
        inversion.kind === 'warning'
          ? '  no deadlock this time, but lock-order checking warned (LockOrderWarning):'
          : '  no deadlock this time, but lock-order checking refused the acquire (LockOrderError):',
      ),
      ...describeInversion(inversion, name).map((line) => `    ${line}`),
    );
  }
  return lines;
}

/** The inversion's first sentence with workers named, and the first frame of each acquisition site. */
function describeInversion(inversion: Inversion, name: (threadId: number) => string): string[] {
  const [head, ...rest] = inversion.message.split('\n');
  const named = (text: string): string =>
    text.replace(/(?:this thread \()?thread (\d+)\)?/g, (_, id: string) => name(Number(id)));
  const sentence = named(head.replace(/^[\w.]+: lock-order inversion: /, ''));
  const lines = sentence.split(/(?<=\.) /).map((s) => s.trim());
  // The sites: a header line ("'B' then 'A' here:") followed by stack frames; keep each header's first frame.
  for (let i = 0; i < rest.length; i++) {
    if (!rest[i].endsWith(':')) continue;
    const frame = rest[i + 1]?.trim().replace(/\((?:file:\/\/)?\S*?\/(demos\/[^)]+)\)$/, '($1)');
    lines.push(`${named(rest[i])} ${frame ?? '(no stack)'}`);
  }
  return lines;
}

function verdictOf(run: DeadlockRun): string {
  const shown = lessonOf(run);
  switch (run.variant) {
    case 'opposite':
      return shown ? 'exactly one DeadlockError, and no hang' : 'the deadlock was not refused as expected';
    case 'lucky':
      return shown
        ? 'the inversion was named on a run that did not deadlock'
        : 'the inversion was not reported';
    default:
      return shown
        ? `every worker completed; lock-order checking stayed silent${run.variant === 'rlock' ? ' (a reentry is not an ordering)' : ''}`
        : 'a worker did not complete, or the checker complained';
  }
}

function orders(variant: Variant): string {
  return Array.from({ length: WORKERS }, (_, w) => {
    const [a, b] = orderOf(variant, w, WORKERS);
    return `worker ${w + 1}: ${LOCK_NAMES[a]} then ${LOCK_NAMES[b]}`;
  }).join(', ');
}

/** Runs the demo and prints it; resolves to whether all four lessons were shown. */
export async function main(print: (line: string) => void = console.log): Promise<boolean> {
  const paint = painter();
  const crew = await startPhilosophers(WORKERS, { lockOrder: 'warn' });
  try {
    print(
      `${WORKERS} workers, locks new Lock({ name: 'A' }) and { name: 'B' }; each pauses ${PAUSE_MS} ms while ` +
        'holding its first lock.',
    );
    print('Lock-order checking is on in the workers (SHARED_SYNC_LOCK_ORDER=warn in their environment).');
    let shown = true;
    for (const { variant, title } of SCENES) {
      const pausesMs = Array.from({ length: WORKERS }, () => PAUSE_MS);
      const run = await runDeadlock({ variant, pausesMs, boundMs: BOUND_MS }, crew);
      print('');
      print(`${paint.bold(title)} ${paint.dim(`(${orders(variant)})`)}`);
      for (const line of timelineOf(run, paint)) print(line);
      for (const line of deadlockLines(run, paint)) print(line);
      for (const line of inversionLines(run, paint)) print(line);
      for (const r of run.results) if (r.reason) print(paint.red(`  unexpected: ${r.reason}`));
      const ok = lessonOf(run);
      print(`  ${ok ? paint.green('✓') : paint.red('✗')} ${verdictOf(run)}`);
      shown &&= ok;
    }
    print('');
    print('Two threads that take two locks in opposite orders can each hold one and wait for the other. The');
    print(
      'library refuses the wait that closes the cycle (DeadlockError), and lock-order checking reports the',
    );
    print(
      'inversion even on a run whose timing was lucky. One reentrant lock, or one global order, removes it.',
    );
    return shown;
  } finally {
    await crew.close();
  }
}
