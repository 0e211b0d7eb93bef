/**
 * A death is recorded in two steps (the count, then the ring slot that names the thread). A view that remembers
 * the count it has looked at, to look again only after a new death (a Queue's repair of its locks, a
 * JoinableQueue's reap of dead consumers), must not remember a count whose last death it could not see yet.
 * Here a death is recorded step by step in this thread, with a joinable queue's consumer entry that names the
 * dying thread, and the queue is asked in between.
 */

import { describe, expect, it } from 'vitest';
import { JoinableQueue } from '../lib/index';
import {
  deathCount,
  deathsWord,
  isDead,
  RECORDED,
  RING,
  RING_SIZE,
  settledDeathCount,
} from '../lib/internal/registry';
import { CAPACITY, CONSUMER_SLOTS, HEADER_BYTES } from '../lib/internal/ring';
import { currentThreadId } from '../lib/internal/thread';

/** An id no thread of this process has (ids are threadId + 1, small and never reused). */
const GHOST = 0x3fff_fff0;

/** Records the death of `id` in two steps (see registry.ts), running `between` after the first. */
function recordInSteps(id: number, between: () => void): void {
  const { view, index: DEATHS } = deathsWord();
  const n = Atomics.add(view, DEATHS, 1);
  between();
  Atomics.store(view, RING + (n % RING_SIZE), id);
  Atomics.add(view, RECORDED, 1);
  Atomics.notify(view, DEATHS);
}

describe('a death recorded in two steps', () => {
  it('settledDeathCount is -1 between the steps and the new count after them', () => {
    const before = settledDeathCount();
    expect(before).toBe(deathCount());
    let between: number | undefined;
    let deadBetween: boolean | undefined;
    recordInSteps(GHOST, () => {
      between = settledDeathCount();
      deadBetween = isDead(GHOST);
    });
    expect({ between, deadBetween }).toEqual({ between: -1, deadBetween: false });
    expect(settledDeathCount()).toBe(before + 1);
    expect(isDead(GHOST)).toBe(true);
  });

  it("a JoinableQueue asked between the steps still abandons the dead consumer's task after them", () => {
    const queue = new JoinableQueue<number>({ capacity: 256 });
    queue.putSync(1);
    expect(queue.getSync(0)).toBe(1); // this thread's entry now holds the task
    // Hand the entry to the ghost, as if it had got the task.
    const capacity = new Int32Array(queue.buffer, queue.byteOffset, HEADER_BYTES / 4)[CAPACITY];
    const slots = new Int32Array(
      queue.buffer,
      queue.byteOffset + HEADER_BYTES + capacity,
      CONSUMER_SLOTS * 2,
    );
    const at = slots.findIndex((id, i) => i % 2 === 0 && id === currentThreadId);
    expect(at).toBeGreaterThanOrEqual(0);
    slots[at] = GHOST - 1; // another ghost for this queue: GHOST is dead since the test above
    const ghost = GHOST - 1;
    expect(queue.unfinishedTasks()).toBe(1);
    // Asked while the ghost's slot is not yet written: it cannot know of the death yet.
    recordInSteps(ghost, () => expect(queue.unfinishedTasks()).toBe(1));
    expect(queue.unfinishedTasks()).toBe(0);
    expect(queue.abandonedTasks()).toBe(1);
  });
});
