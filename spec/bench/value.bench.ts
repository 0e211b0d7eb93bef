/**
 * Shared values: the cost of `.value` reads and writes per type against raw `Atomics.load`/`store` (the
 * ceiling), and how long a wake-up takes from one thread to another: a `CancelFlag` set in one thread firing its
 * `AbortSignal` in another, next to raw `Atomics.wait`/`notify` and `Atomics.waitAsync` ping-pongs.
 */

import { CancelFlag, RawValue } from '../../lib/index';
import type { Bench, Row } from './harness';
import { nsPerOp, workerResult } from './harness';

const ns = (name: string, value: number): Row => ({ name, value, unit: 'ns/op', lowerIsBetter: true });

let sink = 0;
let bigSink = 0n;

function reads(): Row[] {
  const raw = new Int32Array(new SharedArrayBuffer(8));
  const rawBig = new BigInt64Array(new SharedArrayBuffer(8));
  const int32 = new RawValue('int32', 3);
  const uint8 = new RawValue('uint8', 3);
  const bool = new RawValue('bool', true);
  const float32 = new RawValue('float32', 0.5);
  const float64 = new RawValue('float64', 0.5);
  const bigint64 = new RawValue('bigint64', 3n);
  return [
    ns(
      'Atomics.load Int32Array',
      nsPerOp((n) => {
        for (let i = 0; i < n; i++) sink += Atomics.load(raw, 0);
      }),
    ),
    ns(
      'Atomics.load BigInt64Array',
      nsPerOp((n) => {
        for (let i = 0; i < n; i++) bigSink ^= Atomics.load(rawBig, 0);
      }),
    ),
    ns(
      'RawValue int32',
      nsPerOp((n) => {
        for (let i = 0; i < n; i++) sink += int32.value;
      }),
    ),
    ns(
      'RawValue uint8',
      nsPerOp((n) => {
        for (let i = 0; i < n; i++) sink += uint8.value;
      }),
    ),
    ns(
      'RawValue bool',
      nsPerOp((n) => {
        for (let i = 0; i < n; i++) if (bool.value) sink++;
      }),
    ),
    ns(
      'RawValue float32',
      nsPerOp((n) => {
        for (let i = 0; i < n; i++) sink += float32.value;
      }),
    ),
    ns(
      'RawValue float64',
      nsPerOp((n) => {
        for (let i = 0; i < n; i++) sink += float64.value;
      }),
    ),
    ns(
      'RawValue bigint64',
      nsPerOp((n) => {
        for (let i = 0; i < n; i++) bigSink ^= bigint64.value;
      }),
    ),
  ];
}

function writes(): Row[] {
  const raw = new Int32Array(new SharedArrayBuffer(8));
  const rawBig = new BigInt64Array(new SharedArrayBuffer(8));
  const int32 = new RawValue('int32');
  const uint8 = new RawValue('uint8');
  const bool = new RawValue('bool');
  const float32 = new RawValue('float32');
  const float64 = new RawValue('float64');
  const bigint64 = new RawValue('bigint64');
  const big = [5n, -7n];
  return [
    ns(
      'Atomics.store Int32Array',
      nsPerOp((n) => {
        for (let i = 0; i < n; i++) Atomics.store(raw, 0, i);
      }),
    ),
    ns(
      'Atomics.store BigInt64Array',
      nsPerOp((n) => {
        for (let i = 0; i < n; i++) Atomics.store(rawBig, 0, big[i & 1]);
      }),
    ),
    ns(
      'RawValue int32',
      nsPerOp((n) => {
        for (let i = 0; i < n; i++) int32.value = i;
      }),
    ),
    ns(
      'RawValue uint8',
      nsPerOp((n) => {
        for (let i = 0; i < n; i++) uint8.value = i & 0xff;
      }),
    ),
    ns(
      'RawValue bool',
      nsPerOp((n) => {
        for (let i = 0; i < n; i++) bool.value = (i & 1) === 0;
      }),
    ),
    ns(
      'RawValue float32',
      nsPerOp((n) => {
        for (let i = 0; i < n; i++) float32.value = i * 0.5;
      }),
    ),
    ns(
      'RawValue float64',
      nsPerOp((n) => {
        for (let i = 0; i < n; i++) float64.value = i * 0.5;
      }),
    ),
    ns(
      'RawValue bigint64',
      nsPerOp((n) => {
        for (let i = 0; i < n; i++) bigint64.value = big[i & 1];
      }),
    ),
  ];
}

function counters(): Row[] {
  const raw = new Int32Array(new SharedArrayBuffer(8));
  const int32 = new RawValue('int32');
  const bigint64 = new RawValue('bigint64');
  return [
    ns(
      'Atomics.add Int32Array (wraps)',
      nsPerOp((n) => {
        for (let i = 0; i < n; i++) Atomics.add(raw, 0, 1);
      }),
    ),
    ns(
      'RawValue int32 add(1)',
      nsPerOp((n) => {
        int32.value = 0;
        for (let i = 0; i < n; i++) int32.add(1);
      }),
    ),
    ns(
      'RawValue bigint64 add(1n)',
      nsPerOp((n) => {
        for (let i = 0; i < n; i++) bigint64.add(1n);
      }),
    ),
  ];
}

async function roundTrip(bench: Bench, mode: string, rounds: number): Promise<number> {
  const word = new SharedArrayBuffer(8);
  const value = new RawValue('int32', 0);
  const flags = mode.startsWith('flag')
    ? {
        pings: Array.from({ length: rounds }, () => new CancelFlag()),
        pongs: Array.from({ length: rounds }, () => new CancelFlag()),
      }
    : { pings: [], pongs: [] };
  const common = { mode, rounds, word, value, ...flags };
  const ping = bench.worker('value-pingpong', { ...common, role: 'ping' });
  bench.worker('value-pingpong', { ...common, role: 'pong' });
  const roundTripNs = await workerResult<number>(ping, 120_000);
  return roundTripNs / 2; // one way
}

export default async function valueBench(bench: Bench): Promise<void> {
  bench.section('RawValue read (.value)', reads(), { baseline: 'Atomics.load Int32Array' });
  bench.section('RawValue write (.value = x, checked, wakes waiters if any)', writes(), {
    baseline: 'Atomics.store Int32Array',
  });
  bench.section('RawValue add (range-checked CAS loop)', counters(), {
    baseline: 'Atomics.add Int32Array (wraps)',
  });

  const rounds = 400;
  const rows: Row[] = [];
  const label: Record<string, string> = {
    'atomics-wait': 'raw Atomics.wait/notify',
    'atomics-waitAsync': 'raw Atomics.waitAsync/notify',
    'value-waitForSync': 'RawValue.waitForSync',
    'value-waitFor': 'RawValue.waitFor (async)',
    'flag-waitSync': 'CancelFlag.waitSync',
    'flag-signal': 'CancelFlag.signal abort',
  };
  for (const mode of Object.keys(label)) {
    rows.push({
      name: label[mode],
      value: (await roundTrip(bench, mode, rounds)) / 1000,
      unit: 'µs',
      lowerIsBetter: true,
    });
  }
  bench.section('Wake-up latency, one thread to another (median of a ping-pong, one way)', rows, {
    baseline: 'raw Atomics.wait/notify',
    target: 'CancelFlag.signal close to raw Atomics.waitAsync (both wake through the event loop)',
  });
  if (sink === 42 && bigSink === 42n) console.log(''); // keeps the sinks observable
}
