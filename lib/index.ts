/**
 * Python's `threading` / `multiprocessing` synchronization primitives for JavaScript worker threads, built on
 * `SharedArrayBuffer` and `Atomics`.
 *
 * @packageDocumentation
 */

export * from './errors';
export { revive } from './internal/shared';
export { Lock } from './Lock';
export type { AcquireOptions, Guard, Releaser, WaitOptions } from './options';
export { RLock } from './RLock';
export { BoundedSemaphore, Semaphore } from './Semaphore';
