/**
 * `RedisJoinableQueue`: a {@link RedisQueue} that counts unfinished tasks, as Python's `JoinableQueue`.
 *
 * ## Consumers that die
 * Each instance is a *consumer* with an id. Its `get` counts the item against that id (`<key>:taken`) and
 * sets the consumer's lease (`<key>:consumer:<id>`, `leaseTimeout` ms), which the instance refreshes while it
 * has unfinished items. `taskDone()` uncounts it. A `join()` that waits looks, on every wake and at least
 * every second, for consumers with counted items whose lease has run out: those items were lost with their
 * consumer (delivery is at most once), so they are moved from `unfinished` to `abandoned` in one Lua step, and
 * every `join()` that was waiting then rejects with {@link OwnerDiedError} (naming the consumer) instead of
 * waiting forever. A `join()` that starts later resolves normally.
 *
 * @module
 */

import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { OwnerDiedError, TaskDoneError, TimeoutError } from '../errors';
import { parseWait } from '../internal/options';
import { keepClassName } from '../internal/shared';
import type { WaitOptions } from '../options';
import { checkArgCount, describe, msOption, NO_THREAD, Script } from './connection';
import { type Consumer, RedisQueue, type RedisQueueOptions } from './RedisQueue';
import { type Attempt, POLL_MS, waitFor } from './waker';

/** `KEYS`: meta, taken. `ARGV[3..]`: consumer id, channel. `{1, unfinished}` or `{-3}` when nothing is unfinished. */
const TASK_DONE = new Script(
  `
unfinished = tonumber(unfinished or '0')
if unfinished <= 0 then return {-3} end
local mine = tonumber(redis.call('hget', KEYS[2], ARGV[3]) or '0')
if mine > 1 then redis.call('hincrby', KEYS[2], ARGV[3], -1) elseif mine == 1 then redis.call('hdel', KEYS[2], ARGV[3]) end
unfinished = redis.call('hincrby', meta, 'unfinished', -1)
if unfinished == 0 then redis.call('publish', ARGV[4], 'joined') end
return {1, unfinished}
`,
  ['unfinished'],
);

/**
 * `KEYS`: meta, taken. `ARGV[3..]`: channel, lease key prefix. Abandons the items of consumers whose lease ran
 * out; returns `{1, unfinished, abandoned before, abandoned after, last dead consumer or ''}`.
 */
const REAP = new Script(
  `
unfinished = tonumber(unfinished or '0')
local before = tonumber(abandoned or '0')
local dead = ''
if unfinished > 0 then
  local taken = redis.call('hgetall', KEYS[2])
  for i = 1, #taken, 2 do
    if redis.call('exists', ARGV[4] .. taken[i]) == 0 then
      local n = math.min(tonumber(taken[i + 1]), unfinished)
      redis.call('hdel', KEYS[2], taken[i])
      unfinished = unfinished - n
      redis.call('hset', meta, 'unfinished', unfinished)
      redis.call('hincrby', meta, 'abandoned', n)
      dead = taken[i]
    end
  end
  if dead ~= '' and unfinished == 0 then redis.call('publish', ARGV[3], 'joined') end
end
return {1, unfinished, before, tonumber(redis.call('hget', meta, 'abandoned') or '0'), dead}
`,
  ['unfinished', 'abandoned'],
);

/** Options of a {@link RedisJoinableQueue}. */
export interface RedisJoinableQueueOptions extends RedisQueueOptions {
  /**
   * Milliseconds a consumer's lease lasts without a refresh: how long after a consumer's death its unfinished
   * items are declared lost. Refreshed every third of it while the consumer has unfinished items.
   * @defaultValue 10000
   */
  leaseTimeout?: number;
}

/**
 * Python's `multiprocessing.JoinableQueue` for processes that share a Redis: a {@link RedisQueue} whose
 * `taskDone()` and `join()` count the items that were put and not yet marked done, in every process.
 *
 * Delivery is at most once; a consumer that dies between `get` and `taskDone` does not make `join()` hang:
 * once its lease (`leaseTimeout`) has run out, the waiting `join()`s reject with {@link OwnerDiedError}.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { RedisJoinableQueue } from 'shared-sync/redis';
 * const tasks = new RedisJoinableQueue<string>(new Redis(), 'thumbnails');
 * await tasks.put('a.png');
 * // in a worker process: const file = await tasks.get(); ...; tasks.taskDone();
 * await tasks.join({ timeout: 60_000 }); // every task put so far is done
 * ```
 */
export class RedisJoinableQueue<T = unknown> extends RedisQueue<T> {
  static {
    keepClassName(RedisJoinableQueue, 'RedisJoinableQueue');
  }

  /** @internal */
  static override readonly kind: string = 'RedisJoinableQueue';
  /** @internal */
  static override readonly optionNames: readonly string[] = ['maxsize', 'leaseTimeout', 'unreachableTimeout'];
  readonly #consumer: Consumer;
  readonly #leaseMs: number;
  #taken = 0;
  #refresh: ReturnType<typeof setInterval> | undefined;

