/**
 * A crew of long-lived demo workers that run one job at a time each, so that a demo (or a property test that
 * runs a demo a hundred times) pays the worker start-up cost once. Workers are started with the one `.ts`
 * worker helper ({@link startTsWorker}).
 *
 * Protocol (plain messages):
 * - worker → main `{ kind: 'ready' }` once {@link serve} is listening;
 * - main → worker `{ kind: 'job', id, job }`, answered by `{ kind: 'result', id, value }` or
 *   `{ kind: 'error', id, message }`;
 * - main → worker `{ kind: 'abort', id }` aborts the `AbortSignal` the job's handler received (a job stuck in an
 *   async wait can so be told to give up; a job blocked in a sync wait sees it only when it next yields).
 */

import { parentPort, type Worker, type WorkerOptions } from 'node:worker_threads';
import { nextMessage, startTsWorker } from './ts-worker';

type FromWorker =
  | { kind: 'ready' }
  | { kind: 'result'; id: number; value: unknown }
  | { kind: 'error'; id: number; message: string };

type ToWorker = { kind: 'job'; id: number; job: unknown } | { kind: 'abort'; id: number };

/** A handle on a job running in a crew worker. */
export interface JobRun<R> {
  readonly id: number;
  /** The job's result; rejects when the job throws, the worker dies or the timeout passes. */
  readonly result: Promise<R>;
  /** Asks the job to give up (aborts the signal its handler received). */
  abort(): void;
}

/** Long-lived workers running jobs (see the module comment). */
export class Crew {
  readonly workers: readonly Worker[];
  #nextId = 1;

  private constructor(workers: Worker[]) {
    this.workers = workers;
  }

  /**
   * Starts `size` workers on `entry` (with `options`, e.g. an `env`) and waits (at most `timeoutMs`) until all of
   * them are ready.
   */
  static async start(
    entry: URL,
    size: number,
    options: WorkerOptions = {},
    timeoutMs = 30_000,
  ): Promise<Crew> {
    const workers = Array.from({ length: size }, () => startTsWorker(entry, options));
    const crew = new Crew(workers);
    try {
      await Promise.all(workers.map((w) => nextMessage<FromWorker>(w, timeoutMs, (m) => m.kind === 'ready')));
    } catch (err) {
      await crew.close();
      throw err;
    }
    return crew;
  }

  get size(): number {
    return this.workers.length;
  }

  /** Sends `job` to worker `index`; the result must come within `timeoutMs`. */
  run<R>(index: number, job: unknown, timeoutMs: number): JobRun<R> {
    const worker = this.workers[index];
    if (!worker) throw new RangeError(`Crew.run: index must be below ${this.workers.length}, got ${index}`);
    const id = this.#nextId++;
    const result = nextMessage<FromWorker>(worker, timeoutMs, (m) => m.kind !== 'ready' && m.id === id).then(
      (m) => {
        if (m.kind === 'error') throw new Error(`worker ${index + 1}: ${m.message}`);
        return (m as { value: R }).value;
      },
    );
    worker.postMessage({ kind: 'job', id, job } satisfies ToWorker);
    return { id, result, abort: () => worker.postMessage({ kind: 'abort', id } satisfies ToWorker) };
  }

  /** Terminates every worker. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/**
 * Worker side: runs `handler` for every job the crew sends, one after another, and answers with its result.
 * Call it once at the top level of a crew worker.
 */
export function serve<J, R>(handler: (job: J, signal: AbortSignal) => R | Promise<R>): void {
  const port = parentPort;
  if (!port) throw new Error('serve: must run in a worker thread');
  const running = new Map<number, AbortController>();
  port.on('message', (message: ToWorker) => {
    if (message.kind === 'abort') {
      running.get(message.id)?.abort(new Error('aborted by the main thread'));
      return;
    }
    const controller = new AbortController();
    running.set(message.id, controller);
    Promise.resolve()
      .then(() => handler(message.job as J, controller.signal))
      .then(
        (value) => port.postMessage({ kind: 'result', id: message.id, value } satisfies FromWorker),
        (err: unknown) =>
          port.postMessage({
            kind: 'error',
            id: message.id,
            message: err instanceof Error ? err.message : String(err),
          } satisfies FromWorker),
      )
      .finally(() => running.delete(message.id));
  });
  port.postMessage({ kind: 'ready' } satisfies FromWorker);
}
