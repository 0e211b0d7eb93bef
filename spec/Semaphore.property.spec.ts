/**
 * Model-based properties: random sequences of operations on a Semaphore / BoundedSemaphore agree, step by
 * step, with a plain model (a number and a bound). Sync commands cover the counting rules and errors; async
 * commands cover acquires that resolve at once or time out, and releasers held across other commands.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BoundedSemaphore, Semaphore, SemaphoreOverflowError, TimeoutError } from '../lib/index';
import type { Releaser } from '../lib/options';

const MAX_VALUE = 2 ** 31 - 1;

interface Model {
  value: number;
  readonly bound: number;
  readonly bounded: boolean;
  /** Releasers of async acquisitions still held, with their weights (async model only). */
  held: { weight: number; release: Releaser }[];
}

type SyncCommand = fc.Command<Model, Semaphore>;
type AsyncCommand = fc.AsyncCommand<Model, Semaphore>;

/** The error a take of `weight` should throw in this model, if any. */
function takeError(m: Model, weight: number): typeof RangeError | undefined {
  return weight > m.bound ? RangeError : undefined;
}

class TryAcquire implements SyncCommand {
  constructor(readonly weight: number) {}
  check = (): boolean => true;
  run(m: Model, sem: Semaphore): void {
    const error = takeError(m, this.weight);
    if (error) {
      expect(() => sem.tryAcquire(this.weight)).toThrow(error);
    } else {
      const expected = m.value >= this.weight;
      expect(sem.tryAcquire(this.weight)).toBe(expected);
      if (expected) m.value -= this.weight;
    }
    expect(sem.getValue()).toBe(m.value);
  }
  toString = (): string => `tryAcquire(${this.weight})`;
}

class AcquireSyncNoWait implements SyncCommand {
  constructor(readonly weight: number) {}
  check = (): boolean => true;
  run(m: Model, sem: Semaphore): void {
    const error = takeError(m, this.weight);
    if (error) {
      expect(() => sem.acquireSync(0, this.weight)).toThrow(error);
    } else {
      const expected = m.value >= this.weight;
      expect(sem.acquireSync(0, this.weight)).toBe(expected);
      if (expected) m.value -= this.weight;
    }
    expect(sem.getValue()).toBe(m.value);
  }
  toString = (): string => `acquireSync(0, ${this.weight})`;
}

class Release implements SyncCommand {
  constructor(readonly n: number) {}
  check = (): boolean => true;
  run(m: Model, sem: Semaphore): void {
    if (m.value + this.n > m.bound) {
      expect(() => sem.release(this.n)).toThrow(m.bounded ? SemaphoreOverflowError : RangeError);
    } else {
      sem.release(this.n);
      m.value += this.n;
    }
    expect(sem.getValue()).toBe(m.value);
  }
  toString = (): string => `release(${this.n})`;
}

class SetValue implements SyncCommand {
  constructor(readonly value: number) {}
  check = (): boolean => true;
  run(m: Model, sem: Semaphore): void {
    if (this.value > m.bound) {
      expect(() => sem.setValue(this.value)).toThrow(RangeError);
    } else {
      sem.setValue(this.value);
      m.value = this.value;
    }
    expect(sem.getValue()).toBe(m.value);
  }
  toString = (): string => `setValue(${this.value})`;
}

class Observe implements SyncCommand {
  check = (): boolean => true;
  run(m: Model, sem: Semaphore): void {
    expect(sem.getValue()).toBe(m.value);
    expect(sem.isLocked()).toBe(m.value === 0);
  }
  toString = (): string => 'observe';
}

/** A bad weight or n: always a RangeError, never a change. */
class BadArgument implements SyncCommand {
  constructor(
    readonly op: 'tryAcquire' | 'release' | 'acquireSync' | 'setValue',
    readonly arg: number,
  ) {}
  check = (): boolean => true;
  run(m: Model, sem: Semaphore): void {
    const call = {
      tryAcquire: () => sem.tryAcquire(this.arg),
      release: () => sem.release(this.arg),
      acquireSync: () => sem.acquireSync(0, this.arg),
      setValue: () => sem.setValue(this.arg),
    }[this.op];
    expect(call).toThrow(RangeError);
    expect(sem.getValue()).toBe(m.value);
  }
  toString = (): string => `${this.op}(${this.arg}) [bad]`;
}

