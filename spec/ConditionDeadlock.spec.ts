/**
 * A Condition's reacquire that closes a deadlock cycle.
 *
 * FAILS on wt-deadlockdemo (8cccd45): `Condition.waitSync` reacquires its lock after the wait, and that reacquire
 * can be refused with DeadlockError (the issue asks for cycles through a Condition's reacquire). The error then
 * leaves `waitSync` *without* the lock, while every caller (`runExclusiveSync`, a `using` guard, Python's
 * `with cond:`) expects a wait to end holding it, and releases it in `finally`. For a `Lock` that release
 * succeeds (any thread may release a Lock) and frees the lock that the *other* thread of the cycle now holds:
 * mutual exclusion is broken. (With an RLock the release throws LockNotHeldError, which hides the DeadlockError.)
 */

import { describe, expect, it } from 'vitest';
import { Condition, Lock } from '../lib/index';
import { resultOf, spawn } from './helpers/workers';

describe('Condition and deadlock detection', () => {
  it("a wait whose reacquire is refused with DeadlockError does not let the caller's scope release the other thread's hold of the lock", async () => {
    const lock = new Lock({ name: 'L' });
    const other = new Lock({ name: 'M' });
    const cond = new Condition(lock);
    const flag = new Int32Array(new SharedArrayBuffer(4));
    // The waiter's timeout wakes it after the taker is parked on M (the taker needs a few ms to get there).
    const common = { lock, other, cond, flag, waitMs: 1500 };
    const waiter = spawn('condition-deadlock', { ...common, role: 'waiter' });
    const taker = spawn('condition-deadlock', { ...common, role: 'taker' });
    const [w, t] = await Promise.all([
      resultOf<{ error: string }>(waiter, 20_000),
      resultOf<{ error: string; lockedWhileMine: boolean; releaseError: string }>(taker, 20_000),
    ]);
    // The waiter's reacquire closed the cycle, so it is the one refused.
    expect(w.error).toBe('DeadlockError');
    expect(t.error).toBe('none');
    // The taker held L throughout: its hold must not have been released by the waiter's scope.
    expect(t.lockedWhileMine).toBe(true);
    expect(t.releaseError).toBe('none');
  });
});
