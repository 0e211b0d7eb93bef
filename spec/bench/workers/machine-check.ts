// The bench's machine check (spec/bench/machine.ts), one of two threads started together:
// 'loop': a fixed integer loop, timed; 'ping' / 'pong': a round trip through one shared word, both sides
// spinning (no wait, no notify), timed on 'ping'. Both first meet at a gate, so that they run at once.
import { parentPort, workerData } from 'node:worker_threads';

const { mode, steps, gate } = workerData as {
  mode: 'loop' | 'ping' | 'pong';
  steps: number;
  gate: SharedArrayBuffer;
};
const words = new Int32Array(gate);
Atomics.add(words, 0, 1);
while (Atomics.load(words, 0) < 2) {
  // spin: the two threads start within milliseconds of each other
}

if (mode === 'loop') {
  const t0 = performance.now();
  let x = 1;
  for (let i = 0; i < steps; i++) x = (Math.imul(x, 1103515245) + 12345) | 0;
  const ns = ((performance.now() - t0) * 1e6) / steps;
  parentPort!.postMessage({ result: { ns, x } });
} else {
  // Word 1 counts the moves: 'ping' makes the odd ones, 'pong' the even ones.
  const odd = mode === 'ping' ? 1 : 0;
  const t0 = performance.now();
  for (let move = odd ? 1 : 2; move <= 2 * steps; move += 2) {
    while (Atomics.load(words, 1) !== move - 1) {
      // spin until the other thread's move
    }
    Atomics.store(words, 1, move);
  }
  parentPort!.postMessage({ result: { ns: ((performance.now() - t0) * 1e6) / steps } });
}
