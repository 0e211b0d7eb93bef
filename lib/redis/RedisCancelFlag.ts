/**
 * `RedisCancelFlag`: a `CancelFlag` shared by every process that uses the same Redis and key.
 *
 * ## Keys and states
 * | key     | type | meaning                                                                       |
 * |---------|------|-------------------------------------------------------------------------------|
 * | `<key>` | hash | `kind` = `RedisCancelFlag`; `cancelled` = `1` once cancelled; `reason` if given |
 *
 * The first `cancel()` writes both fields in one Lua step (so a reason is never seen without the flag, nor the
 * flag with half a reason) and publishes on the channel; later ones change nothing. Each process's
 * {@link RedisCancelFlag.signal} listens to the channel, and also asks every second (pub/sub messages sent
 * while a subscriber reconnects are lost).
 *
 * @module
 */

import type { Redis } from 'ioredis';
import { CancelledError } from '../errors';
import { parseWait } from '../internal/options';
import { keepClassName } from '../internal/shared';
import type { WaitOptions } from '../options';
import {
  channelOf,
  checkArgCount,
  checkClientAndKey,
  checkOptionKeys,
  describe,
  type RedisPrimitiveOptions,
  runScript,
  Script,
  unreachableTimeoutOf,
} from './connection';
import { POLL_MS, waitFor, watch } from './waker';

const KIND = 'RedisCancelFlag';

/** `ARGV[3]`: 'cancel' | 'get', `ARGV[4]`: channel, `ARGV[5]`: reason ('' = none, `ARGV[6]` = '1' if given). */
const FLAG = new Script(
  `
local first = 0
if ARGV[3] == 'cancel' and not cancelled then
  redis.call('hset', meta, 'cancelled', '1')
  cancelled = '1'
  if ARGV[6] == '1' then
    redis.call('hset', meta, 'reason', ARGV[5])
    reason = ARGV[5]
  end
  redis.call('publish', ARGV[4], 'cancelled')
  first = 1
end
return {1, cancelled and 1 or 0, first, reason and 1 or 0, reason or ''}
`,
  ['cancelled', 'reason'],
);

interface FlagState {
  cancelled: boolean;
  first: boolean;
  reason: string | undefined;
}

/**
 * A cancellation flag for processes that share a Redis: `cancel()` in any process aborts every process's
 * {@link RedisCancelFlag.signal}, ends their `wait()`s, and makes `throwIfCancelled()` throw.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { RedisCancelFlag } from 'shared-sync/redis';
 * const stop = new RedisCancelFlag(new Redis(), 'shutdown');
 * // any process: await stop.cancel('deploy');
 * await fetch('https://example.com', { signal: stop.signal }); // aborted when any process cancels
 * ```
 */
export class RedisCancelFlag {
  static {
    keepClassName(RedisCancelFlag, 'RedisCancelFlag');
  }

  /** The ioredis client. */
  readonly redis: Redis;
  /** The key that names this flag in Redis. */
  readonly key: string;
  readonly #channel: string;
  readonly #unreachable: number;
  #controller: AbortController | undefined;

