/**
 * The process-local half of a Redis acquire: this process's async acquirers of one `RedisLock` or
 * `RedisSemaphore` queue on an `async-mutex` semaphore (priority first, FIFO within a priority), so that only
 * as many of them as could succeed contend on Redis. A local wait that times out or is aborted leaves the queue;
 * if the local semaphore hands it a place later, the place is given straight back.
 *
 * @internal
 * @module
 */

import { Semaphore as LocalSemaphore } from 'async-mutex';
import type { ParsedWait } from '../internal/options';
import { remaining } from '../internal/wait';
import { timeoutError } from './connection';

export { LocalSemaphore };

/** Takes `weight` places of `local` within the wait's deadline and signal; resolves with their releaser. */
export function takeLocal(
  local: LocalSemaphore,
  weight: number,
  wait: ParsedWait,
  api: string,
): Promise<() => void> {
  const { signal, deadline, priority } = wait;
  if (signal?.aborted) return Promise.reject(signal.reason);
  const taking = local.acquire(weight, priority);
  if (deadline === Number.POSITIVE_INFINITY && !signal) return taking.then(([, release]) => release);
  return new Promise<() => void>((resolve, reject) => {
    let settled = false;
    const leave = (reason: unknown): void => {
      if (settled) return;
      settled = true;
      cleanup();
      reject(reason);
      // The place may still be handed over later: give it back at once.
      taking.then(
        ([, release]) => release(),
        () => {},
      );
    };
    const onAbort = (): void => leave(signal?.reason);
    const timer =
      deadline === Number.POSITIVE_INFINITY
        ? undefined
        : setTimeout(() => leave(timeoutError(api, wait.timeout)), remaining(deadline));
    const cleanup = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    taking.then(
      ([, release]) => {
        if (settled) return;
        settled = true;
        cleanup();
        resolve(release);
      },
      (err: unknown) => {
        if (settled) return;
        settled = true;
        cleanup();
        reject(err);
      },
    );
  });
}

/** An `AbortSignal` that aborts when any of `signals` does, with its reason. */
export function anySignal(signals: (AbortSignal | undefined)[]): AbortSignal {
  return AbortSignal.any(signals.filter((s): s is AbortSignal => s !== undefined));
}
