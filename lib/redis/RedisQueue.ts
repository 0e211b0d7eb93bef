/**
 * `RedisQueue`: a FIFO queue shared by every process that uses the same Redis and key.
 *
 * ## Keys
 * | key             | type   | meaning                                                                     |
 * |-----------------|--------|-----------------------------------------------------------------------------|
 * | `<key>`         | hash   | `kind` (`RedisQueue` / `RedisJoinableQueue`), `params` (`maxsize=N`), `closed`, and for a joinable queue `unfinished`, `abandoned` |
 * | `<key>:items`   | list   | the encoded items, oldest first: one type byte, one view-kind byte, then the codec's bytes |
 * | `<key>:taken`   | hash   | joinable only: consumer id → items it got and has not marked done           |
 * | `<key>:consumer:<id>` | string | joinable only: the consumer's lease, refreshed while it has unfinished items |
 *
 * ## Steps
 * Every operation that changes the queue is **one Lua script**, so it happens whole or not at all, whenever a
 * process stops: `put` checks closed and full, appends and counts the task; `get` pops, and for a joinable
 * queue counts the item against the consumer and refreshes its lease. Every script first checks that the key
 * holds this kind of primitive with these parameters. One exception, for speed: a `get` of a plain queue
 * without `maxsize` is a bare `LPOP` when a script of the same object has checked the key within the last
 * second, since such a get has nothing else to do (no putter waits for room, no task is counted); the script
 * runs when the list is empty (to tell a closed queue from an empty one), while gets keep finding it empty, and
 * after a script reported a conflict. So a key deleted and taken over by another primitive while an object
 * uses it is noticed by that object's gets within a second (its puts and queries at once), where the script
 * would notice at once. Items are encoded before the script is sent and decoded after its reply, with the
 * codec of the shared-memory `Queue` (exact structured-clone round trips).
 *
 * ## Delivery guarantee
 * **At most once**: `get` removes the item from Redis in the same step that returns it, so a consumer that dies
 * after that step (or whose reply is lost with its connection) loses that one item, and no item is ever
 * delivered twice. A `RedisJoinableQueue` reports such losses: see {@link RedisJoinableQueue.join}.
 *
 * @module
 */

import type { Redis } from 'ioredis';
import { QueueClosedError, QueueEmptyError, QueueFullError, RedisKeyConflictError } from '../errors';
import { now } from '../internal/clock';
import { decode, encode, type ItemType } from '../internal/codec';
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
  runCommand,
  runScript,
  Script,
  type ScriptTarget,
  unreachableTimeoutOf,
} from './connection';
import { type Attempt, waitFor } from './waker';

/**
 * How long a plain unbounded queue's gets are bare `LPOP`s after a script of the same object last checked the
 * key, at most (see `#tryGet`).
 */
const RECHECK_MS = 1000;

/** Script result codes. */
const CLOSED = -2;
const NOT_NOW = 0; // full (put) or empty (get)
const DONE = 1;

/** `KEYS`: meta, items. `ARGV[3..]`: maxsize, item, channel, joinable. */
const PUT = new Script(
  `
if closed then return {${CLOSED}} end
local maxsize = tonumber(ARGV[3])
if maxsize > 0 and redis.call('llen', KEYS[2]) >= maxsize then return {${NOT_NOW}} end
redis.call('rpush', KEYS[2], ARGV[4])
if ARGV[6] == '1' then redis.call('hincrby', meta, 'unfinished', 1) end
redis.call('publish', ARGV[5], 'put')
return {${DONE}}
`,
  ['closed'],
);

/**
 * `KEYS`: meta, items, taken, the consumer's lease. `ARGV[3..]`: channel, bounded, consumer id ('' when not
 * joinable), lease ms.
 */
const GET = new Script(
  `
local item = redis.call('lpop', KEYS[2])
if item then
  if ARGV[5] ~= '' then
    redis.call('hincrby', KEYS[3], ARGV[5], 1)
    redis.call('set', KEYS[4], '1', 'PX', ARGV[6])
  end
  if ARGV[4] == '1' then redis.call('publish', ARGV[3], 'got') end
  return {${DONE}, item}
end
if closed then return {${CLOSED}} end
return {${NOT_NOW}}
`,
  ['closed'],
);

