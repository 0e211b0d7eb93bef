/**
 * Lock: uncontended sync and async acquire/release, the hand-over between two workers, and throughput of two
 * workers contending, each next to its peers measured in the same run.
 */

import { MessageChannel } from 'node:worker_threads';
import { Semaphore as AsyncSemaphore, Mutex } from 'async-mutex';
import { Lock, RLock, Semaphore } from '../../lib/index';
import {
  type Bench,
  balancedOrders,
  interleavedNs,
  median,
  nsPerOpAsync,
  quantile,
  sampledRow,
  workerResult,
} from './harness';

/** The ceiling of an uncontended acquire + release: a raw compare-exchange and store on `raw[1]`. */
export function rawPairLoop(raw: Int32Array): (iterations: number) => void {
  return (n) => {
    for (let i = 0; i < n; i++) {
      if (Atomics.compareExchange(raw, 1, 0, 1) !== 0) throw new Error('raw word taken');
      Atomics.store(raw, 1, 0);
    }
  };
}

/** Uncontended `lock.acquireSync()` + `release()`. */
export function lockSyncLoop(lock: Lock): (iterations: number) => void {
  return (n) => {
    for (let i = 0; i < n; i++) {
      lock.acquireSync();
      lock.release();
    }
  };
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

  const rlock = new RLock();
  // Interleaved batches, compared round by round (see interleavedNs).
  const uncontended = interleavedNs({
    raw: rawPairLoop(raw),
    lock: (n: number) => {
      for (let i = 0; i < n; i++) {
        lock.acquireSync();
        lock.release();
      }
    },
    rlock: (n: number) => {
      for (let i = 0; i < n; i++) {
        rlock.acquireSync();
        rlock.release();
      }
    },
  });
  const rawNs = median(uncontended.raw);
  const syncNs = median(uncontended.lock);
  const rlockSyncNs = median(uncontended.rlock);
  const syncRatios = uncontended.lock.map((ns, i) => ns / uncontended.raw[i]);
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
      target:
        `Lock.acquireSync within 1.5× of the ceiling; RLock within 2× (Lock/raw per round of ${syncRatios.length}: ` +
        `median ${median(syncRatios).toFixed(2)}×, middle half ${quantile(syncRatios, 0.25).toFixed(2)}–` +
        `${quantile(syncRatios, 0.75).toFixed(2)}×)`,
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
  // holding it across an `await null`; the figure is the time per hand-over. A semaphore is used as its users
  // write it (`const [, release] = await sem.acquire()`), a mutex likewise. One warm-up run of each, then 12
  // alternating runs of 100,000 hand-overs (about 30 ms each: shorter runs are decided by where the
  // collector's pauses fall), in balanced orders: each kind runs right after each other kind equally often.
  // (With one order rotated, `Lock` ran right after async-mutex's `Mutex` in three rounds of four, and a run
  // after that one measured up to twice as long as a run after any other: the Mutex leaves a lot of garbage.)
  const turns = 100_000;
  const tasks = 10;
  const inThread = async (turn: () => Promise<void>): Promise<number> => {
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: tasks }, async () => {
        for (let i = 0; i < turns / tasks; i++) await turn();
      }),
    );
    return ((performance.now() - t0) * 1e6) / turns;
  };
  const mutexTurn = (m: { acquire(): Promise<() => void> }) => async (): Promise<void> => {
    const release = await m.acquire();
    await null;
    release();
  };
  const semaphoreTurn = (s: { acquire(): Promise<[number, () => void]> }) => async (): Promise<void> => {
    const [, release] = await s.acquire();
    await null;
    release();
  };
  const inThreadKinds: Record<string, () => () => Promise<void>> = {
    'async-mutex Semaphore(1)': () => semaphoreTurn(new AsyncSemaphore(1)),
    'async-mutex Mutex': () => mutexTurn(new Mutex()),
    Lock: () => mutexTurn(new Lock()),
    'Semaphore(1)': () => semaphoreTurn(new Semaphore(1)),
  };
  const inThreadRuns: Record<string, number[]> = Object.fromEntries(
    Object.keys(inThreadKinds).map((k) => [k, []]),
  );
  for (const make of Object.values(inThreadKinds)) await inThread(make());
  const kinds = Object.entries(inThreadKinds);
  const orders = balancedOrders(kinds.length);
  const inThreadRounds = 3 * orders.length;
  for (let round = 0; round < inThreadRounds; round++) {
    for (const k of orders[round % orders.length]) {
      const [name, make] = kinds[k];
      inThreadRuns[name].push(await inThread(make()));
    }
  }
  bench.section(
    `In-thread contention: ${tasks} async tasks of one thread taking turns (per hand-over, median of ${inThreadRounds} runs)`,
    Object.entries(inThreadRuns).map(([name, samples]) => sampledRow(name, samples, 'ns/op', true)),
    {
      baseline: 'async-mutex Semaphore(1)',
      target: 'Lock and Semaphore(1) within 1.0× of async-mutex Semaphore(1) (issue 15)',
    },
  );

  // Cross-thread fairness of that hand-over: two workers, each with 10 async tasks taking turns on the same
  // lock for `fairMs`; the figure is worker B's share of all acquisitions (50% is an even split, 0% starved).
  const fairMs = 300;
  const fairness = async (make: () => Lock | Semaphore): Promise<{ share: number; perSecond: number }> => {
    const data = { target: make(), tasks, start: new SharedArrayBuffer(4), stop: new SharedArrayBuffer(4) };
    const workers = [bench.worker('lock-fair', data), bench.worker('lock-fair', data)];
    const results = workers.map((w) => workerResult<{ count: number }>(w));
    const stop = new Int32Array(data.stop);
    while (Atomics.load(new Int32Array(data.start), 0) < 2) await new Promise((r) => setTimeout(r, 1));
    await new Promise((r) => setTimeout(r, fairMs));
    Atomics.store(stop, 0, 1);
    const [a, b] = await Promise.all(results);
    await Promise.all(workers.map((w) => w.terminate()));
    return { share: (100 * b.count) / (a.count + b.count), perSecond: ((a.count + b.count) * 1000) / fairMs };
  };
  const fairRuns: Record<string, number[]> = { Lock: [], 'Semaphore(1)': [] };
  const fairRates: Record<string, number[]> = { Lock: [], 'Semaphore(1)': [] };
  for (let round = 0; round < 3; round++) {
    for (const [name, make] of [
      ['Lock', () => new Lock()],
      ['Semaphore(1)', () => new Semaphore(1)],
    ] as const) {
      const { share, perSecond } = await fairness(make);
      fairRuns[name].push(share);
      fairRates[name].push(perSecond);
    }
  }
  const fairRows = [
    { name: 'even split', value: 50, unit: '% of acquisitions', lowerIsBetter: false },
    ...Object.entries(fairRuns).map(([name, samples]) => ({
      ...sampledRow(`${name}: worker B's share`, samples, '% of acquisitions', false),
    })),
  ];
  bench.section(
    `Cross-thread fairness: two workers × ${tasks} async tasks on one lock, ${fairMs} ms (median of 3 runs)`,
    fairRows,
    { baseline: 'even split', target: 'neither thread starved (issue 15): each share well above 0%' },
  );
  for (const [name, rates] of Object.entries(fairRates)) {
    console.log(`  ${name}: ${rates.map((r) => Math.round(r)).join(' / ')} acquisitions/s in the 3 runs`);
  }

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
  const pingRuns: Record<'raw' | 'lock' | 'post', number[]> = { raw: [], lock: [], post: [] };
  for (let round = 0; round < 3; round++) {
    for (const mode of ['raw', 'lock', 'post'] as const) pingRuns[mode].push(await pingPong(mode));
  }
  bench.section(
    `Hand-over between two workers (round trip, ${rounds} rounds, median of 3 runs)`,
    [
      sampledRow('raw Atomics.wait/notify', pingRuns.raw, 'ns/rt', true),
      sampledRow('Lock (release / acquireSync)', pingRuns.lock, 'ns/rt', true),
      sampledRow('postMessage', pingRuns.post, 'ns/rt', true),
    ],
    {
      baseline: 'raw Atomics.wait/notify',
      target: 'Lock at most 0.5× raw wait/notify (issue 12) without burning a core while idle (next section)',
    },
  );

  // What a waiter costs while nobody hands over: a worker blocked in Lock.acquireSync (or a raw Atomics.wait)
  // for `idleMs`; the figure is the process's CPU time in that window (the bench's own thread sleeps in a timer).
  // 'handover': the worker waits for a lock it holds itself (the hand-over of the section above), whose spin is
  // the longer one (up to 50 µs, see spinLock in internal/mutex.ts); the window starts as the worker starts to
  // wait, so that it includes that spin.
  const idleMs = 300;
  const idleCpu = async (mode: 'lock' | 'raw' | 'handover'): Promise<number> => {
    const lock = new Lock();
    if (mode !== 'handover') lock.tryAcquire();
    const word = new SharedArrayBuffer(4);
    const worker = bench.worker('lock-idle', { mode, lock, word });
    await new Promise<void>((resolve) => worker.once('message', () => resolve()));
    if (mode !== 'handover') await new Promise((r) => setTimeout(r, 50)); // it is parked by now
    const before = process.cpuUsage();
    await new Promise((r) => setTimeout(r, idleMs));
    const used = process.cpuUsage(before);
    lock.release();
    Atomics.store(new Int32Array(word), 0, 1);
    Atomics.notify(new Int32Array(word), 0);
    await workerResult(worker);
    await worker.terminate();
    return (used.user + used.system) / 1000 / (idleMs / 1000); // CPU ms per second of waiting
  };
  const idleRaw: number[] = [];
  const idleLock: number[] = [];
  const idleHandOver: number[] = [];
  for (let round = 0; round < 3; round++) {
    idleRaw.push(await idleCpu('raw'));
    idleLock.push(await idleCpu('lock'));
    idleHandOver.push(await idleCpu('handover'));
  }
  bench.section(
    `An idle waiter: CPU time of the process while one worker waits ${idleMs} ms (3 runs)`,
    [
      sampledRow('raw Atomics.wait', idleRaw, 'ms CPU/s', true),
      sampledRow('Lock.acquireSync', idleLock, 'ms CPU/s', true),
      sampledRow('Lock.acquireSync of a lock it holds (hand-over)', idleHandOver, 'ms CPU/s', true),
    ],
    { baseline: 'raw Atomics.wait', target: 'a waiter nobody wakes burns no core (issue 12)' },
  );

  // Two workers contending. One run is at the mercy of the scheduler (whether one thread gets to run alone for
  // a while), so the mutexes take turns for several rounds; every run is kept (min / median / max, and the
  // paired ratio of each run to the futex run next to it).
  const iterations = 1_000_000;
  type ContendMode = 'futex' | 'lock' | 'rlock' | 'semaphore';
  const contend = async (mode: ContendMode): Promise<number> => {
    const data = {
      mode,
      iterations,
      start: new SharedArrayBuffer(4),
      counter: new SharedArrayBuffer(4),
      lock: new Lock(),
      rlock: new RLock(),
      semaphore: new Semaphore(1),
      word: new SharedArrayBuffer(4),
    };
    const workers = [bench.worker('lock-contend', data), bench.worker('lock-contend', data)];
    const results = await Promise.all(workers.map((w) => workerResult<{ ms: number }>(w)));
    const count = new Int32Array(data.counter)[0];
    if (count !== 2 * iterations) throw new Error(`${mode}: lost increments (${count})`);
    await Promise.all(workers.map((w) => w.terminate()));
    return (2 * iterations) / (Math.max(...results.map((r) => r.ms)) / 1000);
  };
  const contendModes: [ContendMode, string][] = [
    ['futex', 'raw 3-state futex mutex'],
    ['lock', 'Lock.acquireSync + release'],
    ['rlock', 'RLock.acquireSync + release'],
    ['semaphore', 'Semaphore(1).acquireSync + release'],
  ];
  const contendRuns = new Map<ContendMode, number[]>(contendModes.map(([mode]) => [mode, []]));
  for (let round = 0; round < 5; round++) {
    for (const [mode] of contendModes) contendRuns.get(mode)!.push(await contend(mode));
  }
  bench.section(
    `Two workers contending for one lock (${iterations} acquire/release each, median of 5 runs)`,
    contendModes.map(([mode, name]) => sampledRow(name, contendRuns.get(mode)!, 'ops/s', false)),
    { baseline: 'raw 3-state futex mutex', target: 'within 1.2× of the raw futex mutex (issue 12)' },
  );
}
