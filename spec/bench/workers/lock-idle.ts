// A waiter that nobody wakes for a while: blocks in Lock.acquireSync() (the lock is held by the bench's
// thread, or, in 'handover' mode, by this worker itself) or in a raw Atomics.wait, so that the bench can
// measure what an idle waiter costs in CPU time.
import { parentPort, workerData } from 'node:worker_threads';
import { Lock } from '../../../lib/index';

const { mode } = workerData as { mode: 'lock' | 'raw' | 'handover' };
if (mode === 'handover') {
  // Takes the free lock, then waits for it again: the bench's thread releases it (Python's Lock as a signal).
  const lock = Lock.from(workerData.lock);
  lock.acquireSync();
  parentPort!.postMessage({ waiting: true });
  lock.acquireSync();
  lock.release();
} else if (mode === 'lock') {
  const lock = Lock.from(workerData.lock);
  parentPort!.postMessage({ waiting: true });
  lock.acquireSync();
  lock.release();
} else {
  const word = new Int32Array(workerData.word as SharedArrayBuffer);
  parentPort!.postMessage({ waiting: true });
  while (Atomics.load(word, 0) === 0) Atomics.wait(word, 0, 0);
}
parentPort!.postMessage({ result: { woken: true } });
