/**
 * A Condition's reacquire that closes a deadlock cycle. A wait must end holding its lock (every caller releases
 * it afterwards), so the reacquire is never the one refused: another wait of the cycle gets DeadlockError, and
 * mutual exclusion holds throughout.
 */

import { describe, expect, it } from 'vitest';
import { Condition, Lock } from '../lib/index';
import { resultOf, spawn } from './helpers/workers';

describe('Condition and deadlock detection', () => {
  it("a wait whose reacquire closes a cycle is not refused: the other thread's wait is, and nobody releases another's hold", async () => {
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
    // The waiter's reacquire closed the cycle, but a reacquire is never refused: the taker's wait for M is.
    expect(t.error).toBe('DeadlockError');
    expect(w.error).toBe('none'); // its wait timed out and returned holding L, as a wait must
    expect(t.releaseError).toBe('none'); // the taker still held L when it released it
  });
});
