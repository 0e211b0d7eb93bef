/**
 * Workers for specs: started on `.ts` fixtures through the shared helper, tracked, and terminated after every
 * test (see `setup.ts`), so that no test can leave a thread behind.
 */

import type { Worker, WorkerOptions } from 'node:worker_threads';
import { nextMessage, startTsWorker } from '../../demos/support/ts-worker';

export { nextMessage };

const live = new Set<Worker>();
/**
 * Each spawned worker's `done` messages, received from the moment the worker starts: a spec often awaits
 * something else first, and a message that arrives while nobody listens is gone (the worker then exits, and a
 * `resultOf` called later would wait for a message that already came). A worker that serves several rounds
 * posts one per round: `resultOf` takes them in order, each once.
 */
interface Inbox {
  readonly kept: Done<unknown>[];
  readonly waiting: ((message: Done<unknown>) => void)[];
}
const inboxes = new WeakMap<Worker, Inbox>();

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
  const inbox: Inbox = { kept: [], waiting: [] };
  inboxes.set(worker, inbox);
  worker.on('message', (message: unknown) => {
    if (!isDone(message)) return;
    const waiter = inbox.waiting.shift();
    if (waiter) waiter(message);
    else inbox.kept.push(message);
  });
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
export function resultOf<T>(worker: Worker, timeoutMs: number): Promise<T> {
  const inbox = inboxes.get(worker);
  if (inbox === undefined) {
    return nextMessage<Done<T>>(worker, timeoutMs, isDone).then((message) => message.done);
  }
  const kept = inbox.kept.shift();
  if (kept !== undefined) return Promise.resolve(kept.done as T);
  // Served from the inbox: a done message that arrives while this waits is handed to it, not kept.
  const fromInbox = (listener: (message: Done<unknown>) => void): (() => void) => {
    inbox.waiting.push(listener);
    return () => {
      const at = inbox.waiting.indexOf(listener);
      if (at >= 0) inbox.waiting.splice(at, 1);
    };
  };
  return nextMessage<Done<unknown>>(worker, timeoutMs, isDone, fromInbox).then(
    (message) => message.done as T,
  );
}

/** Starts one fixture per `workerData` entry and collects all their results, within `timeoutMs`. */
export function runAll<T>(name: string, data: readonly unknown[], timeoutMs: number): Promise<T[]> {
  return Promise.all(data.map((d) => resultOf<T>(spawn(name, d), timeoutMs)));
}
