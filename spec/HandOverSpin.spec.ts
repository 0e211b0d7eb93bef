/**
 * The spin of a contended sync acquire (`spinLock` in `internal/mutex.ts`): a lock this thread holds, which
 * another thread is about to release (a hand-over, Python's Lock used as a signal), is waited for with an
 * adaptive spin that goes on through a CONTENDED word, since a woken waiter leaves the word CONTENDED for good;
 * not while another thread waits for the lock too (it would win every release over it); and a CONTENDED lock
 * that another thread holds is left at once, so that under contention a waiter parks soon.
 */

import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { Lock } from '../lib/index';
import { now } from '../lib/internal/clock';
import { spinLock } from '../lib/internal/mutex';
import { SpinBudget } from '../lib/internal/spin';
import { currentThreadId } from '../lib/internal/thread';
import { spawn, terminateAll } from './helpers/workers';

const LOCKED = 1;
const CONTENDED = 2;
const ME = currentThreadId << 2;
/** A budget far longer than the releaser's delay, so that a releaser that shares a core with us still answers. */
const BUDGET_MS = 50;

// Releases the word (stores 0) 1 ms after each change of `go[0]` (long after a spin that gives up at once has
// given up), then acknowledges in `go[1]`; stops at a negative go.
const RELEASER = `
const { workerData } = require('node:worker_threads');
const word = new Int32Array(workerData.word);
const go = new Int32Array(workerData.go);
for (let seen = 0;;) {
  while (Atomics.load(go, 0) === seen) {}
  seen = Atomics.load(go, 0);
  if (seen < 0) break;
  const until = performance.now() + 1;
  while (performance.now() < until) {}
  Atomics.store(word, 0, 0);
  Atomics.store(go, 1, seen);
}`;

let workers: Worker[] = [];
afterEach(async () => {
  await Promise.all(workers.map((w) => w.terminate()));
  workers = [];
  await terminateAll();
});

/** Waits (spinning, bounded) until `done()`; the spec's own thread has nothing else to do meanwhile. */
function until(done: () => boolean, ms = 10_000): void {
  const end = now() + ms;
  while (!done() && now() < end);
  expect(done()).toBe(true);
}

describe('spinLock: the spin before a contended sync acquire parks', () => {
  it('takes a lock this thread holds, left CONTENDED, when another thread releases it during the spin', () => {
    const word = new Int32Array(new SharedArrayBuffer(8)); // [0]: the word; [1]: no lock id
    const go = new Int32Array(new SharedArrayBuffer(8));
    workers.push(new Worker(RELEASER, { eval: true, workerData: { word: word.buffer, go: go.buffer } }));
    let taken = 0;
    for (let attempt = 1; attempt <= 5; attempt++) {
      Atomics.store(word, 0, ME | CONTENDED);
      Atomics.store(go, 0, attempt);
      // A fresh budget each time: what one attempt learns does not decide the next.
      if (spinLock(word, 0, Number.POSITIVE_INFINITY, new SpinBudget(BUDGET_MS))) {
        taken++;
        expect(Atomics.load(word, 0)).toBe(ME | LOCKED);
      }
      until(() => Atomics.load(go, 1) === attempt);
    }
    Atomics.store(go, 0, -1);
    // A spin that gives up on a CONTENDED word (as for a lock another thread holds) takes it only if this thread
    // stalls for a whole millisecond between the go and its first look.
    expect(taken).toBeGreaterThanOrEqual(3);
  });

  it('does not spin for a lock it holds while another thread waits for it too', async () => {
    const lock = new Lock();
    lock.acquireSync();
    const view = new Int32Array(lock.buffer, lock.byteOffset, 4); // [1]: the word, [2]: the lock id
    const holder = spawn('holder', { lock });
    await new Promise<void>((resolve) => holder.once('message', () => resolve())); // ready
    const acquired = new Promise<{ ok: boolean }>((resolve) => holder.once('message', resolve));
    holder.postMessage('acquire');
    until(() => (Atomics.load(view, 1) & 3) === CONTENDED); // the worker's wait is published, it parks
    const budget = new SpinBudget(BUDGET_MS);
    expect(spinLock(view, 1, Number.POSITIVE_INFINITY, budget)).toBe(false);
    expect(budget.ms).toBe(BUDGET_MS); // no spin ran out (a failed spin halves the budget)
    expect(Atomics.load(view, 1) & ~3).toBe(ME); // still ours
    lock.release();
    expect(await acquired).toEqual({ ok: true });
  }, 20_000);

  it('leaves at once a CONTENDED lock that another thread holds, or one it holds when given no budget', () => {
    const word = new Int32Array(new SharedArrayBuffer(8));
    const other = ((currentThreadId + 1) << 2) | CONTENDED;
    Atomics.store(word, 0, other);
    expect(spinLock(word, 0, Number.POSITIVE_INFINITY, new SpinBudget(BUDGET_MS))).toBe(false);
    expect(Atomics.load(word, 0)).toBe(other);
    Atomics.store(word, 0, ME | CONTENDED);
    expect(spinLock(word, 0)).toBe(false); // RLock and a Condition's reacquire pass no budget
    expect(Atomics.load(word, 0)).toBe(ME | CONTENDED);
  });

  it('takes a free lock at once, and never a lock that another thread holds and keeps', () => {
    const word = new Int32Array(new SharedArrayBuffer(8));
    expect(spinLock(word, 0)).toBe(true);
    expect(Atomics.load(word, 0)).toBe(ME | LOCKED);
    const other = ((currentThreadId + 1) << 2) | LOCKED;
    Atomics.store(word, 0, other);
    expect(spinLock(word, 0, Number.POSITIVE_INFINITY, new SpinBudget(BUDGET_MS))).toBe(false);
    expect(Atomics.load(word, 0)).toBe(other);
  });
});
