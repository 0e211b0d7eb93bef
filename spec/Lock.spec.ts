import { execFile } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { E_CANCELED, type MutexInterface } from 'async-mutex';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { Lock, LockNotHeldError, RLock, revive, TimeoutError } from '../lib/index';
import { asyncWaitStats, parkAsync } from '../lib/internal/wait';
import { nextMessage, resultOf, spawn } from './helpers/workers';
import { describeMutex, holdInWorker } from './suites/mutex.suite';

describeMutex('Lock', () => new Lock(), Lock.from);

/** Resolves once `condition()` holds, checking on each turn of the event loop for at most 5 s. */
async function until(condition: () => boolean): Promise<void> {
  const deadline = performance.now() + 5000;
  while (!condition() && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 1));
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('Lock', () => {
  it("is assignable to async-mutex's MutexInterface", () => {
    const mutex: MutexInterface = new Lock();
    expectTypeOf(new Lock()).toMatchTypeOf<MutexInterface>();
    expect(typeof mutex.runExclusive).toBe('function');
  });

  it('may be released by a thread other than the one that acquired it, as in Python', async () => {
    const lock = new Lock();
    const worker = spawn('holder', { lock });
    await nextMessage(worker, 10_000, (m: { ready?: boolean }) => m.ready === true);
    expect(lock.acquireSync()).toBe(true);
    worker.postMessage('release');
    expect(await nextMessage(worker, 10_000)).toEqual({ ok: true });
    expect(lock.isLocked()).toBe(false);
  });

  it('reports a release of an unheld lock in another thread as LockNotHeldError', async () => {
    const lock = new Lock();
    const worker = spawn('holder', { lock });
    await nextMessage(worker, 10_000, (m: { ready?: boolean }) => m.ready === true);
    worker.postMessage('release');
    expect(await nextMessage(worker, 10_000)).toMatchObject({ error: 'LockNotHeldError' });
    expect(lock.isLocked()).toBe(false);
  });

  it('leaves nothing behind after 10,000 aborted and 10,000 timed-out waits, and the next acquire is immediate', async () => {
    const lock = new Lock();
    const holder = await holdInWorker(lock);
    /** `n` aborted waits, then `n` timed-out ones; returns how many timed out. */
    const churn = async (n: number): Promise<number> => {
      for (let i = 0; i < n; i++) {
        const controller = new AbortController();
        const pending = lock.acquire({ signal: controller.signal });
        controller.abort();
        await pending.catch(() => {});
      }
      let timedOut = 0;
      await Promise.all(
        Array.from({ length: n }, () =>
          lock.acquire({ timeout: 5 }).catch((err) => err instanceof TimeoutError && timedOut++),
        ),
      );
      return timedOut;
    };
    // A first, smaller round warms up what V8 keeps for the code itself (optimized code, feedback), which is
    // not what this test is about: the heap is compared across the second round only.
    await churn(2_000);
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    expect(await churn(10_000)).toBe(10_000);
    // The word's waits in this thread went through one pump at a time: at most one stale registration is left.
    expect(asyncWaitStats().pendingPumps).toBeLessThanOrEqual(1);
    expect(asyncWaitStats().keepAlive).toBe(0);
    gc();
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(1_000_000);
    await holder.release();
    // The next acquire takes the fast path: it resolves within microtasks, before any macrotask.
    let acquired = false;
    const next = lock.acquire().then((release) => {
      acquired = true;
      release();
    });
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(acquired).toBe(true);
    await next;
  });

  it('parks many aborted async waits on one word through a single pending Atomics.waitAsync', async () => {
    const view = new Int32Array(new SharedArrayBuffer(8));
    const before = asyncWaitStats().pendingPumps;
    for (let i = 0; i < 1000; i++) {
      const controller = new AbortController();
      const parked = parkAsync(view, 1, 0, Number.POSITIVE_INFINITY, controller.signal);
      controller.abort();
      await parked.catch(() => {});
    }
    expect(asyncWaitStats().pendingPumps - before).toBe(1);
    expect(Atomics.notify(view, 1)).toBe(1); // exactly one registration was left to wake
    await until(() => asyncWaitStats().pendingPumps < before + 1);
    expect(asyncWaitStats().pendingPumps).toBeLessThanOrEqual(before);
  });

  it('keeps the Node process alive while an async acquire is pending', async () => {
    const tsx = new URL('../node_modules/.bin/tsx', import.meta.url).pathname;
    const script = new URL('./fixtures/keepalive-main.ts', import.meta.url).pathname;
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(tsx, [script], { timeout: 20_000 }, (err, out) => (err ? reject(err) : resolve(out)));
    });
    expect(stdout.trim()).toBe('acquired');
  });
});

