/**
 * Lock-order checking: an acquisition that inverts an order recorded in any thread is reported, although nothing
 * deadlocked, as Abseil's mutex and Linux's lockdep do.
 */

import { afterEach, describe, expect, it } from 'vitest';
import { getLockOrderChecking, Lock, LockOrderError, RLock, setLockOrderChecking } from '../lib/index';
import { nextMessage, resultOf, spawn } from './helpers/workers';

interface Report {
  error?: string;
  message?: string;
  warnings: string[];
}

/** Runs one worker that takes `order` (nested) under lock-order checking `mode`, and returns its report. */
async function take(
  locks: Array<Lock | RLock>,
  order: number[],
  checking: 'warn' | 'throw',
  mode: 'sync' | 'async' = 'sync',
): Promise<Report> {
  const worker = spawn(
    'order-taker',
    { locks, order, mode },
    {
      env: { ...process.env, SHARED_SYNC_LOCK_ORDER: checking },
    },
  );
  await nextMessage(worker, 15_000, (m: { ready?: boolean }) => m.ready === true);
  worker.postMessage('go');
  return resultOf<Report>(worker, 15_000);
}

afterEach(() => setLockOrderChecking('off'));

describe('lock-order checking', () => {
  for (const mode of ['sync', 'async'] as const) {
    it(`('throw', ${mode}) refuses the inverting acquire of a run where the two workers ran one after the other`, async () => {
      const locks = [new Lock({ name: 'accounts' }), new Lock({ name: 'audit' })];
      expect(await take(locks, [0, 1], 'throw', mode)).toEqual({ warnings: [] });
      const second = await take(locks, [1, 0], 'throw', mode);
      expect(second.error).toBe('LockOrderError');
      expect(second.message).toMatch(/holds 'audit' and is acquiring 'accounts'/);
      expect(second.message).toMatch(/acquired 'audit' while holding 'accounts'/);
      expect(locks.map((l) => l.isLocked())).toEqual([false, false]);
    });
  }

  it("('warn') warns once per inverted pair, naming both locks, both threads and both sites", async () => {
    const locks = [new Lock({ name: 'left' }), new RLock({ name: 'right' })];
    await take(locks, [0, 1], 'warn');
    const second = await take(locks, [1, 0], 'warn');
    expect(second.error).toBeUndefined();
    expect(second.warnings).toHaveLength(1);
    expect(second.warnings[0]).toMatch(/lock-order inversion: this thread \(thread \d+\) holds 'right'/);
    expect(second.warnings[0]).toMatch(/'right' then 'left' here:\n.*order-taker/s);
    expect(second.warnings[0]).toMatch(/'left' then 'right' in thread \d+:\n.*order-taker/s);
    const third = await take(locks, [1, 0], 'warn');
    expect(third.warnings).toHaveLength(0); // already reported, process-wide
  });

  it('stays silent for a consistent order and for reentrant RLock use', async () => {
    const locks = [new RLock({ name: 'r' }), new Lock({ name: 's' })];
    expect(await take(locks, [0, 0, 1, 0], 'throw')).toEqual({ warnings: [] }); // r, r again, s, r again
    expect(await take(locks, [0, 1], 'throw')).toEqual({ warnings: [] });
    expect(await take(locks, [0, 0, 1], 'throw')).toEqual({ warnings: [] });
  });

  it('is switched in this thread by setLockOrderChecking, and refuses bad modes', () => {
    expect(getLockOrderChecking()).toBe('off');
    setLockOrderChecking('throw');
    const a = new Lock({ name: 'a-here' });
    const b = new Lock({ name: 'b-here' });
    a.runExclusiveSync(() => b.runExclusiveSync(() => {}));
    expect(() => b.runExclusiveSync(() => a.runExclusiveSync(() => {}))).toThrow(LockOrderError);
    expect([a.isLocked(), b.isLocked()]).toEqual([false, false]);
    expect(() => setLockOrderChecking('loud' as never)).toThrow(TypeError);
    expect(getLockOrderChecking()).toBe('throw');
  });
});
