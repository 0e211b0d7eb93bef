/**
 * For random schedules of acquire / tryAcquire / release across 2–4 workers: at most one holder at a time, and
 * every blocking acquirer eventually gets the lock. The workers live for the whole property and receive one
 * schedule per run, so that a run costs milliseconds, not worker start-ups.
 */

import type { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Lock, RLock } from '../lib/index';
import type { Op } from './fixtures/mutex-schedule';
import { resultOf, spawn } from './helpers/workers';

const hold = fc.nat({ max: 3000 });
const timeout = fc.integer({ min: 0, max: 3 });

function opArbitrary(reentrant: boolean): fc.Arbitrary<Op> {
  const ops: fc.Arbitrary<Op>[] = [
    fc.record({ kind: fc.constant('sync' as const), hold }),
    fc.record({ kind: fc.constant('syncTimeout' as const), timeout, hold }),
    fc.record({ kind: fc.constant('try' as const), hold }),
    fc.record({ kind: fc.constant('async' as const), hold }),
    fc.record({ kind: fc.constant('asyncTimeout' as const), timeout, hold }),
  ];
  if (reentrant) ops.push(fc.record({ kind: fc.constant('reenter' as const), hold }));
  return fc.oneof(...ops);
}

for (const [name, create] of [
  ['Lock', () => new Lock()],
  ['RLock', () => new RLock()],
] as const) {
  describe(`${name} under random schedules`, () => {
    it('never has two holders, and every blocking acquirer gets the lock', async () => {
      const lock = create();
      const cells = new SharedArrayBuffer(16);
      const shared = new Int32Array(cells);
      const workers: Worker[] = [0, 1, 2, 3].map(() => spawn('mutex-schedule', { lock, cells }));
      const schedules = fc.integer({ min: 2, max: 4 }).chain((n) =>
        fc.array(fc.array(opArbitrary(name === 'RLock'), { minLength: 1, maxLength: 25 }), {
          minLength: n,
          maxLength: n,
        }),
      );
      await fc.assert(
        fc.asyncProperty(schedules, async (perWorker) => {
          shared.fill(0);
          const results = await Promise.all(
            perWorker.map((ops, i) => {
              const done = resultOf<{ entered: number; blockingFailed: number }>(workers[i], 20_000);
              workers[i].postMessage({ ops, parties: perWorker.length });
              return done;
            }),
          );
          const blocking = perWorker
            .flat()
            .filter((op) => ['sync', 'async', 'reenter'].includes(op.kind)).length;
          expect(shared[1]).toBe(0); // violations: two threads inside at once
          expect(results.every((r) => r.blockingFailed === 0)).toBe(true);
          expect(results.reduce((sum, r) => sum + r.entered, 0)).toBeGreaterThanOrEqual(blocking);
          expect(shared[0]).toBe(0);
          expect(lock.isLocked()).toBe(false);
        }),
        { numRuns: 60, interruptAfterTimeLimit: 40_000 },
      );
    });
  });
}
