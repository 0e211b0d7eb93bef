// One of two threads whose async tasks compete for one Lock or Semaphore(1) (cross-thread fairness of the
// in-thread hand-over): `tasks` async tasks take turns (`acquire`, `await null`, release) until `stop` is set,
// and the thread reports how many acquisitions it made.
import { parentPort, workerData } from 'node:worker_threads';
import { type Lock, revive, type Semaphore } from '../../../lib/index';

const { tasks } = workerData as { tasks: number };
const { target } = revive(workerData as { target: Lock | Semaphore });
const start = new Int32Array(workerData.start as SharedArrayBuffer);
const stop = new Int32Array(workerData.stop as SharedArrayBuffer);

Atomics.add(start, 0, 1);
while (Atomics.load(start, 0) < 2) {
  // both threads start together
}
let count = 0;
const turn = async (): Promise<void> => {
  const held = await target.acquire();
  const release = typeof held === 'function' ? held : held[1];
  count++;
  await null;
  release();
};
await Promise.all(
  Array.from({ length: tasks }, async () => {
    while (Atomics.load(stop, 0) === 0) await turn();
  }),
);
parentPort!.postMessage({ result: { count } });
