/**
 * Owner death and queues: a thread that dies in the middle of a put or a get leaves the queue consistent (its
 * half-done count update is undone by whoever takes the queue's lock over, or by the next `qsize()`), and a
 * consumer that dies between `get` and `taskDone` does not make `join()` hang: its tasks are abandoned and
 * reported with `OwnerDiedError`. The kill-point properties are in `OwnerDeath.Queue.property.spec.ts`.
 */

import { describe, expect, it } from 'vitest';
import { JoinableQueue, OwnerDiedError, Queue, QueueEmptyError } from '../lib/index';
import { encode } from '../lib/internal/codec';
import { recordDeath } from '../lib/internal/registry';
import { GETTERS, JOINERS, PUT_LOCK, Ring } from '../lib/internal/ring';
import { type How, kill, startDier, until, WAYS } from './helpers/dying';
import { nextMessage, resultOf, spawn } from './helpers/workers';

const PATIENCE = 20_000;

type Side = 'put' | 'get';
const STOPS: ReadonlyArray<[Side, boolean, How]> = [
  ...WAYS.map((how): [Side, boolean, How] => ['put', false, how]),
  ...WAYS.map((how): [Side, boolean, How] => ['get', true, how]),
  ['put', true, 'terminate'],
  ['get', false, 'exit'],
];

describe('Queue: a thread that dies half-way through a put or a get', () => {
  for (const [side, joinable, how] of STOPS) {
    const kind = joinable ? 'JoinableQueue' : 'Queue';
    it(`${kind}, ${side} (${how}): the counts are repaired, no item is lost or duplicated, the others go on`, async () => {
      const queue = joinable
        ? new JoinableQueue<number>({ capacity: 256 })
        : new Queue<number>({ capacity: 256 });
      for (const n of [1, 2, 3]) queue.putSync(n);
      const dier = await startDier('queue-stopper', { queue, joinable, side, how });
      // The half-done step is visible while the thread lives: the count is one ahead of the records. (A
      // 'return' thread ends by itself, perhaps already: the count may be repaired by then.)
      const gotByDier = side === 'get' && joinable ? 1 : 0;
      const inQueue = 3 - gotByDier;
      if (how !== 'return') expect(queue.qsize()).toBe(side === 'put' ? inQueue + 1 : inQueue - 1);
      await kill(dier, how);
      expect(queue.qsize()).toBe(inQueue);
      queue.putSync(4); // takes PUT_LOCK (over, if the put side died)
      const drained: number[] = [];
      for (;;) {
        try {
          drained.push(queue.getSync(0)); // takes GET_LOCK (over, if the get side died)
        } catch (error) {
          expect(error).toBeInstanceOf(QueueEmptyError);
          break;
        }
      }
      expect(drained).toEqual([1, 2, 3, 4].slice(gotByDier));
      expect(queue.qsize()).toBe(0);
      if (queue instanceof JoinableQueue) {
        expect(queue.unfinishedTasks()).toBe(drained.length);
        for (const _ of drained) queue.taskDone();
        // The dead get was undone, its own count of tasks too: nothing was abandoned.
        await queue.join({ timeout: PATIENCE });
        expect(queue.abandonedTasks()).toBe(0);
      }
    });
  }
});

function joiners(queue: JoinableQueue): number {
  return new Int32Array(queue.buffer, queue.byteOffset, JOINERS + 1)[JOINERS];
}

describe('Queue: a thread that dies after its put published the item and before it signalled', () => {
  it('does not leave a consumer parked in getSync beside the item', async () => {
    const queue = new Queue<string>();
    const consumer = spawn('queue-op', { queue, op: 'getSync', timeout: 20_000 });
    await nextMessage(consumer, 10_000, (m: { ready?: boolean }) => m.ready === true);
    const words = new Int32Array(queue.buffer, queue.byteOffset, 128);
    await until(
      () => Atomics.load(words, GETTERS) === 1,
      () => 'the consumer parked',
      10_000,
    );
    // That thread's put, up to its publication: the item is in the queue, and the consumer was not woken.
    const ring = new Ring(queue.buffer, queue.byteOffset);
    ring.lock(PUT_LOCK);
    ring.writeOne(encode('left behind', 'spec'));
    ring.unlock(PUT_LOCK);
    recordDeath(0x1fff_fff0); // and its death, as its creator records it
    // A wait for an item watches deaths: it looks again (before, it slept until its own timeout).
    expect(await resultOf(consumer, 5_000)).toEqual({ value: 'left behind' });
  });
});

