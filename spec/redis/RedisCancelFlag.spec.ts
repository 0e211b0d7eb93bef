import { describe, expect, it } from 'vitest';
import { CancelledError, RedisKeyConflictError } from '../../lib/errors';
import { RedisCancelFlag, RedisEvent } from '../../lib/redis';
import { exitOf, forkFixture, messageFrom, useRedisServer } from './helpers';

const { server, client } = useRedisServer();

describe('RedisCancelFlag', () => {
  it('cancels once, for every instance, with the first reason', async () => {
    const flag = new RedisCancelFlag(client(), 'c');
    const other = new RedisCancelFlag(client(), 'c');
    expect(await flag.isCancelled()).toBe(false);
    await expect(flag.throwIfCancelled()).resolves.toBeUndefined();
    expect(await other.cancel('deploy')).toBe(true);
    expect(await flag.cancel('second')).toBe(false);
    expect(await flag.isCancelled()).toBe(true);
    expect(await flag.getReason()).toBe('deploy');
    await expect(flag.throwIfCancelled()).rejects.toThrow(CancelledError);
    await expect(flag.throwIfCancelled()).rejects.toThrow('RedisCancelFlag: cancelled: deploy');
    await expect(flag.cancel(5 as never)).rejects.toThrow(TypeError);
  });

  it('aborts the signal of another instance, and ends its wait', async () => {
    const flag = new RedisCancelFlag(client(), 'c');
    const { signal } = flag;
    expect(flag.signal).toBe(signal);
    const aborted = new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    const waiting = flag.wait({ timeout: 5000 });
    expect(await new RedisCancelFlag(client(), 'd').wait({ timeout: 30 })).toBe(false);
    await new RedisCancelFlag(client(), 'c').cancel('stop');
    await aborted;
    expect(signal.reason).toBeInstanceOf(CancelledError);
    expect((signal.reason as Error).message).toBe('RedisCancelFlag: cancelled: stop');
    expect(await waiting).toBe(true);
    // A signal read after the cancel is aborted within a round trip.
    const late = new RedisCancelFlag(client(), 'c').signal;
    await new Promise((resolve) => late.addEventListener('abort', resolve, { once: true }));
    expect(late.aborted).toBe(true);
  });

  it('refuses a key that holds another primitive', async () => {
    const redis = client();
    await new RedisEvent(redis, 'k').set();
    await expect(new RedisCancelFlag(redis, 'k').cancel()).rejects.toThrow(RedisKeyConflictError);
  });

  it('aborts a wait in 3 other processes', async () => {
    const port = String(server().port);
    const children = [0, 1, 2].map(() => forkFixture('cancel-waiter', [port, 'shutdown']));
    await Promise.all(
      children.map((c) => messageFrom(c, 40_000, (m: { waiting?: boolean }) => m.waiting === true)),
    );
    const aborted = children.map((c) =>
      messageFrom(c, 40_000, (m: { aborted?: string }) => m.aborted !== undefined),
    );
    expect(await new RedisCancelFlag(client(), 'shutdown').cancel('deploy')).toBe(true);
    const reasons = await Promise.all(aborted);
    expect(reasons).toEqual(Array(3).fill({ aborted: 'RedisCancelFlag: cancelled: deploy' }));
    await Promise.all(children.map((c) => exitOf(c, 5000)));
  });
});
