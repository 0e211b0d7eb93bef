/**
 * The benchmark harness's run orders (spec/bench/harness.ts): `balancedOrders` must let every kind run right
 * after every other kind equally often, which one rotated order does not.
 */

import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { balancedOrders, createBench, type Section } from '../bench/harness';
import { checkMachine, compareAllocation, type MachineCheck } from '../bench/machine';

/** How often each kind runs right after each other kind, over the orders run one after the other. */
function successions(orders: number[][]): Map<string, number> {
  const counts = new Map<string, number>();
  const flat = orders.flat();
  for (let i = 1; i < flat.length; i++) {
    const key = `${flat[i - 1]}>${flat[i]}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

describe('balancedOrders', () => {
  it('gives permutations in which every kind follows every other equally often within the orders', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 12 }), (n) => {
        const orders = balancedOrders(n);
        expect(orders.length).toBe(n % 2 === 0 ? n : 2 * n);
        for (const order of orders) expect([...order].sort((a, b) => a - b)).toEqual([...Array(n).keys()]);
        const within = new Map<string, number>();
        for (const order of orders) {
          for (let i = 1; i < order.length; i++) {
            const key = `${order[i - 1]}>${order[i]}`;
            within.set(key, (within.get(key) ?? 0) + 1);
          }
        }
        expect(within.size).toBe(n * (n - 1)); // every ordered pair of two kinds
        expect(new Set(within.values()).size).toBe(1); // each as often as any other
      }),
    );
  });

  it('fixes the bias of one rotated order, where one kind follows the same kind in most rounds', () => {
    const n = 4;
    const rotated = Array.from({ length: n }, (_, round) => [...Array(n).keys()].map((k) => (round + k) % n));
    const predecessorsOf = (counts: Map<string, number>, kind: number): number[] =>
      [...Array(n).keys()].filter((k) => k !== kind).map((k) => counts.get(`${k}>${kind}`) ?? 0);
    // Run one order after the other: in the rotated ones kind 2 runs right after kind 1 three times, after kind
    // 3 never; in the balanced ones after each of the others once or twice (the boundaries add one).
    expect(predecessorsOf(successions(rotated), 2)).toEqual([1, 3, 0]);
    for (const count of predecessorsOf(successions(balancedOrders(n)), 2)) {
      expect(count).toBeGreaterThanOrEqual(1);
      expect(count).toBeLessThanOrEqual(2);
    }
  });
});

describe('the machine check (spec/bench/machine.ts)', () => {
  const sections: Section[] = [];
  const bench = createBench(sections);
  afterEach(() => bench.terminateWorkers());

  it('times two threads at once and a hand-off between them, and adds no section', async () => {
    const check = await checkMachine(bench, {
      loopSteps: 2_000_000,
      roundTrips: 2_000,
      allocItems: 2_000,
      rounds: 1,
    });
    const [fast, slow] = check.loopNs;
    expect(fast).toBeGreaterThan(0);
    expect(slow).toBeGreaterThanOrEqual(fast);
    expect(Number.isFinite(slow)).toBe(true);
    expect(check.handOffNs).toBeGreaterThan(0);
    expect(Number.isFinite(check.handOffNs)).toBe(true);
    expect(check.allocNs).toBeGreaterThan(0);
    expect(Number.isFinite(check.allocNs)).toBe(true);
    expect(check.load).toBeGreaterThanOrEqual(0);
    expect(sections).toHaveLength(0);
  }, 60_000);

  it('flags a run whose one-thread probe is over 1.5× the published one, and says nothing without a published figure', () => {
    const at = (allocNs?: number): MachineCheck => ({ loopNs: [1, 1], handOffNs: 500, allocNs, load: 0 });
    expect(compareAllocation(at(2000), at(1000))).toMatch(
      /^one thread's build \+ v8\.serialize 2000 ns against 1000 ns in the published run \(2\.00×\): this machine is slower/,
    );
    expect(compareAllocation(at(1400), at(1000))).toBe(
      "one thread's build + v8.serialize 1400 ns against 1000 ns in the published run (1.40×)",
    );
    expect(compareAllocation(at(1400), at(undefined))).toBeUndefined();
    expect(compareAllocation(at(1400), undefined)).toBeUndefined();
  });
});
