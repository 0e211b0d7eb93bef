/**
 * Workers for specs: started on `.ts` fixtures through the shared helper, tracked, and terminated after every
 * test (see `setup.ts`), so that no test can leave a thread behind.
 */

import type { Worker, WorkerOptions } from 'node:worker_threads';
import { nextMessage, startTsWorker } from '../../demos/support/ts-worker';

export { nextMessage };

const live = new Set<Worker>();
/**
 * Each spawned worker's `done` message, kept from the moment it arrives: a spec often awaits something else
 * first, and a message that arrives while nobody listens is gone (the worker then exits, and a `resultOf` called
 * later would wait for a message that already came).
 */
const results = new WeakMap<Worker, Done<unknown>>();

function isDone(message: unknown): message is Done<unknown> {
  return typeof message === 'object' && message !== null && 'done' in message;
}

/** Starts the fixture `spec/fixtures/<name>.ts` with `workerData`. */
export function spawn(name: string, workerData?: unknown, options: WorkerOptions = {}): Worker {
  const worker = startTsWorker(new URL(`../fixtures/${name}.ts`, import.meta.url), {
    ...options,
    workerData,
  });
  live.add(worker);
  worker.once('exit', () => live.delete(worker));
  const keepDone = (message: unknown): void => {
    if (!isDone(message)) return;
    results.set(worker, message);
    worker.off('message', keepDone);
  };
  worker.on('message', keepDone);
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
  const kept = results.get(worker);
  if (kept !== undefined) return kept.done as T;
  const message = await nextMessage<Done<T>>(worker, timeoutMs, isDone);
  return message.done;
}

/** Starts one fixture per `workerData` entry and collects all their results, within `timeoutMs`. */
export function runAll<T>(name: string, data: readonly unknown[], timeoutMs: number): Promise<T[]> {
  return Promise.all(data.map((d) => resultOf<T>(spawn(name, d), timeoutMs)));
}
