import { describe, expect, it } from 'vitest';
import {
  OwnerDiedError,
  QueueClosedError,
  QueueEmptyError,
  QueueFullError,
  RedisKeyConflictError,
  TaskDoneError,
  TimeoutError,
} from '../../lib/errors';
import { RedisJoinableQueue, RedisLock, RedisQueue } from '../../lib/redis';
import { assertSameClone } from '../fixtures/queue-values';
import { exitOf, forkFixture, messageFrom, useRedisServer } from './helpers';

const { server, client } = useRedisServer();

describe('RedisQueue in one process', () => {
  it('hands items over in FIFO order as exact structured clones', async () => {
    const queue = new RedisQueue<unknown>(client(), 'q');
    const cyclic: { self?: unknown; n: number } = { n: 1 };
    cyclic.self = cyclic;
    const items: unknown[] = [
      'text é 😀',
      42,
      -0,
      10n ** 30n,
      new Date(0),
      new Map<unknown, unknown>([['a', new Set([1, 2])]]),
      new Float64Array([1.5, Number.NaN]),
      new Uint8Array([1, 2, 3]).buffer,
      { nested: [1, { deep: null }], undef: undefined },
      cyclic,
      new RangeError('boom'),
    ];
    for (const item of items) await queue.put(item);
    expect(await queue.qsize()).toBe(items.length);
    for (const item of items) assertSameClone(await queue.get(), item);
    expect(await queue.empty()).toBe(true);
  });

  it('keeps every byte of binary items and every code unit of strings', async () => {
    const queue = new RedisQueue<unknown>(client(), 'q');
    const everyByte = new Uint8Array(512).map((_, i) => (i * 7) % 256);
    const big = new Uint8Array(64 * 1024).map((_, i) => (i * 2654435761) >>> 24);
    const items: unknown[] = [
      everyByte,
      big.buffer,
      '\ud800 lone \udfff, \u00ff\u0100\uffff',
      { k: '\u0080'.repeat(300) },
    ];
    for (const item of items) await queue.put(item);
    for (const item of items) assertSameClone(await queue.get(), item);
  });

  it('refuses an item that cannot be cloned with a TypeError, and enqueues nothing', async () => {
    const queue = new RedisQueue<unknown>(client(), 'q');
    await expect(queue.put({ f: () => 1 })).rejects.toThrow(/^RedisQueue.put: the item cannot be cloned/);
    await expect(queue.put({ f: () => 1 })).rejects.toThrow(TypeError);
    expect(await queue.qsize()).toBe(0);
  });

  it('respects maxsize: putNowait and a timed put reject with QueueFullError; a waiting put goes in after a get', async () => {
    const queue = new RedisQueue<number>(client(), 'q', { maxsize: 2 });
    await queue.put(1);
    await queue.putNowait(2);
    expect(await queue.full()).toBe(true);
    await expect(queue.putNowait(3)).rejects.toThrow(QueueFullError);
    await expect(queue.put(3, { timeout: 50 })).rejects.toThrow(
      /^RedisQueue.put: the queue stayed full for 50 ms/,
    );
    const other = new RedisQueue<number>(client(), 'q', { maxsize: 2 });
    const waiting = queue.put(3, { timeout: 5000 });
    expect(await other.get()).toBe(1);
    await waiting;
    expect([await other.get(), await other.get()]).toEqual([2, 3]);
  });

  it('get waits for a put from another client; getNowait and a timed get reject with QueueEmptyError', async () => {
    const queue = new RedisQueue<string>(client(), 'q');
    await expect(queue.getNowait()).rejects.toThrow(QueueEmptyError);
    const t0 = performance.now();
    await expect(queue.get({ timeout: 80 })).rejects.toThrow(
      /^RedisQueue.get: the queue stayed empty for 80 ms/,
    );
    expect(performance.now() - t0).toBeGreaterThanOrEqual(75);
    const waiting = queue.get({ timeout: 5000 });
    await new RedisQueue<string>(client(), 'q').put('hello');
    expect(await waiting).toBe('hello');
  });

  it('an aborted get rejects with the reason and loses no item', async () => {
    const queue = new RedisQueue<string>(client(), 'q');
    const controller = new AbortController();
    const waiting = queue.get({ signal: controller.signal });
    await new Promise((r) => setTimeout(r, 20));
    controller.abort(new Error('enough'));
    await expect(waiting).rejects.toThrow('enough');
    await queue.put('kept');
    expect(await queue.getNowait()).toBe('kept');
  });

  it('close() fails waiting puts and, once drained, gets; for await ends', async () => {
    const full = new RedisQueue<number>(client(), 'q', { maxsize: 1 });
    await full.put(1);
    // The handler is attached before the close: the put may reject while close() is still awaited.
    const waitingPut = expect(full.put(2)).rejects.toThrow(QueueClosedError);
    const queue = new RedisQueue<number>(client(), 'q', { maxsize: 1 });
    await queue.close();
    await waitingPut;
    await expect(queue.put(3)).rejects.toThrow(/^RedisQueue.put: the queue is closed/);
    expect(await queue.isClosed()).toBe(true);
    const seen: number[] = [];
    for await (const n of queue) seen.push(n);
    expect(seen).toEqual([1]);
    await expect(queue.get()).rejects.toThrow(/^RedisQueue.get: the queue is closed and drained/);
  });

  it('refuses a key that holds another primitive or the same kind with another maxsize', async () => {
    const redis = client();
    await new RedisLock(redis, 'k').tryAcquire();
    await expect(new RedisQueue(redis, 'k').put(1)).rejects.toThrow(RedisKeyConflictError);
    await expect(new RedisQueue(redis, 'k').put(1)).rejects.toThrow(
      /^RedisQueue.put: key "k" holds a RedisLock/,
    );
    await new RedisQueue(redis, 'q', { maxsize: 5 }).put(1);
    await expect(new RedisQueue(redis, 'q', { maxsize: 6 }).getNowait()).rejects.toThrow(
      /holds a RedisQueue created with maxsize=5/,
    );
    await expect(new RedisJoinableQueue(redis, 'q', { maxsize: 5 }).getNowait()).rejects.toThrow(
      /holds a RedisQueue/,
    );
    expect(await new RedisQueue(redis, 'q', { maxsize: 5 }).qsize()).toBe(1);
  });

  it('a plain queue without maxsize gets with a bare LPOP once its key is checked, and still reports closed and conflicts', async () => {
    const redis = client();
    const calls = async (command: string): Promise<number> => {
      const stats = (await redis.info('commandstats')) as string;
      return Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
    };
    // An instance that has run no script yet checks the key in its first get, even when items are there.
    await new RedisLock(redis, 'lock-key').tryAcquire();
    await expect(new RedisQueue(redis, 'lock-key').get({ timeout: 50 })).rejects.toThrow(
      RedisKeyConflictError,
    );
    const queue = new RedisQueue<number>(redis, 'plain');
    for (let i = 0; i < 5; i++) await queue.put(i);
    const scripts = async (): Promise<number> => (await calls('evalsha')) + (await calls('eval'));
    const before = await scripts();
    const got: number[] = [];
    for (let i = 0; i < 5; i++) got.push(await queue.get());
    expect(got).toEqual([0, 1, 2, 3, 4]);
    expect((await scripts()) - before).toBe(0); // (Lua's own LPOPs count as lpop calls too: not a proof)
    // Empty: the script runs and tells empty from closed.
    await expect(queue.getNowait()).rejects.toThrow(QueueEmptyError);
    await queue.put(5);
    await queue.close();
    expect(await queue.get()).toBe(5);
    await expect(queue.get()).rejects.toThrow(/^RedisQueue.get: the queue is closed and drained/);
  });

  it('a key taken over by another primitive: the checked queue refuses it at its next put, and its gets at once after that or within a second', async () => {
    const redis = client();
    const scriptsRun = async (): Promise<number> => {
      const stats = (await redis.info('commandstats')) as string;
      const count = (name: string) =>
        Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
      return count('evalsha') + count('eval');
    };
    const plain = new RedisQueue<string>(redis, 'taken-over');
    await plain.put('a');
    expect(await plain.get()).toBe('a');
    // Another process deletes the queue and makes the key a joinable queue.
    await redis.del('taken-over', 'taken-over:items');
    const joinable = new RedisJoinableQueue<string>(client(), 'taken-over');
    await joinable.put('job1');
    await expect(plain.put('b')).rejects.toThrow(RedisKeyConflictError);
    await expect(plain.get({ timeout: 50 })).rejects.toThrow(RedisKeyConflictError); // not popped
    expect(await joinable.qsize()).toBe(1);
    // A checked queue whose checks stopped a second ago runs the script (and is refused) on its next get.
    const other = new RedisQueue<string>(redis, 'taken-again');
    await other.put('x');
    await redis.del('taken-again', 'taken-again:items');
    await new RedisJoinableQueue<string>(client(), 'taken-again').put('job2');
    await new Promise((resolve) => setTimeout(resolve, 1100)); // past the second the check is trusted
    await expect(other.get({ timeout: 50 })).rejects.toThrow(RedisKeyConflictError);
    // A get that found the queue empty runs the script for the next try: one command per try, not two.
    const empty = new RedisQueue<string>(redis, 'empty-plain');
    await empty.put('y');
    expect(await empty.get()).toBe('y');
    await expect(empty.getNowait()).rejects.toThrow(QueueEmptyError); // LPOP, then the script
    const lpops = async (): Promise<number> => {
      const stats = (await redis.info('commandstats')) as string;
      return Number(/cmdstat_lpop:calls=(\d+)/.exec(stats)?.[1] ?? 0);
    };
    const [scripts0, lpops0] = [await scriptsRun(), await lpops()];
    await expect(empty.getNowait()).rejects.toThrow(QueueEmptyError);
    // One script, and its own LPOP only (Lua's commands count too): no bare LPOP before it.
    expect((await scriptsRun()) - scripts0).toBe(1);
    expect((await lpops()) - lpops0).toBe(1);
  }, 20_000);

  it('100 puts and gets sent while the client is still connecting: all done, one ready listener, no warning', async () => {
    const fresh = client(); // connecting: not ready yet
    expect(fresh.status).not.toBe('ready');
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning);
    };
    process.on('warning', onWarning);
    try {
      const queue = new RedisQueue<number>(fresh, 'early');
      const puts = Array.from({ length: 100 }, (_, i) => queue.put(i));
      expect(fresh.listenerCount('ready')).toBeLessThanOrEqual(2); // ioredis's own, if any, and ours
      await Promise.all(puts);
      const got = await Promise.all(Array.from({ length: 100 }, () => queue.get()));
      expect(got).toEqual(Array.from({ length: 100 }, (_, i) => i));
      await new Promise((resolve) => setImmediate(resolve)); // a warning is emitted on the next tick
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
  });

  it('checks its arguments', () => {
    expect(() => new RedisQueue(client(), 'q', { maxsize: -1 })).toThrow(
      /^RedisQueue: maxsize must be a non-negative integer \(0 for no limit\), got -1/,
    );
    expect(() => new RedisJoinableQueue(client(), 'q', { leaseTimeout: 0 })).toThrow(RangeError);
  });
});

