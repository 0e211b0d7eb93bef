// One side of a ping-pong between two threads, to time a wake-up: the `ping` side reports the median round
// trip in ns as `{ result }`. Modes: raw Atomics.wait/notify, raw Atomics.waitAsync/notify, RawValue waits
// (sync and async), and CancelFlag (its AbortSignal, and waitSync): a one-shot flag per direction and round.
import { parentPort, workerData } from 'node:worker_threads';
import { type CancelFlag, type RawValue, revive } from '../../../lib/index';

type Mode =
  | 'atomics-wait'
  | 'atomics-waitAsync'
  | 'value-waitForSync'
  | 'value-waitFor'
  | 'flag-waitSync'
  | 'flag-signal';
interface Data {
  role: 'ping' | 'pong';
  mode: Mode;
  rounds: number;
  word: SharedArrayBuffer; // [0]: the ping-pong word, [1]: start barrier
  value: RawValue<'int32'>;
  pings: CancelFlag[];
  pongs: CancelFlag[];
}

const data = revive(workerData as Data);
const { role, mode, rounds } = data;
const word = new Int32Array(data.word);
const isPing = role === 'ping';

async function waitAsyncFor(expected: number): Promise<void> {
  for (;;) {
    const current = Atomics.load(word, 0);
    if (current === expected) return;
    const result = Atomics.waitAsync(word, 0, current);
    if (result.async) await result.value;
  }
}

function waitSyncFor(expected: number): void {
  for (;;) {
    const current = Atomics.load(word, 0);
    if (current === expected) return;
    Atomics.wait(word, 0, current);
  }
}

function signalled(flag: CancelFlag): Promise<void> {
  const signal = flag.signal;
  return signal.aborted
    ? Promise.resolve()
    : new Promise((resolve) => signal.addEventListener('abort', () => resolve()));
}

// Signals are obtained before the timing, as a program would when it sets up its cancellation.
const pingAborts = mode === 'flag-signal' && !isPing ? data.pings.map(signalled) : [];
const pongAborts = mode === 'flag-signal' && isPing ? data.pongs.map(signalled) : [];
const keepAlive = setInterval(() => {}, 1000); // the signals alone do not keep this thread alive

// Start together.
Atomics.add(word, 1, 1);
while (Atomics.load(word, 1) < 2) Atomics.wait(word, 1, 1, 10);

const samples: number[] = [];
for (let r = 0; r < rounds; r++) {
  const t0 = performance.now();
  const ping = 2 * r + 1;
  const pong = 2 * r + 2;
  if (isPing) {
    switch (mode) {
      case 'atomics-wait':
        Atomics.store(word, 0, ping);
        Atomics.notify(word, 0);
        waitSyncFor(pong);
        break;
      case 'atomics-waitAsync':
        Atomics.store(word, 0, ping);
        Atomics.notify(word, 0);
        await waitAsyncFor(pong);
        break;
      case 'value-waitForSync':
        data.value.value = ping;
        data.value.waitForSync(pong);
        break;
      case 'value-waitFor':
        data.value.value = ping;
        await data.value.waitFor(pong);
        break;
      case 'flag-waitSync':
        data.pings[r].cancel();
        data.pongs[r].waitSync();
        break;
      case 'flag-signal':
        data.pings[r].cancel();
        await pongAborts[r];
        break;
    }
    samples.push((performance.now() - t0) * 1e6);
  } else {
    switch (mode) {
      case 'atomics-wait':
        waitSyncFor(ping);
        Atomics.store(word, 0, pong);
        Atomics.notify(word, 0);
        break;
      case 'atomics-waitAsync':
        await waitAsyncFor(ping);
        Atomics.store(word, 0, pong);
        Atomics.notify(word, 0);
        break;
      case 'value-waitForSync':
        data.value.waitForSync(ping);
        data.value.value = pong;
        break;
      case 'value-waitFor':
        await data.value.waitFor(ping);
        data.value.value = pong;
        break;
      case 'flag-waitSync':
        data.pings[r].waitSync();
        data.pongs[r].cancel();
        break;
      case 'flag-signal':
        await pingAborts[r];
        data.pongs[r].cancel();
        break;
    }
  }
}
clearInterval(keepAlive);
if (isPing) {
  samples.sort((a, b) => a - b);
  parentPort!.postMessage({ result: samples[samples.length >> 1] });
}
