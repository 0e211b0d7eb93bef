/**
 * Owner death: how long after a holder's `'exit'` event (delivered in the thread that created it) the next
 * acquirer holds the lock, for a sync waiter blocked in `acquireSync` in another worker and for an async waiter
 * on the main thread; next to the uncontended figures, which the recovery must not move.
 *
 * Each death is a fresh holder worker (an eval worker on the library bundled once, `helpers/bundle.ts`, since
 * a `.ts` worker takes far longer to start) that takes the lock and is terminated while a waiter waits. The
 * clock is `process.hrtime`, which every thread of the process shares. A sync waiter parks in slices (the
 * registry is looked at between them) and the death comes at a random moment of its wait, as it would in a
 * program; the async waiter is woken by the thread's death watch.
 */

import type { Worker } from 'node:worker_threads';
import { nextMessage } from '../../demos/support/ts-worker';
import { Lock, OwnerDiedError } from '../../lib/index';
import { DEATH_POLL_MS } from '../../lib/internal/wait';
import { bundleLibrary, type LibraryBundle } from '../helpers/bundle';
import { type Bench, interleavedNs, median, quantile } from './harness';
import { lockAsyncNs, lockSyncLoop, rawPairLoop } from './lock.bench';

const DEATHS = 50;
const UNCONTENDED_ROUNDS = 5;

const HOLDER = `
  const lock = lib.Lock.from(workerData.lock);
  if (!lock.acquireSync(10000)) throw new Error('holder: no lock within 10 s');
  parentPort.postMessage({ holding: true });
  setInterval(() => {}, 1 << 30);
`;

const now = (): number => Number(process.hrtime.bigint()) / 1e6;
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The nearest-rank percentile `p` (0…1) of `values`. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

/** Starts a holder of `lock`; resolves once it holds it, with the time its 'exit' event will be seen here. */
async function holder(
  bundle: LibraryBundle,
  lock: Lock,
): Promise<{ worker: Worker; exitAt: Promise<number> }> {
  const worker = bundle.worker(HOLDER, { workerData: { lock } });
  // Registered now, before the library's own listener (added when 'worker' is emitted, a tick later): the
  // time is taken before the death is recorded.
  const exitAt = new Promise<number>((resolve) => worker.once('exit', () => resolve(now())));
  await nextMessage(worker, 30_000, (m: { holding?: boolean }) => m.holding === true);
  return { worker, exitAt };
}

/** Resolves once a waiter has announced itself on `lock` (its word reads CONTENDED, see internal/mutex.ts). */
async function announced(lock: Lock): Promise<void> {
  const word = new Int32Array(lock.buffer, lock.byteOffset, 2);
  const deadline = performance.now() + 10_000;
  while ((Atomics.load(word, 1) & 3) !== 2) {
    if (performance.now() > deadline) throw new Error('death bench: the waiter never announced itself');
    await pause(1);
  }
}

async function syncDeaths(bench: Bench, bundle: LibraryBundle): Promise<number[]> {
  const lock = new Lock();
  const waiter = bench.worker('death-waiter', { lock });
  await nextMessage(waiter, 30_000, (m: { ready?: boolean }) => m.ready === true);
  const latencies: number[] = [];
  for (let i = 0; i < DEATHS; i++) {
    const { worker, exitAt } = await holder(bundle, lock);
    const got = nextMessage<{ at: number; told: string }>(waiter, 30_000);
    waiter.postMessage({ acquire: true });
    await announced(lock);
    await pause(Math.random() * 50); // the death comes at a random moment of the wait
    await worker.terminate();
    const { at, told } = await got;
    if (told !== 'OwnerDiedError') throw new Error(`death bench: the sync waiter was told ${told}`);
    latencies.push(at - (await exitAt));
  }
  return latencies;
}

