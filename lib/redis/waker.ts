/**
 * How the Redis primitives wait: try, and when the try fails, sleep until the primitive's channel announces a
 * change (pub/sub), then try again.
 *
 * Each ioredis client gets one subscriber connection (`redis.duplicate()`), made on the first wait and closed
 * when the client ends. A waiter subscribes **before** its first failed try, so a change published after that
 * try is always seen: each message bumps the channel's version, and a waiter sleeps only while the version is
 * the one it read before trying. Pub/sub is not durable (a message published while the subscriber reconnects is
 * lost), so a waiter also re-tries every `POLL_MS` without a message: a lost wake costs latency, never a hang.
 *
 * The subscriber's socket is unref'd: listening does not keep a process alive (as `AbortSignal.timeout()` does
 * not); a pending wait does, through its poll timer.
 *
 * @internal
 * @module
 */

import type { Redis } from 'ioredis';
import { remaining } from '../internal/wait';

/** How long a waiter sleeps at most without a message before it tries again. */
export const POLL_MS = 1000;

interface Channel {
  version: number;
  users: number;
  subscribed: Promise<void>;
  wakers: Set<() => void>;
}

class Waker {
  readonly #subscriber: Redis;
  readonly #channels = new Map<string, Channel>();

  constructor(redis: Redis) {
    this.#subscriber = redis.duplicate({ lazyConnect: false });
    this.#subscriber.on('error', () => {}); // reported through the main client's commands instead
    this.#subscriber.on('connect', () =>
      (this.#subscriber as unknown as { stream?: { unref?(): void } }).stream?.unref?.(),
    );
    this.#subscriber.on('messageBuffer', (channel: Buffer) => this.#bump(channel.toString()));
    redis.once('end', () => this.#subscriber.disconnect());
  }

  #bump(name: string): void {
    const channel = this.#channels.get(name);
    if (!channel) return;
    channel.version++;
    for (const wake of channel.wakers) wake();
  }

  /** Subscribes (shared by every waiter on `name`); resolves once the subscription is in place. */
  async enter(name: string): Promise<Channel> {
    let channel = this.#channels.get(name);
    if (!channel) {
      channel = { version: 0, users: 0, subscribed: Promise.resolve(), wakers: new Set() };
      channel.subscribed = this.#subscriber.subscribe(name).then(() => {});
      this.#channels.set(name, channel);
    }
    channel.users++;
    try {
      await channel.subscribed;
    } catch (err) {
      this.leave(name, channel);
      throw err;
    }
    return channel;
  }

  leave(name: string, channel: Channel): void {
    if (--channel.users > 0 || this.#channels.get(name) !== channel) return;
    this.#channels.delete(name);
    this.#subscriber.unsubscribe(name).catch(() => {});
  }
}

const wakers = new WeakMap<Redis, Waker>();

function wakerOf(redis: Redis): Waker {
  let waker = wakers.get(redis);
  if (!waker) wakers.set(redis, (waker = new Waker(redis)));
  return waker;
}

/** What one round of a wait decided. */
export type Attempt<T> = { done: true; value: T } | { done: false };

/**
 * Calls `attempt` until it reports done, sleeping between tries until `channel` announces a change (or
 * `pollMs` pass). Resolves with the attempt's value, or `undefined` once `deadline` passes; rejects with
 * `signal.reason` when the signal aborts (an attempt in flight is let finish first, so that what it took is
 * not lost: if it succeeded, its value is returned).
 */
export async function waitFor<T>(
  redis: Redis,
  channel: string,
  attempt: () => Promise<Attempt<T>>,
  deadline: number,
  signal: AbortSignal | undefined,
  pollMs: number = POLL_MS,
): Promise<{ value: T } | undefined> {
  const waker = wakerOf(redis);
  const state = await waker.enter(channel);
  try {
    for (;;) {
      const seen = state.version;
      const result = await attempt();
      if (result.done) return { value: result.value };
      signal?.throwIfAborted();
      if (remaining(deadline) === 0) return undefined;
      if (state.version === seen) await sleep(state, deadline, signal, pollMs);
    }
  } finally {
    waker.leave(channel, state);
  }
}

function sleep(
  state: Channel,
  deadline: number,
  signal: AbortSignal | undefined,
  pollMs: number,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const finish = (): void => {
      clearTimeout(timer);
      state.wakers.delete(finish);
      signal?.removeEventListener('abort', onAbort);
      resolve();
    };
    const onAbort = (): void => {
      finish();
      reject(signal?.reason);
    };
    const timer = setTimeout(finish, Math.min(pollMs, remaining(deadline)));
    state.wakers.add(finish);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Calls `listener` whenever `channel` announces a change, until the returned function is called. The
 * subscription does not keep the process alive.
 */
export async function watch(redis: Redis, channel: string, listener: () => void): Promise<() => void> {
  const waker = wakerOf(redis);
  const state = await waker.enter(channel);
  state.wakers.add(listener);
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    state.wakers.delete(listener);
    waker.leave(channel, state);
  };
}
