/**
 * Parsing of the `{ timeout, signal }` options of the waits that return a boolean or an index (`Event`,
 * `Condition`, `Barrier`), where a bare number would be ambiguous: `acquire(5)` is a priority in
 * `async-mutex`'s interface, while `wait(5)` reads like a timeout. Rather than guess, a number is refused with
 * a message that shows the object form.
 *
 * @internal
 * @module
 */

import type { WaitOptions } from '../options';
import { type ParsedWait, parseWait } from './options';

/** Parses `wait()` / `wait({ timeout, signal })`; a number or any other non-object is a `TypeError`. */
export function parseWaitOptions(options: WaitOptions | undefined, api: string): ParsedWait {
  if (typeof options === 'number') {
    throw new TypeError(
      `${api}: options must be an object; for a timeout of ${options} ms pass { timeout: ${options} }`,
    );
  }
  return parseWait(options, api);
}
