/**
 * What the public constructors share to check their arguments, so that a wrong call throws a `TypeError` naming
 * the constructor instead of building an object that fails later (Python raises `TypeError` for `Event(1)`).
 *
 * A primitive's constructor has two callers: users (`new Event()`) and the class's own `from()`, which views
 * memory that already holds the primitive. The second one passes {@link PLACED} first: a symbol that no user
 * code can name, so that the placement overload is never taken by accident (`new Event({ buffer, byteOffset })`
 * is an extra argument like any other, not a view of someone else's memory).
 *
 * @internal
 * @module
 */

import { describe } from './shared';

/** Marks the internal constructor call that views existing memory (not reachable by accident). */
export const PLACED: unique symbol = Symbol('shared-sync.placed');

/**
 * Throws a `TypeError` when a constructor got an argument past its parameters: `params` names them, in order.
 * A trailing `undefined` counts as omitted, as it does for every optional parameter.
 */
export function checkArgCount(args: ArrayLike<unknown>, params: readonly string[], api: string): void {
  for (let i = params.length; i < args.length; i++) {
    if (args[i] === undefined) continue;
    const takes =
      params.length === 0
        ? 'takes no arguments'
        : `takes at most ${params.length} argument${params.length === 1 ? '' : 's'} (${params.join(', ')})`;
    throw new TypeError(`${api}: ${takes}, got ${describe(args[i])} as argument ${i + 1}`);
  }
}

/**
 * Checks an options object: `undefined` (no options) or an object, not an array, whose own keys are all in
 * `keys`. Returns it (an empty object for `undefined`); the values are the caller's to check.
 *
 * @param example - An options object to show in the message, e.g. `{ maxsize: 100 }`.
 */
export function checkOptionKeys<K extends string>(
  options: unknown,
  keys: readonly K[],
  api: string,
  example: string,
): Partial<Record<K, unknown>> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${api}: options must be an object such as ${example}, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!(keys as readonly string[]).includes(key)) {
      const known =
        keys.length === 1
          ? `the only option is ${keys[0]}`
          : `the options are ${keys.slice(0, -1).join(', ')} and ${keys[keys.length - 1]}`;
      throw new TypeError(`${api}: unknown option '${key}' (${known})`);
    }
  }
  return options as Partial<Record<K, unknown>>;
}

/**
 * Checks an integer parameter: a `TypeError` for a value that is not a number, a `RangeError` for a number that
 * is not an integer in `[min, max]`. `expected` completes "`name` must be …" in the message.
 */
export function checkInteger(
  value: unknown,
  min: number,
  max: number,
  api: string,
  name: string,
  expected: string,
): number {
  if (typeof value !== 'number') {
    throw new TypeError(`${api}: ${name} must be ${expected}, got ${describe(value)}`);
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${api}: ${name} must be ${expected}, got ${value}`);
  }
  return value;
}