describe('Lock.from and revive', () => {
  const wrong: [string, unknown, RegExp][] = [
    ['undefined', undefined, /got undefined/],
    ['null', null, /got null/],
    ['a number', 42, /got a number \(42\)/],
    ['an empty object', {}, /got an empty object/],
    ['a plain ArrayBuffer', new ArrayBuffer(8), /got an ArrayBuffer/],
    [
      'an object over an ArrayBuffer',
      { buffer: new ArrayBuffer(8), byteOffset: 0 },
      /buffer is an ArrayBuffer/,
    ],
    [
      'a SharedArrayBuffer too small',
      { buffer: new SharedArrayBuffer(4), byteOffset: 0 },
      /4 bytes.*too small/,
    ],
    [
      'a misaligned offset',
      { buffer: new SharedArrayBuffer(64), byteOffset: 3 },
      /byteOffset of a number \(3\)/,
    ],
    [
      'a buffer holding no primitive',
      { buffer: new SharedArrayBuffer(Lock.byteLength), byteOffset: 0 },
      /holds no primitive/,
    ],
    ['the clone of an RLock', structuredClone(new RLock()), /got a clone of an RLock/],
    ['an RLock', new RLock(), /got an RLock$/],
  ];
  for (const [what, value, message] of wrong) {
    it(`throws a TypeError saying what came for ${what}`, () => {
      expect(() => Lock.from(value)).toThrow(TypeError);
      expect(() => Lock.from(value)).toThrow(/^Lock\.from: expected a Lock or its clone/);
      expect(() => Lock.from(value)).toThrow(message);
    });
  }

  it('revive rebuilds every primitive in nested objects and arrays and leaves the rest alone', () => {
    const lock = new Lock();
    const rlock = new RLock();
    const date = new Date(0);
    const received = structuredClone({ a: { lock }, list: [rlock, 1, 'x'], date, n: null });
    const live = revive(received);
    expect(live.a.lock).toBeInstanceOf(Lock);
    expect(live.list[0]).toBeInstanceOf(RLock);
    expect(live.list.slice(1)).toEqual([1, 'x']);
    expect(live.date).toEqual(date);
    expect(live.n).toBeNull();
    live.a.lock.tryAcquire();
    expect(lock.isLocked()).toBe(true);
    expect(() => new Lock().release()).toThrow(LockNotHeldError);
  });
});

describe('on a thread that may not block', () => {
  it('the sync forms throw BlockingNotAllowedError naming the async form, even when uncontended', async () => {
    const outcomes = await resultOf<Record<string, { name: string; message: string }>>(
      spawn('no-blocking'),
      20_000,
    );
    expect(outcomes['Lock.acquireSync']).toMatchObject({
      name: 'BlockingNotAllowedError',
      message: expect.stringMatching(/^Lock\.acquireSync: .*use await lock\.acquire\(\) instead/),
    });
    expect(outcomes['RLock.acquireSync'].message).toMatch(/await rlock\.acquire\(\)/);
    expect(outcomes['Lock.runExclusiveSync'].name).toBe('BlockingNotAllowedError');
  });
});

