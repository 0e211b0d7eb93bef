/**
 * For random transactions over 2–4 workers and 2–4 locks (Lock and RLock, sync or async, with or without
 * timeouts): the library never reports a deadlock that the transactions' lock orders make impossible, every
 * reported cycle is one the orders allow, every run ends, and mutual exclusion holds throughout.
 */

import type { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Lock, RLock } from '../lib/index';
import type { ScheduleResult } from './fixtures/deadlock-schedule';
import { resultOf, spawn } from './helpers/workers';

const NAMES = ['L0', 'L1', 'L2', 'L3'];
const REENTRANT = [false, true, false, true]; // L1 and L3 are RLocks

/** One transaction: distinct locks, except that an RLock may be taken again (a reentry). */
function txnArbitrary(nLocks: number): fc.Arbitrary<number[]> {
  return fc
    .array(fc.nat({ max: nLocks - 1 }), { minLength: 1, maxLength: 3 })
    .map((picks) => picks.filter((lock, i) => REENTRANT[lock] || picks.indexOf(lock) === i));
}

/** "Worker w held a while acquiring b" edges of the model (reentries are not orderings). */
function orderEdges(perWorker: number[][][]): Map<string, Set<number>> {
  const edges = new Map<string, Set<number>>();
  perWorker.forEach((txns, w) => {
    for (const txn of txns) {
      for (let j = 0; j < txn.length; j++) {
        if (txn.indexOf(txn[j]) !== j) continue; // a reentry
        for (let i = 0; i < j; i++) {
          if (txn[i] === txn[j]) continue;
          const key = `${txn[i]}>${txn[j]}`;
          if (!edges.has(key)) edges.set(key, new Set());
          edges.get(key)!.add(w);
        }
      }
    }
  });
  return edges;
}

/** Whether some cycle of locks can be formed from edges of pairwise distinct workers (a possible deadlock). */
function deadlockPossible(edges: Map<string, Set<number>>, nLocks: number): boolean {
  const search = (start: number, at: number, usedLocks: Set<number>, usedWorkers: Set<number>): boolean => {
    for (let next = 0; next < nLocks; next++) {
      const workers = edges.get(`${at}>${next}`);
      if (!workers) continue;
      for (const w of workers) {
        if (usedWorkers.has(w)) continue;
        if (next === start && usedWorkers.size >= 1) return true;
        if (usedLocks.has(next)) continue;
        usedLocks.add(next);
        usedWorkers.add(w);
        if (search(start, next, usedLocks, usedWorkers)) return true;
        usedLocks.delete(next);
        usedWorkers.delete(w);
      }
    }
    return false;
  };
  for (let start = 0; start < nLocks; start++)
    if (search(start, start, new Set([start]), new Set())) return true;
  return false;
}

describe('deadlock detection under random transactions', () => {
  it('reports only cycles the lock orders allow, never one they rule out, and every run ends', async () => {
    const locks = NAMES.map((name, i) => (REENTRANT[i] ? new RLock({ name }) : new Lock({ name })));
    const counters = new Int32Array(new SharedArrayBuffer(5 * 4));
    const gate = new Int32Array(new SharedArrayBuffer(4));
    const workers: Worker[] = [0, 1, 2, 3].map(() => spawn('deadlock-schedule', { locks, counters, gate }));
    let runsWithVictims = 0;
    let runsPossible = 0;
    let runs = 0;
    const scenario = fc.record({
      nWorkers: fc.integer({ min: 2, max: 4 }),
      nLocks: fc.integer({ min: 2, max: 4 }),
      mode: fc.constantFrom('sync' as const, 'async' as const),
      timeout: fc.option(fc.integer({ min: 50, max: 400 }), { nil: undefined }),
      pauseMs: fc.integer({ min: 0, max: 3 }),
    });
    await fc.assert(
      fc.asyncProperty(
        scenario.chain((s) =>
          fc
            .array(fc.array(txnArbitrary(s.nLocks), { minLength: 1, maxLength: 3 }), {
              minLength: s.nWorkers,
              maxLength: s.nWorkers,
            })
            .map((perWorker) => ({ ...s, perWorker })),
        ),
        async ({ nLocks, mode, timeout, pauseMs, perWorker }) => {
          runs++;
          counters.fill(0);
          Atomics.store(gate, 0, 0);
          const results = await Promise.all(
            perWorker.map((txns, w) => {
              const done = resultOf<ScheduleResult>(workers[w], 30_000);
              workers[w].postMessage({ txns, mode, timeout, pauseMs, parties: perWorker.length });
              return done;
            }),
          );
          const edges = orderEdges(perWorker);
          const victims = results.flatMap((r) => r.victims);
          if (victims.length > 0) runsWithVictims++;
          if (deadlockPossible(edges, nLocks)) runsPossible++;
          else expect(victims).toEqual([]);
          const workerOf = new Map(results.map((r, w) => [r.threadId, w]));
          for (const { cycle } of victims) {
            expect(cycle.length).toBeGreaterThanOrEqual(2);
            expect(new Set(cycle.map((l) => l.threadId)).size).toBe(cycle.length);
            for (const link of cycle) {
              const w = workerOf.get(link.threadId);
              expect(w).toBeDefined();
              const key = `${NAMES.indexOf(link.holds)}>${NAMES.indexOf(link.waitsFor)}`;
              expect(edges.get(key)?.has(w!)).toBe(true);
            }
          }
          // Mutual exclusion: each lock's counter saw exactly the completed transactions that took it.
          for (let lock = 0; lock < nLocks; lock++) {
            const expected = results.flatMap((r) => r.completed).filter((txn) => txn.includes(lock)).length;
            expect(counters[lock]).toBe(expected);
          }
          // Without timeouts, a run where nobody was refused completed everything.
          if (timeout === undefined) {
            const total = perWorker.flat().length;
            expect(results.reduce((n, r) => n + r.completed.length, 0)).toBe(total - victims.length);
          }
        },
      ),
      { numRuns: 40, endOnFailure: true },
    );
    console.log(
      `deadlock property: ${runs} runs, ${runsPossible} whose orders allow a deadlock, ${runsWithVictims} with a refused wait`,
    );
  }, 240_000);
});
