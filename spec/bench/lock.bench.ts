/**
 * Lock: uncontended sync and async acquire/release, the hand-over between two workers, and throughput of two
 * workers contending, each next to its peers measured in the same run.
 */

import { MessageChannel } from 'node:worker_threads';
import { Mutex, Semaphore } from 'async-mutex';
import { Lock, RLock } from '../../lib/index';
import { type Bench, median, nsPerOp, nsPerOpAsync, sampledRow, workerResult } from './harness';

/** The ceiling of an uncontended acquire + release: a raw compare-exchange and store on `raw[1]`, in ns. */
export function rawPairNs(raw: Int32Array): number {
  return nsPerOp((n) => {
    for (let i = 0; i < n; i++) {
      if (Atomics.compareExchange(raw, 1, 0, 1) !== 0) throw new Error('raw word taken');
      Atomics.store(raw, 1, 0);
    }
  });
}

/** Uncontended `lock.acquireSync()` + `release()`, in ns. */
export function lockSyncNs(lock: Lock): number {
  return nsPerOp((n) => {
    for (let i = 0; i < n; i++) {
      lock.acquireSync();
      lock.release();
    }
  });
}

/** Uncontended `await lock.acquire()` + release, in ns. */
export function lockAsyncNs(lock: Lock): Promise<number> {
  return nsPerOpAsync(async (n) => {
    for (let i = 0; i < n; i++) {
      const release = await lock.acquire();
      release();
    }
  });
}

