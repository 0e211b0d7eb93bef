// One side of a ping-pong between two workers, `rounds` round trips, in one of three ways:
// 'lock': two Locks used as Python uses them to hand a turn over (any thread may release a Lock);
// 'raw': a word flipped with Atomics.store and waited on with Atomics.wait/notify (the ceiling);
// 'post': a MessagePort message each way.
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { Lock } from '../../../lib/index';

const { mode, side, rounds } = workerData as { mode: 'lock' | 'raw' | 'post'; side: 0 | 1; rounds: number };
const start = new Int32Array(workerData.start as SharedArrayBuffer);

function gate(): void {
  Atomics.add(start, 0, 1);
  while (Atomics.load(start, 0) < 2) {
    // both sides start together
  }
}

function report(ms: number): void {
  parentPort!.postMessage({ result: { nsPerRoundTrip: (ms * 1e6) / rounds } });
}

if (mode === 'lock') {
  const ping = Lock.from(workerData.ping);
  const pong = Lock.from(workerData.pong);
  gate();
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) {
    if (side === 0) {
      ping.release();
      pong.acquireSync();
    } else {
      ping.acquireSync();
      pong.release();
    }
  }
  if (side === 0) report(performance.now() - t0);
} else if (mode === 'raw') {
  const word = new Int32Array(workerData.word as SharedArrayBuffer);
  gate();
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) {
    if (side === 0) {
      Atomics.store(word, 0, 1);
      Atomics.notify(word, 0);
      while (Atomics.load(word, 0) === 1) Atomics.wait(word, 0, 1);
    } else {
      while (Atomics.load(word, 0) === 0) Atomics.wait(word, 0, 0);
      Atomics.store(word, 0, 0);
      Atomics.notify(word, 0);
    }
  }
  if (side === 0) report(performance.now() - t0);
} else {
  const port = workerData.port as MessagePort;
  let count = 0;
  let t0 = 0;
  port.on('message', () => {
    if (side === 1) {
      port.postMessage(0);
      if (++count === rounds) port.close();
      return;
    }
    if (++count === rounds) {
      report(performance.now() - t0);
      port.close();
    } else port.postMessage(0);
  });
  gate();
  if (side === 0) {
    t0 = performance.now();
    port.postMessage(0);
  }
}
