/**
 * The spin of a contended sync acquire (`spinLock` in `internal/mutex.ts`): a lock this thread holds, which
 * another thread is about to release (a hand-over, Python's Lock used as a signal), is waited for with a spin
 * that goes on through a CONTENDED word, since a woken waiter leaves the word CONTENDED for good; a CONTENDED
 * lock that another thread holds is left at once, so that under contention a waiter parks soon.
 */

import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { spinLock } from '../lib/internal/mutex';
import { currentThreadId } from '../lib/internal/thread';

const LOCKED = 1;
const CONTENDED = 2;
const ME = currentThreadId << 2;

// Releases the word (stores 0) 5 µs after each change of `go[0]` (well after the spin's first look), then
// acknowledges in `go[1]`; stops at a negative go.
const RELEASER = `
const { workerData } = require('node:worker_threads');
const word = new Int32Array(workerData.word);
const go = new Int32Array(workerData.go);
for (let seen = 0;;) {
  while (Atomics.load(go, 0) === seen) {}
  seen = Atomics.load(go, 0);
  if (seen < 0) break;
  const until = performance.now() + 0.005;
  while (performance.now() < until) {}
  Atomics.store(word, 0, 0);
  Atomics.store(go, 1, seen);
}`;

let workers: Worker[] = [];
afterEach(async () => {
  await Promise.all(workers.map((w) => w.terminate()));
  workers = [];
});

describe('spinLock: the spin before a contended sync acquire parks', () => {
  it('takes a lock this thread holds, left CONTENDED, when another thread releases it during the spin', () => {
    const word = new Int32Array(new SharedArrayBuffer(4));
    const go = new Int32Array(new SharedArrayBuffer(8));
    workers.push(new Worker(RELEASER, { eval: true, workerData: { word: word.buffer, go: go.buffer } }));
    let taken = 0;
    const attempts = 20;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      Atomics.store(word, 0, ME | CONTENDED);
      Atomics.store(go, 0, attempt); // released in about 5 µs, unless the releaser is descheduled
      if (spinLock(word, 0)) {
        taken++;
        expect(Atomics.load(word, 0)).toBe(ME | LOCKED);
      }
      const until = Date.now() + 10_000;
      while (Atomics.load(go, 1) !== attempt && Date.now() < until);
      expect(Atomics.load(go, 1)).toBe(attempt);
    }
    Atomics.store(go, 0, -1);
    // A spin that gave up on the CONTENDED word (as for a lock another thread holds) would never take it; a
    // loaded machine may deschedule the releaser past some spins, not past all of them.
    expect(taken).toBeGreaterThan(0);
  });

  it('leaves at once a CONTENDED lock that another thread holds, and changes nothing', () => {
    const word = new Int32Array(new SharedArrayBuffer(4));
    const other = ((currentThreadId + 1) << 2) | CONTENDED;
    Atomics.store(word, 0, other);
    expect(spinLock(word, 0)).toBe(false);
    expect(Atomics.load(word, 0)).toBe(other);
  });

  it('takes a free lock at once, and never a lock that another thread holds and keeps', () => {
    const word = new Int32Array(new SharedArrayBuffer(4));
    expect(spinLock(word, 0)).toBe(true);
    expect(Atomics.load(word, 0)).toBe(ME | LOCKED);
    const other = ((currentThreadId + 1) << 2) | LOCKED;
    Atomics.store(word, 0, other);
    expect(spinLock(word, 0)).toBe(false);
    expect(Atomics.load(word, 0)).toBe(other);
  });
});
