/**
 * Workers that die on purpose, for the owner-death specs of Condition, Barrier and Semaphore: started through
 * `spawn` (so `setup.ts` terminates them after each test), with their 'exit' observed from the start.
 */

import type { Worker } from 'node:worker_threads';
import { nextMessage, spawn } from './workers';

/** How a worker dies: `terminate()`, an uncaught exception, `process.exit()`, or its script returning. */
export type How = 'terminate' | 'throw' | 'exit' | 'return';

export const WAYS: readonly How[] = ['terminate', 'throw', 'exit', 'return'];

export interface Dier {
  readonly worker: Worker;
  /** The worker's `threadId` (as `OwnerDiedError.threadId` reports it). */
  readonly threadId: number;
  /** Resolves once the worker's 'exit' event has been delivered in this thread. */
  readonly exited: Promise<void>;
}

/**
 * Starts fixture `name` and waits for its first message that has `ready: true` (and its `threadId`); the
 * fixture then dies when told (see {@link kill}).
 */
export async function startDier(name: string, workerData: unknown): Promise<Dier> {
  const worker = spawn(name, workerData);
  worker.on('error', () => {}); // 'throw' ends the worker with an uncaught exception, as the test wants
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const { threadId } = await nextMessage<{ ready?: boolean; threadId: number }>(
    worker,
    30_000, // bounded, and generous: worker start-up is slow on a loaded 2-core machine
    (m) => m.ready === true,
  );
  return { worker, threadId, exited };
}

/** Makes the worker die the way `how` says ('return' fixtures end by themselves); resolves once it has exited. */
export async function kill({ worker, exited }: Dier, how: How): Promise<void> {
  if (how === 'terminate') await worker.terminate();
  else if (how !== 'return') worker.postMessage('die');
  await exited;
}

/** Resolves once `condition()` holds, looking on every turn of the event loop; throws after `ms`. */
export async function until(condition: () => boolean, what: () => string, ms = 10_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`not reached within ${ms} ms: ${what()}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** A fixture's side of {@link kill}: dies on the message 'die', by throwing or by `process.exit()`. */
export function dieWhenTold(port: { once(event: 'message', listener: () => void): unknown }, how: How): void {
  if (how !== 'throw' && how !== 'exit') return;
  port.once('message', () => {
    if (how === 'throw') throw new Error('the worker crashed');
    process.exit(3);
  });
}
