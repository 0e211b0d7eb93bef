/**
 * Model-based property: random sequences of arrivals (async waits from this thread, several pending at once),
 * abort(), reset() and aborted waits agree with a plain model of Python's Barrier: which arrival gets which
 * index, which waits are broken, `nWaiting` and `broken`. fast-check prints the seed and the shrunk command
 * list on failure.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Barrier, BrokenBarrierError } from '../lib/index';

/** What a wait settles to, in the model's words. */
type Outcome = number | 'broken' | 'aborted';

interface Tracked {
  readonly label: string;
  readonly controller: AbortController;
  /** Set when the real wait settled. */
  actual?: Outcome | string;
  /** Set when the model says the wait must have settled, with what. */
  expected?: Outcome;
}

interface Model {
  readonly parties: number;
  broken: boolean;
  /** The waits of the current generation, in arrival order. */
  waiting: Tracked[];
  all: Tracked[];
}

type Command = fc.AsyncCommand<Model, Barrier>;

function track(barrier: Barrier, label: string): Tracked {
  const controller = new AbortController();
  const tracked: Tracked = { label, controller };
  barrier.wait({ signal: controller.signal, timeout: 20_000 }).then(
    (index) => (tracked.actual = index),
    (err) =>
      (tracked.actual =
        err instanceof BrokenBarrierError
          ? 'broken'
          : err === 'aborted'
            ? 'aborted'
            : `error ${String(err)}`),
  );
  return tracked;
}

/** Every wait the model says is still waiting gets `outcome`. */
function breakAll(m: Model, outcome: Outcome): void {
  for (const waiter of m.waiting) waiter.expected = outcome;
  m.waiting = [];
}

/**
 * Waits until the real barrier has caught up with the model (every wait the model settled has settled, and the
 * visible state matches), then checks outcomes and that the waits the model keeps waiting are still pending.
 */
async function settle(m: Model, barrier: Barrier): Promise<void> {
  const caughtUp = (): boolean =>
    m.all.every((t) => t.expected === undefined || t.actual !== undefined) &&
    barrier.nWaiting === m.waiting.length &&
    barrier.broken === m.broken;
  const deadline = performance.now() + 5000;
  while (!caughtUp() && performance.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  for (const t of m.all) expect(`${t.label}: ${t.actual}`).toBe(`${t.label}: ${t.expected}`);
  expect(barrier.nWaiting).toBe(m.waiting.length);
  expect(barrier.broken).toBe(m.broken);
}

class Arrive implements Command {
  check = (): boolean => true;
  async run(m: Model, barrier: Barrier): Promise<void> {
    const tracked = track(barrier, `wait#${m.all.length}`);
    m.all.push(tracked);
    if (m.broken) {
      tracked.expected = 'broken';
    } else {
      m.waiting.push(tracked);
      if (m.waiting.length === m.parties) {
        for (const [index, waiter] of m.waiting.entries()) waiter.expected = index;
        m.waiting = [];
      }
    }
    await settle(m, barrier);
  }
  toString = (): string => 'wait()';
}

class Abort implements Command {
  check = (): boolean => true;
  async run(m: Model, barrier: Barrier): Promise<void> {
    barrier.abort();
    breakAll(m, 'broken');
    m.broken = true;
    await settle(m, barrier);
  }
  toString = (): string => 'abort()';
}

class Reset implements Command {
  check = (): boolean => true;
  async run(m: Model, barrier: Barrier): Promise<void> {
    barrier.reset();
    breakAll(m, 'broken');
    m.broken = false;
    await settle(m, barrier);
  }
  toString = (): string => 'reset()';
}

class AbortOneWait implements Command {
  constructor(readonly pick: number) {}
  check = (m: Readonly<Model>): boolean => m.waiting.length > 0;
  async run(m: Model, barrier: Barrier): Promise<void> {
    const victim = m.waiting[this.pick % m.waiting.length];
    victim.controller.abort('aborted');
    breakAll(m, 'broken');
    victim.expected = 'aborted';
    m.broken = true;
    await settle(m, barrier);
  }
  toString = (): string => `signal of waiting wait [${this.pick}].abort()`;
}

const commands = [
  fc.constant(new Arrive()),
  fc.constant(new Arrive()),
  fc.constant(new Arrive()),
  fc.constant(new Abort()),
  fc.constant(new Reset()),
  fc.nat(5).map((pick) => new AbortOneWait(pick)),
];

describe('Barrier against a plain model', () => {
  it('agrees on indices, broken waits, nWaiting and broken for any sequence of waits, aborts and resets', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.commands(commands, { maxCommands: 20 }),
        async (parties, cmds) => {
          const barrier = new Barrier(parties);
          const model: Model = { parties, broken: false, waiting: [], all: [] };
          try {
            await fc.asyncModelRun(() => ({ model, real: barrier }), cmds);
          } finally {
            // Release whatever the run left waiting, so that nothing outlives the run.
            barrier.abort();
            const deadline = performance.now() + 5000;
            while (model.all.some((t) => t.actual === undefined) && performance.now() < deadline) {
              await new Promise((resolve) => setImmediate(resolve));
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
