/**
 * How calm the machine is, measured before and after a bench run and printed next to the machine line: on a
 * shared virtual machine one core can run a single-threaded loop much slower than the other for a while, and
 * everything that crosses threads can slow down with it, which moves every baseline. These figures say whether
 * a run's ratios were measured on a calm machine; they are compared with nothing but each other.
 *
 * - **loop**: two threads run the same fixed integer loop at once (on two cores, one each); the time per step
 *   of each, and how far apart they are.
 * - **hand-off**: two threads pass a turn back and forth through one shared word, both spinning: the time of a
 *   round trip, which is two cache-line transfers between the cores.
 * - **one thread's allocation**: this thread builds a fresh `{ id, payload }` and serializes it with
 *   `v8.serialize`, the time per item. The loop above stays the same when a machine's memory and allocation
 *   slow down, and that slows every one-thread figure and every baseline that allocates: a run on 2026-12-02
 *   had `v8.serialize` of the small item at 22 µs against 1.7 µs on the published run, with a loop check that
 *   looked even. Compare it with the published run's (`npm run bench` prints both).
 * - **load**: the 1-minute load average.
 */

import { loadavg } from 'node:os';
import { serialize } from 'node:v8';
import type { Bench } from './harness';
import { median, workerResult } from './harness';
import { freshItem } from './item';

/** One machine check. */
export interface MachineCheck {
  /** ns per step of the fixed loop on each of two threads running at once, slower one last (median of 3). */
  loopNs: [number, number];
  /** ns per spinning round trip between two threads (median of 3). */
  handOffNs: number;
  /**
   * ns per fresh small object built and `v8.serialize`d by this thread (median of 3). Missing in results
   * written before it was measured.
   */
  allocNs?: number;
  /** The 1-minute load average when the check started. */
  load: number;
}

const LOOP_STEPS = 50_000_000;
const ROUND_TRIPS = 200_000;
const ALLOC_ITEMS = 50_000;

/** ns per fresh `{ id, payload }` built and serialized by this thread. */
function allocationProbe(items: number): number {
  let bytes = 0;
  const t0 = performance.now();
  for (let i = 0; i < items; i++) {
    bytes += serialize(freshItem(i)).length;
  }
  const ns = ((performance.now() - t0) * 1e6) / items;
  if (bytes === 0) throw new Error('machine check: nothing serialized');
  return ns;
}

async function pair(bench: Bench, a: string, b: string, steps: number): Promise<number[]> {
  const gate = new SharedArrayBuffer(8);
  const workers = [a, b].map((mode) => bench.worker('machine-check', { mode, steps, gate }));
  try {
    const results = await Promise.all(workers.map((w) => workerResult<{ ns: number }>(w, 60_000)));
    return results.map((r) => r.ns);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** Measures the machine as described above (about four seconds with the default sizes). */
export async function checkMachine(
  bench: Bench,
  { loopSteps = LOOP_STEPS, roundTrips = ROUND_TRIPS, allocItems = ALLOC_ITEMS, rounds = 3 } = {},
): Promise<MachineCheck> {
  const load = loadavg()[0];
  const fast: number[] = [];
  const slow: number[] = [];
  const handOff: number[] = [];
  const alloc: number[] = [];
  for (let round = 0; round < rounds; round++) {
    alloc.push(allocationProbe(allocItems));
    const [x, y] = await pair(bench, 'loop', 'loop', loopSteps);
    fast.push(Math.min(x, y));
    slow.push(Math.max(x, y));
    handOff.push((await pair(bench, 'ping', 'pong', roundTrips))[0]);
  }
  return { loopNs: [median(fast), median(slow)], handOffNs: median(handOff), allocNs: median(alloc), load };
}

/**
 * One check in words: `loop 1.02 / 1.05 ns per step on two threads at once (1.03× apart), hand-off round trip 210 ns,
 * one thread's build + v8.serialize 1700 ns, load 0.9`.
 */
export function describeCheck(check: MachineCheck): string {
  const [fast, slow] = check.loopNs;
  return (
    `loop ${fast.toFixed(2)} / ${slow.toFixed(2)} ns per step on two threads at once (${(slow / fast).toFixed(2)}× apart), ` +
    `hand-off round trip ${check.handOffNs.toFixed(0)} ns, ` +
    (check.allocNs === undefined
      ? ''
      : `one thread's build + v8.serialize ${check.allocNs.toFixed(0)} ns, `) +
    `load ${check.load.toFixed(1)}`
  );
}

/**
 * How this run's one-thread allocation probe compares with a published run's, in words, or undefined when the
 * published results have no such figure. Flags a run more than 1.5× slower, whose figures should not replace
 * the published ones.
 */
export function compareAllocation(
  check: MachineCheck,
  published: MachineCheck | undefined,
): string | undefined {
  if (check.allocNs === undefined || published?.allocNs === undefined) return undefined;
  const ratio = check.allocNs / published.allocNs;
  const verdict =
    ratio > 1.5
      ? ': this machine is slower than the published run was; do not publish these figures over those'
      : '';
  return `one thread's build + v8.serialize ${check.allocNs.toFixed(0)} ns against ${published.allocNs.toFixed(0)} ns in the published run (${ratio.toFixed(2)}×)${verdict}`;
}
