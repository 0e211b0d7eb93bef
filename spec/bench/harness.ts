/**
 * The benchmark harness: every figure is measured in the same run as its peers and printed as a ratio to a
 * baseline, never compared with a fixed number. Bench files (`spec/bench/*.bench.ts`) export a default
 * function that receives a {@link Bench} and adds sections to it.
 */

import type { TransferListItem, Worker } from 'node:worker_threads';
import { startTsWorker } from '../../demos/support/ts-worker';
import { describeRange } from './chart';

/** One measured figure. */
export interface Row {
  name: string;
  value: number;
  unit: string;
  /** true for times (ns/op), false for rates (ops/s, MB/s). */
  lowerIsBetter: boolean;
  /**
   * Every run's figure, in run order, when the figure was measured several times (then `value` is their
   * median). Rows of one section with as many samples as the baseline's were measured in alternation with it:
   * run i of each row next to run i of the baseline, so the section also gets the spread of the paired ratios.
   */
  samples?: number[];
}

/** A table of figures compared with one of them (the baseline). */
export interface Section {
  title: string;
  baseline: string;
  rows: Row[];
  /** The issue's target, in words, printed under the table. */
  target?: string;
  /** Ratios `rows[name] / baseline` (for times) or `baseline / rows[name]` (for rates): >1 means slower than the baseline. */
  ratios: Record<string, number>;
  /** For rows measured in runs paired with the baseline's: the smallest and largest ratio of a pair. */
  ratioRanges?: Record<string, { min: number; max: number }>;
}

/** A row whose value is the median of several runs, keeping every run's figure. */
export function sampledRow(name: string, samples: number[], unit: string, lowerIsBetter: boolean): Row {
  return { name, value: median(samples), unit, lowerIsBetter, samples };
}

const live = new Set<Worker>();

export interface Bench {
  /** Adds and prints a section; returns it with its ratios. */
  section(title: string, rows: Row[], options: { baseline: string; target?: string }): Section;
  /** Starts a bench worker from `spec/bench/workers/<name>.ts`; all are terminated after the bench file. */
  worker(name: string, workerData?: unknown, transferList?: TransferListItem[]): Worker;
}

/** Median of `rounds` timings of `body(iterations)`, in ns per iteration; iterations calibrated to ~`minMs`. */
export function nsPerOp(body: (iterations: number) => void, { minMs = 150, rounds = 5 } = {}): number {
  let iterations = 1000;
  for (;;) {
    const t0 = performance.now();
    body(iterations);
    const ms = performance.now() - t0;
    if (ms >= minMs / 4) {
      iterations = Math.max(1, Math.round((iterations * minMs) / Math.max(ms, 1e-3)));
      break;
    }
    iterations *= 4;
  }
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    body(iterations);
    samples.push(((performance.now() - t0) * 1e6) / iterations);
  }
  return median(samples);
}

/** The async form of {@link nsPerOp}. */
export async function nsPerOpAsync(
  body: (iterations: number) => Promise<void>,
  { minMs = 150, rounds = 5 } = {},
): Promise<number> {
  let iterations = 1000;
  for (;;) {
    const t0 = performance.now();
    await body(iterations);
    const ms = performance.now() - t0;
    if (ms >= minMs / 4) {
      iterations = Math.max(1, Math.round((iterations * minMs) / Math.max(ms, 1e-3)));
      break;
    }
    iterations *= 4;
  }
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    await body(iterations);
    samples.push(((performance.now() - t0) * 1e6) / iterations);
  }
  return median(samples);
}

/**
 * Times several loops in turn, in short batches, `rounds` times over (after a warm-up of a tenth as many), so
 * that a change in the machine's load or frequency hits all of them alike: a figure of a few nanoseconds per
 * iteration moves by more between two 150 ms samples taken a second apart than the difference being measured.
 * Returns each loop's ns per iteration, one figure per round; compare them round by round.
 */
export function interleavedNs<K extends string>(
  loops: Record<K, (iterations: number) => void>,
  { rounds = 101, batchMs = 4 } = {},
): Record<K, number[]> {
  const names = Object.keys(loops) as K[];
  // Calibrated on the first loop: a batch of each takes about `batchMs`.
  let iterations = 1000;
  for (;;) {
    const t0 = performance.now();
    loops[names[0]](iterations);
    const ms = performance.now() - t0;
    if (ms >= batchMs / 4) {
      iterations = Math.max(1, Math.round((iterations * batchMs) / Math.max(ms, 1e-3)));
      break;
    }
    iterations *= 4;
  }
  const out = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<K, number[]>;
  const warmUp = Math.ceil(rounds / 10);
  for (let round = 0; round < warmUp + rounds; round++) {
    for (const name of names) {
      const t0 = performance.now();
      loops[name](iterations);
      const ns = ((performance.now() - t0) * 1e6) / iterations;
      if (round >= warmUp) out[name].push(ns);
    }
  }
  return out;
}

