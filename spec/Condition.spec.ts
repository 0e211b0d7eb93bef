import { describe, expect, it } from 'vitest';
import { Condition, type ConditionLock, Event, Lock, LockNotHeldError, RLock, revive } from '../lib/index';
import { resultOf, runAll, spawn } from './helpers/workers';
import { holdInWorker } from './suites/mutex.suite';

/** Resolves once `condition()` holds, checking on every turn of the event loop; throws after `ms`. */
async function until(condition: () => boolean, what: () => string, ms = 30_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`not reached within ${ms} ms: ${what()}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** White-box view of the protocol words (see the layout in lib/Condition.ts). */
function words(cond: Condition): { waiting: number; notifiedPending: number } {
  const view = new Int32Array(cond.buffer, cond.byteOffset, 6);
  const pLive = Atomics.load(view, 3);
  const pGrants = Atomics.load(view, 4);
  const oLive = Atomics.load(view, 5);
  return { waiting: pLive - pGrants + oLive, notifiedPending: pGrants };
}

function isHeldHere(lock: ConditionLock): boolean {
  return lock instanceof RLock ? lock.isOwned() : lock.isLocked();
}

interface Outcome {
  notified: boolean;
  held: boolean;
}

/** Starts async waiters in this thread: each acquires the lock, waits, records and releases. */
function waitHere(cond: Condition, timeout = 10_000, signal?: AbortSignal): Promise<Outcome> {
  return (async () => {
    const release = await cond.lock.acquire();
    try {
      const notified = await cond.wait({ timeout, signal });
      return { notified, held: isHeldHere(cond.lock) };
    } finally {
      release();
    }
  })();
}

/**
 * The suite for a Condition over each kind of lock. `tasksExclude`: whether the async tasks of one thread
 * exclude each other through the lock (a Lock: yes; an RLock is owned by the thread, shared by all its tasks, so
 * several tasks of one thread cannot take turns holding it, and those tests run on a Lock only).
 */
function describeCondition(name: string, createLock: () => ConditionLock, tasksExclude: boolean): void {
  const create = (): Condition => new Condition(createLock());

  describe(`Condition over ${name} (shared suite)`, () => {
    it('throws LockNotHeldError from every wait and notify form when the lock is not held', async () => {
      const cond = create();
      expect(() => cond.waitSync(0)).toThrow(LockNotHeldError);
      expect(() => cond.waitForSync(() => true, 0)).toThrow(LockNotHeldError);
      expect(() => cond.notify()).toThrow(/^Condition\.notify: the condition's (RLock|lock)/);
      expect(() => cond.notifyAll()).toThrow(LockNotHeldError);
      await expect(cond.wait({ timeout: 0 })).rejects.toThrow(LockNotHeldError);
      await expect(cond.waitFor(() => true)).rejects.toThrow(LockNotHeldError);
      expect(cond.lock.isLocked()).toBe(false);
      expect(words(cond).waiting).toBe(0);
    });

    it('waitSync times out with false, not early, and holds the lock again', () => {
      const cond = create();
      cond.lock.acquireSync();
      const t0 = performance.now();
      expect(cond.waitSync(30)).toBe(false);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(29);
      expect(isHeldHere(cond.lock)).toBe(true);
      expect(cond.waitSync(0)).toBe(false);
      expect(isHeldHere(cond.lock)).toBe(true);
      cond.lock.release();
      expect(words(cond).waiting).toBe(0);
    });

    it('wait resolves false at the timeout and holds the lock again', async () => {
      const cond = create();
      const t0 = performance.now();
      const outcome = await waitHere(cond, 30);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(29);
      expect(outcome).toEqual({ notified: false, held: true });
      expect(cond.lock.isLocked()).toBe(false);
    });

    it('releases the lock while waiting, so that another task can take it and notify', async () => {
      const cond = create();
      const waiting = waitHere(cond);
      await until(
        () => words(cond).waiting === 1,
        () => 'the waiter did not start',
      );
      expect(cond.lock.isLocked()).toBe(false);
      await cond.lock.runExclusive(() => cond.notify());
      expect(await waiting).toEqual({ notified: true, held: true });
    });

    if (tasksExclude) {
      it('notify(1), notify(3) and notifyAll wake exactly 1, 3 and the rest (CPython test_notify)', async () => {
        const cond = create();
        const outcomes = Array.from({ length: 6 }, () => waitHere(cond));
        await until(
          () => words(cond).waiting === 6,
          () => `waiting ${words(cond).waiting}`,
        );
        let done = 0;
        for (const o of outcomes) o.then(() => done++);
        await cond.lock.runExclusive(() => cond.notify(1));
        await until(
          () => done === 1,
          () => `done ${done}`,
        );
        expect(words(cond)).toEqual({ waiting: 5, notifiedPending: 0 });
        await cond.lock.runExclusive(() => cond.notify(3));
        await until(
          () => done === 4,
          () => `done ${done}`,
        );
        expect(words(cond)).toEqual({ waiting: 2, notifiedPending: 0 });
        await cond.lock.runExclusive(() => cond.notifyAll());
        const all = await Promise.all(outcomes);
        expect(all.every((o) => o.notified && o.held)).toBe(true);
        expect(words(cond)).toEqual({ waiting: 0, notifiedPending: 0 });
      });
    }

    it('notify with nobody waiting does nothing, and is not saved for a later waiter', async () => {
      const cond = create();
      await cond.lock.runExclusive(() => {
        cond.notify(5);
        cond.notifyAll();
      });
      expect(await waitHere(cond, 20)).toEqual({ notified: false, held: true });
    });

    if (tasksExclude) {
      it('a later notify goes to the waiters that were not notified yet before any that joined since', async () => {
        const cond = create();
        const outcomes: string[] = [];
        const first = [waitHere(cond), waitHere(cond)].map((p) =>
          p.then((o) => outcomes.push(`early ${o.notified}`)),
        );
        await until(
          () => words(cond).waiting === 2,
          () => 'the early waiters did not start',
        );
        await cond.lock.runExclusive(() => cond.notify(1));
        await until(
          () => outcomes.length === 1,
          () => `outcomes ${outcomes}`,
        );
        const late = waitHere(cond, 1000).then((o) => outcomes.push(`late ${o.notified}`));
        await until(
          () => words(cond).waiting === 2,
          () => 'the late waiter did not start',
        );
        // The remaining early waiter was waiting before the late one: this notify is its, not the late one's.
        await cond.lock.runExclusive(() => cond.notify(1));
        await Promise.all([...first, late]);
        expect(outcomes).toEqual(['early true', 'early true', 'late false']);
      });

      it('a waiter that arrives after a notify does not take it from the waiter it was meant for', async () => {
        const cond = create();
        const early = waitHere(cond);
        await until(
          () => words(cond).waiting === 1,
          () => 'the early waiter did not start',
        );
        // Notify and start a late waiter while still holding the lock: the late one queues behind the notify.
        const release = await cond.lock.acquire();
        cond.notify(1);
        const late = waitHere(cond, 50);
        release();
        expect(await early).toEqual({ notified: true, held: true });
        expect(await late).toEqual({ notified: false, held: true });
      });
    }

    it('rejects notify(n) for a negative, fractional or non-number n, changing nothing', async () => {
      const cond = create();
      const waiting = waitHere(cond, 10_000);
      await until(
        () => words(cond).waiting === 1,
        () => 'the waiter did not start',
      );
      const release = await cond.lock.acquire();
      expect(() => cond.notify(-1)).toThrow(/^Condition\.notify: n must be a non-negative integer, got -1/);
      expect(() => cond.notify(1.5)).toThrow(RangeError);
      expect(() => cond.notify('2' as unknown as number)).toThrow(/got string/);
      expect(() => cond.notify(0)).not.toThrow();
      expect(words(cond)).toEqual({ waiting: 1, notifiedPending: 0 });
      cond.notify();
      release();
      expect(await waiting).toEqual({ notified: true, held: true });
    });

    it('an aborted wait rejects with the reason once the lock is held again, and leaves no waiter', async () => {
      const cond = create();
      const controller = new AbortController();
      const reason = new Error('stop');
      let heldOnReject = false;
      const waiting = (async () => {
        const release = await cond.lock.acquire();
        try {
          await cond.wait({ signal: controller.signal });
        } catch (err) {
          heldOnReject = isHeldHere(cond.lock);
          throw err;
        } finally {
          release();
        }
      })();
      await until(
        () => words(cond).waiting === 1,
        () => 'the waiter did not start',
      );
      controller.abort(reason);
      await expect(waiting).rejects.toBe(reason);
      expect(heldOnReject).toBe(true);
      expect(words(cond).waiting).toBe(0);
      expect(cond.lock.isLocked()).toBe(false);
    });

    if (tasksExclude) {
      it('a waiter aborted after it was notified passes the notification on to another waiter', async () => {
        const cond = create();
        const controller = new AbortController();
        const aborted = waitHere(cond, 10_000, controller.signal);
        await until(
          () => words(cond).waiting === 1,
          () => 'the first waiter did not start',
        );
        const other = waitHere(cond, 10_000);
        await until(
          () => words(cond).waiting === 2,
          () => 'the second waiter did not start',
        );
        // Both joined before the notify, so either may take its one notification; aborting one of them right after
        // must not lose it: whichever settles first, the other waiter returns notified.
        const release = await cond.lock.acquire();
        cond.notify(1);
        controller.abort('bye');
        release();
        await expect(aborted).rejects.toBe('bye');
        expect(await other).toEqual({ notified: true, held: true });
        expect(words(cond)).toEqual({ waiting: 0, notifiedPending: 0 });
      });
    }

    it('waitForSync returns the predicate value at once, or its last falsy value at the timeout', () => {
      const cond = create();
      cond.lock.acquireSync();
      try {
        expect(cond.waitForSync(() => 7)).toBe(7);
        let calls = 0;
        const t0 = performance.now();
        expect(
          cond.waitForSync(() => {
            calls++;
            return 0;
          }, 30),
        ).toBe(0);
        expect(performance.now() - t0).toBeGreaterThanOrEqual(29);
        expect(calls).toBeGreaterThanOrEqual(1);
        expect(isHeldHere(cond.lock)).toBe(true);
        expect(() => cond.waitForSync(5 as unknown as () => boolean)).toThrow(
          /^Condition\.waitForSync: predicate must be a function/,
        );
      } finally {
        cond.lock.release();
      }
    });

    it('waitFor re-checks the predicate after every notify until it holds (CPython test_waitfor)', async () => {
      const cond = create();
      let state = 0;
      const seen: number[] = [];
      const waiting = cond.lock.runExclusive(() =>
        cond.waitFor(
          () => {
            seen.push(state);
            return state === 4;
          },
          { timeout: 10_000 },
        ),
      );
      for (let i = 1; i <= 4; i++) {
        await until(
          () => words(cond).waiting === 1,
          () => `round ${i}`,
        );
        await cond.lock.runExclusive(() => {
          state = i;
          cond.notify();
        });
      }
      expect(await waiting).toBe(true);
      expect(seen).toEqual([0, 1, 2, 3, 4]);
    });

    it('waitFor resolves to the falsy value at the timeout and rejects with the reason on abort', async () => {
      const cond = create();
      await expect(cond.lock.runExclusive(() => cond.waitFor(() => '', { timeout: 20 }))).resolves.toBe('');
      const controller = new AbortController();
      const waiting = cond.lock.runExclusive(() => cond.waitFor(() => false, { signal: controller.signal }));
      await until(
        () => words(cond).waiting === 1,
        () => 'the waiter did not start',
      );
      controller.abort('enough');
      await expect(waiting).rejects.toBe('enough');
      expect(cond.lock.isLocked()).toBe(false);
    });

    it('notify wakes sync and async waiters in workers exactly n at a time', async () => {
      const cond = create();
      const counters = new Int32Array(new SharedArrayBuffer(4));
      const results = (['sync', 'sync', 'async', 'async'] as const).map((mode) =>
        resultOf<Outcome[]>(
          spawn('condition-waiter', { cond, counters: counters.buffer, mode, tasks: 1, timeout: 20_000 }),
          40_000,
        ),
      );
      await until(
        () => words(cond).waiting === 4,
        () => `waiting ${words(cond).waiting}`,
      );
      cond.lock.acquireSync();
      cond.notify(1);
      cond.lock.release();
      await until(
        () => Atomics.load(counters, 0) === 1,
        () => `notified ${counters[0]}`,
      );
      await until(
        () => words(cond).notifiedPending === 0,
        () => 'the notified waiter did not settle',
      );
      expect(words(cond).waiting).toBe(3);
      cond.lock.acquireSync();
      cond.notify(2);
      cond.lock.release();
      await until(
        () => Atomics.load(counters, 0) === 3 && words(cond).notifiedPending === 0,
        () => `notified ${counters[0]}`,
      );
      expect(words(cond).waiting).toBe(1);
      cond.lock.acquireSync();
      cond.notifyAll();
      cond.lock.release();
      const outcomes = (await Promise.all(results)).flat();
      expect(outcomes).toEqual(Array(4).fill({ notified: true, held: true }));
    });

    it('producer/consumer over two conditions with notify(1) loses no wake-up (sync and async, 4 workers)', async () => {
      const lock = createLock();
      const notFull = new Condition(lock);
      const notEmpty = new Condition(lock);
      const capacity = 4;
      const ring = new SharedArrayBuffer((4 + capacity) * 4);
      const items = 1500;
      const common = { notFull, notEmpty, ring, items, producers: 2, capacity, timeout: 15_000 };
      const results = await runAll<{ count: number; sum: number; timeouts: number }>(
        'condition-prodcons',
        [
          { ...common, role: 'producer', mode: 'sync', first: 1 },
          { ...common, role: 'producer', mode: 'async', first: items + 1 },
          { ...common, role: 'consumer', mode: 'sync', first: 0 },
          { ...common, role: 'consumer', mode: 'async', first: 0 },
        ],
        45_000,
      );
      const n = 2 * items;
      expect(results.map((r) => r.timeouts)).toEqual([0, 0, 0, 0]);
      expect(results[2].count + results[3].count).toBe(n);
      expect(results[2].sum + results[3].sum).toBe((n * (n + 1)) / 2);
      expect(lock.isLocked()).toBe(false);
    });
  });
}

describeCondition('Lock', () => new Lock(), true);
describeCondition('RLock', () => new RLock(), false);

describe('Condition', () => {
  it('makes its own RLock when given none, as Python does', () => {
    const cond = new Condition();
    expect(cond.lock).toBeInstanceOf(RLock);
  });

  it('rejects a lock that is neither a Lock nor an RLock', () => {
    expect(() => new Condition({} as Lock)).toThrow(
      /^Condition: lock must be a Lock or an RLock, got an empty object/,
    );
    expect(() => new Condition(new Event() as unknown as Lock)).toThrow(TypeError);
  });

  it('from() and revive() rebuild the condition with a lock of the same kind over the same memory', () => {
    for (const lock of [new Lock(), new RLock()]) {
      const cond = new Condition(lock);
      const clone = Condition.from(structuredClone(cond));
      expect(clone.lock).toBeInstanceOf(lock.constructor);
      clone.lock.acquireSync();
      expect(lock.isLocked()).toBe(true);
      clone.notifyAll();
      clone.lock.release();
      const { revived } = revive(structuredClone({ revived: cond }));
      expect(revived).toBeInstanceOf(Condition);
      revived.lock.acquireSync();
      expect(lock.isLocked()).toBe(true);
      revived.lock.release();
    }
    expect(() => Condition.from({})).toThrow(/^Condition\.from: expected a Condition or its clone/);
    const stripped = { ...structuredClone(new Condition()), lock: 'nope' };
    expect(() => Condition.from(stripped)).toThrow(/^Condition\.from: expected the clone's lock.*a string/);
  });

  it('over an RLock held recursively, a wait releases every level and restores the depth', async () => {
    const cond = new Condition(new RLock());
    const lock = cond.lock as RLock;
    lock.acquireSync();
    lock.acquireSync();
    lock.acquireSync();
    const counters = new Int32Array(new SharedArrayBuffer(4));
    const worker = spawn('condition-notifier', { cond, counters: counters.buffer });
    // The worker can only take the lock and notify if the wait released all three levels.
    expect(cond.waitSync(20_000)).toBe(true);
    expect(lock.getDepth()).toBe(3);
    expect(lock.isOwned()).toBe(true);
    lock.release();
    lock.release();
    lock.release();
    expect(lock.isLocked()).toBe(false);
    expect(await resultOf(worker, 20_000)).toEqual({ notified: true });
  });

  it('a sync wait of a thread whose own async acquire of the Lock is queued times out and returns holding the lock; the queued acquire gets it afterwards', async () => {
    // Before, the wait's release handed the lock to that acquire, which cannot run while the thread blocks:
    // the wait's reacquire then blocked for good (the worker never reported).
    const worker = spawn('condition-own-async');
    expect(await resultOf(worker, 10_000)).toEqual({
      notified: false,
      heldAfterWait: true,
      handedOver: true,
    });
  }, 20_000);

  it('over a Lock, "held" means locked by anyone, as Python checks a plain Lock', async () => {
    const lock = new Lock();
    const cond = new Condition(lock);
    const holder = await holdInWorker(lock);
    expect(() => cond.notifyAll()).not.toThrow(); // locked by the worker: allowed
    await holder.release();
    expect(() => cond.notifyAll()).toThrow(LockNotHeldError);
  });

  it('over an RLock, "held" means owned by the calling thread', async () => {
    const lock = new RLock();
    const cond = new Condition(lock);
    const holder = await holdInWorker(lock);
    expect(() => cond.notifyAll()).toThrow(/not owned by this thread/);
    await holder.release();
  });
});
