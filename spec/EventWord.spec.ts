/**
 * The event word that the Queue's waits and the Semaphore's park on (lib/internal/eventWord.ts): a waiter arms
 * it, looks at its condition once more and parks on the armed value; a signal steps it. The value a waiter
 * parks on must never come back, whatever another thread does between the steps of a signal: otherwise a
 * waiter that armed in the middle of a signal parks on a value that the next waiter's arming restores, and
 * sleeps through the change it waits for (found in review with a signal made of an add and a clear).
 */

import { afterEach, describe, expect, it, vi } from 'vitest';
import { ARMED, arm, signal } from '../lib/internal/eventWord';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('event word', () => {
  it('arming returns an armed value, and a signal takes it to a new, unarmed one', () => {
    const words = new Int32Array(new SharedArrayBuffer(8));
    const armed = arm(words, 1);
    expect(armed & ARMED).toBe(ARMED);
    expect(arm(words, 1)).toBe(armed); // armed already: nothing written
    signal(words, 1);
    expect(words[1] & ARMED).toBe(0);
    expect(words[1]).not.toBe(armed);
    const unarmed = words[1];
    signal(words, 1); // nobody armed it: nothing written
    expect(words[1]).toBe(unarmed);
  });

  it('only ever grows, whoever arms it between the steps of a signal', () => {
    const words = new Int32Array(new SharedArrayBuffer(8));
    // Every value the word takes, and another thread that arms it after every write of a signal (a waiter
    // that ran right then). A word that went down could come back to a value a waiter parks on.
    const values: number[] = [];
    let inSignal = false;
    for (const name of ['add', 'and', 'or', 'sub', 'exchange', 'compareExchange', 'store'] as const) {
      const real = Atomics[name] as (...args: unknown[]) => number;
      vi.spyOn(Atomics, name).mockImplementation(((...args: unknown[]) => {
        const result = real(...args);
        if (args[0] === words) {
          values.push(Atomics.load(words, 1));
          if (inSignal) {
            inSignal = false; // one arming per write of the signal, not of the arming itself
            arm(words, 1);
            inSignal = true;
          }
        }
        return result;
      }) as never);
    }
    vi.spyOn(Atomics, 'notify').mockImplementation(() => 0);
    for (let round = 0; round < 5; round++) {
      arm(words, 1);
      inSignal = true;
      signal(words, 1);
      inSignal = false;
      signal(words, 1);
    }
    expect(values.length).toBeGreaterThan(10);
    expect(values).toEqual([...values].sort((a, b) => a - b));
  });
});
