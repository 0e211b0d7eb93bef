/**
 * Every Redis constructor with wrong arguments (issue 15, part 3, for `shared-sync/redis`): a `TypeError` (or a
 * `RangeError` for a number out of range) whose message starts with the constructor's name, and nothing sent to
 * Redis. No server is needed: the clients here never connect (`lazyConnect`), and a wrong call must not make
 * them.
 */

import { Cluster, Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import {
  RedisCancelFlag,
  RedisEvent,
  RedisJoinableQueue,
  RedisLock,
  RedisQueue,
  RedisSemaphore,
} from '../../lib/redis';

const redis = new Redis({ lazyConnect: true });
const cluster = new Cluster([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true });
afterAll(() => {
  redis.disconnect();
  cluster.disconnect();
});

type ArgumentError = typeof TypeError | typeof RangeError;
/** A call that must throw: its arguments, the error class, and what the message says after `api: `. */
type Wrong = [args: unknown[], error: ArgumentError, message: RegExp];

interface Entry {
  readonly make: (...args: unknown[]) => unknown;
  /** Calls that must construct an instance. */
  readonly valid: unknown[][];
  /** Calls that must throw, besides the client and key cases every constructor shares. */
  readonly wrong: Wrong[];
  /** The arguments after `(redis, key)` of a valid call, for the shared cases. */
  readonly rest: unknown[];
}

const leaseCases = (prefix: unknown[]): Wrong[] => [
  [
    [...prefix, 'x'],
    TypeError,
    /^options must be an object such as \{ lockTimeout: 10000 \}, got a string \("x"\)/,
  ],
  [[...prefix, null], TypeError, /^options must be an object/],
  [[...prefix, []], TypeError, /^options must be an object/],
  [
    [...prefix, { timeout: 5 }],
    TypeError,
    /^unknown option 'timeout' \(the options are lockTimeout, refreshInterval, retryInterval, onLockLost and unreachableTimeout\)/,
  ],
  [
    [...prefix, { lockTimeout: '5' }],
    TypeError,
    /^lockTimeout must be a positive number of milliseconds, got a string/,
  ],
  [
    [...prefix, { lockTimeout: 0 }],
    RangeError,
    /^lockTimeout must be a positive number of milliseconds, got 0/,
  ],
  [[...prefix, { lockTimeout: Number.POSITIVE_INFINITY }], RangeError, /^lockTimeout must be/],
  [[...prefix, { refreshInterval: -1 }], RangeError, /^refreshInterval must be a non-negative number/],
  [[...prefix, { retryInterval: 0 }], RangeError, /^retryInterval must be a positive number/],
  [[...prefix, { retryInterval: Number.NaN }], RangeError, /^retryInterval must be/],
  [[...prefix, { onLockLost: 'warn' }], TypeError, /^onLockLost must be a function, got a string/],
  [[...prefix, { unreachableTimeout: -1 }], RangeError, /^unreachableTimeout must be a non-negative number/],
];

const TABLE: Record<string, Entry> = {
  RedisLock: {
    make: (...args) => new (RedisLock as new (...a: unknown[]) => unknown)(...args),
    valid: [
      [redis, 'l'],
      [redis, 'l', undefined],
      [redis, 'l', {}],
      [redis, 'l', { lockTimeout: 500, refreshInterval: 0, retryInterval: 5, onLockLost: () => {} }],
    ],
    rest: [{}],
    wrong: [
      ...leaseCases([redis, 'l']),
      [
        [redis, 'l', {}, 1],
        TypeError,
        /^takes at most 3 arguments \(redis, key, options\), got a number \(1\) as argument 4/,
      ],
    ],
  },
  RedisSemaphore: {
    make: (...args) => new (RedisSemaphore as new (...a: unknown[]) => unknown)(...args),
    valid: [
      [redis, 's', 1],
      [redis, 's', 3, { lockTimeout: 500 }],
    ],
    rest: [2, {}],
    wrong: [
      [[redis, 's'], TypeError, /^value must be a positive integer \(the number of permits\), got undefined/],
      [[redis, 's', '3'], TypeError, /^value must be a positive integer .*, got a string \("3"\)/],
      [[redis, 's', { lockTimeout: 5 }], TypeError, /^value must be a positive integer/],
      [[redis, 's', 0], RangeError, /^value must be a positive integer .*, got 0/],
      [[redis, 's', 1.5], RangeError, /^value must be a positive integer .*, got 1.5/],
      [[redis, 's', -2], RangeError, /^value must be a positive integer/],
      ...leaseCases([redis, 's', 2]),
      [
        [redis, 's', 2, {}, {}],
        TypeError,
        /^takes at most 4 arguments \(redis, key, value, options\), got an empty object as argument 5/,
      ],
    ],
  },
  RedisEvent: {
    make: (...args) => new (RedisEvent as new (...a: unknown[]) => unknown)(...args),
    valid: [
      [redis, 'e'],
      [redis, 'e', { unreachableTimeout: 100 }],
    ],
    rest: [],
    wrong: [
      [
        [redis, 'e', 5],
        TypeError,
        /^options must be an object such as \{ unreachableTimeout: 5000 \}, got a number \(5\)/,
      ],
      [
        [redis, 'e', { timeout: 5 }],
        TypeError,
        /^unknown option 'timeout' \(the only option is unreachableTimeout\)/,
      ],
      [
        [redis, 'e', { unreachableTimeout: '1' }],
        TypeError,
        /^unreachableTimeout must be a non-negative number/,
      ],
      [
        [redis, 'e', {}, 'x'],
        TypeError,
        /^takes at most 3 arguments \(redis, key, options\), got a string \("x"\) as argument 4/,
      ],
    ],
  },
  RedisCancelFlag: {
    make: (...args) => new (RedisCancelFlag as new (...a: unknown[]) => unknown)(...args),
    valid: [
      [redis, 'c'],
      [redis, 'c', {}],
    ],
    rest: [],
    wrong: [
      [[redis, 'c', 'shutting down'], TypeError, /^options must be an object/],
      [
        [redis, 'c', { reason: 'x' }],
        TypeError,
        /^unknown option 'reason' \(the only option is unreachableTimeout\)/,
      ],
      [[redis, 'c', undefined, 1], TypeError, /^takes at most 3 arguments/],
    ],
  },
  RedisQueue: {
    make: (...args) => new (RedisQueue as new (...a: unknown[]) => unknown)(...args),
    valid: [
      [redis, 'q'],
      [redis, 'q', { maxsize: 0 }],
      [redis, 'q', { maxsize: 10, unreachableTimeout: 100 }],
    ],
    rest: [{}],
    wrong: [
      [
        [redis, 'q', 10],
        TypeError,
        /^options must be an object such as \{ maxsize: 100 \}, got a number \(10\)/,
      ],
      [
        [redis, 'q', { max: 1 }],
        TypeError,
        /^unknown option 'max' \(the options are maxsize and unreachableTimeout\)/,
      ],
      [[redis, 'q', { leaseTimeout: 1 }], TypeError, /^unknown option 'leaseTimeout'/],
      [
        [redis, 'q', { maxsize: '3' }],
        TypeError,
        /^maxsize must be a non-negative integer \(0 for no limit\), got a string/,
      ],
      [
        [redis, 'q', { maxsize: -1 }],
        RangeError,
        /^maxsize must be a non-negative integer \(0 for no limit\), got -1/,
      ],
      [[redis, 'q', { maxsize: 2.5 }], RangeError, /^maxsize must be/],
      [[redis, 'q', {}, 1], TypeError, /^takes at most 3 arguments \(redis, key, options\)/],
    ],
  },
  RedisJoinableQueue: {
    make: (...args) => new (RedisJoinableQueue as new (...a: unknown[]) => unknown)(...args),
    valid: [
      [redis, 'j'],
      [redis, 'j', { maxsize: 3, leaseTimeout: 1000 }],
    ],
    rest: [{}],
    wrong: [
      [
        [redis, 'j', { lease: 1 }],
        TypeError,
        /^unknown option 'lease' \(the options are maxsize, leaseTimeout and unreachableTimeout\)/,
      ],
      [[redis, 'j', { maxsize: -1 }], RangeError, /^maxsize must be/],
      [
        [redis, 'j', { leaseTimeout: '1' }],
        TypeError,
        /^leaseTimeout must be a positive number of milliseconds/,
      ],
      [
        [redis, 'j', { leaseTimeout: 0 }],
        RangeError,
        /^leaseTimeout must be a positive number of milliseconds, got 0/,
      ],
      [[redis, 'j', {}, 1], TypeError, /^takes at most 3 arguments \(redis, key, options\)/],
    ],
  },
};

/** The client and key cases every constructor shares, given the rest of a valid call. */
function clientAndKeyCases(rest: unknown[]): Wrong[] {
  return [
    [
      [undefined, 'k', ...rest],
      TypeError,
      /^redis must be an ioredis client \(new Redis\(\.\.\.\)\), got undefined/,
    ],
    [['redis://127.0.0.1:6379', 'k', ...rest], TypeError, /^redis must be an ioredis client.*, got a string/],
    [[{}, 'k', ...rest], TypeError, /^redis must be an ioredis client.*, got an empty object/],
    [[{ evalsha() {} }, 'k', ...rest], TypeError, /^redis must be an ioredis client/],
    [
      [cluster, 'k', ...rest],
      TypeError,
      /^redis must be an ioredis client of one server .*Redis Cluster is not supported/,
    ],
    [[redis, undefined, ...rest], TypeError, /^key must be a non-empty string, got undefined/],
    [[redis, '', ...rest], TypeError, /^key must be a non-empty string, got an empty string/],
    [[redis, 42, ...rest], TypeError, /^key must be a non-empty string, got a number \(42\)/],
    [[redis, { key: 'k' }, ...rest], TypeError, /^key must be a non-empty string/],
  ];
}

describe.each(Object.entries(TABLE))('new %s(...)', (api, entry) => {
  it('constructs with the arguments it takes', () => {
    for (const args of entry.valid) expect(entry.make(...args)).toBeInstanceOf(Object);
  });

  it.each([...clientAndKeyCases(entry.rest), ...entry.wrong].map((w) => [describeCall(w[0]), ...w] as const))(
    'refuses %s',
    (_, args, error, message) => {
      let thrown: unknown;
      try {
        entry.make(...args);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(error);
      // A RangeError is not a TypeError, nor the other way round: the class says which kind of mistake it is.
      expect((thrown as Error).constructor).toBe(error);
      const text = (thrown as Error).message;
      expect(text.startsWith(`${api}: `), text).toBe(true);
      expect(text.slice(api.length + 2)).toMatch(message);
    },
  );

  it('sends nothing to Redis on a wrong call (the client never connects)', () => {
    expect(() => entry.make(redis, '', ...entry.rest)).toThrow(TypeError);
    expect(redis.status).toBe('wait');
  });
});

function describeCall(args: unknown[]): string {
  return `(${args
    .map((a) =>
      a === redis
        ? 'redis'
        : a === cluster
          ? 'cluster'
          : typeof a === 'function'
            ? 'fn'
            : a === undefined
              ? 'undefined'
              : Array.isArray(a) && a.length === 0
                ? '[]'
                : JSON.stringify(a),
    )
    .join(', ')})`;
}
