// One of two workers contending for one permit: `iterations` acquire / increment / release, with either this
// library's Semaphore or a raw futex semaphore (a value word and a waiters word, as glibc's sem_t) inline.
import { parentPort, workerData } from 'node:worker_threads';
import { Semaphore } from '../../../lib/index';

const { mode, iterations } = workerData as { mode: 'semaphore' | 'futex'; iterations: number };
const start = new Int32Array(workerData.start as SharedArrayBuffer);
const counter = new Int32Array(workerData.counter as SharedArrayBuffer);
const VALUE = 0;
const WAITERS = 1;

Atomics.add(start, 0, 1);
while (Atomics.load(start, 0) < 2) {
  // both start together
}
const t0 = performance.now();
if (mode === 'semaphore') {
  const sem = Semaphore.from(workerData.sem);
  for (let i = 0; i < iterations; i++) {
    sem.acquireSync();
    counter[0]++;
    sem.release();
  }
} else {
  const word = new Int32Array(workerData.word as SharedArrayBuffer);
  const take = (): boolean => {
    for (;;) {
      const value = Atomics.load(word, VALUE);
      if (value < 1) return false;
      if (Atomics.compareExchange(word, VALUE, value, value - 1) === value) return true;
    }
  };
  for (let i = 0; i < iterations; i++) {
    if (!take()) {
      Atomics.add(word, WAITERS, 1);
      while (!take()) Atomics.wait(word, VALUE, 0);
      Atomics.sub(word, WAITERS, 1);
    }
    counter[0]++;
    Atomics.add(word, VALUE, 1);
    if (Atomics.load(word, WAITERS) > 0) Atomics.notify(word, VALUE);
  }
}
parentPort!.postMessage({ result: { ms: performance.now() - t0 } });