const weight = fc.integer({ min: 1, max: 6 });
const badWeight = fc.constantFrom(0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, MAX_VALUE + 1);

const syncCommands = [
  weight.map((w) => new TryAcquire(w)),
  weight.map((w) => new AcquireSyncNoWait(w)),
  weight.map((n) => new Release(n)),
  fc.integer({ min: 0, max: 10 }).map((v) => new SetValue(v)),
  fc.constant(new Observe()),
  fc
    .tuple(fc.constantFrom('tryAcquire' as const, 'release' as const, 'acquireSync' as const), badWeight)
    .map(([op, arg]) => new BadArgument(op, arg)),
  fc.constantFrom(-1, 0.5, Number.NaN).map((v) => new BadArgument('setValue', v)),
];

class AcquireAsync implements AsyncCommand {
  constructor(readonly weight: number) {}
  check = (): boolean => true;
  async run(m: Model, sem: Semaphore): Promise<void> {
    if (m.value >= this.weight) {
      const [value, release] = await sem.acquire(this.weight, { timeout: 0 });
      expect(value).toBe(m.value);
      m.value -= this.weight;
      m.held.push({ weight: this.weight, release });
    } else if (this.weight > m.bound) {
      await expect(sem.acquire(this.weight, { timeout: 0 })).rejects.toThrow(RangeError);
    } else {
      await expect(sem.acquire(this.weight, { timeout: 1 })).rejects.toBeInstanceOf(TimeoutError);
    }
    expect(sem.getValue()).toBe(m.value);
  }
  toString = (): string => `await acquire(${this.weight})`;
}

class ReleaseHeld implements AsyncCommand {
  constructor(readonly pick: number) {}
  check = (m: Readonly<Model>): boolean => m.held.length > 0;
  async run(m: Model, sem: Semaphore): Promise<void> {
    const [{ weight: w, release }] = m.held.splice(this.pick % m.held.length, 1);
    if (m.value + w > m.bound) {
      // Somebody released too much meanwhile: the bound refuses this release too, and the releaser is spent.
      expect(release).toThrow(SemaphoreOverflowError);
    } else {
      release();
      m.value += w;
    }
    release(); // a releaser releases at most once
    expect(sem.getValue()).toBe(m.value);
  }
  toString = (): string => `releaser #${this.pick}()`;
}

class ReleaseAsync implements AsyncCommand {
  constructor(readonly n: number) {}
  check = (): boolean => true;
  async run(m: Model, sem: Semaphore): Promise<void> {
    new Release(this.n).run(m, sem);
  }
  toString = (): string => `release(${this.n})`;
}

const asyncCommands = [
  weight.map((w) => new AcquireAsync(w) as AsyncCommand),
  fc.nat({ max: 20 }).map((i) => new ReleaseHeld(i) as AsyncCommand),
  weight.map((n) => new ReleaseAsync(n) as AsyncCommand),
];

const variants = [
  { name: 'Semaphore', bounded: false, create: (v: number) => new Semaphore(v) },
  { name: 'BoundedSemaphore', bounded: true, create: (v: number) => new BoundedSemaphore(v) },
] as const;

for (const { name, bounded, create } of variants) {
  describe(`${name} against a plain model`, () => {
    it('agrees with the model on every sync operation, value and error', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 8 }),
          fc.commands(syncCommands, { maxCommands: 60 }),
          (initial, cmds) => {
            const sem = create(initial);
            const model: Model = { value: initial, bound: bounded ? initial : MAX_VALUE, bounded, held: [] };
            fc.modelRun(() => ({ model, real: sem }), cmds);
          },
        ),
        { numRuns: 300 },
      );
    });

    it('agrees with the model on async acquires, timeouts and held releasers', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 8 }),
          fc.commands(asyncCommands, { maxCommands: 25 }),
          async (initial, cmds) => {
            const sem = create(initial);
            const model: Model = { value: initial, bound: bounded ? initial : MAX_VALUE, bounded, held: [] };
            await fc.asyncModelRun(() => ({ model, real: sem }), cmds);
            // Nothing is left pending: every async acquire resolved or was refused during its own command.
            expect(sem.getValue()).toBe(model.value);
          },
        ),
        { numRuns: 60 },
      );
    });
  });
}