  /**
   * @param redis - An ioredis client; the signal and waits use one extra connection per client (pub/sub).
   * @param key - The flag's name in Redis.
   * @param options - `{ unreachableTimeout }`.
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisCancelFlag } from 'shared-sync/redis';
   * const stop = new RedisCancelFlag(new Redis(), 'shutdown');
   * console.log(stop.key); // 'shutdown'
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

  async #run(op: 'cancel' | 'get', api: string, reason?: string): Promise<FlagState> {
    const target = { key: this.key, kind: KIND, params: '', unreachable: this.#unreachable };
    const args = [op, this.#channel, reason ?? '', reason === undefined ? '0' : '1'];
    const result = await runScript(this.redis, FLAG, target, api, [this.key], args);
    const state = {
      cancelled: Number(result[1]) === 1,
      first: Number(result[2]) === 1,
      reason: Number(result[3]) === 1 ? String(result[4]) : undefined,
    };
    if (state.cancelled) this.#controller?.abort(this.#error(state.reason));
    return state;
  }

  #error(reason: string | undefined): CancelledError {
    return new CancelledError(`RedisCancelFlag: cancelled${reason === undefined ? '' : `: ${reason}`}`);
  }

  /**
   * Cancels, for every process. Only the first call (from any process) counts.
   *
   * @param reason - Why, shown in every process's {@link CancelledError}.
   * @returns `true` for the call that cancelled the flag, `false` if it already was.
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisCancelFlag } from 'shared-sync/redis';
   * const stop = new RedisCancelFlag(new Redis(), 'shutdown');
   * console.log(await stop.cancel('deploy'), await stop.cancel()); // true false
   * ```
   */
  async cancel(reason?: string): Promise<boolean> {
    if (reason !== undefined && typeof reason !== 'string') {
      throw new TypeError(`RedisCancelFlag.cancel: reason must be a string, got ${describe(reason)}`);
    }
    return (await this.#run('cancel', 'RedisCancelFlag.cancel', reason)).first;
  }

  /**
   * Whether the flag has been cancelled, by any process (asked of Redis).
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisCancelFlag } from 'shared-sync/redis';
   * console.log(await new RedisCancelFlag(new Redis(), 'fresh').isCancelled()); // false
   * ```
   */
  async isCancelled(): Promise<boolean> {
    return (await this.#run('get', 'RedisCancelFlag.isCancelled')).cancelled;
  }

  /**
   * The reason given to the `cancel()` that cancelled the flag; `undefined` while not cancelled or without one.
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisCancelFlag } from 'shared-sync/redis';
   * const stop = new RedisCancelFlag(new Redis(), 'shutdown');
   * await stop.cancel('deploy');
   * console.log(await stop.getReason()); // 'deploy'
   * ```
   */
  async getReason(): Promise<string | undefined> {
    return (await this.#run('get', 'RedisCancelFlag.getReason')).reason;
  }

  /**
   * Rejects with {@link CancelledError} once the flag is cancelled; resolves otherwise.
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisCancelFlag } from 'shared-sync/redis';
   * const stop = new RedisCancelFlag(new Redis(), 'shutdown');
   * for (const batch of [1, 2, 3]) {
   *   await stop.throwIfCancelled(); // between two batches
   * }
   * ```
   */
  async throwIfCancelled(): Promise<void> {
    const state = await this.#run('get', 'RedisCancelFlag.throwIfCancelled');
    if (state.cancelled) throw this.#error(state.reason);
  }

  /**
   * An `AbortSignal` that aborts in this process, with a {@link CancelledError}, when the flag is cancelled in
   * any process (within a round trip through pub/sub, or a second at worst). The same signal for every read
   * of one `RedisCancelFlag` object. Watching does not keep the process alive.
   *
   * @example
   * ```ts
   * import { setTimeout as sleep } from 'node:timers/promises';
   * import { Redis } from 'ioredis';
   * import { RedisCancelFlag } from 'shared-sync/redis';
   * const stop = new RedisCancelFlag(new Redis(), 'shutdown');
   * await sleep(60_000, undefined, { signal: stop.signal }).catch(() => console.log('cancelled'));
   * ```
   */
  get signal(): AbortSignal {
    if (this.#controller) return this.#controller.signal;
    const controller = new AbortController();
    this.#controller = controller;
    const check = (): void => {
      this.#run('get', 'RedisCancelFlag.signal').catch(() => {}); // aborts the controller when cancelled
    };
    const poll = setInterval(check, POLL_MS);
    poll.unref();
    const stopWatching = watch(this.redis, this.#channel, check).then(
      (stop) => {
        check(); // after subscribing: a cancel before it is seen here, one after it is announced
        return stop;
      },
      () => () => {},
    );
    controller.signal.addEventListener(
      'abort',
      () => {
        clearInterval(poll);
        stopWatching.then((stop) => stop());
      },
      { once: true },
    );
    return controller.signal;
  }

  /**
   * Resolves `true` once the flag is cancelled (at once if it is), `false` when the timeout runs out first.
   *
   * @param options - `{ timeout, signal }`.
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisCancelFlag } from 'shared-sync/redis';
   * const stop = new RedisCancelFlag(new Redis(), 'shutdown');
   * if (await stop.wait({ timeout: 1000 })) console.log('shutting down');
   * ```
   */
  async wait(options?: WaitOptions): Promise<boolean> {
    const api = 'RedisCancelFlag.wait';
    const { deadline, signal } = parseWait(options, api);
    signal?.throwIfAborted();
    const attempt = async () =>
      (await this.#run('get', api)).cancelled
        ? { done: true as const, value: true }
        : { done: false as const };
    if ((await attempt()).done) return true;
    return (await waitFor(this.redis, this.#channel, attempt, deadline, signal)) !== undefined;
  }
}