describe('Lock: release hands over to an acquirer queued in the same thread', () => {
  it('stays locked for the queued waiter (isLocked, tryAcquire cannot jump ahead), which resumes in order', async () => {
    const lock = new Lock();
    const release1 = await lock.acquire();
    const order: number[] = [];
    const second = lock.acquire().then((release) => {
      order.push(2);
      return release;
    });
    const third = lock.acquire().then((release) => {
      order.push(3);
      return release;
    });
    release1();
    expect(lock.isLocked()).toBe(true);
    expect(lock.tryAcquire()).toBe(false);
    const release2 = await second;
    expect(order).toEqual([2]);
    release2();
    (await third)();
    expect(order).toEqual([2, 3]);
    expect(lock.isLocked()).toBe(false);
  });

  it('10 async tasks of one thread taking turns keep mutual exclusion', async () => {
    const lock = new Lock();
    let inside = 0;
    let maxInside = 0;
    let turns = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        for (let i = 0; i < 200; i++) {
          const release = await lock.acquire();
          inside++;
          maxInside = Math.max(maxInside, inside);
          await null;
          turns++;
          inside--;
          release();
        }
      }),
    );
    expect([maxInside, turns, lock.isLocked()]).toEqual([1, 2000, false]);
  });

  it('does not starve another thread: a worker waiting in acquireSync gets the lock while this thread’s tasks keep taking turns', async () => {
    const lock = new Lock();
    const waiter = spawn('holder', { lock });
    await nextMessage(waiter, 10_000, (m: { ready?: boolean }) => m.ready === true);
    let stop = false;
    let turns = 0;
    const tasks = Array.from({ length: 4 }, async () => {
      while (!stop) {
        const release = await lock.acquire({ timeout: 20_000 });
        turns++;
        await new Promise((resolve) => setImmediate(resolve)); // a turn of the event loop under the lock
        release();
      }
    });
    await new Promise((resolve) => setImmediate(resolve)); // the tasks are taking turns now
    waiter.postMessage('acquire');
    const acquired = await nextMessage<{ ok?: boolean }>(waiter, 20_000);
    const turnsWhenServed = turns;
    expect(acquired).toEqual({ ok: true });
    waiter.postMessage('release');
    expect(await nextMessage(waiter, 10_000)).toEqual({ ok: true });
    stop = true;
    await Promise.all(tasks);
    expect(turnsWhenServed).toBeGreaterThan(0);
    expect(lock.isLocked()).toBe(false);
  });
});

describe('Lock: cancel() with a custom error', () => {
  it('rejects the pending acquirers with the cancelError the handle was created with, as new Mutex(error) does', async () => {
    const cancelError = new Error('shutting down');
    const lock = new Lock({ cancelError });
    lock.tryAcquire();
    const pending = lock.acquire();
    lock.cancel();
    await expect(pending).rejects.toBe(cancelError);
    const received = Lock.from(structuredClone(lock));
    const other = received.acquire();
    received.cancel();
    await expect(other).rejects.toBe(E_CANCELED);
    lock.release();
    expect(() => new Lock({ cancelError: 'no' as never })).toThrow(/^Lock: cancelError must be an Error/);
  });
});

describe('Lock: waitForUnlock(priority) is ordered against queued acquirers as in async-mutex', () => {
  const ticks = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
  };

  it('a higher priority resolves at the hand-over, before the queued acquirer; the same or lower only after it', async () => {
    const lock = new Lock();
    const release1 = await lock.acquire();
    const events: string[] = [];
    const acquirer = lock.acquire(1).then((release) => {
      events.push('acquired');
      return release;
    });
    const high = lock.waitForUnlock(2).then(() => events.push('high'));
    const same = lock.waitForUnlock(1).then(() => events.push('same'));
    const low = lock.waitForUnlock({ timeout: 10_000 }).then(() => events.push('low'));
    await ticks(2);
    expect(events).toEqual([]);
    release1();
    const release2 = await acquirer;
    await high;
    await ticks(3);
    expect(events).toEqual(['high', 'acquired']); // the same and lower priorities wait for the acquirer
    release2();
    await Promise.all([same, low]);
    expect(events.slice(2).sort()).toEqual(['low', 'same']);
  });

  it('takes the cancelError as a bare Error too, as new Mutex(error) does', async () => {
    const cancelError = new Error('shutting down');
    const lock = new Lock(cancelError);
    lock.tryAcquire();
    const pending = lock.acquire();
    lock.cancel();
    await expect(pending).rejects.toBe(cancelError);
    expect(lock.name).toMatch(/^Lock#\d+$/); // the Error's name is not taken as the lock's name
    lock.release();
  });
});
