// One side of a ping-pong between two workers, `rounds` round trips. Each side waits for a signal on its own
// word or primitive and then signals the other's, with:
// 'raw' / 'raw-async': a word per side set with Atomics.store + notify and waited on with Atomics.wait /
//   Atomics.waitAsync, then reset (the ceiling);
// 'event' / 'event-async': an Event per side (set the other's; wait for and clear one's own);
// 'condition' / 'condition-async': a turn word guarded by a Lock, waited for on a Condition over it, as
//   Python code hands a turn over;
// 'barrier': both sides wait on a 2-party Barrier (one generation per round).
import { parentPort, workerData } from 'node:worker_threads';
import { Barrier, Condition, Event } from '../../../lib/index';

type Mode = 'raw' | 'raw-async' | 'event' | 'event-async' | 'condition' | 'condition-async' | 'barrier';
const { mode, side, rounds } = workerData as { mode: Mode; side: 0 | 1; rounds: number };
const start = new Int32Array(workerData.start as SharedArrayBuffer);

function gate(): void {
  Atomics.add(start, 0, 1);
  while (Atomics.load(start, 0) < 2) {
    // both sides start together
  }
}

/** Runs `rounds` round trips; side 0 signals first. */
async function pingPong(signal: () => void, wait: () => void | Promise<void>): Promise<number> {
  gate();
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) {
    if (side === 0) {
      signal();
      await wait();
    } else {
      await wait();
      signal();
    }
  }
  return performance.now() - t0;
}

async function run(): Promise<number> {
  if (mode === 'raw' || mode === 'raw-async') {
    const ping = new Int32Array(workerData.rawPing as SharedArrayBuffer);
    const pong = new Int32Array(workerData.rawPong as SharedArrayBuffer);
    const [mine, theirs] = side === 0 ? [pong, ping] : [ping, pong];
    const signal = (): void => {
      Atomics.store(theirs, 0, 1);
      Atomics.notify(theirs, 0);
    };
    if (mode === 'raw') {
      return pingPong(signal, () => {
        while (Atomics.load(mine, 0) === 0) Atomics.wait(mine, 0, 0);
        Atomics.store(mine, 0, 0);
      });
    }
    return pingPong(signal, async () => {
      while (Atomics.load(mine, 0) === 0) {
        const result = Atomics.waitAsync(mine, 0, 0);
        if (result.async) await result.value;
      }
      Atomics.store(mine, 0, 0);
    });
  }
  if (mode === 'event' || mode === 'event-async') {
    const ping = Event.from(workerData.ping);
    const pong = Event.from(workerData.pong);
    const [mine, theirs] = side === 0 ? [pong, ping] : [ping, pong];
    const signal = (): void => theirs.set();
    if (mode === 'event') {
      return pingPong(signal, () => {
        mine.waitSync();
        mine.clear();
      });
    }
    return pingPong(signal, async () => {
      await mine.wait();
      mine.clear();
    });
  }
  if (mode === 'condition' || mode === 'condition-async') {
    const cond = Condition.from(workerData.cond);
    const lock = cond.lock;
    const turn = new Int32Array(workerData.turn as SharedArrayBuffer);
    const myTurn = (): boolean => turn[0] === side;
    gate();
    const t0 = performance.now();
    for (let i = 0; i < rounds; i++) {
      if (mode === 'condition') {
        lock.acquireSync();
        cond.waitForSync(myTurn);
        turn[0] = 1 - side;
        cond.notify();
        lock.release();
      } else {
        const release = await lock.acquire();
        await cond.waitFor(myTurn);
        turn[0] = 1 - side;
        cond.notify();
        release();
      }
    }
    // Side 0 had the first turn: its last hand-over is answered by side 1's last round.
    if (side === 0) {
      lock.acquireSync();
      cond.waitForSync(myTurn);
      lock.release();
    }
    return performance.now() - t0;
  }
  const barrier = Barrier.from(workerData.barrier);
  gate();
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) barrier.waitSync();
  return performance.now() - t0;
}

// A pending Atomics.waitAsync does not keep a worker alive (the library keeps its own waits alive; raw needs this).
const keepAlive = setInterval(() => {}, 1 << 30);
const ms = await run();
clearInterval(keepAlive);
if (side === 0) parentPort!.postMessage({ result: { nsPerRound: (ms * 1e6) / rounds } });