/**
 * Run orders for `n` kinds in which every kind runs right after every other kind equally often (a Williams
 * design: `n` orders for an even `n`, `2n` for an odd one). A run can leave the heap or the compiler in a state
 * that slows the next one (async-mutex's `Mutex` leaves a lot of garbage): rotating one fixed order, as
 * `(round + k) % n` does, puts the same kind after it in most rounds and charges that kind for it.
 */
export function balancedOrders(n: number): number[][] {
  const first: number[] = [0];
  for (let lo = 1, hi = n - 1; first.length < n; ) first.push(first.length % 2 === 1 ? lo++ : hi--);
  const orders = Array.from({ length: n }, (_, shift) => first.map((kind) => (kind + shift) % n));
  return n % 2 === 0 ? orders : [...orders, ...orders.map((order) => [...order].reverse())];
}

/** The `q`-quantile (0–1) of `values`, nearest rank. */
export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Creates the bench context; `run.ts` owns it. */
export function createBench(sections: Section[]): Bench & { terminateWorkers(): Promise<void> } {
  return {
    section(title, rows, { baseline, target }) {
      const base = rows.find((row) => row.name === baseline);
      if (!base) throw new Error(`bench: baseline ${baseline} is not among the rows of ${title}`);
      const ratios: Record<string, number> = {};
      const ratioRanges: Record<string, { min: number; max: number }> = {};
      const ratioOf = (row: Row, value: number, baseValue: number): number =>
        row.lowerIsBetter ? value / baseValue : baseValue / value;
      for (const row of rows) {
        ratios[row.name] = ratioOf(row, row.value, base.value);
        const paired = row.samples && base.samples?.length === row.samples.length && row !== base;
        if (paired) {
          const each = row.samples!.map((value, i) => ratioOf(row, value, base.samples![i]));
          ratioRanges[row.name] = { min: Math.min(...each), max: Math.max(...each) };
        }
      }
      const section: Section = { title, baseline, rows, target, ratios };
      if (Object.keys(ratioRanges).length > 0) section.ratioRanges = ratioRanges;
      sections.push(section);
      print(section);
      return section;
    },
    worker(name, workerData, transferList) {
      const worker = startTsWorker(new URL(`./workers/${name}.ts`, import.meta.url), {
        workerData,
        transferList,
      });
      live.add(worker);
      worker.once('exit', () => live.delete(worker));
      return worker;
    },
    async terminateWorkers() {
      const workers = [...live];
      live.clear();
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

function format(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (value >= 1e4) return `${(value / 1e3).toFixed(1)}k`;
  if (value >= 100) return value.toFixed(0);
  return value.toFixed(value >= 10 ? 1 : 2);
}

function print(section: Section): void {
  const width = Math.max(...section.rows.map((r) => r.name.length), 10);
  console.log(`\n${section.title}`);
  for (const row of section.rows) {
    const ratio = section.ratios[row.name];
    const note =
      row.name === section.baseline
        ? 'baseline'
        : ratio >= 1
          ? `${ratio.toFixed(2)}× slower`
          : `${(1 / ratio).toFixed(2)}× faster`;
    const spread = row.samples
      ? ` (${format(Math.min(...row.samples))}–${format(Math.max(...row.samples))}, ${row.samples.length} runs)`
      : '';
    const range = section.ratioRanges?.[row.name];
    const paired = range ? `; paired runs ${describeRange(range)}` : '';
    console.log(
      `  ${row.name.padEnd(width)}  ${format(row.value).padStart(9)} ${row.unit.padEnd(6)}  ${note}${paired}${spread}`,
    );
  }
  if (section.target) console.log(`  target: ${section.target}`);
}

/**
 * Measures a worker-to-worker exchange: posts `{ start: rounds }` to each worker and resolves with what the
 * first worker reports as `{ result }`; rejects after `timeoutMs`.
 */
export function workerResult<T>(worker: Worker, timeoutMs = 60_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`bench worker gave no result in ${timeoutMs} ms`)),
      timeoutMs,
    );
    worker.on('message', (message: { result?: T }) => {
      if (message && 'result' in message) {
        clearTimeout(timer);
        resolve(message.result as T);
      }
    });
    worker.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
