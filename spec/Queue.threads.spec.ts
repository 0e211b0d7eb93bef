import { describe, expect, it } from 'vitest';
import { Queue, type QueueOptions } from '../lib/index';
import { resultOf, spawn } from './helpers/workers';

const PRODUCERS = 3;
const ITEMS_PER_PRODUCER = 20_000;
const MODES = ['sync', 'async', 'mixed'] as const;
type Mode = (typeof MODES)[number] | 'batch' | 'batch-async';

interface Consumed {
  received: number[];
  corrupt: number;
}

/**
 * 3 producer workers (putSync, await put, alternating) each put 20,000 items of varied shapes and sizes;
 * 3 consumer workers (getSync, await get, alternating) take them until the queue is closed and drained.
 */
async function runStress(options: QueueOptions, modes: readonly Mode[] = MODES): Promise<void> {
  const queue = new Queue<unknown>(options);
  const consumers = modes.map((mode) => spawn('queue-consumer', { queue, mode }));
  const producers = modes.map((mode, producer) =>
    spawn('queue-producer', { queue, producer, count: ITEMS_PER_PRODUCER, mode }),
  );
  await Promise.all(producers.map((worker) => resultOf(worker, 50_000)));
  queue.close();
  const results = await Promise.all(consumers.map((worker) => resultOf<Consumed>(worker, 50_000)));

  // Nothing corrupt, every item received exactly once.
  expect(results.map((r) => r.corrupt)).toEqual([0, 0, 0]);
  const all = results.flatMap((r) => r.received);
  expect(all.length).toBe(PRODUCERS * ITEMS_PER_PRODUCER);
  const counts = new Uint8Array(PRODUCERS * ITEMS_PER_PRODUCER);
  for (const id of all) counts[Math.floor(id / 1e6) * ITEMS_PER_PRODUCER + (id % 1e6)]++;
  expect(counts.every((n) => n === 1)).toBe(true);
  // Per-producer order: each consumer sees every producer's items in increasing order.
  for (const { received } of results) {
    const last = new Array(PRODUCERS).fill(-1);
    let outOfOrder = 0;
    for (const id of received) {
      const p = Math.floor(id / 1e6);
      if (id % 1e6 <= last[p]) outOfOrder++;
      last[p] = id % 1e6;
    }
    expect(outOfOrder).toBe(0);
  }
  // Every consumer took part (sync and async consumers both got items).
  expect(results.every((r) => r.received.length > 0)).toBe(true);
  expect(queue.qsize()).toBe(0);
}

describe('Queue across threads: 3 producers × 3 consumers × 20,000 items, mixed sync and async', () => {
  it('delivers every item exactly once, in per-producer order, without an item limit', async () => {
    await runStress({});
  }, 110_000);

  it('does the same with maxsize 1, where every put and get waits for the other side', async () => {
    await runStress({ maxsize: 1 });
  }, 110_000);

  it('does the same with a 4 KB ring, where puts wait for bytes and records wrap all the time', async () => {
    await runStress({ capacity: 4096 });
  }, 110_000);

  it('does the same with batches (putManySync, await putMany, getManySync, await getMany) next to single puts and gets, maxsize 8', async () => {
    await runStress({ maxsize: 8 }, ['batch', 'batch-async', 'mixed']);
  }, 110_000);
});
