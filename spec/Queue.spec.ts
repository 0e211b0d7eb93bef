import { describe, expect, it } from 'vitest';
import {
  JoinableQueue,
  Lock,
  Queue,
  QueueClosedError,
  QueueEmptyError,
  QueueFullError,
  revive,
} from '../lib/index';
import { assertSameClone } from './fixtures/queue-values';
import { nextMessage, resultOf, spawn } from './helpers/workers';

type Result = { value?: unknown; error?: string };

// Word indices of the queue's header (see lib/internal/ring.ts): used to see that a worker is parked.
const PUTTERS = 97;
const GETTERS = 81;

/** Resolves once `condition()` holds, checking on each turn of the event loop for at most 10 s. */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

function waitersOf(queue: Queue<unknown>, slot: number): number {
  return Atomics.load(new Int32Array(queue.buffer, queue.byteOffset, 128), slot);
}

/** Starts a worker that runs one operation on `queue` and resolves once it is parked in it. */
async function parkedWorker(queue: Queue<unknown>, op: string, item?: unknown, extra?: object) {
  const slot = op.startsWith('get') ? GETTERS : PUTTERS;
  const before = waitersOf(queue, slot);
  const worker = spawn('queue-op', { queue, op, item, ...extra });
  await nextMessage(worker, 10_000, (m: { ready?: boolean }) => m.ready === true);
  await until(() => waitersOf(queue, slot) > before, `the worker waits in ${op}`);
  return worker;
}

