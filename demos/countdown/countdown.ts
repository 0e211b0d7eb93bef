/**
 * The graceful shutdown (the logic of the countdown demo, callable from specs).
 *
 * Python's classic `CountdownTask` counts down "T-minus n" with a pause per step while its `_running` flag is
 * true; another thread calls `terminate()` (which only clears the flag) and then `join()`s. Here the task runs in
 * a worker and the flag is a shared `RawValue('bool', true)`: the worker checks it before every step, so after
 * `terminate()` it stops at its next check, cleans up (removes the lock file it created at start) and exits with
 * code 0 on its own. `kill()` is Node's `worker.terminate()` instead: the thread is stopped wherever it is, mid-step,
 * nothing is cleaned up, and the exit code is 1.
 *
 * The worker records each step in a shared timeline, and the main thread records the moment it clears the flag
 * (just before the store), so the order "flag cleared → at most one more step → flag seen" can be checked.
 */

import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { RawValue } from '../../lib/index';
import { pause } from '../support/rendezvous';
import { type Entry, Timeline } from '../support/timeline';
import { startTsWorker } from '../support/ts-worker';

export const CountdownEvent = {
  START: 1, // a = n
  TICK: 2, // a = n ("T-minus n")
  SAW_FLAG: 3, // the worker read running = false; a = the n it did not print
  LIFTOFF: 4, // counted down to 0
  CLEANED_UP: 5,
  FLAG_CLEARED: 6, // main thread: terminate() is clearing the flag
  KILLED: 7, // main thread: worker.terminate() is called
} as const;

/** What the worker receives. */
export interface CountdownData {
  n: number;
  stepMs: number;
  running: RawValue<'bool'>;
  timeline: Timeline['shared'];
  lockFile: string;
}

/** A countdown running in its own worker, stopped gracefully by a shared flag (Python's `CountdownTask`). */
export class CountdownTask {
  readonly running = new RawValue('bool', true);
  readonly timeline = new Timeline(64);
  readonly #worker: Worker;
  readonly #exit: Promise<number>;
  readonly #started: Promise<void>;

  /** Starts counting down from `n`, one step every `stepMs`; `lockFile` is created at start, removed on cleanup. */
  constructor(n: number, stepMs: number, lockFile: string) {
    this.#worker = startTsWorker(new URL('./countdown-worker.ts', import.meta.url), {
      workerData: {
        n,
        stepMs,
        running: this.running,
        timeline: this.timeline.shared,
        lockFile,
      } satisfies CountdownData,
    });
    this.#exit = new Promise((resolve, reject) => {
      this.#worker.once('exit', resolve);
      this.#worker.once('error', reject);
    });
    this.#exit.catch(() => {}); // reported by join(); never an unhandled rejection
    this.#started = new Promise((resolve) => this.#worker.once('message', () => resolve()));
  }

  /** Resolves once the worker has started (created its lock file), within `timeoutMs`. */
  started(timeoutMs: number): Promise<void> {
    return within(this.#started, timeoutMs, 'the countdown worker did not start');
  }

  /** Asks the task to stop: clears the shared flag. The worker stops at its next check. */
  terminate(): void {
    this.timeline.record(0, CountdownEvent.FLAG_CLEARED);
    this.running.value = false;
  }

  /** Waits (at most `timeoutMs`) for the worker to exit; resolves with its exit code. */
  join(timeoutMs: number): Promise<number> {
    return within(this.#exit, timeoutMs, 'the countdown worker did not exit');
  }

  /** Stops the thread at once with `worker.terminate()`: no cleanup; resolves with the exit code (1). */
  kill(): Promise<number> {
    this.timeline.record(0, CountdownEvent.KILLED);
    return this.#worker.terminate();
  }

  /** Makes sure the thread is gone (after a failed run); does nothing once it has exited. */
  async dispose(): Promise<void> {
    await this.#worker.terminate();
  }
}

function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

export interface CountdownParams {
  n: number;
  stepMs: number;
  /** When to stop it, in ms after the worker started. */
  stopAfterMs: number;
  /** `graceful`: terminate() then join(); `kill`: worker.terminate(). */
  mode: 'graceful' | 'kill';
  /** Bound on the join. @defaultValue 10000 */
  boundMs?: number;
  /** Bound on the worker's start (a `.ts` worker can take seconds to start on a loaded machine). @defaultValue 30000 */
  startMs?: number;
}

export interface CountdownRun {
  params: CountdownParams;
  exitCode: number;
  /** The numbers printed, in order. */
  printed: number[];
  /** Whether the worker removed its lock file. */
  cleanedUp: boolean;
  entries: Entry[];
}

/** Runs one countdown and stops it after `stopAfterMs`, gracefully or by killing it. */
export async function runCountdown(params: CountdownParams): Promise<CountdownRun> {
  const { n, stepMs, stopAfterMs, mode, boundMs = 10_000, startMs = 30_000 } = params;
  const dir = await mkdtemp(join(tmpdir(), 'countdown-'));
  const lockFile = join(dir, 'launch.lock');
  let task: CountdownTask | undefined;
  try {
    task = new CountdownTask(n, stepMs, lockFile);
    await task.started(startMs);
    await pause(stopAfterMs);
    let exitCode: number;
    if (mode === 'graceful') {
      task.terminate();
      exitCode = await task.join(boundMs);
    } else {
      exitCode = await task.kill();
    }
    const entries = task.timeline.entries();
    const printed = entries.filter((e) => e.event === CountdownEvent.TICK).map((e) => e.a);
    return { params, exitCode, printed, cleanedUp: !existsSync(lockFile), entries };
  } finally {
    await task?.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The checks of a graceful run (see the property in spec/demos/countdown.spec.ts). */
export function auditCountdown(run: CountdownRun): {
  prefix: boolean;
  silentAfterFlag: boolean;
  stepsAfterClear: number;
  stoppedOrLanded: boolean;
} {
  const { n } = run.params;
  const prefix = run.printed.every((value, i) => value === n - i);
  const seq = (event: number): number => run.entries.find((e) => e.event === event)?.seq ?? -1;
  const saw = seq(CountdownEvent.SAW_FLAG);
  const cleared = seq(CountdownEvent.FLAG_CLEARED);
  const ticks = run.entries.filter((e) => e.event === CountdownEvent.TICK);
  const silentAfterFlag = saw < 0 || ticks.every((e) => e.seq < saw);
  const stepsAfterClear = cleared < 0 ? 0 : ticks.filter((e) => e.seq > cleared).length;
  // Either the flag was seen, or the countdown had already reached 0 before it was cleared.
  const stoppedOrLanded = saw >= 0 || (seq(CountdownEvent.LIFTOFF) >= 0 && run.printed.length === n);
  return { prefix, silentAfterFlag, stepsAfterClear, stoppedOrLanded };
}
