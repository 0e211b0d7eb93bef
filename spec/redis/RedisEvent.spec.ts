import { describe, expect, it } from 'vitest';
import { RedisKeyConflictError } from '../../lib/errors';
import { RedisEvent, RedisLock } from '../../lib/redis';
import { exitOf, forkFixture, messageFrom, useRedisServer } from './helpers';

const { server, client } = useRedisServer();

describe('RedisEvent', () => {
  it('is clear at first, set by set(), clear again after clear(), seen by every instance', async () => {
    const event = new RedisEvent(client(), 'e');
    const other = new RedisEvent(client(), 'e');
    expect(await event.isSet()).toBe(false);
    expect(await event.wait({ timeout: 30 })).toBe(false);
    await other.set();
    expect(await event.isSet()).toBe(true);
    expect(await event.wait()).toBe(true);
    await event.clear();
    expect(await other.isSet()).toBe(false);
  });

  it('wakes a waiter when another client sets it; an abort rejects with the reason', async () => {
    const event = new RedisEvent(client(), 'e');
    const waiting = event.wait({ timeout: 5000 });
    await new Promise((r) => setTimeout(r, 20));
    await new RedisEvent(client(), 'e').set();
    expect(await waiting).toBe(true);
    const controller = new AbortController();
    const aborted = new RedisEvent(client(), 'f').wait({ signal: controller.signal });
    controller.abort(new Error('bye'));
    await expect(aborted).rejects.toThrow('bye');
    await expect(new RedisEvent(client(), 'f').wait(5 as never)).rejects.toThrow(TypeError);
  });

  it('refuses a key that holds another primitive', async () => {
    const redis = client();
    await new RedisLock(redis, 'k').tryAcquire();
    await expect(new RedisEvent(redis, 'k').set()).rejects.toThrow(RedisKeyConflictError);
    await expect(new RedisEvent(redis, 'k').isSet()).rejects.toThrow(
      /^RedisEvent.isSet: key "k" holds a RedisLock/,
    );
  });

  it('wakes waiters in 3 other processes', async () => {
    const port = String(server().port);
    const children = [0, 1, 2].map(() => forkFixture('event-waiter', [port, 'go']));
    await Promise.all(
      children.map((c) => messageFrom(c, 40_000, (m: { waiting?: boolean }) => m.waiting === true)),
    );
    const woke = children.map((c) => messageFrom(c, 40_000, (m: { woke?: boolean }) => m.woke !== undefined));
    await new RedisEvent(client(), 'go').set();
    expect(await Promise.all(woke)).toEqual([{ woke: true }, { woke: true }, { woke: true }]);
    await Promise.all(children.map((c) => exitOf(c, 5000)));
  });
});