async function asyncDeaths(bundle: LibraryBundle): Promise<number[]> {
  const lock = new Lock();
  const latencies: number[] = [];
  for (let i = 0; i < DEATHS; i++) {
    const { worker, exitAt } = await holder(bundle, lock);
    const got = lock.acquire({ timeout: 10_000 }).then(
      () => ({ at: now(), told: 'none' }),
      (err: unknown) => ({ at: now(), told: err instanceof OwnerDiedError ? 'OwnerDiedError' : String(err) }),
    );
    await pause(Math.random() * 50);
    await worker.terminate();
    const { at, told } = await got;
    if (told !== 'OwnerDiedError') throw new Error(`death bench: the async waiter was told ${told}`);
    lock.release();
    latencies.push(at - (await exitAt));
  }
  return latencies;
}

/** What a program without recovery would do by hand in its 'exit' handler: post a message to a worker. */
async function postMessageLatencies(bench: Bench): Promise<number[]> {
  const waiter = bench.worker('death-waiter', { lock: new Lock() });
  await nextMessage(waiter, 30_000, (m: { ready?: boolean }) => m.ready === true);
  const latencies: number[] = [];
  for (let i = 0; i < DEATHS; i++) {
    await pause(Math.random() * 5);
    const got = nextMessage<{ at: number }>(waiter, 30_000);
    const sent = now();
    waiter.postMessage({ echo: true });
    latencies.push((await got).at - sent);
  }
  await waiter.terminate();
  return latencies;
}

export default async function deathBench(bench: Bench): Promise<void> {
  const bundle = await bundleLibrary();
  let sync: number[];
  let async: number[];
  let post: number[];
  try {
    sync = await syncDeaths(bench, bundle);
    async = await asyncDeaths(bundle);
    post = await postMessageLatencies(bench);
  } finally {
    bundle.remove();
  }
  const ms = (name: string, value: number) => ({ name, value, unit: 'ms', lowerIsBetter: true });
  const ns = (name: string, value: number) => ({ name, value, unit: 'ns/op', lowerIsBetter: true });
  bench.section(
    `Owner death: from the holder's 'exit' event to the next acquirer holding the lock (${DEATHS} deaths each)`,
    [
      ms('postMessage to a worker, p50 (by hand)', percentile(post, 0.5)),
      ms('sync waiter in a worker, p50', percentile(sync, 0.5)),
      ms('sync waiter in a worker, p99', percentile(sync, 0.99)),
      ms('async waiter on the main thread, p50', percentile(async, 0.5)),
      ms('async waiter on the main thread, p99', percentile(async, 0.99)),
    ],
    {
      baseline: 'postMessage to a worker, p50 (by hand)',
      target: `p99 within 100 ms of the 'exit' event (sync waiters look at the registry every ${DEATH_POLL_MS} ms)`,
    },
  );

  // The uncontended paths, which the holder id in the lock word must not slow down. The sync pair is timed in
  // short batches interleaved with the raw pair (see interleavedNs) and compared round by round; the async
  // acquire, which allocates, in rounds of its own next to the raw pair.
  const lock = new Lock();
  const raw = new Int32Array(new SharedArrayBuffer(8));
  const pair = interleavedNs({ raw: rawPairLoop(raw), lock: lockSyncLoop(lock) });
  const syncRatios = pair.lock.map((ns, i) => ns / pair.raw[i]);
  const asyncNs: number[] = [];
  for (let round = 0; round < UNCONTENDED_ROUNDS; round++) asyncNs.push(await lockAsyncNs(lock));
  bench.section(
    `Uncontended, with owner-death recovery in place (medians: ${syncRatios.length} interleaved rounds, ${UNCONTENDED_ROUNDS} async)`,
    [
      ns('raw Atomics CAS + store (ceiling)', median(pair.raw)),
      ns('Lock.acquireSync + release', median(pair.lock)),
      ns('Lock await acquire + release', median(asyncNs)),
    ],
    {
      baseline: 'raw Atomics CAS + store (ceiling)',
      target:
        `Lock.acquireSync + release within 1.2× of the raw pair (round by round: median ` +
        `${median(syncRatios).toFixed(2)}×, middle half ${quantile(syncRatios, 0.25).toFixed(2)}–` +
        `${quantile(syncRatios, 0.75).toFixed(2)}×, all ${quantile(syncRatios, 0).toFixed(2)}–` +
        `${quantile(syncRatios, 1).toFixed(2)}×); await acquire as before the recovery (see docs/limits.md)`,
    },
  );
}