  /**
   * @param redis - An ioredis client.
   * @param key - The queue's name in Redis.
   * @param options - `{ maxsize, leaseTimeout }`.
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisJoinableQueue } from 'shared-sync/redis';
   * const tasks = new RedisJoinableQueue<number>(new Redis(), 'tasks', { leaseTimeout: 30_000 });
   * console.log(tasks.maxsize); // 0
   * ```
   */
  constructor(redis: Redis, key: string, options?: RedisJoinableQueueOptions) {
    super(redis, key, options);
    const lease = msOption(options?.leaseTimeout, 10_000, 'RedisJoinableQueue', 'leaseTimeout');
    // biome-ignore lint/complexity/noArguments: the declared parameters stay what users see; extra ones are refused
    checkArgCount(arguments, ['redis', 'key', 'options'], 'RedisJoinableQueue');
    this.#leaseMs = Math.round(lease);
    const id = randomUUID();
    this.#consumer = {
      id,
      leaseKey: `${key}:consumer:${id}`,
      leaseMs: this.#leaseMs,
      taken: () => this.#onTaken(),
    };
  }

  /** @internal */
  protected override consumer(): Consumer {
    return this.#consumer;
  }

  #onTaken(): void {
    this.#taken++;
    if (this.#refresh) return;
    const leaseKey = this.#consumer.leaseKey;
    this.#refresh = setInterval(() => {
      this.redis.pexpire(leaseKey, this.#leaseMs).catch(() => {});
    }, this.#leaseMs / 3);
    this.#refresh.unref();
  }

  #onDone(): void {
    if (this.#taken > 0) this.#taken--;
    if (this.#taken === 0 && this.#refresh) {
      clearInterval(this.#refresh);
      this.#refresh = undefined;
    }
  }

  /**
   * Marks one task done (any process may, as in Python); when none is left unfinished, every `join()` returns.
   *
   * @throws (rejects) {@link TaskDoneError} when more tasks are marked done than were put; nothing changes.
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisJoinableQueue } from 'shared-sync/redis';
   * const tasks = new RedisJoinableQueue<string>(new Redis(), 'tasks');
   * const task = await tasks.get();
   * try {
   *   // work on it
   * } finally {
   *   await tasks.taskDone();
   * }
   * ```
   */
  async taskDone(): Promise<void> {
    const api = 'RedisJoinableQueue.taskDone';
    const { meta, channel } = this.names;
    const result = await this.run(TASK_DONE, api, [meta, `${this.key}:taken`], [this.#consumer.id, channel]);
    if (Number(result[0]) !== 1) {
      throw new TaskDoneError(`${api}: called more times than items were put`);
    }
    this.#onDone();
  }

  /**
   * The number of tasks put and not yet marked done (nor abandoned by a consumer that died).
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisJoinableQueue } from 'shared-sync/redis';
   * const tasks = new RedisJoinableQueue<string>(new Redis(), 'fresh-tasks');
   * await tasks.put('x');
   * console.log(await tasks.unfinishedTasks()); // 1
   * ```
   */
  async unfinishedTasks(): Promise<number> {
    return (await this.#reap('RedisJoinableQueue.unfinishedTasks')).unfinished;
  }

  async #reap(api: string): Promise<{ unfinished: number; before: number; after: number; dead: string }> {
    const { meta, channel } = this.names;
    const result = await this.run(REAP, api, [meta, `${this.key}:taken`], [channel, `${this.key}:consumer:`]);
    return {
      unfinished: Number(result[1]),
      before: Number(result[2]),
      after: Number(result[3]),
      dead: String(result[4] ?? ''),
    };
  }

  /**
   * Waits until every task put has been marked done, in any process. Python's `join()`.
   *
   * @param options - `{ timeout, signal }`.
   * @throws (rejects) {@link OwnerDiedError} when tasks were lost because a consumer died between `get` and
   *   `taskDone` while this join waited (they no longer count as unfinished; the error names the consumer);
   *   {@link TimeoutError}; `signal.reason`; {@link RedisUnavailableError}.
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { OwnerDiedError } from 'shared-sync';
   * import { RedisJoinableQueue } from 'shared-sync/redis';
   * const tasks = new RedisJoinableQueue<string>(new Redis(), 'tasks');
   * try {
   *   await tasks.join({ timeout: 60_000 });
   * } catch (err) {
   *   if (err instanceof OwnerDiedError) console.log('a worker died; its task was lost');
   * }
   * ```
   */
  async join(options?: WaitOptions): Promise<void> {
    const api = 'RedisJoinableQueue.join';
    if (options !== undefined && (typeof options !== 'object' || options === null)) {
      throw new TypeError(
        `${api}: options must be an object ({ timeout, signal }), got ${describe(options)}`,
      );
    }
    const { deadline, signal, timeout } = parseWait(options, api);
    signal?.throwIfAborted();
    let start: number | undefined;
    let dead = '';
    const result = await waitFor(
      this.redis,
      this.names.channel,
      async (): Promise<Attempt<number>> => {
        const state = await this.#reap(api);
        start ??= state.before;
        if (state.dead) dead = state.dead;
        return state.unfinished === 0 ? { done: true, value: state.after } : { done: false };
      },
      deadline,
      signal,
      Math.min(POLL_MS, this.#leaseMs / 2),
    );
    if (!result) {
      throw new TimeoutError(`${api}: tasks were still unfinished after ${timeout} ms`, timeout);
    }
    const abandoned = result.value - (start ?? result.value);
    if (abandoned > 0) {
      throw new OwnerDiedError(
        `${api}: ${abandoned} task(s) were lost: a consumer (${dead || 'another process'}) died between get() and ` +
          'taskDone() (delivery is at most once)',
        NO_THREAD,
      );
    }
  }
}
