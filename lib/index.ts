/**
 * Python's `threading` / `multiprocessing` synchronization primitives for JavaScript worker threads, built on
 * `SharedArrayBuffer` and `Atomics`.
 *
 * @packageDocumentation
 */

export { Barrier, type BarrierAction, type BarrierOptions } from './Barrier';
export { CancelFlag } from './CancelFlag';
export { Condition, type ConditionLock } from './Condition';
export { Event } from './Event';
export * from './errors';
export { revive } from './internal/shared';
export { JoinableQueue } from './JoinableQueue';
export { Lock } from './Lock';
export type { AcquireOptions, Guard, MutexOptions, Releaser, SemaphoreOptions, WaitOptions } from './options';
export { Queue, type QueueOptions } from './Queue';
export { RLock } from './RLock';
export { BoundedSemaphore, Semaphore } from './Semaphore';
export { RawArray, SharedArray, SharedArray as Array } from './SharedArray';
export {
  getLockOrderChecking,
  getThreadId,
  getThreadRegistry,
  joinThreadRegistry,
  type LockOrderMode,
  reportThreadExit,
  setLockOrderChecking,
} from './threads';
export type {
  AnyLock,
  BigIntType,
  CountingType,
  IntegerType,
  LockOptions,
  ValueOf,
  ValueType,
} from './Value';
export { RawValue, Value } from './Value';