export default async function lockBench(bench: Bench): Promise<void> {
  const lock = new Lock();
  const raw = new Int32Array(new SharedArrayBuffer(8));
  const mutex = new Mutex();

  const rawNs = rawPairNs(raw);
  const syncNs = lockSyncNs(lock);
  const rlock = new RLock();
  const rlockSyncNs = nsPerOp((n) => {
    for (let i = 0; i < n; i++) {
      rlock.acquireSync();
      rlock.release();
    }
  });
  const rlockAsyncNs = await nsPerOpAsync(async (n) => {
    for (let i = 0; i < n; i++) {
      const release = await rlock.acquire();
      release();
    }
  });
  const mutexNs = await nsPerOpAsync(async (n) => {
    for (let i = 0; i < n; i++) {
      const release = await mutex.acquire();
      release();
    }
  });
  const asyncNs = await lockAsyncNs(lock);
  const runExclusiveNs = await nsPerOpAsync(async (n) => {
    for (let i = 0; i < n; i++) await lock.runExclusive(() => 0);
  });
  const mutexRunExclusiveNs = await nsPerOpAsync(async (n) => {
    for (let i = 0; i < n; i++) await mutex.runExclusive(() => 0);
  });

  bench.section(
    'Lock, uncontended sync: acquireSync() + release()',
    [
      { name: 'raw Atomics CAS + store (ceiling)', value: rawNs, unit: 'ns/op', lowerIsBetter: true },
      { name: 'Lock.acquireSync + release', value: syncNs, unit: 'ns/op', lowerIsBetter: true },
      { name: 'RLock.acquireSync + release', value: rlockSyncNs, unit: 'ns/op', lowerIsBetter: true },
      { name: 'async-mutex await acquire + release', value: mutexNs, unit: 'ns/op', lowerIsBetter: true },
    ],
    {
      baseline: 'raw Atomics CAS + store (ceiling)',
      target: 'Lock.acquireSync within 1.5× of the ceiling; RLock within 2×',
    },
  );
  bench.section(
    'Lock, uncontended async: await acquire() + release()',
    [
      { name: 'async-mutex await acquire + release', value: mutexNs, unit: 'ns/op', lowerIsBetter: true },
      { name: 'Lock await acquire + release', value: asyncNs, unit: 'ns/op', lowerIsBetter: true },
      { name: 'RLock await acquire + release', value: rlockAsyncNs, unit: 'ns/op', lowerIsBetter: true },
      { name: 'async-mutex runExclusive', value: mutexRunExclusiveNs, unit: 'ns/op', lowerIsBetter: true },
      { name: 'Lock runExclusive', value: runExclusiveNs, unit: 'ns/op', lowerIsBetter: true },
    ],
    {
      baseline: 'async-mutex await acquire + release',
      target: 'Lock await acquire at least 5× faster than async-mutex',
    },
  );

  // In-thread contention: async-mutex's main use. 10 async tasks of one thread take turns on one lock, each
  // holding it across an `await null`; the figure is the time per hand-over, median of 5 alternating runs.
  const inThread = async (make: () => { acquire(): Promise<() => void> }): Promise<number> => {
    const mutex = make();
    const turns = 2000;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        for (let i = 0; i < turns / 10; i++) {
          const release = await mutex.acquire();
          await null;
          release();
        }
      }),
    );
    return ((performance.now() - t0) * 1e6) / turns;
  };
  const inThreadRuns: Record<string, number[]> = {
    'async-mutex Semaphore(1)': [],
    'async-mutex Mutex': [],
    Lock: [],
  };
  for (let round = 0; round < 5; round++) {
    inThreadRuns['async-mutex Semaphore(1)'].push(
      await inThread(() => {
        const semaphore = new Semaphore(1);
        return { acquire: async () => (await semaphore.acquire())[1] };
      }),
    );
    inThreadRuns['async-mutex Mutex'].push(await inThread(() => new Mutex()));
    inThreadRuns.Lock.push(await inThread(() => new Lock()));
  }
  bench.section(
    'In-thread contention: 10 async tasks of one thread taking turns (per hand-over, median of 5 runs)',
    Object.entries(inThreadRuns).map(([name, samples]) => sampledRow(name, samples, 'ns/op', true)),
    {
      baseline: 'async-mutex Semaphore(1)',
      target: 'Lock within 1.0× of async-mutex Semaphore(1) (issue 15)',
    },
  );

  // Hand-over between two workers.
  const rounds = 20_000;
  const pingPong = async (mode: 'lock' | 'raw' | 'post'): Promise<number> => {
    const start = new SharedArrayBuffer(4);
    const ping = new Lock();
    const pong = new Lock();
    ping.tryAcquire();
    pong.tryAcquire();
    const word = new SharedArrayBuffer(4);
    const { port1, port2 } = new MessageChannel();
    const common = { mode, rounds, start, ping, pong, word };
    const post = mode === 'post';
    const a = bench.worker(
      'lock-pingpong',
      { ...common, side: 0, port: post ? port1 : undefined },
      post ? [port1] : [],
    );
    const b = bench.worker(
      'lock-pingpong',
      { ...common, side: 1, port: post ? port2 : undefined },
      post ? [port2] : [],
    );
    const result = await workerResult<{ nsPerRoundTrip: number }>(a);
    await Promise.all([a.terminate(), b.terminate()]);
    return result.nsPerRoundTrip;
  };
  bench.section(
    `Hand-over between two workers (round trip, ${rounds} rounds)`,
    [
      { name: 'raw Atomics.wait/notify', value: await pingPong('raw'), unit: 'ns/rt', lowerIsBetter: true },
      {
        name: 'Lock (release / acquireSync)',
        value: await pingPong('lock'),
        unit: 'ns/rt',
        lowerIsBetter: true,
      },
      { name: 'postMessage', value: await pingPong('post'), unit: 'ns/rt', lowerIsBetter: true },
    ],
    {
      baseline: 'raw Atomics.wait/notify',
      target: 'Lock within 1.5× of raw wait/notify and faster than postMessage',
    },
  );

  // Two workers contending. One run is at the mercy of the scheduler (whether one thread gets to run alone for
  // a while), so the two mutexes take turns for several rounds and the medians are compared.
  const iterations = 1_000_000;
  const contend = async (mode: 'lock' | 'futex'): Promise<number> => {
    const data = {
      mode,
      iterations,
      start: new SharedArrayBuffer(4),
      counter: new SharedArrayBuffer(4),
      lock: new Lock(),
      word: new SharedArrayBuffer(4),
    };
    const workers = [bench.worker('lock-contend', data), bench.worker('lock-contend', data)];
    const results = await Promise.all(workers.map((w) => workerResult<{ ms: number }>(w)));
    const count = new Int32Array(data.counter)[0];
    if (count !== 2 * iterations) throw new Error(`${mode}: lost increments (${count})`);
    await Promise.all(workers.map((w) => w.terminate()));
    return (2 * iterations) / (Math.max(...results.map((r) => r.ms)) / 1000);
  };
  const futexRuns: number[] = [];
  const lockRuns: number[] = [];
  for (let round = 0; round < 5; round++) {
    futexRuns.push(await contend('futex'));
    lockRuns.push(await contend('lock'));
  }
  bench.section(
    `Two workers contending for one lock (${iterations} acquire/release each, median of 5 runs)`,
    [
      { name: 'raw 3-state futex mutex', value: median(futexRuns), unit: 'ops/s', lowerIsBetter: false },
      { name: 'Lock.acquireSync + release', value: median(lockRuns), unit: 'ops/s', lowerIsBetter: false },
    ],
    { baseline: 'raw 3-state futex mutex', target: 'no worse than the raw futex mutex' },
  );
}
