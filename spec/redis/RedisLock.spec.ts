import { E_CANCELED, type MutexInterface } from 'async-mutex';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { startRedisServer } from '../../demos/support/redis-server';
import {
  LockNotHeldError,
  OwnerDiedError,
  RedisKeyConflictError,
  RedisUnavailableError,
  TimeoutError,
} from '../../lib/errors';
import { RedisLock } from '../../lib/redis';
import { exitOf, forkFixture, messageFrom, succeedsSoon, track, useRedisServer } from './helpers';

const { server, client } = useRedisServer();

describe('RedisLock in one process', () => {
  it('is held after acquire, by this process and in Redis, and free after the releaser runs', async () => {
    const lock = new RedisLock(client(), 'l');
    expect(lock.isLocked()).toBe(false);
    expect(await lock.locked()).toBe(false);
    const release = await lock.acquire();
    expect(lock.isLocked()).toBe(true);
    expect(await lock.locked()).toBe(true);
    release();
    release(); // a second call does nothing
    expect(lock.isLocked()).toBe(false);
    expect(await lock.locked()).toBe(false);
  });

  it('satisfies async-mutex MutexInterface', async () => {
    const mutex: MutexInterface = new RedisLock(client(), 'l');
    expect(await mutex.runExclusive(() => 42)).toBe(42);
  });

  it('refuses release() when not held, with LockNotHeldError, and changes nothing', async () => {
    const lock = new RedisLock(client(), 'l');
    expect(() => lock.release()).toThrow(LockNotHeldError);
    expect(() => lock.release()).toThrow(/^RedisLock.release: "l" is not held by this process/);
    const other = new RedisLock(client(), 'l');
    await other.acquire();
    expect(() => lock.release()).toThrow(LockNotHeldError);
    expect(await lock.locked()).toBe(true);
  });

  it('excludes another instance (another process, as far as Redis knows) until released', async () => {
    const a = new RedisLock(client(), 'l');
    const b = new RedisLock(client(), 'l', { retryInterval: 2 });
    const releaseA = await a.acquire();
    expect(await b.tryAcquire()).toBe(false);
    let bHolds = false;
    const bAcquired = b.acquire().then((release) => {
      bHolds = true;
      return release;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(bHolds).toBe(false);
    releaseA();
    (await bAcquired)();
    expect(await succeedsSoon(() => a.tryAcquire())).toBe(true);
    a.release();
  });

  it('rejects with TimeoutError when the timeout runs out, and then does not hold the lock', async () => {
    const a = new RedisLock(client(), 'l');
    const b = new RedisLock(client(), 'l');
    await a.acquire();
    const t0 = performance.now();
    const err = await b.acquire({ timeout: 100 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as TimeoutError).message).toMatch(/^RedisLock.acquire: timed out after 100 ms/);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(95);
    a.release();
    expect(b.isLocked()).toBe(false);
    expect(await succeedsSoon(() => b.tryAcquire())).toBe(true);
  });

  it('rejects with the signal reason on abort, for a local waiter and for the one waiting on Redis', async () => {
    const redis = client();
    const holder = new RedisLock(client(), 'l');
    const lock = new RedisLock(redis, 'l');
    await holder.acquire();
    const controller = new AbortController();
    const onRedis = lock.acquire({ signal: controller.signal }); // head: polls Redis
    const local = lock.acquire({ signal: controller.signal }); // queued behind it in this process
    controller.abort(new Error('stop'));
    // Both handlers are attached before either settles: the head may settle a Redis round trip after the other.
    await Promise.all([expect(onRedis).rejects.toThrow('stop'), expect(local).rejects.toThrow('stop')]);
    holder.release();
    expect(await succeedsSoon(() => lock.tryAcquire())).toBe(true);
  });

  it('cancel() rejects this process waiters with E_CANCELED', async () => {
    const holder = new RedisLock(client(), 'l');
    const lock = new RedisLock(client(), 'l');
    await holder.acquire();
    const first = lock.acquire();
    const second = lock.acquire();
    lock.cancel();
    // Both handlers are attached before either settles: the head may settle a Redis round trip after the other.
    await Promise.all([expect(first).rejects.toBe(E_CANCELED), expect(second).rejects.toBe(E_CANCELED)]);
    holder.release();
    expect(await succeedsSoon(() => lock.tryAcquire())).toBe(true);
  });

  it('serves this process waiters by priority', async () => {
    const lock = new RedisLock(client(), 'l');
    const release = await lock.acquire();
    const order: string[] = [];
    const low = lock.acquire({ priority: 0 }).then((r) => {
      order.push('low');
      r();
    });
    const high = lock.acquire({ priority: 5 }).then((r) => {
      order.push('high');
      r();
    });
    release();
    await Promise.all([low, high]);
    expect(order).toEqual(['high', 'low']);
  });

  it('waitForUnlock() resolves once another instance releases', async () => {
    const holder = new RedisLock(client(), 'l');
    const lock = new RedisLock(client(), 'l');
    const release = await holder.acquire();
    let unlocked = false;
    const waiting = lock.waitForUnlock({ timeout: 5000 }).then(() => (unlocked = true));
    await new Promise((r) => setTimeout(r, 30));
    expect(unlocked).toBe(false);
    release();
    await waiting;
    expect(unlocked).toBe(true);
    await expect(holder.acquire().then(() => lock.waitForUnlock({ timeout: 50 }))).rejects.toThrow(
      TimeoutError,
    );
  });

  it('refuses a key that holds another kind of value, and writes nothing', async () => {
    const redis = client();
    await redis.set('plain', 'x');
    await expect(new RedisLock(redis, 'plain').acquire()).rejects.toThrow(RedisKeyConflictError);
    await expect(new RedisLock(redis, 'plain').acquire()).rejects.toThrow(
      /^RedisLock.acquire: key "plain" holds a Redis string value, not this RedisLock/,
    );
    expect(await redis.exists('mutex:plain')).toBe(0);
    await redis.hset('other', 'kind', 'RedisQueue', 'params', 'maxsize=0');
    await expect(new RedisLock(redis, 'other').tryAcquire()).rejects.toThrow(/holds a RedisQueue/);
  });

  it('checks its arguments', async () => {
    expect(() => new RedisLock({} as Redis, 'l')).toThrow(/^RedisLock: redis must be an ioredis client/);
    expect(() => new RedisLock(client(), '')).toThrow(/^RedisLock: key must be a non-empty string/);
    expect(() => new RedisLock(client(), 'l', { lockTimeout: -1 })).toThrow(RangeError);
    await expect(new RedisLock(client(), 'l').acquire({ timeout: -1 })).rejects.toThrow(RangeError);
  });
});

describe('RedisLock when Redis is unreachable', () => {
  it('rejects with RedisUnavailableError within the timeout when nothing listens', async () => {
    const spare = await startRedisServer();
    const { port } = spare;
    await spare.stop();
    const redis = track(new Redis(port, '127.0.0.1', { retryStrategy: () => 50 }));
    redis.on('error', () => {});
    const t0 = performance.now();
    await expect(new RedisLock(redis, 'l').acquire({ timeout: 300 })).rejects.toThrow(RedisUnavailableError);
    expect(performance.now() - t0).toBeLessThan(300 + 5000); // the timeout, and a loaded machine's margin
    await expect(new RedisLock(redis, 'l', { unreachableTimeout: 200 }).tryAcquire()).rejects.toThrow(
      /^RedisLock.tryAcquire: Redis is unreachable/,
    );
  });

  it('rejects a waiter with RedisUnavailableError when Redis goes away mid-wait', async () => {
    const spare = await startRedisServer();
    const redis = track(new Redis(spare.port, '127.0.0.1', { retryStrategy: () => 50 }));
    redis.on('error', () => {});
    const holder = new RedisLock(redis, 'l');
    await holder.acquire();
    const waiting = new RedisLock(redis, 'l').acquire({ timeout: 1500 }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    await spare.stop();
    const t0 = performance.now();
    expect(await waiting).toBeInstanceOf(RedisUnavailableError);
    expect(performance.now() - t0).toBeLessThan(1500 + 5000); // the timeout, and a loaded machine's margin
  });
});

describe('RedisLock across processes', () => {
  it('keeps the bank race exact: 3 processes x 30 locked read-modify-writes', async () => {
    const rounds = 30;
    const children = [0, 1, 2].map(() =>
      forkFixture('lock-counter', [String(server().port), 'bank', String(rounds)]),
    );
    await Promise.all(
      children.map((c) => messageFrom(c, 40_000, (m: { done?: number }) => m.done === rounds)),
    );
    await Promise.all(children.map((c) => exitOf(c, 5000)));
    expect(Number(await client().get('bank:balance'))).toBe(3 * rounds);
  });

  it('tells the next acquirer with OwnerDiedError, lock held, after the holder is killed with SIGKILL', async () => {
    const child = forkFixture('lock-holder', [String(server().port), 'acct', '500']);
    await messageFrom(child, 40_000, (m: { held?: boolean }) => m.held === true);
    child.kill('SIGKILL');
    expect(await exitOf(child, 5000)).toBe('SIGKILL');
    const redis = client();
    const lock = new RedisLock(redis, 'acct');
    const err = await lock.acquire({ timeout: 5000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OwnerDiedError);
    // Told, not timed out (the acquire's timeout is 5 s, the lease 500 ms).
    expect(lock.isLocked()).toBe(true);
    expect(await lock.locked()).toBe(true);
    expect(await redis.get('acct:half')).toBe('written'); // what the dead holder left: repair it here
    lock.release();
    // Exactly one acquirer is told: the next one sees a normal lock.
    const release = await lock.acquire({ timeout: 1000 });
    release();
    // runExclusive does not run its callback on a dead holder's lock, releases it, and rejects.
    const second = forkFixture('lock-holder', [String(server().port), 'acct', '300']);
    await messageFrom(second, 40_000, (m: { held?: boolean }) => m.held === true);
    second.kill('SIGKILL');
    let ran = false;
    await expect(lock.runExclusive(() => (ran = true), { timeout: 5000 })).rejects.toThrow(OwnerDiedError);
    expect(ran).toBe(false);
    expect(await lock.locked()).toBe(false);
    expect(await lock.runExclusive(() => 'retried')).toBe('retried');
  });
});
