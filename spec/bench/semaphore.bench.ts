/**
 * Semaphore: uncontended sync and async acquire/release next to the ceiling (a raw Atomics CAS-decrement +
 * add loop) and async-mutex's Semaphore, and two workers contending for one permit next to a raw futex
 * semaphore, all measured in the same run.
 */

import { Semaphore as MutexSemaphore } from 'async-mutex';
import { BoundedSemaphore, Semaphore } from '../../lib/index';
import { type Bench, nsPerOp, nsPerOpAsync, workerResult } from './harness';

export default async function semaphoreBench(bench: Bench): Promise<void> {
  const raw = new Int32Array(new SharedArrayBuffer(16));
  Atomics.store(raw, 1, 4);
  const sem = new Semaphore(4);
  const bounded = new BoundedSemaphore(4);
  const mutexSem = new MutexSemaphore(4);

  const opts = { rounds: 9 };
  const rawNs = nsPerOp((n) => {
    for (let i = 0; i < n; i++) {
      for (;;) {
        const value = Atomics.load(raw, 1);
        if (value < 1) throw new Error('raw semaphore empty');
        if (Atomics.compareExchange(raw, 1, value, value - 1) === value) break;
      }
      Atomics.add(raw, 1, 1);
    }
  }, opts);
  const syncNs = nsPerOp((n) => {
    for (let i = 0; i < n; i++) {
      sem.acquireSync();
      sem.release();
    }
  }, opts);
  const tryNs = nsPerOp((n) => {
    for (let i = 0; i < n; i++) {
      if (!sem.tryAcquire()) throw new Error('no permit');
      sem.release();
    }
  }, opts);
  const weightedNs = nsPerOp((n) => {
    for (let i = 0; i < n; i++) {
      sem.acquireSync(undefined, 2);
      sem.release(2);
    }
  }, opts);
  const runSyncNs = nsPerOp((n) => {
    for (let i = 0; i < n; i++) sem.runExclusiveSync(() => 0);
  }, opts);
  const boundedNs = nsPerOp((n) => {
    for (let i = 0; i < n; i++) {
      bounded.acquireSync();
      bounded.release();
    }
  }, opts);
  const mutexNs = await nsPerOpAsync(async (n) => {
    for (let i = 0; i < n; i++) {
      const [, release] = await mutexSem.acquire();
      release();
    }
  }, opts);
  const asyncNs = await nsPerOpAsync(async (n) => {
    for (let i = 0; i < n; i++) {
      const [, release] = await sem.acquire();
      release();
    }
  }, opts);
  const mutexRunNs = await nsPerOpAsync(async (n) => {
    for (let i = 0; i < n; i++) await mutexSem.runExclusive(() => 0);
  }, opts);
  const runNs = await nsPerOpAsync(async (n) => {
    for (let i = 0; i < n; i++) await sem.runExclusive(() => 0);
  }, opts);

  const ceiling = 'raw Atomics CAS-decrement + add (ceiling)';
  bench.section(
    'Semaphore, uncontended sync: acquire + release one permit',
    [
      { name: ceiling, value: rawNs, unit: 'ns/op', lowerIsBetter: true },
      { name: 'Semaphore.acquireSync + release', value: syncNs, unit: 'ns/op', lowerIsBetter: true },
      { name: 'Semaphore.tryAcquire + release', value: tryNs, unit: 'ns/op', lowerIsBetter: true },
      {
        name: 'Semaphore.acquireSync(_, 2) + release(2)',
        value: weightedNs,
        unit: 'ns/op',
        lowerIsBetter: true,
      },
      { name: 'Semaphore.runExclusiveSync', value: runSyncNs, unit: 'ns/op', lowerIsBetter: true },
      {
        name: 'BoundedSemaphore.acquireSync + release',
        value: boundedNs,
        unit: 'ns/op',
        lowerIsBetter: true,
      },
      {
        name: 'async-mutex Semaphore await acquire + release',
        value: mutexNs,
        unit: 'ns/op',
        lowerIsBetter: true,
      },
    ],
    { baseline: ceiling, target: 'within 2× of raw Atomics on uncontended sync paths' },
  );
  bench.section(
    'Semaphore, uncontended async: await acquire() + release',
    [
      {
        name: 'async-mutex Semaphore await acquire + release',
        value: mutexNs,
        unit: 'ns/op',
        lowerIsBetter: true,
      },
      { name: 'Semaphore await acquire + release', value: asyncNs, unit: 'ns/op', lowerIsBetter: true },
      { name: 'async-mutex Semaphore runExclusive', value: mutexRunNs, unit: 'ns/op', lowerIsBetter: true },
      { name: 'Semaphore runExclusive', value: runNs, unit: 'ns/op', lowerIsBetter: true },
    ],
    {
      baseline: 'async-mutex Semaphore await acquire + release',
      target: 'no slower than async-mutex (in-thread only)',
    },
  );

  // Two workers contending for one permit.
  const iterations = 200_000;
  const contend = async (mode: 'semaphore' | 'futex'): Promise<number> => {
    const data = {
      mode,
      iterations,
      start: new SharedArrayBuffer(4),
      counter: new SharedArrayBuffer(4),
      sem: new Semaphore(1),
      word: new SharedArrayBuffer(12),
    };
    Atomics.store(new Int32Array(data.word), 0, 1);
    const workers = [bench.worker('semaphore-contend', data), bench.worker('semaphore-contend', data)];
    const results = await Promise.all(workers.map((w) => workerResult<{ ms: number }>(w)));
    const count = new Int32Array(data.counter)[0];
    if (count !== 2 * iterations) throw new Error(`${mode}: lost increments (${count})`);
    await Promise.all(workers.map((w) => w.terminate()));
    return (2 * iterations) / (Math.max(...results.map((r) => r.ms)) / 1000);
  };
  bench.section(
    `Two workers contending for one permit (${iterations} acquire/release each)`,
    [
      {
        name: 'raw futex semaphore (value + waiters)',
        value: await contend('futex'),
        unit: 'ops/s',
        lowerIsBetter: false,
      },
      {
        name: 'Semaphore(1).acquireSync + release',
        value: await contend('semaphore'),
        unit: 'ops/s',
        lowerIsBetter: false,
      },
    ],
    { baseline: 'raw futex semaphore (value + waiters)', target: 'no worse than the raw futex semaphore' },
  );
}