/** `KEYS`: meta, items. `ARGV[3]`: channel. */
const CLOSE = new Script(
  `
redis.call('hset', meta, 'closed', '1')
redis.call('publish', ARGV[3], 'closed')
return {${DONE}}
`,
);

/** `KEYS`: meta, items. Returns `{1, length, closed}`. */
const STATUS = new Script(
  `
return {${DONE}, redis.call('llen', KEYS[2]), closed and 1 or 0}
`,
  ['closed'],
);

/** Options of a {@link RedisQueue}. */
export interface RedisQueueOptions extends RedisPrimitiveOptions {
  /**
   * The most items the queue holds; `put` waits while it is full. 0 means no limit. Every process must give the
   * same value (the first one to use the key records it; another value is a {@link RedisKeyConflictError}).
   * @defaultValue 0
   */
  maxsize?: number;
}

/** What a joinable queue adds to a get: who takes the item. @internal */
export interface Consumer {
  readonly id: string;
  readonly leaseKey: string;
  readonly leaseMs: number;
  taken(): void;
}

/**
 * Python's `multiprocessing.Queue` for processes that share a Redis: the same queue in every process that names
 * the same key, with the async API of {@link Queue} (`put`, `get`, `putNowait`, `getNowait`, `close`, `for
 * await`). Items travel encoded with the shared `Queue`'s codec, so what comes out is what `structuredClone`
 * would give: `Map`, `Set`, `Date`, `bigint`, typed arrays, cycles.
 *
 * Delivery is **at most once**: an item is removed from Redis by the `get` that returns it; if that consumer
 * dies before using it, the item is lost, and never delivered twice.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { RedisQueue } from 'shared-sync/redis';
 * const redis = new Redis();
 * const jobs = new RedisQueue<{ id: number; at: Date }>(redis, 'jobs', { maxsize: 100 });
 * await jobs.put({ id: 1, at: new Date() }); // any process
 * const job = await jobs.get({ timeout: 5000 }); // any process
 * console.log(job.at instanceof Date); // true
 * ```
 */
export class RedisQueue<T = unknown> implements AsyncIterable<T> {
  static {
    keepClassName(RedisQueue, 'RedisQueue');
  }

  /** The kind recorded in Redis (and the name in messages). @internal */
  static readonly kind: string = 'RedisQueue';
  /** The names of the constructor's options. @internal */
  static readonly optionNames: readonly string[] = ['maxsize', 'unreachableTimeout'];
  /** The ioredis client. */
  readonly redis: Redis;
  /** The key that names this queue in Redis. */
  readonly key: string;
  /** The most items the queue holds (0: no limit). */
  readonly maxsize: number;
  readonly #name: string;
  readonly #target: ScriptTarget;
  readonly #items: string;
  readonly #channel: string;
  readonly #maxsizeArg: string;
  readonly #bounded: string;
  /**
   * When a script of this instance last found its key to hold this kind of queue with these parameters (its
   * kind check passed): for {@link RECHECK_MS} after that, a plain unbounded queue gets items with a bare `LPOP`
   * (see `#tryGet`). Forgotten when a script reports a conflict.
   */
  #checkedAt = Number.NEGATIVE_INFINITY;
  /** Whether the last get of this instance found the queue empty: the next one runs the script at once. */
  #foundEmpty = false;

