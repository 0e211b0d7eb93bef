// The bank demo's second scene, printed: a teller dies in the middle of a withdrawal (see death.ts).
import type { Paint } from '../support/color';
import { formatTimeline } from '../support/timeline';
import { DeathEvent, type DeathRun, deathLessonOf, runTellerDeath, Step, startSurvivor } from './death';

const INITIAL = 1000;
const VICTIM_AMOUNT = 300;
const SURVIVOR_AMOUNT = 200;

const STEP_WORDS: Record<number, string> = {
  [Step.JOURNALED]: 'journaled, nothing done',
  [Step.PAID]: 'cash handed out, balance not written',
  [Step.WRITTEN]: 'balance written, entry open',
};

function describe(
  run: DeathRun,
  paint: Paint,
): (e: { actor: number; event: number; a: number; b: number }) => string {
  return (e) => {
    switch (e.event) {
      case DeathEvent.WAITS:
        return paint.dim('waits for the lock');
      case DeathEvent.LOCKED:
        return paint.dim('takes the lock');
      case DeathEvent.CHECK:
        return `sees ${e.a}${e.a >= e.b ? ` ≥ ${e.b}: ok` : ''}`;
      case DeathEvent.JOURNALED:
        return `journals "withdraw ${e.b}: ${e.a} → ${e.a - e.b}"`;
      case DeathEvent.PAID:
        return `hands out ${e.a} in cash`;
      case DeathEvent.WRITTEN:
        return `writes the balance: ${e.b}`;
      case DeathEvent.CLOSED:
        return 'closes the journal entry';
      case DeathEvent.UNLOCKED:
        return paint.dim('releases the lock');
      case DeathEvent.TERMINATES:
        return paint.red(`worker.terminate() on teller ${e.a}, which holds the lock`);
      case DeathEvent.EXITED:
        return paint.dim(`teller ${e.a}'s 'exit' event: the library records the death`);
      case DeathEvent.TOLD:
        return paint.yellow(`takes the lock over: OwnerDiedError (thread ${e.a} died holding it)`);
      case DeathEvent.FOUND:
        return paint.yellow(`finds an open journal entry (${STEP_WORDS[e.a]}): withdraw ${e.b}`);
      case DeathEvent.REPAIRED:
        return paint.green(
          e.a === Step.PAID
            ? `completes it: balance ${e.b}, entry closed`
            : e.a === Step.JOURNALED
              ? `voids it: balance stays ${e.b}`
              : `closes it: balance ${e.b} was already written`,
        );
      case DeathEvent.REFUSED:
        return paint.yellow('insufficient balance');
      default:
        return `event ${e.event} (run of ${run.initial})`;
    }
  };
}

/** Runs and prints the scene; resolves to whether its lesson was shown. */
export async function showTellerDeath(print: (line: string) => void, paint: Paint): Promise<boolean> {
  const survivor = await startSurvivor();
  let run: DeathRun;
  try {
    run = await runTellerDeath(
      { initial: INITIAL, victimAmount: VICTIM_AMOUNT, survivorAmount: SURVIVOR_AMOUNT, stopAt: 'paid' },
      survivor,
    );
  } finally {
    await survivor.close();
  }
  print(
    `balance ${INITIAL}; teller 1 withdraws ${VICTIM_AMOUNT}: takes the lock, reads the balance, journals, ` +
      'hands out the cash,',
  );
  print(
    `and is terminated right there, before it writes the balance; teller 2 then withdraws ${SURVIVOR_AMOUNT}`,
  );
  print('');
  const lines = formatTimeline(
    run.entries,
    describe(run, paint),
    (actor) => (actor === 0 ? 'main' : `teller ${actor}`),
    paint.actor,
  );
  for (const line of lines) print(line);
  const { shown, verdict } = deathLessonOf(run);
  print(`final balance ${paint.green(String(run.balance))}, cash handed out ${run.cash}`);
  print((shown ? paint.green('✓ ') : paint.red('✗ ')) + verdict);
  print('');
  print('A terminated worker runs no finally: the lock stayed held by a thread that no longer exists. The');
  print('next acquirer gets the lock and OwnerDiedError with it, because what the lock protects may be');
  print('half-updated; the journal written before each update says how to finish or undo it.');
  return shown;
}
