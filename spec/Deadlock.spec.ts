/**
 * Deadlock detection: a wait that would close a cycle of threads fails with DeadlockError instead of hanging.
 */

import { describe, expect, it } from 'vitest';
import { DeadlockError, Lock, RLock } from '../lib/index';
import { resultOf, spawn } from './helpers/workers';

type Outcome =
  | { outcome: 'completed' }
  | { outcome: 'deadlock'; cycle: DeadlockError['cycle']; message: string };

/** Runs `n` workers in a ring (worker i takes lock i, then lock i+1) and returns their outcomes. */
async function ring(
  n: number,
  modes: ReadonlyArray<'sync' | 'async'>,
  make: (i: number) => Lock | RLock,
): Promise<Outcome[]> {
  const locks = Array.from({ length: n }, (_, i) => make(i));
  const gate = new Int32Array(new SharedArrayBuffer(4));
  const workers = locks.map((_, i) =>
    spawn('deadlocker', {
      locks,
      first: i,
      second: (i + 1) % n,
      mode: modes[i % modes.length],
      gate,
      parties: n,
    }),
  );
  return Promise.all(workers.map((w) => resultOf<Outcome>(w, 30_000)));
}

function expectOneVictim(outcomes: Outcome[], n: number): void {
  const victims = outcomes.filter((o) => o.outcome === 'deadlock');
  expect(victims).toHaveLength(1);
  expect(outcomes.filter((o) => o.outcome === 'completed')).toHaveLength(n - 1);
  const victim = victims[0] as Extract<Outcome, { outcome: 'deadlock' }>;
  expect(victim.cycle).toHaveLength(n);
  expect(victim.message).toMatch(/deadlock: thread \d+ holds '.+' and waits for '.+'/);
}

describe('deadlock detection', () => {
  for (const n of [2, 3, 4]) {
    it(`a ring of ${n} workers with sync acquires: exactly one gets DeadlockError naming the cycle, the others complete`, async () => {
      const outcomes = await ring(n, ['sync'], (i) => new Lock({ name: `L${i}` }));
      expectOneVictim(outcomes, n);
      const victim = outcomes.find((o) => o.outcome === 'deadlock') as Extract<
        Outcome,
        { outcome: 'deadlock' }
      >;
      expect(new Set(victim.cycle.map((link) => link.waitsFor))).toEqual(
        new Set(Array.from({ length: n }, (_, i) => `L${i}`)),
      );
    });
  }

  it('two workers with async acquires: exactly one is refused (after the async confirmation), the other completes', async () => {
    expectOneVictim(await ring(2, ['async'], (i) => new Lock({ name: `A${i}` })), 2);
  });

  it('mixed sync and async, Lock and RLock, in a ring of 3', async () => {
    const outcomes = await ring(3, ['sync', 'async'], (i) => (i % 2 ? new RLock() : new Lock()));
    expectOneVictim(outcomes, 3);
  });

  it('unnamed locks get stable generated labels, the same in every thread', async () => {
    const outcomes = await ring(2, ['sync'], (i) => (i ? new RLock() : new Lock()));
    const victim = outcomes.find((o) => o.outcome === 'deadlock') as Extract<
      Outcome,
      { outcome: 'deadlock' }
    >;
    for (const link of victim.cycle) expect(link.waitsFor).toMatch(/^(Lock|RLock|lock)#\d+$/);
  });
});

describe('lock names', () => {
  it('are read back in every thread, and bad constructor arguments are refused with a TypeError', () => {
    expect(new Lock({ name: 'accounts' }).name).toBe('accounts');
    expect(Lock.from(structuredClone(new Lock({ name: 'ledger' }))).name).toBe('ledger');
    expect(new RLock().name).toMatch(/^RLock#\d+$/);
    for (const bad of [1, 'x', null, [], { x: 1 }, { name: 5 }]) {
      expect(() => new Lock(bad as never)).toThrow(TypeError);
      expect(() => new RLock(bad as never)).toThrow(/^RLock: /);
    }
    expect(DeadlockError.name).toBe('DeadlockError');
  });

  it('are kept in the lock’s own memory: more named locks than the registry’s name table holds lose nothing', () => {
    for (let i = 0; i < 1100; i++) new Lock({ name: `account-${i}` });
    expect(new Lock({ name: 'ledger' }).name).toBe('ledger');
    expect(RLock.from(structuredClone(new RLock({ name: 'audit' }))).name).toBe('audit');
    expect(new Lock({ name: 'é'.repeat(40) }).name).toBe('é'.repeat(32)); // 64 bytes of UTF-8, cut whole
  });
});
