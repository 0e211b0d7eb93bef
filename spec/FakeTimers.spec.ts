/**
 * The library's own timeouts and keep-alive follow the real clock, so that user code tested under fake timers
 * (vi.useFakeTimers(), sinon) neither hangs nor makes the fake clock loop.
 */

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Event, Lock, Queue, TimeoutError } from '../lib/index';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('under fake timers', () => {
  it('a pending Lock.acquire survives runAllTimersAsync and resolves on release', async () => {
    const lock = new Lock();
    lock.tryAcquire();
    const pending = lock.acquire();
    await vi.runAllTimersAsync(); // would abort after 1000 timers if the keep-alive were a fake timer
    expect(vi.getTimerCount()).toBe(0);
    lock.release();
    const release = await pending;
    expect(lock.isLocked()).toBe(true);
    release();
  });

  it('a pending Queue.get survives runAllTimersAsync and resolves on put', async () => {
    const queue = new Queue<number>();
    const pending = queue.get();
    await vi.runAllTimersAsync();
    queue.putNowait(7);
    expect(await pending).toBe(7);
  });

  it('a pending Event.wait survives runAllTimersAsync and resolves on set', async () => {
    const event = new Event();
    const pending = event.wait();
    await vi.runAllTimersAsync();
    event.set();
    expect(await pending).toBe(true);
  });

  it('timeouts run on the real clock: a 30 ms timeout ends although the fake clock never moves', async () => {
    const lock = new Lock();
    lock.tryAcquire();
    const started = performance.now(); // the fake clock
    await expect(lock.acquire({ timeout: 30 })).rejects.toBeInstanceOf(TimeoutError);
    expect(await new Event().wait({ timeout: 30 })).toBe(false);
    expect(performance.now()).toBe(started);
    lock.release();
  });
});