describe('Queue: Python queue behaviour', () => {
  it('is FIFO', async () => {
    const queue = new Queue<number>();
    for (let i = 0; i < 100; i++) queue.putNowait(i);
    const out: number[] = [];
    for (let i = 0; i < 50; i++) out.push(queue.getNowait());
    for (let i = 0; i < 50; i++) out.push(i % 2 ? queue.getSync() : await queue.get());
    expect(out).toEqual([...Array(100).keys()]);
  });

  it('reports qsize, empty and full; full is false without maxsize', () => {
    const queue = new Queue<string>({ maxsize: 2 });
    expect([queue.qsize(), queue.empty(), queue.full()]).toEqual([0, true, false]);
    queue.putNowait('a');
    expect([queue.qsize(), queue.empty(), queue.full()]).toEqual([1, false, false]);
    queue.putNowait('b');
    expect([queue.qsize(), queue.empty(), queue.full()]).toEqual([2, false, true]);
    const unlimited = new Queue<number>();
    for (let i = 0; i < 1000; i++) unlimited.putNowait(i);
    expect([unlimited.qsize(), unlimited.full(), unlimited.maxsize]).toEqual([1000, false, 0]);
  });

  it('raises Full from putNowait, putSync(item, 0) and a put whose timeout runs out, and enqueues nothing', async () => {
    const queue = new Queue<number>({ maxsize: 1 });
    queue.putNowait(1);
    expect(() => queue.putNowait(2)).toThrow(QueueFullError);
    expect(() => queue.putSync(2, 0)).toThrow(QueueFullError);
    const t0 = performance.now();
    expect(() => queue.putSync(2, 30)).toThrow(QueueFullError);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(29);
    await expect(queue.put(2, { timeout: 20 })).rejects.toThrow(QueueFullError);
    await expect(queue.put(2, { timeout: 0 })).rejects.toThrow(QueueFullError);
    expect(queue.qsize()).toBe(1);
    expect(queue.getNowait()).toBe(1);
    expect(() => queue.getNowait()).toThrow(QueueEmptyError);
  });

  it('raises Empty from getNowait, getSync(0) and a get whose timeout runs out', async () => {
    const queue = new Queue<number>();
    expect(() => queue.getNowait()).toThrow(QueueEmptyError);
    expect(() => queue.getSync(0)).toThrow(QueueEmptyError);
    const t0 = performance.now();
    expect(() => queue.getSync(30)).toThrow(QueueEmptyError);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(29);
    await expect(queue.get({ timeout: 20 })).rejects.toThrow(QueueEmptyError);
    await expect(queue.get({ timeout: 20 })).rejects.toThrow(/^Queue\.get: the queue stayed empty for 20 ms/);
  });

  it('rejects negative, NaN and non-number timeouts and non-object options, changing nothing', async () => {
    const queue = new Queue<number>({ maxsize: 1 });
    expect(() => queue.putSync(1, -1)).toThrow(RangeError);
    expect(() => queue.getSync(Number.NaN)).toThrow(/^Queue\.getSync: timeout/);
    await expect(queue.put(1, { timeout: -5 })).rejects.toThrow(/^Queue\.put: timeout/);
    await expect(queue.get(5 as never)).rejects.toThrow(TypeError);
    expect(queue.qsize()).toBe(0);
  });

  it('lets a waiting put in, in order, when a get makes room', async () => {
    const queue = new Queue<number>({ maxsize: 2 });
    queue.putNowait(1);
    queue.putNowait(2);
    const third = queue.put(3);
    const fourth = queue.put(4);
    expect(queue.getNowait()).toBe(1);
    await third;
    expect(queue.getNowait()).toBe(2);
    await fourth;
    expect([queue.getNowait(), queue.getNowait()]).toEqual([3, 4]);
  });

  it('hands an item to a get that waits, in this thread', async () => {
    const queue = new Queue<string>();
    const pending = queue.get({ timeout: 5000 });
    queue.putNowait('hello');
    expect(await pending).toBe('hello');
  });

  it('unblocks a putSync in another thread when this thread gets', async () => {
    const queue = new Queue<unknown>({ maxsize: 1 });
    queue.putNowait('first');
    const worker = await parkedWorker(queue, 'putSync', { second: true });
    expect(queue.getNowait()).toBe('first');
    expect(await resultOf<Result>(worker, 10_000)).toEqual({ value: undefined });
    expect(queue.getNowait()).toEqual({ second: true });
  });

  it('wakes a getSync in another thread with the item this thread puts', async () => {
    const queue = new Queue<unknown>();
    const worker = await parkedWorker(queue, 'getSync');
    await queue.put(new Map([['k', [1, 2n]]]));
    expect(await resultOf<Result>(worker, 10_000)).toEqual({ value: new Map([['k', [1, 2n]]]) });
  });

  it('waits for bytes of room when items are not limited, and lets the put in once a get frees them', async () => {
    const queue = new Queue<string>({ capacity: 64 });
    queue.putNowait('a'.repeat(40)); // 8 + 40 = 48 bytes of 64
    expect(() => queue.putNowait('b'.repeat(20))).toThrow(QueueFullError); // 8 + 24 more would be 80
    const pending = queue.put('b'.repeat(20));
    expect(queue.full()).toBe(false); // full() is about maxsize, as in Python
    expect(queue.getNowait()).toBe('a'.repeat(40));
    await pending;
    expect(queue.getNowait()).toBe('b'.repeat(20));
  });

  it('copies items at put: changing one afterwards does not change what is queued, even while the put waits', async () => {
    const queue = new Queue<{ n: number } | Uint8Array>({ maxsize: 1 });
    const item = { n: 1 };
    queue.putNowait(item);
    item.n = 2;
    const bytes = new Uint8Array([1, 2, 3]);
    const pending = queue.put(bytes);
    bytes[0] = 99;
    expect(queue.getNowait()).toEqual({ n: 1 });
    await pending;
    expect(queue.getNowait()).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('returns large binary items whole and exactly, also when another consumer takes them first', async () => {
    const queue = new Queue<Uint8Array | Float64Array>({ capacity: 1 << 16 });
    const big = new Float64Array(1000).map((_, i) => i * 0.5); // 8000 bytes: allocated outside the lock
    for (let round = 0; round < 30; round++) {
      queue.putNowait(big);
      queue.putNowait(new Uint8Array(3000 + round).fill(round));
      assertSameClone(queue.getSync(), structuredClone(big));
      const bytes = (await queue.get()) as Uint8Array;
      expect([bytes.length, bytes.buffer.byteLength, bytes[0], bytes[bytes.length - 1]]).toEqual([
        3000 + round,
        3000 + round,
        round,
        round,
      ]);
    }
  });

  it('gives every large binary item a buffer of its own, whatever the sizes before it and after it', async () => {
    const queue = new Queue<unknown>({ capacity: 1 << 16 });
    // Runs of one size, size changes, and small items between them (a get after a large one allocates for
    // the head it sees before taking the lock, and checks the size again under it).
    const sizes = [4096, 4096, 4096, 2048, 9000, 9000, 0, 5000, 5000, 0, 0, 2100, 3000];
    const received: Uint8Array[] = [];
    for (let round = 0; round < 3; round++) {
      for (const [i, size] of sizes.entries()) {
        queue.putNowait(size === 0 ? { small: i } : new Uint8Array(size).fill(i + 1));
      }
      for (const [i, size] of sizes.entries()) {
        const item = round === 1 ? await queue.get() : queue.getSync();
        if (size === 0) {
          expect(item).toEqual({ small: i });
          continue;
        }
        const bytes = item as Uint8Array;
        expect([bytes.length, bytes.buffer.byteLength, bytes[0], bytes[size - 1]]).toEqual([
          size,
          size,
          i + 1,
          i + 1,
        ]);
        received.push(bytes);
      }
    }
    expect(new Set(received.map((b) => b.buffer)).size).toBe(received.length);
    // Still intact after every later get (no buffer was handed out twice or reused).
    let k = 0;
    for (let round = 0; round < 3; round++) {
      for (const [i, size] of sizes.entries()) {
        if (size !== 0) expect(received[k++].every((v) => v === i + 1)).toBe(true);
      }
    }
  });

  it('gets items that outgrow the buffer it decodes from, whatever their size, and goes on working', () => {
    const queue = new Queue<string>({ capacity: 1 << 24 });
    // Odd sizes past anything this file received before: that buffer grows to the size of the first one, which
    // must still be viewable as 32-bit words (an exception there came with GET_LOCK held: every get hung).
    for (const size of [1_000_001, 2_500_003]) {
      queue.putNowait('x'.repeat(size));
      expect(queue.getSync(0).length).toBe(size);
      queue.putNowait('after');
      expect(queue.getSync(0)).toBe('after');
    }
    queue.putNowait('a'.repeat(3_000_000));
    queue.putNowait('b'.repeat(6_000_003));
    expect(queue.getManySync(10, 0).map((s) => [s.length, s[0], s.at(-1)])).toEqual([
      [3_000_000, 'a', 'a'],
      [6_000_003, 'b', 'b'],
    ]);
  });

  it('returns items exactly as structuredClone would, through a small ring that wraps', () => {
    const queue = new Queue<unknown>({ capacity: 2048 }); // an Error carries its stack: ~800 bytes
    const shared = { s: 1 };
    const values: unknown[] = [
      // biome-ignore lint/suspicious/noSparseArray: a hole on purpose
      { a: [1, , 3], b: new Date(5), c: new Set([1n]), d: -0 },
      'é\uD800',
      new Int16Array([1, -2, 3]),
      [shared, shared],
      new RangeError('boom'),
      new Uint8Array(new ArrayBuffer(12), 4, 4),
    ];
    for (let round = 0; round < 20; round++) {
      for (const value of values) {
        queue.putNowait(value);
        assertSameClone(queue.getNowait(), structuredClone(value));
      }
    }
  });
});

describe('Queue: bad input changes nothing', () => {
  it.each([
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
    ['an object holding a function', { nested: { f: () => 1 } }],
  ])('rejects %s at put, with a TypeError that starts with the API name', async (_, item) => {
    const queue = new Queue<unknown>({ maxsize: 2 });
    queue.putNowait('kept');
    expect(() => queue.putNowait(item)).toThrow(/^Queue\.putNowait: the item cannot be cloned/);
    expect(() => queue.putSync(item)).toThrow(TypeError);
    await expect(queue.put(item)).rejects.toThrow(/^Queue\.put: /);
    expect(queue.qsize()).toBe(1);
    expect(queue.getNowait()).toBe('kept');
  });

  it('rejects an item larger than the whole capacity with a RangeError naming both sizes', async () => {
    const queue = new Queue<string>({ capacity: 100 });
    expect(() => queue.putNowait('x'.repeat(97))).toThrow(
      'Queue.putNowait: the item takes 112 bytes in the queue (97 encoded + header), more than its whole capacity of 104 bytes',
    );
    await expect(queue.put('x'.repeat(200), { timeout: 0 })).rejects.toThrow(RangeError);
    queue.putNowait('x'.repeat(96)); // exactly 104 bytes: fits
    expect(queue.qsize()).toBe(1);
  });

  it.each([
    [{ maxsize: -1 }, /^Queue: maxsize must be a non-negative integer/],
    [{ maxsize: 1.5 }, /^Queue: maxsize/],
    [{ maxsize: Number.NaN }, /^Queue: maxsize/],
    [{ capacity: 0 }, /^Queue: capacity must be a positive integer/],
    [{ capacity: -8 }, /^Queue: capacity/],
    [{ capacity: 2 ** 31 }, /^Queue: capacity/],
  ])('rejects options %o with a RangeError', (options, message) => {
    expect(() => new Queue(options as never)).toThrow(RangeError);
    expect(() => new Queue(options as never)).toThrow(message);
  });

  it('rejects options that are not an object, unknown options and non-numbers with a TypeError', () => {
    expect(() => new Queue({ capacity: '64' } as never)).toThrow(TypeError);
    expect(() => new Queue({ capacity: '64' } as never)).toThrow(/^Queue: capacity must be .*, got a string/);
    expect(() => new Queue({ maxSize: 3 } as never)).toThrow(/^Queue: unknown option 'maxSize'/);
    expect(() => new Queue(5 as never)).toThrow(TypeError);
    expect(() => new JoinableQueue(null as never)).toThrow(/^JoinableQueue: options/);
  });
});

describe('Queue: a get whose allocation fails', () => {
  // The buffer of a raw item, or the inbox a huge record is copied into, is allocated holding the consumers'
  // lock (GET_LOCK, word 48). An allocation that fails (a RangeError from V8 for a huge buffer) must leave the
  // lock free and the item in the queue: a lock left held would stop every consumer for good. The failure is
  // injected by a Uint8Array constructor that throws for the chosen lengths, installed only around the get.
  const GET_LOCK = 48;
  function failingAllocations<T>(
    fails: (length: number) => boolean,
    run: () => T,
  ): { thrown: unknown; hits: number } {
    const Real = globalThis.Uint8Array;
    let hits = 0;
    globalThis.Uint8Array = new Proxy(Real, {
      construct(target, args, newTarget) {
        if (typeof args[0] === 'number' && fails(args[0])) {
          hits++;
          throw new RangeError('Array buffer allocation failed');
        }
        return Reflect.construct(target, args, newTarget);
      },
    });
    try {
      run();
      return { thrown: undefined, hits };
    } catch (err) {
      return { thrown: err, hits };
    } finally {
      globalThis.Uint8Array = Real;
    }
  }
  const getLock = (queue: Queue<unknown>): number =>
    Atomics.load(new Int32Array(queue.buffer, queue.byteOffset, GET_LOCK + 1), GET_LOCK);

  it.each([
    // (A raw item of 2 KB or more is allocated for outside the lock: a small one here, a large one in a batch.)
    ['getSync of a small raw item', 'one', 1000, (n: number) => n === 1000],
    ['getManySync of a large raw item', 'many', 3000, (n: number) => n === 3000],
    // (Bigger than the inbox can have grown in the tests before: they stay under 13 MB.)
    ['getSync of a record bigger than the inbox', 'one', 20 << 20, (n: number) => n >= 20 << 20],
  ] as const)(
    '%s: rethrows, leaves the lock free and the item first in the queue',
    (_, form, size, fails) => {
      const queue = new Queue<unknown>({ capacity: 32 << 20 });
      const item = size < 1 << 20 ? new Uint8Array(size).fill(7) : { text: 'x'.repeat(size) };
      queue.putSync(item);
      queue.putSync('second');
      const { thrown, hits } = failingAllocations(fails, () =>
        form === 'one' ? queue.getSync(0) : queue.getManySync(10, 0),
      );
      expect(hits).toBe(1);
      expect(thrown).toBeInstanceOf(RangeError);
      expect(getLock(queue)).toBe(0);
      expect(queue.qsize()).toBe(2);
      const got = queue.getSync(0);
      if (item instanceof Uint8Array) expect(got).toEqual(item);
      else expect((got as { text: string }).text.length).toBe(size);
      expect(queue.getSync(0)).toBe('second');
    },
  );
});

describe('Queue: batches (putMany / getMany)', () => {
  it('puts a batch in order and gets up to max items, oldest first, in every form', async () => {
    const queue = new Queue<{ id: number }>();
    queue.putManySync([{ id: 0 }, { id: 1 }, { id: 2 }]);
    await queue.putMany([{ id: 3 }, { id: 4 }]);
    queue.putManySync([]);
    expect(queue.qsize()).toBe(5);
    expect(queue.getManySync(2)).toEqual([{ id: 0 }, { id: 1 }]);
    expect(await queue.getMany(10)).toEqual([{ id: 2 }, { id: 3 }, { id: 4 }]);
    expect(queue.empty()).toBe(true);
    queue.putManySync(['text', new Uint8Array([1, 2]), 7n] as never[]);
    const mixed = queue.getManySync(3) as unknown[];
    expect(mixed[0]).toBe('text');
    expect(mixed[1]).toEqual(new Uint8Array([1, 2]));
    expect(mixed[2]).toBe(7n);
  });

  it('puts all of a batch or nothing: it waits for room for the whole batch, and times out having put nothing', async () => {
    const queue = new Queue<number>({ maxsize: 4 });
    queue.putManySync([1, 2]);
    expect(() => queue.putManySync([3, 4, 5], 0)).toThrow(QueueFullError);
    expect(() => queue.putManySync([3, 4, 5], 20)).toThrow(QueueFullError);
    await expect(queue.putMany([3, 4, 5], { timeout: 10 })).rejects.toThrow(QueueFullError);
    expect(queue.qsize()).toBe(2);
    const waiting = queue.putMany([3, 4, 5], { timeout: 10_000 });
    expect(queue.getNowait()).toBe(1);
    await waiting;
    expect(queue.getManySync(10)).toEqual([2, 3, 4, 5]);
  });

  it('rejects a batch that could never fit, a bad max and a non-array, changing nothing', async () => {
    const queue = new Queue<number>({ maxsize: 2, capacity: 64 });
    expect(() => queue.putManySync([1, 2, 3])).toThrow(
      /^Queue\.putManySync: 3 items can never fit a queue of maxsize 2/,
    );
    const wide = new Queue<string>({ capacity: 64 });
    expect(() => wide.putManySync(['x'.repeat(30), 'y'.repeat(30)])).toThrow(
      /more than its whole capacity of 64 bytes/,
    );
    expect(() => queue.putManySync(5 as never)).toThrow(
      /^Queue\.putManySync: items must be an array, got number/,
    );
    expect(() => queue.putManySync([1, (() => 2) as never])).toThrow(TypeError);
    expect(() => queue.getManySync(0)).toThrow(/^Queue\.getManySync: max must be a positive integer, got 0/);
    await expect(queue.getMany(1.5)).rejects.toThrow(RangeError);
    expect(queue.qsize() + wide.qsize()).toBe(0);
  });

  it('raises Empty from getManySync(max, 0) and a getMany whose timeout runs out, and Closed once drained', async () => {
    const queue = new Queue<number>();
    expect(() => queue.getManySync(5, 0)).toThrow(QueueEmptyError);
    await expect(queue.getMany(5, { timeout: 10 })).rejects.toThrow(QueueEmptyError);
    queue.putManySync([1, 2]);
    queue.close();
    expect(() => queue.putManySync([3])).toThrow(QueueClosedError);
    expect(queue.getManySync(5)).toEqual([1, 2]);
    expect(() => queue.getManySync(5)).toThrow(QueueClosedError);
  });

  it('wakes a getManySync in another thread with the whole batch this thread puts', async () => {
    const queue = new Queue<number>();
    const worker = await parkedWorker(queue, 'getManySync', undefined, { max: 10, timeout: 20_000 });
    queue.putManySync([1, 2, 3]);
    expect(await resultOf<Result>(worker, 10_000)).toEqual({ value: [1, 2, 3] });
  });

  it('unblocks a putManySync in another thread once there is room for its whole batch', async () => {
    const queue = new Queue<number>({ maxsize: 3 });
    queue.putManySync([1, 2]);
    const worker = await parkedWorker(queue, 'putManySync', [3, 4], { timeout: 20_000 });
    expect(queue.getNowait()).toBe(1);
    expect(await resultOf<Result>(worker, 10_000)).toEqual({ value: undefined });
    expect(queue.getManySync(10)).toEqual([2, 3, 4]);
  });
});

describe('Queue: close', () => {
  it('makes put throw QueueClosedError, lets get drain what is left, then throw it', async () => {
    const queue = new Queue<number>();
    queue.putNowait(1);
    queue.putNowait(2);
    queue.close();
    queue.close(); // twice does nothing
    expect(queue.isClosed()).toBe(true);
    expect(() => queue.putNowait(3)).toThrow(QueueClosedError);
    expect(() => queue.putSync(3)).toThrow(QueueClosedError);
    await expect(queue.put(3)).rejects.toThrow(QueueClosedError);
    expect(queue.getNowait()).toBe(1);
    expect(await queue.get()).toBe(2);
    expect(() => queue.getNowait()).toThrow(QueueClosedError);
    expect(() => queue.getSync()).toThrow(QueueClosedError);
    await expect(queue.get()).rejects.toThrow(QueueClosedError);
  });

  it('ends for await once the queue is closed and drained', async () => {
    const queue = new Queue<number>();
    const seen: number[] = [];
    const consumer = (async () => {
      for await (const item of queue) seen.push(item);
    })();
    for (let i = 0; i < 10; i++) await queue.put(i);
    queue.close();
    await consumer;
    expect(seen).toEqual([...Array(10).keys()]);
  });

  it('wakes waiting gets and puts in this thread', async () => {
    const empty = new Queue<number>();
    const full = new Queue<number>({ maxsize: 1 });
    full.putNowait(0);
    const get = empty.get();
    const put = full.put(1);
    empty.close();
    full.close();
    // Both at once: either may settle first (a get looks on the next turns of the event loop before it parks).
    await Promise.all([
      expect(get).rejects.toThrow(QueueClosedError),
      expect(put).rejects.toThrow(QueueClosedError),
    ]);
    expect(full.qsize()).toBe(1);
  });

  it('wakes a getSync and a putSync blocked in other threads', async () => {
    const empty = new Queue<unknown>();
    const full = new Queue<unknown>({ maxsize: 1 });
    full.putNowait(0);
    const getter = await parkedWorker(empty, 'getSync');
    const putter = await parkedWorker(full, 'putSync', 1);
    empty.close();
    full.close();
    expect(await resultOf<Result>(getter, 10_000)).toEqual({ error: 'QueueClosedError' });
    expect(await resultOf<Result>(putter, 10_000)).toEqual({ error: 'QueueClosedError' });
  });
});

describe('Queue: no item lost or delivered twice', () => {
  it('when gets time out at the moment items arrive', async () => {
    const queue = new Queue<number>();
    let received = 0;
    let timedOut = 0;
    const rounds = 300;
    for (let i = 0; i < rounds; i++) {
      const get = queue.get({ timeout: 1 }).then(
        () => received++,
        (err) => {
          expect(err).toBeInstanceOf(QueueEmptyError);
          timedOut++;
        },
      );
      setTimeout(() => queue.putNowait(i), 1);
      await get;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(received + timedOut).toBe(rounds);
    expect(received + queue.qsize()).toBe(rounds); // every item is either delivered or still queued
    const left: number[] = [];
    while (!queue.empty()) left.push(queue.getNowait());
    expect(new Set(left).size).toBe(left.length);
  });

  it('when gets are aborted at the moment items arrive, and an aborted get rejects with the reason', async () => {
    const queue = new Queue<number>();
    const reason = new Error('stop');
    let received = 0;
    let aborted = 0;
    const rounds = 300;
    for (let i = 0; i < rounds; i++) {
      const controller = new AbortController();
      const get = queue.get({ signal: controller.signal }).then(
        () => received++,
        (err) => {
          expect(err).toBe(reason);
          aborted++;
        },
      );
      queueMicrotask(() => {
        if (i % 2) controller.abort(reason);
        queue.putNowait(i);
        if (!(i % 2)) controller.abort(reason);
      });
      await get;
    }
    expect(received + aborted).toBe(rounds);
    expect(received + queue.qsize()).toBe(rounds);
    await expect(queue.get({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(received + queue.qsize()).toBe(rounds); // an already-aborted get takes nothing
  });

  it('when a worker is terminated while it waits in getSync or putSync', async () => {
    const queue = new Queue<unknown>({ maxsize: 1 });
    const getter = await parkedWorker(queue, 'getSync');
    await getter.terminate();
    queue.putNowait('after the getter died');
    expect(queue.getNowait()).toBe('after the getter died'); // not lost to the dead getter
    queue.putNowait('occupies the only slot');
    const putter = await parkedWorker(queue, 'putSync', 'never enqueued');
    await putter.terminate();
    expect(queue.getNowait()).toBe('occupies the only slot');
    expect(() => queue.getNowait()).toThrow(QueueEmptyError); // the dead putter's item was never enqueued
    await queue.put('still works', { timeout: 1000 });
    expect(await queue.get({ timeout: 1000 })).toBe('still works');
  });
});

describe('Queue: sharing', () => {
  it('is rebuilt by from() and revive() in another thread, where both sides use the same queue', async () => {
    const queue = new Queue<unknown>();
    const worker = spawn('queue-op', { queue, op: 'put', item: { from: 'worker' } });
    expect(await resultOf<Result>(worker, 10_000)).toEqual({ value: undefined });
    expect(queue.getNowait()).toEqual({ from: 'worker' });
    const { q } = revive(structuredClone({ q: queue }));
    expect(q).toBeInstanceOf(Queue);
    q.putNowait(1);
    expect(queue.getNowait()).toBe(1);
    expect(Queue.from(structuredClone(queue)).capacity).toBe(Queue.DEFAULT_CAPACITY);
  });

  it('from() rejects what is not a Queue clone with a TypeError saying what it got', () => {
    expect(() => Queue.from({})).toThrow(/^Queue\.from: expected a Queue or its clone .*got an empty object/);
    expect(() => Queue.from(new Lock())).toThrow(/^Queue\.from: expected a Queue or its clone/);
    expect(() => Queue.from(new JoinableQueue())).toThrow(/got a JoinableQueue/);
    const queue = new Queue({ capacity: 1024 });
    const truncated = { buffer: new SharedArrayBuffer(512), byteOffset: 0 }; // the header alone
    new Uint8Array(truncated.buffer).set(new Uint8Array(queue.buffer, 0, 64));
    expect(() => Queue.from(truncated)).toThrow(/too small for its ring of 1024 bytes/);
  });
});
