import { E_CANCELED, type SemaphoreInterface } from 'async-mutex';
import { describe, expect, it } from 'vitest';
import { RedisKeyConflictError, SemaphoreOverflowError, TimeoutError } from '../../lib/errors';
import { RedisQueue, RedisSemaphore } from '../../lib/redis';
import { exitOf, forkFixture, messageFrom, succeedsSoon, useRedisServer } from './helpers';

const { server, client } = useRedisServer();

describe('RedisSemaphore in one process', () => {
  it('admits value permits across instances, then waits; a release lets the waiter in', async () => {
    const a = new RedisSemaphore(client(), 's', 2);
    const b = new RedisSemaphore(client(), 's', 2, { retryInterval: 2 });
    const [free, release] = await a.acquire();
    expect(free).toBe(1);
    expect(await b.tryAcquire()).toBe(true);
    expect(await a.freePermits()).toBe(0);
    expect(await a.tryAcquire()).toBe(false);
    await expect(b.acquire(1, { timeout: 60 })).rejects.toThrow(TimeoutError);
    const waiting = b.acquire(1, { timeout: 5000 });
    release();
    const [, releaseB] = await waiting;
    releaseB();
    b.release();
    expect(await a.freePermits()).toBe(2);
  });

  it('takes weights at once and satisfies SemaphoreInterface', async () => {
    const sem: SemaphoreInterface = new RedisSemaphore(client(), 's', 3);
    const [free, release] = await sem.acquire(3);
    expect(free).toBe(0);
    expect(sem.isLocked()).toBe(true);
    release();
    expect(await sem.runExclusive((value) => value, 2)).toBe(1);
  });

  it('refuses a release without an acquisition with SemaphoreOverflowError, and bad weights with RangeError', async () => {
    const sem = new RedisSemaphore(client(), 's', 2);
    expect(() => sem.release()).toThrow(SemaphoreOverflowError);
    expect(() => sem.release()).toThrow(/^RedisSemaphore.release: this process holds no acquisitions/);
    await expect(sem.acquire(3)).rejects.toThrow(
      /^RedisSemaphore.acquire: weight must be an integer from 1 to 2, got 3/,
    );
    expect(() => sem.setValue(5)).toThrow(TypeError);
    expect(await sem.freePermits()).toBe(2);
  });

  it('cancel() rejects this process waiters with E_CANCELED; an abort rejects with the reason', async () => {
    const holder = new RedisSemaphore(client(), 's', 1);
    const sem = new RedisSemaphore(client(), 's', 1);
    await holder.acquire();
    const pending = sem.acquire();
    sem.cancel();
    await expect(pending).rejects.toBe(E_CANCELED);
    const controller = new AbortController();
    const aborted = sem.acquire(1, { signal: controller.signal });
    controller.abort(new Error('no'));
    await expect(aborted).rejects.toThrow('no');
    holder.release();
    expect(await succeedsSoon(() => sem.tryAcquire())).toBe(true);
  });

  it('refuses a key that holds another primitive or another value', async () => {
    const redis = client();
    await new RedisQueue(redis, 'k').put(1);
    await expect(new RedisSemaphore(redis, 'k', 2).acquire()).rejects.toThrow(RedisKeyConflictError);
    await new RedisSemaphore(redis, 's', 2).tryAcquire();
    await expect(new RedisSemaphore(redis, 's', 3).tryAcquire()).rejects.toThrow(/created with value=2/);
  });
});

describe('RedisSemaphore across processes', () => {
  it('RedisSemaphore(3) never admits a fourth of 4 processes, and does admit 3', async () => {
    const port = String(server().port);
    const children = [0, 1, 2, 3].map(() => forkFixture('semaphore-user', [port, 'pool', '3', '12']));
    const reports = await Promise.all(
      children.map((c) => messageFrom<{ most: number }>(c, 60_000, (m) => m.most !== undefined)),
    );
    await Promise.all(children.map((c) => exitOf(c, 5000)));
    const most = Math.max(...reports.map((r) => r.most));
    expect(most).toBe(3);
  });
});
