import { describe, expect, it } from 'vitest';
import { Barrier, BrokenBarrierError, Event, revive } from '../lib/index';
import { resultOf, runAll, spawn } from './helpers/workers';

/** Resolves once `condition()` holds, checking on every turn of the event loop; throws after `ms`. */
async function until(condition: () => boolean, what: () => string, ms = 10_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`not reached within ${ms} ms: ${what()}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Settles `promise` into a value that `toEqual` can compare. */
function outcome(promise: Promise<number>): Promise<number | string> {
  return promise.then(
    (index) => index,
    (err) => (err instanceof BrokenBarrierError ? 'broken' : `error: ${String(err?.message ?? err)}`),
  );
}

describe('Barrier', () => {
  it('validates parties, action and timeout with a clear error', () => {
    expect(() => new Barrier(0)).toThrow(/^Barrier: parties must be a positive integer, got 0/);
    expect(() => new Barrier(-1)).toThrow(RangeError);
    expect(() => new Barrier(1.5)).toThrow(RangeError);
    expect(() => new Barrier('2' as unknown as number)).toThrow(TypeError);
    expect(() => new Barrier('2' as unknown as number)).toThrow(/got a string \("2"\)/);
    expect(() => new Barrier(2, { action: 5 as unknown as () => void })).toThrow(
      /^Barrier: action must be a function/,
    );
    expect(() => new Barrier(2, { timeout: -1 })).toThrow(/^Barrier: timeout must be/);
    expect(() => new Barrier(2, 'x' as never)).toThrow(TypeError);
  });

  it('starts empty and unbroken, with its parties', () => {
    const barrier = new Barrier(3);
    expect(barrier.parties).toBe(3);
    expect(barrier.nWaiting).toBe(0);
    expect(barrier.broken).toBe(false);
  });

  it('a one-party barrier returns index 0 at once and runs the action every time', () => {
    let runs = 0;
    const barrier = new Barrier(1, { action: () => runs++ });
    expect([barrier.waitSync(), barrier.waitSync(), barrier.waitSync(0)]).toEqual([0, 0, 0]);
    expect(runs).toBe(3);
  });

  it('releases a generation with indices 0..parties-1 in arrival order, after the action ran, and is reusable', async () => {
    const log: string[] = [];
    const barrier = new Barrier(3, { action: () => log.push('action') });
    for (let generation = 0; generation < 20; generation++) {
      const waits = [0, 1, 2].map((party) =>
        barrier.wait({ timeout: 10_000 }).then((index) => {
          log.push(`party ${party}`);
          return index;
        }),
      );
      expect(await Promise.all(waits)).toEqual([0, 1, 2]);
      expect(log[0]).toBe('action');
      expect(log.slice(1).sort()).toEqual(['party 0', 'party 1', 'party 2']);
      log.length = 0;
    }
    expect(barrier.nWaiting).toBe(0);
    expect(barrier.broken).toBe(false);
  });

  it('a timeout breaks the barrier: the timed-out and every other waiter get BrokenBarrierError, and so do later waits', async () => {
    const barrier = new Barrier(3);
    const patient = outcome(barrier.wait());
    await until(
      () => barrier.nWaiting === 1,
      () => 'the first waiter did not arrive',
    );
    const t0 = performance.now();
    expect(await outcome(barrier.wait({ timeout: 30 }))).toBe('broken');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(29);
    expect(await patient).toBe('broken');
    expect(barrier.broken).toBe(true);
    expect(barrier.nWaiting).toBe(0);
    expect(await outcome(barrier.wait())).toBe('broken');
    expect(() => barrier.waitSync(0)).toThrow(BrokenBarrierError);
  });

  it('waitSync times out into BrokenBarrierError when the other parties never come', () => {
    const barrier = new Barrier(2);
    const t0 = performance.now();
    expect(() => barrier.waitSync(30)).toThrow(/^Barrier\.waitSync: the barrier is broken/);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(29);
    expect(barrier.broken).toBe(true);
  });

  it("uses the constructor's timeout when a wait gives none", async () => {
    const barrier = new Barrier(2, { timeout: 20 });
    expect(await outcome(barrier.wait())).toBe('broken');
    barrier.reset();
    expect(() => barrier.waitSync()).toThrow(BrokenBarrierError);
  });

  it('abort() breaks the barrier for the waiters and for later waits, until reset()', async () => {
    const barrier = new Barrier(3);
    const waits = [outcome(barrier.wait()), outcome(barrier.wait())];
    await until(
      () => barrier.nWaiting === 2,
      () => 'the waiters did not arrive',
    );
    barrier.abort();
    expect(await Promise.all(waits)).toEqual(['broken', 'broken']);
    expect(barrier.broken).toBe(true);
    expect(await outcome(barrier.wait())).toBe('broken');
    barrier.reset();
    expect(barrier.broken).toBe(false);
    expect(await Promise.all([0, 1, 2].map(() => outcome(barrier.wait({ timeout: 10_000 }))))).toEqual([
      0, 1, 2,
    ]);
  });

  it('wait() arrives within the call, so abort() and reset() right after it in the same thread do not block', async () => {
    const barrier = new Barrier(2);
    const first = outcome(barrier.wait());
    // A lock left held by a pending continuation would block this thread for good in abort(): check first.
    expect(barrier.condition.lock.isLocked()).toBe(false);
    expect(barrier.nWaiting).toBe(1);
    barrier.abort();
    expect(await first).toBe('broken');
    barrier.reset();
    const second = outcome(barrier.wait());
    expect(barrier.condition.lock.isLocked()).toBe(false);
    barrier.reset();
    expect(await second).toBe('broken');
  });

  it('reset() sends BrokenBarrierError to the waiters and leaves the barrier usable, not broken', async () => {
    const barrier = new Barrier(2);
    const waiting = outcome(barrier.wait());
    await until(
      () => barrier.nWaiting === 1,
      () => 'the waiter did not arrive',
    );
    barrier.reset();
    expect(await waiting).toBe('broken');
    expect(barrier.broken).toBe(false);
    expect(barrier.nWaiting).toBe(0);
    expect(await Promise.all([outcome(barrier.wait()), outcome(barrier.wait())])).toEqual([0, 1]);
  });

  it('an action that throws breaks the barrier: its party gets the error, the others BrokenBarrierError', async () => {
    const barrier = new Barrier(2, {
      action: () => {
        throw new Error('action failed');
      },
    });
    const first = outcome(barrier.wait());
    await until(
      () => barrier.nWaiting === 1,
      () => 'the first waiter did not arrive',
    );
    expect(await outcome(barrier.wait())).toBe('error: action failed');
    expect(await first).toBe('broken');
    expect(barrier.broken).toBe(true);
  });

  it('an aborted wait rejects with the reason and breaks the barrier for the others', async () => {
    const barrier = new Barrier(3);
    const other = outcome(barrier.wait());
    const controller = new AbortController();
    const aborted = barrier.wait({ signal: controller.signal });
    await until(
      () => barrier.nWaiting === 2,
      () => 'the waiters did not arrive',
    );
    controller.abort('cancelled');
    await expect(aborted).rejects.toBe('cancelled');
    expect(await other).toBe('broken');
    expect(barrier.broken).toBe(true);
    await expect(barrier.wait({ signal: AbortSignal.abort('early') })).rejects.toBe('early');
  });

  it('rejects bad wait options with a clear error and without arriving', async () => {
    const barrier = new Barrier(2);
    expect(() => barrier.waitSync(-1)).toThrow(/^Barrier\.waitSync: timeout must be/);
    await expect(barrier.wait({ timeout: Number.NaN })).rejects.toThrow(/^Barrier\.wait: timeout must be/);
    await expect(barrier.wait(5 as never)).rejects.toThrow(/^Barrier\.wait: options must be an object/);
    expect(barrier.nWaiting).toBe(0);
    expect(barrier.broken).toBe(false);
  });

  it('from() and revive() share the state, parties and default timeout, but not the action', async () => {
    let runs = 0;
    const barrier = new Barrier(2, { action: () => runs++, timeout: 5000 });
    const clone = Barrier.from(structuredClone(barrier));
    expect(clone.parties).toBe(2);
    const { again } = revive(structuredClone({ again: barrier }));
    expect(again).toBeInstanceOf(Barrier);
    // The clone completes the generation: its handle has no action.
    const first = barrier.wait();
    await until(
      () => clone.nWaiting === 1,
      () => 'the clone does not see the waiter',
    );
    expect(await Promise.all([first, clone.wait()])).toEqual([0, 1]);
    expect(runs).toBe(0);
    let cloneRuns = 0;
    const withAction = Barrier.from(structuredClone(barrier), { action: () => cloneRuns++ });
    const second = again.wait();
    await until(
      () => withAction.nWaiting === 1,
      () => 'the clone does not see the waiter',
    );
    expect(await Promise.all([second, withAction.wait()])).toEqual([0, 1]);
    expect(cloneRuns).toBe(1);
    expect(() => Barrier.from({})).toThrow(/^Barrier\.from: expected a Barrier or its clone/);
    expect(() => Barrier.from(structuredClone(new Event()))).toThrow(/got a clone of an Event/);
    expect(() => Barrier.from({ ...structuredClone(barrier), condition: 1 })).toThrow(/carry its condition/);
    expect(() => Barrier.from(barrier, { action: 'x' as never })).toThrow(/^Barrier\.from: action must be/);
  });
});

describe('Barrier across worker threads', () => {
  it('abort() and reset() in the main thread release sync and async waiters in workers with BrokenBarrierError', async () => {
    for (const breakIt of ['abort', 'reset'] as const) {
      const barrier = new Barrier(3);
      const results = (['sync', 'async'] as const).map((mode) =>
        resultOf<number | string>(spawn('barrier-waiter', { barrier, mode, timeout: 20_000 }), 30_000),
      );
      await until(
        () => barrier.nWaiting === 2,
        () => `nWaiting ${barrier.nWaiting}`,
        30_000,
      );
      barrier[breakIt]();
      expect(await Promise.all(results)).toEqual(['BrokenBarrierError', 'BrokenBarrierError']);
      expect(barrier.broken).toBe(breakIt === 'abort');
    }
  });

  it('a timeout in one worker breaks the barrier for a waiter in another', async () => {
    const barrier = new Barrier(3);
    const patient = resultOf<number | string>(
      spawn('barrier-waiter', { barrier, mode: 'sync', timeout: 20_000 }),
      30_000,
    );
    await until(
      () => barrier.nWaiting === 1,
      () => 'the patient waiter did not arrive',
      30_000,
    );
    const hasty = resultOf<number | string>(
      spawn('barrier-waiter', { barrier, mode: 'async', timeout: 50 }),
      30_000,
    );
    expect(await Promise.all([patient, hasty])).toEqual(['BrokenBarrierError', 'BrokenBarrierError']);
    expect(barrier.broken).toBe(true);
  });

  it('1,000 generations of 3 parties (2 sync, 1 async): every generation gets indices 0, 1, 2 exactly once', async () => {
    const generations = 1000;
    const barrier = new Barrier(3);
    const arrived = new Int32Array(new SharedArrayBuffer(generations * 4));
    const masks = new Int32Array(new SharedArrayBuffer(generations * 4));
    const common = { barrier, arrived: arrived.buffer, masks: masks.buffer, generations, timeout: 20_000 };
    const results = await runAll<{ actions: number; violations: number; lastCount: number }>(
      'barrier-party',
      [
        { ...common, mode: 'sync', withAction: true },
        { ...common, mode: 'sync', withAction: false },
        { ...common, mode: 'async', withAction: false },
      ],
      55_000,
    );
    expect(results.map((r) => r.violations)).toEqual([0, 0, 0]);
    expect(arrived.every((n) => n === 3)).toBe(true);
    expect(masks.every((mask) => mask === 0b111)).toBe(true);
    // The action runs exactly in the generations where the party holding it arrived last (index 2).
    expect(results[0].actions).toBe(results[0].lastCount);
    expect(results[0].lastCount + results[1].lastCount + results[2].lastCount).toBe(generations);
    expect(barrier.nWaiting).toBe(0);
    expect(barrier.broken).toBe(false);
  }, 60_000);
});
