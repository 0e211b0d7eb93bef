/**
 * Workers for specs: started on `.ts` fixtures through the shared helper, tracked, and terminated after every
 * test (see `setup.ts`), so that no test can leave a thread behind.
 */

import type { Worker, WorkerOptions } from 'node:worker_threads';
import { startTsWorker } from '../../demos/support/ts-worker';

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

/**
 * The next message from `worker` that `accept` takes, within `timeoutMs`. Rejects when the worker throws,
 * exits first, or the time runs out, so that a broken worker fails the test instead of hanging it.
 */
export function nextMessage<T = unknown>(
  worker: Worker,
  timeoutMs: number,
  accept: (message: T) => boolean = () => true,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no message from the worker within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (message: T): void => {
      if (!accept(message)) return;
      cleanup();
      resolve(message);
    };
    const onError = (err: unknown): void => {
      cleanup();
      reject(err);
    };
    const onExit = (code: number): void => {
      cleanup();
      reject(new Error(`the worker exited with code ${code} before sending the expected message`));
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.once('error', onError);
    worker.once('exit', onExit);
  });
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
