/**
 * Argument parsing and small factories shared by the primitives' async forms.
 *
 * @internal
 * @module
 */

import { OwnerDiedError, TimeoutError } from '../errors';
import type { AcquireOptions, Guard, MutexOptions, Releaser, WaitOptions } from '../options';
import { checkArgCount, checkOptionKeys } from './args';
import { describe } from './shared';
import { assertCanBlock, checkSignal, deadlineOf, mayBlock } from './wait';

/** A parsed {@link AcquireOptions}. */
export interface ParsedWait {
  readonly priority: number;
  readonly deadline: number;
  readonly timeout: number;
  readonly signal: AbortSignal | undefined;
}

/** Checks a priority: any number but `NaN`. */
export function checkPriority(priority: unknown, api: string): number {
  if (priority === undefined) return 0;
  if (typeof priority !== 'number' || Number.isNaN(priority)) {
    throw new RangeError(`${api}: priority must be a number, got ${describeNumber(priority)}`);
  }
  return priority;
}

function describeNumber(value: unknown): string {
  return typeof value === 'number' ? String(value) : typeof value;
}

/** Parses `acquire(priority)` / `acquire({ timeout, signal, priority })` / `wait({ timeout, signal })`. */
export function parseWait(
  options: number | AcquireOptions | WaitOptions | undefined,
  api: string,
): ParsedWait {
  if (options === undefined || typeof options === 'number') {
    return {
      priority: checkPriority(options, api),
      deadline: Number.POSITIVE_INFINITY,
      timeout: Number.POSITIVE_INFINITY,
      signal: undefined,
    };
  }
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(
      `${api}: options must be an object or a priority number, got ${options === null ? 'null' : typeof options}`,
    );
  }
  const { timeout, signal } = options;
  return {
    priority: checkPriority((options as AcquireOptions).priority, api),
    deadline: deadlineOf(timeout, api),
    timeout: timeout ?? Number.POSITIVE_INFINITY,
    signal: checkSignal(signal, api),
  };
}

/** A releaser that calls `release` at most once. */
export function onceReleaser(release: () => void): Releaser {
  let released = false;
  return () => {
    if (released) return;
    released = true;
    release();
  };
}

/** A {@link Guard} over a releaser. */
export function guardOf(releaser: Releaser): Guard {
  return {
    release: releaser,
    [Symbol.dispose]: releaser,
    [Symbol.asyncDispose]: async () => releaser(),
  };
}

/** What the scoped forms need of a lock: a blocking acquire and a release. */
export interface BlockingLock {
  acquireSync(timeout?: number): boolean;
  release(): void;
}

/** The error of a blocking acquire that ran out of time where no boolean can be returned. */
export function timedOut(api: string, timeout: number | undefined): TimeoutError {
  return new TimeoutError(`${api}: timed out after ${timeout} ms`, timeout ?? 0);
}

/** The error of an acquire that took over the lock of a thread that died holding it (the caller holds it now). */
export function ownerDied(api: string, died: number): OwnerDiedError {
  return new OwnerDiedError(
    `${api}: the thread that held the lock (thread ${died - 1}) died holding it; the lock is now held by the ` +
      'caller: repair what it protects, then release it',
    died - 1,
  );
}

/**
 * A scoped form's acquire: on a lock whose holder died the callback must not run, so the lock is released and
 * the {@link OwnerDiedError} passed on (a retry then works).
 */
function acquireScoped(lock: BlockingLock, timeout: number | undefined, api: string): void {
  // Named after the scoped form (`Lock.runExclusiveSync` → `await lock.runExclusive(callback)`), not acquireSync.
  if (!mayBlock) assertCanBlock(api, scopedAsyncForm(api));
  let acquired: boolean;
  try {
    acquired = lock.acquireSync(timeout);
  } catch (err) {
    if (err instanceof OwnerDiedError) lock.release();
    throw err;
  }
  if (!acquired) throw timedOut(api, timeout);
}

/** The async form to name when a scoped sync form may not block: `RLock.guardSync` → `await rlock.guard()`. */
function scopedAsyncForm(api: string): string {
  const [owner, method] = api.split('.');
  const variable = owner === 'RLock' ? 'rlock' : owner.charAt(0).toLowerCase() + owner.slice(1);
  return method === 'runExclusiveSync'
    ? `await ${variable}.runExclusive(callback)`
    : `await ${variable}.guard()`;
}

/** Python's `with lock:` — `callback` between a blocking acquire and a release, also when it throws. */
export function runHoldingSync<T>(
  lock: BlockingLock,
  callback: () => T,
  timeout: number | undefined,
  api: string,
): T {
  acquireScoped(lock, timeout, api);
  try {
    return callback();
  } finally {
    lock.release();
  }
}

/** A guard over a blocking acquire, for `using`. */
export function holdSync(lock: BlockingLock, timeout: number | undefined, api: string): Guard {
  acquireScoped(lock, timeout, api);
  return guardOf(onceReleaser(() => lock.release()));
}

/**
 * An async scoped form's acquire: on {@link OwnerDiedError} the lock (held by the caller) is released and the
 * error passed on, as {@link acquireScoped} does.
 */
export function scopedAcquire(acquired: Promise<Releaser>, lock: { release(): void }): Promise<Releaser> {
  return acquired.catch((err: unknown) => {
    if (err instanceof OwnerDiedError) lock.release();
    throw err;
  });
}

/** `callback` between an async acquire and its releaser, also when it throws or rejects. */
export async function runHolding<T>(acquired: Promise<Releaser>, callback: () => T | Promise<T>): Promise<T> {
  const release = await acquired;
  try {
    return await callback();
  } finally {
    release();
  }
}

const MUTEX_OPTIONS = ['name', 'cancelError'] as const;

/**
 * Checks the arguments of `new Lock(…)` / `new RLock(…)`: one options object, or a bare `Error` taken as the
 * `cancelError` (async-mutex's `new Mutex(cancelError)`), and nothing after it.
 */
export function parseMutexArgs(args: readonly unknown[], api: string): MutexOptions {
  checkArgCount(args, ['options'], api);
  const options = args[0];
  return options instanceof Error ? { cancelError: options } : parseMutexOptions(options, api);
}

/** Checks the options of `new Lock(…)` / `new RLock(…)`. */
export function parseMutexOptions(options: unknown, api: string): MutexOptions {
  const { name, cancelError } = checkOptionKeys(options, MUTEX_OPTIONS, api, "{ name: 'accounts' }");
  if (name !== undefined && typeof name !== 'string') {
    throw new TypeError(`${api}: name must be a string, got ${describe(name)}`);
  }
  if (cancelError !== undefined && !(cancelError instanceof Error)) {
    throw new TypeError(`${api}: cancelError must be an Error, got ${describe(cancelError)}`);
  }
  return { name, cancelError };
}
