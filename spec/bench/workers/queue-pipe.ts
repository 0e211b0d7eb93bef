// One worker of a Queue benchmark (spec/bench/queue.bench.ts), in one of these modes:
// 'queue': Queue.putSync / getSync; 'queue-async': await put() / await get(); 'queue-many': putManySync /
// getManySync; 'post': plain postMessage over MessagePorts, no flow control (what people write);
// 'raw': a single-producer single-consumer ring of fixed-size records (no encoding, no lock, no allocation: the
// ceiling); 'raw-fresh': the same ring, but the consumer copies each record into a fresh buffer, as any queue
// that hands out owned items must.
//
// Roles: 'producer' puts `count` items; 'consumer' takes items until it has `expect` of them (or, for queues
// with several producers, until the queue is closed and drained) and reports when it received its first and its
// last item, on the process-wide clock (performance.timeOrigin + now()), so that several consumers can be
// combined. 'ping' / 'pong' run a request/response round trip `count` times, timed on 'ping' after WARM_UP untimed ones.
// Small items are built fresh for every put, as real items are: { id, payload: a 32-character string made for
// this item }; binary items ('4k', '64k') are a Uint8Array of that many bytes, stamped with the item's number.
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { Queue, QueueClosedError } from '../../../lib/index';
import { freshItem } from '../item';

type Mode = 'queue' | 'queue-async' | 'queue-many' | 'post' | 'raw' | 'raw-fresh';
type Kind = 'small' | '4k' | '64k';
type Role = 'producer' | 'consumer' | 'ping' | 'pong';

const data = workerData as {
  role: Role;
  mode: Mode;
  kind: Kind;
  count: number;
  expect: number;
  /** How many producers share the queue (the last one to finish closes it). */
  producers: number;
  /** Where this producer's ids start. */
  first: number;
  gate: SharedArrayBuffer;
  parties: number;
  queue?: unknown;
  replies?: unknown;
  ports?: MessagePort[];
  control?: SharedArrayBuffer;
  ring?: SharedArrayBuffer;
};
const { role, mode, kind, count } = data;
const bytesPerItem = kind === '4k' ? 4096 : kind === '64k' ? 65536 : 64;
const template = new Uint8Array(bytesPerItem).fill(7);
const BATCH = 64; // items per putManySync / getManySync call

/** Waits until every party of the run has arrived, so that all start together. */
function gate(): void {
  const word = new Int32Array(data.gate);
  Atomics.add(word, 0, 1);
  while (Atomics.load(word, 0) < data.parties) {
    // spin: the parties arrive within milliseconds of each other
  }
}

const now = (): number => performance.timeOrigin + performance.now();

function report(result: Record<string, number>): void {
  parentPort!.postMessage({ result });
}

/** A fresh item, as a program would build it: a new object and a new string each time. */
function item(id: number): unknown {
  if (kind !== 'small') {
    template[0] = id & 0xff;
    return template;
  }
  return freshItem(id);
}

function check(received: unknown, id: number | -1): number {
  if (kind === 'small') {
    const { id: got, payload } = received as { id: number; payload: string };
    if ((id !== -1 && got !== id) || payload.length !== 32 || payload.charCodeAt(17) !== 48 + (got % 10)) {
      throw new Error(`queue-pipe: item ${id} is wrong: ${JSON.stringify(received)}`);
    }
    return got;
  }
  const bytes = received as Uint8Array;
  if (bytes.length !== bytesPerItem || (id !== -1 && bytes[0] !== (id & 0xff))) {
    throw new Error(`queue-pipe: item ${id} is wrong`);
  }
  return bytes[0];
}

async function queueProducer(queue: Queue<unknown>): Promise<void> {
  const end = data.first + count;
  if (mode === 'queue') for (let i = data.first; i < end; i++) queue.putSync(item(i));
  else if (mode === 'queue-async') for (let i = data.first; i < end; i++) await queue.put(item(i));
  else {
    const batch: unknown[] = [];
    for (let i = data.first; i < end; i++) {
      batch.push(item(i));
      if (batch.length === BATCH || i === end - 1) {
        queue.putManySync(batch);
        batch.length = 0;
      }
    }
  }
  // The last producer to finish closes the queue: consumers then drain it and stop.
  const done = new Int32Array(data.gate);
  if (Atomics.add(done, 1, 1) + 1 === data.producers) queue.close();
}

async function queueConsumer(queue: Queue<unknown>): Promise<void> {
  // In order when there is one producer; with several, only the shape is checked.
  const ordered = data.producers === 1;
  let received = 0;
  let first = 0;
  const take = (got: unknown): void => {
    if (received === 0) first = now();
    check(got, ordered ? received : -1);
    received++;
  };
  try {
    if (mode === 'queue') for (;;) take(queue.getSync());
    else if (mode === 'queue-async') for (;;) take(await queue.get());
    else for (;;) for (const got of queue.getManySync(BATCH)) take(got);
  } catch (err) {
    if (!(err instanceof QueueClosedError)) throw err;
  }
  report({ first, last: now(), received });
}

