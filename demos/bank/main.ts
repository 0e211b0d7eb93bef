// The bank demo: the same two withdrawals without a lock and with one, side by side; then a teller that dies
// in the middle of a withdrawal, and the next one that is told and repairs the account.
import { type Paint, painter, sideBySide } from '../support/color';
import { formatTimeline } from '../support/timeline';
import { BankEvent, type BankRun, lessonOf, runBank, startTellers } from './bank';
import { showTellerDeath } from './death-scene';

const INITIAL = 1000;
const AMOUNTS = [800, 800];

function column(run: BankRun, paint: Paint): string[] {
  const lines = formatTimeline(
    run.entries,
    (e) => {
      switch (e.event) {
        case BankEvent.CHECK:
          return `sees ${e.a}${e.a >= e.b ? ` ≥ ${e.b}: ok` : ''}`;
        case BankEvent.DEBIT:
          return `debits ${e.a} → ${e.b < 0 ? paint.red(String(e.b)) : e.b}`;
        case BankEvent.REFUSED:
          return paint.yellow('insufficient balance');
        case BankEvent.LOCKED:
          return paint.dim('takes the lock');
        case BankEvent.UNLOCKED:
          return paint.dim('releases the lock');
        default:
          return `event ${e.event}`;
      }
    },
    (actor) => `teller ${actor}`,
    paint.actor,
  );
  const { shown, verdict } = lessonOf(run);
  const balance = run.final < 0 ? paint.red(String(run.final)) : paint.green(String(run.final));
  return [...lines, `final balance ${balance}`, (shown ? paint.green('✓ ') : paint.red('✗ ')) + verdict];
}

/** Runs the demo and prints it; resolves to whether both lessons were shown. */
export async function main(print: (line: string) => void = console.log): Promise<boolean> {
  const paint = painter();
  const crew = await startTellers(AMOUNTS.length);
  let race: BankRun;
  let fixed: BankRun;
  try {
    race = await runBank({ initial: INITIAL, amounts: AMOUNTS, locked: false }, crew);
    fixed = await runBank({ initial: INITIAL, amounts: AMOUNTS, locked: true }, crew);
    print(
      `balance ${INITIAL}; ${AMOUNTS.length} tellers (workers) each withdraw ${AMOUNTS[0]}: ` +
        'check the balance, pause 100 ms, debit',
    );
    print('');
    const width = 46;
    const left = [paint.bold('without a lock'), ...column(race, paint)];
    const right = [paint.bold('with a Lock'), ...column(fixed, paint)];
    for (const line of sideBySide(left, right, width)) print(line);
    print('');
    print(
      'Both tellers checked before either debited: check-then-act is only safe when the check and the act',
    );
    print('happen under one lock, so that nobody can act on a balance that is about to change.');
  } finally {
    await crew.close();
  }
  print('');
  print(paint.bold('a teller dies in the middle of a withdrawal'));
  const repaired = await showTellerDeath(print, paint);
  return lessonOf(race).shown && lessonOf(fixed).shown && repaired;
}