describe('JoinableQueue: a consumer that dies between get and taskDone', () => {
  for (const how of WAYS) {
    const withSyncJoiner = how === 'terminate' || how === 'exit';
    it(`(${how}) abandons its task: join() ${withSyncJoiner ? 'here and joinSync() in a worker end' : 'ends'} with OwnerDiedError once the rest is done`, async () => {
      const queue = new JoinableQueue<number>();
      for (const n of [1, 2, 3]) queue.putSync(n);
      const dier = await startDier('queue-task-dier', { queue, get: 2, done: 1, how });
      const joined = queue.join({ timeout: PATIENCE });
      const syncJoiner = withSyncJoiner ? spawn('queue-joiner', { queue, timeout: PATIENCE }) : undefined;
      // Listening from the start: the worker may report before this thread gets to its await.
      const syncJoined = syncJoiner
        ? resultOf<{ error?: { name: string; threadId: number } }>(syncJoiner, PATIENCE + 5_000)
        : undefined;
      syncJoined?.catch(() => {}); // awaited below
      joined.catch(() => {}); // handled below; it may settle before the await
      await until(
        () => joiners(queue) === (syncJoiner ? 2 : 1),
        () => `joiners: ${joiners(queue)}`,
        PATIENCE,
      );
      // (A 'return' thread ends by itself, perhaps already, and its task may already be abandoned.)
      if (how !== 'return') expect(queue.unfinishedTasks()).toBe(2);
      await kill(dier, how);
      // The dead consumer's task no longer counts; the one still queued does.
      expect(queue.unfinishedTasks()).toBe(1);
      expect(queue.abandonedTasks()).toBe(1);
      expect(queue.getSync(0)).toBe(3);
      queue.taskDone();
      const error = await joined.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(OwnerDiedError);
      expect((error as OwnerDiedError).threadId).toBe(dier.threadId);
      expect((error as Error).message).toMatch(/^JoinableQueue\.join: 1 task was abandoned: thread \d+ died/);
      if (syncJoined) {
        const result = await syncJoined;
        expect(result.error).toEqual(
          expect.objectContaining({ name: 'OwnerDiedError', threadId: dier.threadId }),
        );
      }
      // Reported once: a later join has nothing to wait for and nothing new to report.
      await queue.join({ timeout: PATIENCE });
      expect(queue.joinSync(0)).toBe(true);
      expect(() => queue.taskDone()).toThrow(/called more times than items were put/);
    });
  }

  it('a consumer that dies holding no task abandons nothing', async () => {
    const queue = new JoinableQueue<number>();
    for (const n of [1, 2]) queue.putSync(n);
    const dier = await startDier('queue-task-dier', { queue, get: 2, done: 2, how: 'terminate' });
    await kill(dier, 'terminate');
    expect(queue.unfinishedTasks()).toBe(0);
    expect(queue.abandonedTasks()).toBe(0);
    await queue.join({ timeout: PATIENCE });
  });
});

describe('Queue: the async forms in the thread that created the dead worker', () => {
  it('an async get does not park that thread on the lock of a worker it terminated, before it learns of the death', async () => {
    const queue = new Queue<number>({ capacity: 256 });
    for (const n of [1, 2]) queue.putSync(n);
    // In a worker of its own, so that a thread stuck in a sync wait would fail this test instead of hanging it.
    const creator = spawn('queue-creator', { queue });
    const { item } = await resultOf<{ item: number }>(creator, PATIENCE);
    expect(item).toBe(1);
    expect(queue.qsize()).toBe(1);
  });

  it('an async join does not park that thread on the lock of a worker it terminated, when it looks for dead consumers', async () => {
    // A death recorded in this process since any view looked, so that the creator's join looks for dead consumers.
    await kill(
      await startDier('queue-stopper', {
        queue: new Queue<number>(),
        joinable: false,
        side: 'put',
        how: 'terminate',
      }),
      'terminate',
    );
    const queue = new JoinableQueue<number>({ capacity: 256 });
    for (const n of [1, 2]) queue.putSync(n);
    const creator = spawn('queue-reaper', { queue });
    const result = await resultOf<{ item: number; abandoned: number }>(creator, PATIENCE);
    expect(result).toEqual({ item: 2, abandoned: 0 });
    expect(queue.qsize()).toBe(0);
    expect(queue.unfinishedTasks()).toBe(0);
  });
});