  /**
   * @param redis - An ioredis client; waits use one extra connection per client (pub/sub).
   * @param key - The queue's name in Redis: every process that uses the same key shares the queue.
   * @param options - `{ maxsize }`.
   * @throws TypeError / RangeError for a bad client, key or option.
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisQueue } from 'shared-sync/redis';
   * const queue = new RedisQueue<string>(new Redis(), 'mail', { maxsize: 10 });
   * console.log(queue.maxsize); // 10
   * ```
   */
  constructor(redis: Redis, key: string, options?: RedisQueueOptions) {
    // Named explicitly, not by the constructor's name, which a minifier may change in one process only.
    const name = (new.target as typeof RedisQueue).kind;
    checkClientAndKey(redis, key, name);
    const names = (new.target as typeof RedisQueue).optionNames;
    const given = checkOptionKeys(options, names, name, '{ maxsize: 100 }');
    const unreachable = unreachableTimeoutOf(given, name);
    const maxsize = given.maxsize ?? 0;
    const expected = 'a non-negative integer (0 for no limit)';
    if (typeof maxsize !== 'number') {
      throw new TypeError(`${name}: maxsize must be ${expected}, got ${describe(maxsize)}`);
    }
    if (!Number.isInteger(maxsize) || maxsize < 0) {
      throw new RangeError(`${name}: maxsize must be ${expected}, got ${maxsize}`);
    }
    // biome-ignore lint/complexity/noArguments: the declared parameters stay what users see; extra ones are refused
    checkArgCount(arguments, ['redis', 'key', 'options'], name);
    this.redis = redis;
    this.key = key;
    this.maxsize = maxsize;
    this.#name = name;
    this.#target = { key, kind: name, params: `maxsize=${maxsize}`, unreachable };
    this.#items = `${key}:items`;
    this.#channel = channelOf(key);
    this.#maxsizeArg = String(maxsize);
    this.#bounded = maxsize > 0 ? '1' : '0';
  }

  /** The consumer that gets are counted against (joinable queues). @internal */
  protected consumer(): Consumer | undefined {
    return undefined;
  }

  /** Runs `script` on this queue's keys (meta first), throwing {@link RedisKeyConflictError} on a conflict. @internal */
  protected run(
    script: Script,
    api: string,
    keys: string[],
    args: (string | number | Buffer)[],
    deadline = Number.POSITIVE_INFINITY,
    buffers = false,
  ): Promise<unknown[]> {
    return runScript(this.redis, script, this.#target, api, keys, args, deadline, buffers).then(
      (result) => {
        this.#checkedAt = now(); // the kind check passed (a conflict rejects)
        return result;
      },
      (err: unknown) => {
        if (err instanceof RedisKeyConflictError) this.#checkedAt = Number.NEGATIVE_INFINITY;
        throw err;
      },
    );
  }

  /** The meta hash, the channel. @internal */
  protected get names(): { meta: string; channel: string } {
    return { meta: this.key, channel: this.#channel };
  }

  #encode(item: T, api: string): Buffer {
    const { type, kind, bytes } = encode(item, api);
    const record = Buffer.allocUnsafe(2 + bytes.length);
    record[0] = type;
    record[1] = kind;
    record.set(bytes, 2);
    return record;
  }

