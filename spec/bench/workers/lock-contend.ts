// One of two workers contending for one lock: `iterations` acquire / increment / release, with this library's
// Lock, RLock or Semaphore(1), or a raw three-state futex mutex (Drepper, "Futexes Are Tricky", mutex 2)
// written inline.
import { parentPort, workerData } from 'node:worker_threads';
import { Lock, RLock, Semaphore } from '../../../lib/index';

const { mode, iterations } = workerData as {
  mode: 'lock' | 'rlock' | 'semaphore' | 'futex';
  iterations: number;
};
const start = new Int32Array(workerData.start as SharedArrayBuffer);
const counter = new Int32Array(workerData.counter as SharedArrayBuffer);

Atomics.add(start, 0, 1);
while (Atomics.load(start, 0) < 2) {
  // both start together
}
const t0 = performance.now();
if (mode === 'lock' || mode === 'rlock' || mode === 'semaphore') {
  const lock =
    mode === 'lock'
      ? Lock.from(workerData.lock)
      : mode === 'rlock'
        ? RLock.from(workerData.rlock)
        : Semaphore.from(workerData.semaphore);
  for (let i = 0; i < iterations; i++) {
    lock.acquireSync();
    counter[0]++;
    lock.release();
  }
} else {
  const word = new Int32Array(workerData.word as SharedArrayBuffer);
  for (let i = 0; i < iterations; i++) {
    let c = Atomics.compareExchange(word, 0, 0, 1);
    if (c !== 0) {
      if (c !== 2) c = Atomics.exchange(word, 0, 2);
      while (c !== 0) {
        Atomics.wait(word, 0, 2);
        c = Atomics.exchange(word, 0, 2);
      }
    }
    counter[0]++;
    if (Atomics.sub(word, 0, 1) !== 1) {
      Atomics.store(word, 0, 0);
      Atomics.notify(word, 0, 1);
    }
  }
}
parentPort!.postMessage({ result: { ms: performance.now() - t0 } });