describe('RedisJoinableQueue in one process', () => {
  it('join() waits until every task is marked done, by any client', async () => {
    const tasks = new RedisJoinableQueue<number>(client(), 'j');
    const worker = new RedisJoinableQueue<number>(client(), 'j');
    await tasks.put(1);
    await tasks.put(2);
    expect(await tasks.unfinishedTasks()).toBe(2);
    let joined = false;
    const joining = tasks.join({ timeout: 5000 }).then(() => (joined = true));
    await worker.get();
    await worker.taskDone();
    await worker.get();
    expect(joined).toBe(false);
    await worker.taskDone();
    await joining;
    expect(await tasks.unfinishedTasks()).toBe(0);
    await expect(tasks.join({ timeout: 50 })).resolves.toBeUndefined();
  });

  it('rejects taskDone() beyond the tasks put with TaskDoneError, and a timed join with TimeoutError', async () => {
    const tasks = new RedisJoinableQueue<number>(client(), 'j');
    await expect(tasks.taskDone()).rejects.toThrow(TaskDoneError);
    await tasks.put(1);
    await expect(tasks.join({ timeout: 50 })).rejects.toThrow(TimeoutError);
    expect(await tasks.unfinishedTasks()).toBe(1);
  });
});

describe('RedisQueue across processes', () => {
  it('3 producer and 2 consumer processes: every item exactly once, in per-producer order', async () => {
    const port = String(server().port);
    const count = 150;
    const consumers = [0, 1].map(() => forkFixture('queue-consumer', [port, 'work', '20']));
    const received: { producer: number; seq: number }[][] = [[], []];
    for (const [i, c] of consumers.entries()) {
      c.on('message', (m: { item?: { producer: number; seq: number } }) => {
        if (m.item) received[i].push(m.item);
      });
    }
    await Promise.all(
      consumers.map((c) => messageFrom(c, 40_000, (m: { started?: boolean }) => m.started === true)),
    );
    const producers = [0, 1, 2].map((p) =>
      forkFixture('queue-producer', [port, 'work', String(p), String(count), '20']),
    );
    await Promise.all(
      producers.map((p) => messageFrom(p, 40_000, (m: { produced?: number }) => m.produced === count)),
    );
    const drained = consumers.map((c) =>
      messageFrom(c, 40_000, (m: { drained?: number }) => m.drained !== undefined),
    );
    await new RedisQueue(client(), 'work', { maxsize: 20 }).close();
    await Promise.all(drained);
    await Promise.all([...consumers, ...producers].map((c) => exitOf(c, 5000)));
    const all = received.flat();
    expect(all).toHaveLength(3 * count);
    for (const p of [0, 1, 2]) {
      const seqs = all.filter((item) => item.producer === p).map((item) => item.seq);
      expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i));
      // Each consumer sees one producer's items in the order they were put.
      for (const mine of received) {
        const order = mine.filter((item) => item.producer === p).map((item) => item.seq);
        expect(order).toEqual([...order].sort((a, b) => a - b));
      }
    }
    expect(received.every((r) => r.length > 0)).toBe(true);
  });

  it('a consumer killed with SIGKILL in the middle of its gets: the others go on, nothing is delivered twice', async () => {
    const port = String(server().port);
    const total = 400;
    const queue = new RedisQueue<number>(client(), 'work');
    for (let i = 0; i < total; i++) await queue.put(i);
    const victim = forkFixture('queue-consumer', [port, 'work', '0']);
    const seenByVictim: number[] = [];
    victim.on('message', (m: { item?: number }) => {
      if (m.item !== undefined) seenByVictim.push(m.item);
    });
    await messageFrom(victim, 40_000, (m: { item?: number }) => m.item === 20);
    victim.kill('SIGKILL');
    expect(await exitOf(victim, 5000)).toBe('SIGKILL');
    const survivor = forkFixture('queue-consumer', [port, 'work', '0']);
    const seenBySurvivor: number[] = [];
    survivor.on('message', (m: { item?: number }) => {
      if (m.item !== undefined) seenBySurvivor.push(m.item);
    });
    await messageFrom(survivor, 40_000, (m: { started?: boolean }) => m.started === true);
    const drained = messageFrom(survivor, 40_000, (m: { drained?: number }) => m.drained !== undefined);
    await queue.close();
    await drained;
    const all = [...seenByVictim, ...seenBySurvivor];
    expect(new Set(all).size).toBe(all.length); // never twice
    expect(seenBySurvivor).toEqual([...seenBySurvivor].sort((a, b) => a - b));
    // At most once: at most the one item the victim had taken and not reported yet is lost.
    expect(total - all.length).toBeLessThanOrEqual(1);
  });

  it('a consumer killed between get and taskDone does not make join() hang: it rejects with OwnerDiedError', async () => {
    const tasks = new RedisJoinableQueue<string>(client(), 'jobs');
    await tasks.put('first');
    await tasks.put('second');
    const taker = forkFixture('joinable-taker', [String(server().port), 'jobs', '400']);
    expect(await messageFrom(taker, 40_000, (m: { took?: string }) => m.took !== undefined)).toEqual({
      took: 'first',
    });
    const joining = tasks.join({ timeout: 10_000 }).catch((e: unknown) => e);
    expect(await tasks.get()).toBe('second');
    await tasks.taskDone();
    taker.kill('SIGKILL');
    const err = await joining; // told, not timed out (its timeout is 10 s, the lease 400 ms)
    expect(err).toBeInstanceOf(OwnerDiedError);
    expect((err as OwnerDiedError).message).toMatch(/^RedisJoinableQueue.join: 1 task\(s\) were lost/);
    expect(await tasks.unfinishedTasks()).toBe(0);
    await expect(tasks.join({ timeout: 100 })).resolves.toBeUndefined(); // a later join is not told again
  });
});
