// One side of a one-producer → one-consumer pipe, `count` items, in one of four ways:
// 'queue': Queue.putSync / getSync; 'queue-async': await put() / await get();
// 'post': MessagePort messages, with a credit window so that the producer cannot run unboundedly ahead;
// 'raw': a single-producer single-consumer ring of fixed-size records in a SharedArrayBuffer (the ceiling:
// no encoding, no lock, no allocation, the bytes copied in and out once); 'raw-fresh': the same ring, but the
// consumer copies each record into a fresh buffer, as any queue that hands out owned items must.
// Items: 'small' is { id, payload: 32 chars }; '4k' and '64k' are Uint8Arrays of that many bytes.
// The consumer reports { result: { ms } }: from the start gate to the last item received.
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { Queue } from '../../../lib/index';

type Mode = 'queue' | 'queue-async' | 'post' | 'raw' | 'raw-fresh';
type Kind = 'small' | '4k' | '64k';

const { role, mode, kind, count } = workerData as {
  role: 'producer' | 'consumer';
  mode: Mode;
  kind: Kind;
  count: number;
};
const gateWord = new Int32Array(workerData.gate as SharedArrayBuffer);
const PAYLOAD = 'abcdefghijklmnopqrstuvwxyzABCDEF'; // 32 chars
const bytesPerItem = kind === '4k' ? 4096 : kind === '64k' ? 65536 : 64;
const template = new Uint8Array(bytesPerItem).fill(7);

function gate(): void {
  Atomics.add(gateWord, 0, 1);
  while (Atomics.load(gateWord, 0) < 2) {
    // both sides start together
  }
}

function report(t0: number): void {
  parentPort!.postMessage({ result: { ms: performance.now() - t0 } });
}

function item(i: number): unknown {
  return kind === 'small' ? { id: i, payload: PAYLOAD } : template;
}

function check(received: unknown, i: number): void {
  if (
    kind === 'small'
      ? (received as { id: number }).id !== i
      : (received as Uint8Array).length !== bytesPerItem
  ) {
    throw new Error(`queue-pipe: item ${i} is wrong`);
  }
}

if (mode === 'queue' || mode === 'queue-async') {
  const queue = Queue.from(workerData.queue);
  gate();
  const t0 = performance.now();
  if (role === 'producer') {
    if (mode === 'queue') for (let i = 0; i < count; i++) queue.putSync(item(i));
    else for (let i = 0; i < count; i++) await queue.put(item(i));
  } else {
    if (mode === 'queue') for (let i = 0; i < count; i++) check(queue.getSync(), i);
    else for (let i = 0; i < count; i++) check(await queue.get(), i);
    report(t0);
  }
} else if (mode === 'post') {
  const port = workerData.port as MessagePort;
  const WINDOW = kind === 'small' ? 4096 : 256; // messages in flight at most
  const ACK_EVERY = WINDOW / 4;
  if (role === 'producer') {
    let sent = 0;
    let acked = 0;
    const pump = (): void => {
      while (sent < count && sent - acked < WINDOW) port.postMessage(item(sent++));
      if (sent === count) port.close();
    };
    port.on('message', (ack: number) => {
      acked = ack;
      pump();
    });
    gate();
    pump();
  } else {
    let received = 0;
    let t0 = 0;
    port.on('message', (message: unknown) => {
      check(message, received);
      if (++received % ACK_EVERY === 0) port.postMessage(received);
      if (received === count) {
        report(t0);
        port.close();
      }
    });
    gate();
    t0 = performance.now();
  }
} else {
  // Raw SPSC ring: HEAD/TAIL are record counters; SLOTS records of bytesPerItem bytes.
  const control = new Int32Array(workerData.control as SharedArrayBuffer);
  const data = new Uint8Array(workerData.data as SharedArrayBuffer);
  const SLOTS = data.length / bytesPerItem;
  const HEAD = 0;
  const TAIL = 1;
  const CONSUMER_WAITS = 2;
  const PRODUCER_WAITS = 3;
  const local = new Uint8Array(bytesPerItem);
  gate();
  const t0 = performance.now();
  if (role === 'producer') {
    for (let i = 0; i < count; i++) {
      for (let spins = 0; i - Atomics.load(control, HEAD) >= SLOTS; spins++) {
        if (spins < 100) continue;
        Atomics.store(control, PRODUCER_WAITS, 1);
        const head = Atomics.load(control, HEAD);
        if (i - head >= SLOTS) Atomics.wait(control, HEAD, head);
        Atomics.store(control, PRODUCER_WAITS, 0);
      }
      template[0] = i & 0xff;
      data.set(template, (i % SLOTS) * bytesPerItem);
      Atomics.store(control, TAIL, i + 1);
      if (Atomics.load(control, CONSUMER_WAITS)) Atomics.notify(control, TAIL);
    }
  } else {
    for (let i = 0; i < count; i++) {
      for (let spins = 0; Atomics.load(control, TAIL) <= i; spins++) {
        if (spins < 100) continue;
        Atomics.store(control, CONSUMER_WAITS, 1);
        if (Atomics.load(control, TAIL) <= i) Atomics.wait(control, TAIL, i);
        Atomics.store(control, CONSUMER_WAITS, 0);
      }
      const at = (i % SLOTS) * bytesPerItem;
      const into = mode === 'raw-fresh' ? new Uint8Array(bytesPerItem) : local;
      into.set(data.subarray(at, at + bytesPerItem));
      Atomics.store(control, HEAD, i + 1);
      if (Atomics.load(control, PRODUCER_WAITS)) Atomics.notify(control, HEAD);
      if (into[0] !== (i & 0xff)) throw new Error(`queue-pipe: raw record ${i} is wrong`);
    }
    report(t0);
  }
}
