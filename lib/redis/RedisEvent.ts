/**
 * `RedisEvent`: an `Event` shared by every process that uses the same Redis and key.
 *
 * ## Keys and states
 * | key     | type | meaning                                                   |
 * |---------|------|-----------------------------------------------------------|
 * | `<key>` | hash | `kind` = `RedisEvent`; `flag` = `1` while set, absent while clear |
 *
 * `set()` and `clear()` are one command each (a Lua step that also checks the kind); `set()` publishes on the
 * channel, which wakes every waiting process. Nothing is held, so a process that dies leaves nothing to recover.
 *
 * @module
 */

import type { Redis } from 'ioredis';
import { keepClassName } from '../internal/shared';
import { parseWaitOptions } from '../internal/waitOptions';
import type { WaitOptions } from '../options';
import {
  channelOf,
  checkArgCount,
  checkClientAndKey,
  checkOptionKeys,
  type RedisPrimitiveOptions,
  runScript,
  Script,
  unreachableTimeoutOf,
} from './connection';
import { waitFor } from './waker';

const KIND = 'RedisEvent';

/** `ARGV[3]`: 'set' | 'clear' | 'get', `ARGV[4]`: the channel. Returns `{1, flag}`. */
const EVENT = new Script(
  `
if ARGV[3] == 'set' then
  redis.call('hset', meta, 'flag', '1')
  redis.call('publish', ARGV[4], 'set')
  return {1, 1}
elseif ARGV[3] == 'clear' then
  redis.call('hdel', meta, 'flag')
  return {1, 0}
end
return {1, flag and 1 or 0}
`,
  ['flag'],
);

/**
 * Python's `multiprocessing.Event` for processes that share a Redis: `set()` in one process wakes `wait()`ers
 * in all of them.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { RedisEvent } from 'shared-sync/redis';
 * const ready = new RedisEvent(new Redis(), 'cache-warm');
 * // in one process: await ready.set();
 * if (await ready.wait({ timeout: 10_000 })) console.log('the cache is warm');
 * ```
 */
export class RedisEvent {
  static {
    keepClassName(RedisEvent, 'RedisEvent');
  }

  /** The ioredis client. */
  readonly redis: Redis;
  /** The key that names this event in Redis. */
  readonly key: string;
  readonly #channel: string;
  readonly #unreachable: number;

  /**
   * @param redis - An ioredis client; waits use one extra connection per client (pub/sub).
   * @param key - The event's name in Redis.
   * @param options - `{ unreachableTimeout }`.
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisEvent } from 'shared-sync/redis';
   * const event = new RedisEvent(new Redis(), 'go');
   * console.log(event.key); // 'go'
   * ```
   */
  constructor(redis: Redis, key: string, options?: RedisPrimitiveOptions) {
    checkClientAndKey(redis, key, KIND);
    const given = checkOptionKeys(options, ['unreachableTimeout'], KIND, '{ unreachableTimeout: 5000 }');
    this.#unreachable = unreachableTimeoutOf(given, KIND);
    // biome-ignore lint/complexity/noArguments: the declared parameters stay what users see; extra ones are refused
    checkArgCount(arguments, ['redis', 'key', 'options'], KIND);
    this.redis = redis;
    this.key = key;
    this.#channel = channelOf(key);
  }

  async #run(op: 'set' | 'clear' | 'get', api: string): Promise<boolean> {
    const target = { key: this.key, kind: KIND, params: '', unreachable: this.#unreachable };
    const result = await runScript(this.redis, EVENT, target, api, [this.key], [op, this.#channel]);
    return Number(result[1]) === 1;
  }

  /**
   * Whether the event is set, asked of Redis. Python's `is_set()`.
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisEvent } from 'shared-sync/redis';
   * console.log(await new RedisEvent(new Redis(), 'fresh').isSet()); // false
   * ```
   */
  isSet(): Promise<boolean> {
    return this.#run('get', 'RedisEvent.isSet');
  }

  /**
   * Sets the event and wakes every process waiting for it. Python's `set()`.
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisEvent } from 'shared-sync/redis';
   * const go = new RedisEvent(new Redis(), 'go');
   * await go.set();
   * console.log(await go.isSet()); // true
   * ```
   */
  async set(): Promise<void> {
    await this.#run('set', 'RedisEvent.set');
  }

  /**
   * Clears the event: later `wait()`s wait until the next `set()`. Python's `clear()`.
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisEvent } from 'shared-sync/redis';
   * const go = new RedisEvent(new Redis(), 'go');
   * await go.clear();
   * console.log(await go.isSet()); // false
   * ```
   */
  async clear(): Promise<void> {
    await this.#run('clear', 'RedisEvent.clear');
  }

  /**
   * Resolves `true` once the event is set (at once if it is), or `false` when the timeout runs out first.
   * Python's `wait(timeout)`.
   *
   * @param options - `{ timeout, signal }`.
   * @throws (rejects) `signal.reason` on abort; {@link RedisUnavailableError}; {@link RedisKeyConflictError}.
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisEvent } from 'shared-sync/redis';
   * const go = new RedisEvent(new Redis(), 'go');
   * const started = await go.wait({ timeout: 100 });
   * console.log(started); // false, unless a process set it
   * ```
   */
  async wait(options?: WaitOptions): Promise<boolean> {
    const api = 'RedisEvent.wait';
    const { deadline, signal } = parseWaitOptions(options, api);
    signal?.throwIfAborted();
    if (await this.#run('get', api)) return true;
    const result = await waitFor(
      this.redis,
      this.#channel,
      async () => ((await this.#run('get', api)) ? { done: true, value: true } : { done: false }),
      deadline,
      signal,
    );
    return result !== undefined;
  }
}
