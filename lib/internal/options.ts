/**
 * Argument parsing and small factories shared by the primitives' async forms.
 *
 * @internal
 * @module
 */

import type { AcquireOptions, Guard, Releaser, WaitOptions } from '../options';
import { checkSignal, deadlineOf } from './wait';

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
