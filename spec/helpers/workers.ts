/**
 * Workers for specs: started on `.ts` fixtures through the shared helper, tracked, and terminated after every
 * test (see `setup.ts`), so that no test can leave a thread behind.
 */

import type { Worker, WorkerOptions } from 'node:worker_threads';
import { nextMessage, startTsWorker } from '../../demos/support/ts-worker';

export { nextMessage };

const live = new Set<Worker>();

/** Starts the fixture `spec/fixtures/<name>.ts` with `workerData`. */
export function spawn(name: string, workerData?: unknown, options: WorkerOptions = {}): Worker {
  const worker = startTsWorker(new URL(`../fixtures/${name}.ts`, import.meta.url), {
    ...options,
    workerData,
  });
  live.add(worker);
  worker.once('exit', () => live.delete(worker));
  return worker;
}

/** Terminates every worker the current test started. */
export async function terminateAll(): Promise<void> {
  const workers = [...live];
  live.clear();
  await Promise.all(workers.map((worker) => worker.terminate()));
}

/** A fixture's final report: fixtures post `{ done: result }` when they finish. */
export interface Done<T> {
  done: T;
}

/** The `done` result of a fixture worker, within `timeoutMs`. */
export async function resultOf<T>(worker: Worker, timeoutMs: number): Promise<T> {
  const message = await nextMessage<Done<T>>(
    worker,
    timeoutMs,
    (m) => typeof m === 'object' && m !== null && 'done' in m,
  );
  return message.done;
}

/** Starts one fixture per `workerData` entry and collects all their results, within `timeoutMs`. */
export function runAll<T>(name: string, data: readonly unknown[], timeoutMs: number): Promise<T[]> {
  return Promise.all(data.map((d) => resultOf<T>(spawn(name, d), timeoutMs)));
}