function postProducer(ports: MessagePort[]): void {
  const end = data.first + count;
  for (let i = data.first, p = 0; i < end; i++) {
    ports[p].postMessage(item(i));
    if (++p === ports.length) p = 0;
  }
}

function postConsumer(ports: MessagePort[]): void {
  const ordered = data.producers === 1;
  let received = 0;
  let first = 0;
  for (const port of ports) {
    port.on('message', (message: unknown) => {
      if (received === 0) first = now();
      check(message, ordered ? received : -1);
      if (++received === data.expect) {
        report({ first, last: now(), received });
        for (const p of ports) p.close();
      }
    });
  }
}

/**
 * Round trips made before the timed ones, in every mode alike: the first thousand run while the compiler is
 * still at work (on two cores it competes with the two sides for the CPU), and they would decide the figure.
 */
const WARM_UP = 2_000;

async function pingPong(): Promise<void> {
  if (mode === 'post') {
    const port = data.ports![0];
    if (role === 'pong') {
      port.on('message', (request: { id: number }) => port.postMessage(item(check(request, -1))));
      gate();
      return;
    }
    gate();
    let t0 = now();
    let i = 0;
    port.on('message', (response: unknown) => {
      check(response, i);
      if (++i === WARM_UP) t0 = now();
      if (i === WARM_UP + count) {
        report({ first: t0, last: now(), received: count });
        port.close();
      } else {
        port.postMessage(item(i));
      }
    });
    port.postMessage(item(0));
    return;
  }
  const requests = Queue.from(data.queue);
  const responses = Queue.from(data.replies);
  gate();
  if (role === 'pong') {
    try {
      if (mode === 'queue-async') for (;;) await responses.put(item(check(await requests.get(), -1)));
      else for (;;) responses.putSync(item(check(requests.getSync(), -1)));
    } catch (err) {
      if (!(err instanceof QueueClosedError)) throw err;
    }
    return;
  }
  let t0 = now();
  for (let i = 0; i < WARM_UP + count; i++) {
    if (i === WARM_UP) t0 = now();
    if (mode === 'queue-async') {
      await requests.put(item(i));
      check(await responses.get(), i);
    } else {
      requests.putSync(item(i));
      check(responses.getSync(), i);
    }
  }
  report({ first: t0, last: now(), received: count });
  requests.close();
}

function rawRing(): void {
  // HEAD/TAIL are record counters; SLOTS records of bytesPerItem bytes.
  const control = new Int32Array(data.control!);
  const ring = new Uint8Array(data.ring!);
  const SLOTS = ring.length / bytesPerItem;
  const HEAD = 0;
  const TAIL = 1;
  const CONSUMER_WAITS = 2;
  const PRODUCER_WAITS = 3;
  const local = new Uint8Array(bytesPerItem);
  gate();
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
      ring.set(template, (i % SLOTS) * bytesPerItem);
      Atomics.store(control, TAIL, i + 1);
      if (Atomics.load(control, CONSUMER_WAITS)) Atomics.notify(control, TAIL);
    }
    return;
  }
  let first = 0;
  for (let i = 0; i < count; i++) {
    for (let spins = 0; Atomics.load(control, TAIL) <= i; spins++) {
      if (spins < 100) continue;
      Atomics.store(control, CONSUMER_WAITS, 1);
      if (Atomics.load(control, TAIL) <= i) Atomics.wait(control, TAIL, i);
      Atomics.store(control, CONSUMER_WAITS, 0);
    }
    if (i === 0) first = now();
    const at = (i % SLOTS) * bytesPerItem;
    const into = mode === 'raw-fresh' ? new Uint8Array(bytesPerItem) : local;
    into.set(ring.subarray(at, at + bytesPerItem));
    Atomics.store(control, HEAD, i + 1);
    if (Atomics.load(control, PRODUCER_WAITS)) Atomics.notify(control, HEAD);
    if (into[0] !== (i & 0xff)) throw new Error(`queue-pipe: raw record ${i} is wrong`);
  }
  report({ first, last: now(), received: count });
}

if (role === 'ping' || role === 'pong') {
  await pingPong();
} else if (mode === 'raw' || mode === 'raw-fresh') {
  rawRing();
} else if (mode === 'post') {
  const ports = data.ports!;
  if (role === 'producer') {
    gate();
    postProducer(ports);
  } else {
    postConsumer(ports);
    gate();
  }
} else {
  const queue = Queue.from(data.queue);
  gate();
  if (role === 'producer') await queueProducer(queue);
  else await queueConsumer(queue);
}
