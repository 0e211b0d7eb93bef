// The countdown demo: a graceful stop through a shared flag, contrasted with worker.terminate().
import { type Paint, painter, sideBySide } from '../support/color';
import { formatTimeline } from '../support/timeline';
import { auditCountdown, CountdownEvent, type CountdownRun, runCountdown } from './countdown';

const N = 10;
const STEP_MS = 200;
const STOP_AFTER_MS = 700;

function lines(run: CountdownRun, paint: Paint): string[] {
  const timeline = formatTimeline(
    run.entries,
    (e) => {
      switch (e.event) {
        case CountdownEvent.START:
          return paint.dim('creates launch.lock');
        case CountdownEvent.TICK:
          return `T-minus ${e.a}`;
        case CountdownEvent.SAW_FLAG:
          return paint.yellow('sees running = false: stops');
        case CountdownEvent.LIFTOFF:
          return paint.green('liftoff');
        case CountdownEvent.CLEANED_UP:
          return paint.green('removes launch.lock, returns');
        case CountdownEvent.FLAG_CLEARED:
          return paint.yellow('terminate(): running = false');
        case CountdownEvent.KILLED:
          return paint.red('worker.terminate()');
        default:
          return `event ${e.event}`;
      }
    },
    (actor) => (actor === 0 ? 'main' : 'task'),
    paint.actor,
  );
  const code = run.exitCode === 0 ? paint.green('0') : paint.red(String(run.exitCode));
  return [
    ...timeline,
    `exit code ${code}`,
    run.cleanedUp ? paint.green('launch.lock removed') : paint.red('launch.lock left behind'),
  ];
}

/** Runs the demo and prints it; resolves to whether the contrast was shown. */
export async function main(print: (line: string) => void = console.log): Promise<boolean> {
  const paint = painter();
  const params = { n: N, stepMs: STEP_MS, stopAfterMs: STOP_AFTER_MS };
  const graceful = await runCountdown({ ...params, mode: 'graceful' });
  const killed = await runCountdown({ ...params, mode: 'kill' });
  print(`a CountdownTask worker counts down from ${N}, one step per ${STEP_MS} ms, while a shared`);
  print(`RawValue('bool', true) says running; after ${STOP_AFTER_MS} ms the main thread stops it`);
  print('');
  const left = [paint.bold('task.terminate(), then task.join()'), ...lines(graceful, paint)];
  const right = [paint.bold('worker.terminate()'), ...lines(killed, paint)];
  for (const line of sideBySide(left, right, 44)) print(line);
  const audit = auditCountdown(graceful);
  const gracefulShown =
    graceful.exitCode === 0 &&
    graceful.cleanedUp &&
    audit.prefix &&
    audit.silentAfterFlag &&
    audit.stepsAfterClear <= 1 &&
    graceful.entries.some((e) => e.event === CountdownEvent.SAW_FLAG);
  const killShown = killed.exitCode === 1 && !killed.cleanedUp;
  print('');
  print(
    'A flag lets the task finish its step, clean up and exit with 0 on its own; killing the thread stops',
  );
  print('it wherever it is, mid-step, with no chance to clean up (exit code 1).');
  return gracefulShown && killShown;
}