  #decode(record: Buffer): T {
    // The codec takes over the buffer of raw items: give it a copy of its own, at offset 0.
    const bytes = new Uint8Array(record.length - 2);
    bytes.set(record.subarray(2));
    return decode(record[0] as ItemType, record[1], bytes) as T;
  }

  #tryPut(record: Buffer, api: string, deadline: number): Promise<boolean> {
    const joinable = this.consumer() ? '1' : '0';
    return this.run(
      PUT,
      api,
      [this.key, this.#items],
      [this.#maxsizeArg, record, this.#channel, joinable],
      deadline,
    ).then((result) => {
      const code = result[0];
      if (code === CLOSED) throw new QueueClosedError(`${api}: the queue is closed`);
      return code === DONE;
    });
  }

  #tryGet(api: string, deadline: number): Promise<Attempt<T>> {
    // A plain unbounded queue's get needs nothing but the pop once the key is checked: no putter waits for
    // room, no task is counted, and a queue that is closed still hands out what it holds. The script runs
    // when the list is empty (it tells closed from empty), while gets keep finding it empty (one command per
    // try, not two), and once every RECHECK_MS (the kind check: a key deleted and taken over meanwhile).
    if (
      !this.#foundEmpty &&
      this.maxsize === 0 &&
      now() - this.#checkedAt < RECHECK_MS &&
      this.consumer() === undefined
    ) {
      return runCommand(this.redis, this.#target, api, 'lpop', [this.#items], deadline, true).then(
        (record): Attempt<T> | Promise<Attempt<T>> =>
          record === null
            ? this.#tryGetScript(api, deadline)
            : { done: true, value: this.#decode(record as Buffer) },
      );
    }
    return this.#tryGetScript(api, deadline);
  }

  #tryGetScript(api: string, deadline: number): Promise<Attempt<T>> {
    const consumer = this.consumer();
    // A plain queue's get touches the meta hash and the items only; a joinable one also counts the item
    // against its consumer and sets the consumer's lease.
    const keys = consumer
      ? [this.key, this.#items, `${this.key}:taken`, consumer.leaseKey]
      : [this.key, this.#items];
    const args = consumer
      ? [this.#channel, this.#bounded, consumer.id, consumer.leaseMs]
      : [this.#channel, this.#bounded, ''];
    return this.run(GET, api, keys, args, deadline, true).then((result): Attempt<T> => {
      const code = result[0];
      this.#foundEmpty = code !== DONE;
      if (code === CLOSED) throw new QueueClosedError(`${api}: the queue is closed and drained`);
      if (code !== DONE) return { done: false };
      consumer?.taken();
      return { done: true, value: this.#decode(result[1] as Buffer) };
    });
  }

  /**
   * Puts `item` at the end of the queue, waiting while it is full. Python's `put(item, timeout=t)`.
   *
   * @param options - `{ timeout, signal }`.
   * @throws TypeError when the item cannot be cloned (nothing is sent); (rejects) {@link QueueFullError} when
   *   the queue stayed full for `timeout` ms, {@link QueueClosedError} when it is closed, `signal.reason` on
   *   abort, {@link RedisUnavailableError}, {@link RedisKeyConflictError}.
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisQueue } from 'shared-sync/redis';
   * const queue = new RedisQueue<Map<string, number>>(new Redis(), 'counts', { maxsize: 1 });
   * await queue.put(new Map([['a', 1]]), { timeout: 1000 });
   * ```
   */
  async put(item: T, options?: WaitOptions): Promise<void> {
    const api = `${this.#name}.put`;
    const { deadline, signal, timeout } = parseWait(checkOptions(options, api), api);
    const record = this.#encode(item, api);
    signal?.throwIfAborted();
    if (await this.#tryPut(record, api, deadline)) return;
    const result = await waitFor(
      this.redis,
      this.#channel,
      async () =>
        (await this.#tryPut(record, api, deadline)) ? { done: true, value: true } : { done: false },
      deadline,
      signal,
    );
    if (!result) throw new QueueFullError(`${api}: the queue stayed full for ${timeout} ms`);
  }

  /**
   * Puts `item` if there is room now (one round trip). Python's `put_nowait(item)`.
   *
   * @throws TypeError when the item cannot be cloned; (rejects) {@link QueueFullError},
   *   {@link QueueClosedError}.
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { QueueFullError } from 'shared-sync';
   * import { RedisQueue } from 'shared-sync/redis';
   * const seats = new RedisQueue<number>(new Redis(), 'seats', { maxsize: 10 });
   * await seats.putNowait(7).catch((err) => console.log(err instanceof QueueFullError));
   * ```
   */
  async putNowait(item: T): Promise<void> {
    const api = `${this.#name}.putNowait`;
    const record = this.#encode(item, api);
    if (!(await this.#tryPut(record, api, Number.POSITIVE_INFINITY))) {
      throw new QueueFullError(`${api}: the queue is full`);
    }
  }

  /**
   * Removes and returns the oldest item, waiting while the queue is empty. Python's `get(timeout=t)`.
   *
   * @param options - `{ timeout, signal }`. A get in flight when the signal aborts is let finish first; if it
   *   took an item, the item is returned rather than lost.
   * @throws (rejects) {@link QueueEmptyError} when the queue stayed empty for `timeout` ms,
   *   {@link QueueClosedError} once it is closed and drained, `signal.reason` on abort,
   *   {@link RedisUnavailableError}, {@link RedisKeyConflictError}.
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisQueue } from 'shared-sync/redis';
   * const jobs = new RedisQueue<string>(new Redis(), 'jobs');
   * const job = await jobs.get({ timeout: 30_000 });
   * ```
   */
  async get(options?: WaitOptions): Promise<T> {
    const api = `${this.#name}.get`;
    const { deadline, signal, timeout } = parseWait(checkOptions(options, api), api);
    signal?.throwIfAborted();
    const first = await this.#tryGet(api, deadline);
    if (first.done) return first.value;
    const result = await waitFor(
      this.redis,
      this.#channel,
      () => this.#tryGet(api, deadline),
      deadline,
      signal,
    );
    if (!result) throw new QueueEmptyError(`${api}: the queue stayed empty for ${timeout} ms`);
    return result.value;
  }

  /**
   * Removes and returns the oldest item if there is one now (one round trip). Python's `get_nowait()`.
   *
   * @throws (rejects) {@link QueueEmptyError}; {@link QueueClosedError} once closed and drained.
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { QueueEmptyError } from 'shared-sync';
   * import { RedisQueue } from 'shared-sync/redis';
   * const inbox = new RedisQueue<string>(new Redis(), 'inbox');
   * await inbox.getNowait().catch((err) => console.log(err instanceof QueueEmptyError));
   * ```
   */
  async getNowait(): Promise<T> {
    const api = `${this.#name}.getNowait`;
    const result = await this.#tryGet(api, Number.POSITIVE_INFINITY);
    if (!result.done) throw new QueueEmptyError(`${api}: the queue is empty`);
    return result.value;
  }

  /**
   * Yields items until the queue is closed and drained.
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisQueue } from 'shared-sync/redis';
   * const lines = new RedisQueue<string>(new Redis(), 'lines');
   * for await (const line of lines) console.log(line); // ends after lines.close() (any process)
   * ```
   */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      try {
        yield await this.get();
      } catch (err) {
        if (err instanceof QueueClosedError) return;
        throw err;
      }
    }
  }

  /**
   * Closes the queue for every process: waiting `put`s reject with {@link QueueClosedError}, `get`s drain what
   * is left, then reject with it. Closing twice does nothing.
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisQueue } from 'shared-sync/redis';
   * const lines = new RedisQueue<string>(new Redis(), 'lines');
   * await lines.close();
   * console.log(await lines.isClosed()); // true
   * ```
   */
  async close(): Promise<void> {
    await this.run(CLOSE, `${this.#name}.close`, [this.key, this.#items], [this.#channel]);
  }

  async #status(api: string): Promise<{ size: number; closed: boolean }> {
    const result = await this.run(STATUS, api, [this.key, this.#items], []);
    return { size: Number(result[1]), closed: Number(result[2]) === 1 };
  }

  /**
   * Whether the queue has been closed, by any process.
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisQueue } from 'shared-sync/redis';
   * console.log(await new RedisQueue(new Redis(), 'fresh').isClosed()); // false
   * ```
   */
  async isClosed(): Promise<boolean> {
    return (await this.#status(`${this.#name}.isClosed`)).closed;
  }

  /**
   * The number of items in the queue now. Python's `qsize()`.
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisQueue } from 'shared-sync/redis';
   * const queue = new RedisQueue<number>(new Redis(), 'numbers');
   * await queue.put(1);
   * console.log(await queue.qsize()); // 1 (if no other process took it)
   * ```
   */
  async qsize(): Promise<number> {
    return (await this.#status(`${this.#name}.qsize`)).size;
  }

  /**
   * Whether the queue is empty now. Python's `empty()`.
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisQueue } from 'shared-sync/redis';
   * console.log(await new RedisQueue(new Redis(), 'fresh').empty()); // true
   * ```
   */
  async empty(): Promise<boolean> {
    return (await this.qsize()) === 0;
  }

  /**
   * Whether the queue holds `maxsize` items now (never, without a `maxsize`). Python's `full()`.
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisQueue } from 'shared-sync/redis';
   * const one = new RedisQueue<number>(new Redis(), 'one', { maxsize: 1 });
   * await one.put(1);
   * console.log(await one.full()); // true
   * ```
   */
  async full(): Promise<boolean> {
    return this.maxsize > 0 && (await this.qsize()) >= this.maxsize;
  }
}

function checkOptions(options: WaitOptions | undefined, api: string): WaitOptions | undefined {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new TypeError(`${api}: options must be an object ({ timeout, signal }), got ${describe(options)}`);
  }
  return options;
}
