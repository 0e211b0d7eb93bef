/**
 * Starts a worker thread whose entry is a TypeScript file, for the demos and the specs.
 *
 * On Node 20 a `Worker` cannot load a `.ts` entry through `execArgv: ['--import', 'tsx']` ("Unknown file
 * extension .ts"). What works is a small bootstrap evaluated in the worker: it registers tsx's loader there,
 * then imports the real entry. Built `.js`/`.mjs` entries are started directly.
 */

import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

const require = createRequire(import.meta.url);
// The ESM build of tsx's register API (resolved here, where node_modules is known, and handed to the worker).
const tsxApi = pathToFileURL(require.resolve('tsx/esm/api').replace(/index\.cjs$/, 'index.mjs')).href;

/**
 * Starts `entry` (a file URL or path, `.ts` or `.js`) in a new worker thread.
 *
 * @param entry - The worker's module, usually `new URL('./worker.ts', import.meta.url)`.
 * @param options - `Worker` options (`workerData`, `stdout`, …); `eval` is set by this helper for `.ts` entries.
 */
export function startTsWorker(entry: URL | string, options: WorkerOptions = {}): Worker {
  const url = entry instanceof URL ? entry : pathToFileURL(entry);
  if (!/\.[cm]?ts$/.test(url.pathname)) return new Worker(url, options);
  const bootstrap =
    `import(${JSON.stringify(tsxApi)})` +
    `.then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); })` +
    `.catch((err) => { process.nextTick(() => { throw err; }); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}

/** Resolves with the worker's exit code; rejects if the worker throws. */
export function exitOf(worker: Worker): Promise<number> {
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', resolve);
  });
}

/**
 * Where {@link nextMessage} takes messages from: subscribes `listener`, returns what unsubscribes it. The default
 * is the worker's `message` event; a caller that keeps a worker's messages itself (the specs' inbox) passes its
 * own.
 */
export type MessageSource<T> = (listener: (message: T) => void) => () => void;

/**
 * The next message from `worker` that `accept` takes, within `timeoutMs`. Rejects when the worker throws,
 * exits first, or the time runs out, so that a broken worker fails the test instead of hanging it.
 */
export function nextMessage<T = unknown>(
  worker: Worker,
  timeoutMs: number,
  accept: (message: T) => boolean = () => true,
  source: MessageSource<T> = (listener) => {
    worker.on('message', listener);
    return () => worker.off('message', listener);
  },
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
    const unsubscribe = source(onMessage);
    const cleanup = (): void => {
      clearTimeout(timer);
      unsubscribe();
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.once('error', onError);
    worker.once('exit', onExit);
  });
}
