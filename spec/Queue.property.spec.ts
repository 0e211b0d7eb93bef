import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Queue, QueueClosedError, QueueEmptyError, QueueFullError } from '../lib/index';
import { encode } from '../lib/internal/codec';
import { assertSameClone, cloneable } from './fixtures/queue-values';

/** The plain model: an array of items with their sizes in the ring, and the queue's limits. */
interface Model {
  items: { value: unknown; size: number }[];
  used: number;
  closed: boolean;
  readonly maxsize: number;
  readonly capacity: number;
}

type Real = Queue<unknown>;

/** Bytes an item takes in the ring: an 8-byte header and its encoding rounded up to 8 (see lib/internal/ring.ts). */
function sizeOf(value: unknown): number {
  return 8 + ((encode(value, 'spec').bytes.length + 7) & ~7);
}

type PutForm = 'putNowait' | 'putSync(item, 0)' | 'put(item, { timeout: 0 })';
type GetForm = 'getNowait' | 'getSync(0)' | 'get({ timeout: 0 })';

/** What the model says a put must do. */
function expectedPut(
  model: Model,
  size: number,
): 'ok' | typeof RangeError | typeof QueueClosedError | typeof QueueFullError {
  if (size > model.capacity) return RangeError;
  if (model.closed) return QueueClosedError;
  const full =
    (model.maxsize > 0 && model.items.length >= model.maxsize) || model.used + size > model.capacity;
  return full ? QueueFullError : 'ok';
}

async function outcome(run: () => unknown): Promise<{ value?: unknown; error?: unknown }> {
  try {
    return { value: await run() };
  } catch (error) {
    return { error };
  }
}

class Put implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly value: unknown,
    readonly form: PutForm,
  ) {}
  check(): boolean {
    return true;
  }
  async run(model: Model, real: Real): Promise<void> {
    const size = sizeOf(this.value);
    const expected = expectedPut(model, size);
    const result = await outcome(() =>
      this.form === 'putNowait'
        ? real.putNowait(this.value)
        : this.form === 'putSync(item, 0)'
          ? real.putSync(this.value, 0)
          : real.put(this.value, { timeout: 0 }),
    );
    if (expected === 'ok') {
      expect(result.error).toBeUndefined();
      model.items.push({ value: structuredClone(this.value), size });
      model.used += size;
    } else {
      expect(result.error).toBeInstanceOf(expected);
    }
  }
  toString(): string {
    const shown =
      typeof this.value === 'string' && this.value.length > 20
        ? `<string of ${this.value.length}>`
        : fc.stringify(this.value);
    return this.form === 'putNowait' ? `putNowait(${shown})` : this.form.replace('item', shown);
  }
}

class Get implements fc.AsyncCommand<Model, Real> {
  constructor(readonly form: GetForm) {}
  check(): boolean {
    return true;
  }
  async run(model: Model, real: Real): Promise<void> {
    const result = await outcome(() =>
      this.form === 'getNowait'
        ? real.getNowait()
        : this.form === 'getSync(0)'
          ? real.getSync(0)
          : real.get({ timeout: 0 }),
    );
    const head = model.items.shift();
    if (head) {
      expect(result.error).toBeUndefined();
      assertSameClone(result.value, head.value);
      model.used -= head.size;
    } else {
      expect(result.error).toBeInstanceOf(model.closed ? QueueClosedError : QueueEmptyError);
    }
  }
  toString(): string {
    return this.form;
  }
}

/** A batch: all of it goes in, or (full, closed, never fits) none of it. */
class PutMany implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly values: unknown[],
    readonly form: 'putManySync(items, 0)' | 'putMany(items, { timeout: 0 })',
  ) {}
  check(): boolean {
    return true;
  }
  async run(model: Model, real: Real): Promise<void> {
    const sizes = this.values.map(sizeOf);
    const size = sizes.reduce((a, b) => a + b, 0);
    const count = this.values.length;
    const expected =
      size > model.capacity || (model.maxsize > 0 && count > model.maxsize)
        ? RangeError
        : count === 0
          ? 'ok'
          : model.closed
            ? QueueClosedError
            : (model.maxsize > 0 && model.items.length + count > model.maxsize) ||
                model.used + size > model.capacity
              ? QueueFullError
              : 'ok';
    const result = await outcome(() =>
      this.form === 'putManySync(items, 0)'
        ? real.putManySync(this.values, 0)
        : real.putMany(this.values, { timeout: 0 }),
    );
    if (expected === 'ok') {
      expect(result.error).toBeUndefined();
      for (let i = 0; i < this.values.length; i++) {
        model.items.push({ value: structuredClone(this.values[i]), size: sizes[i] });
      }
      model.used += size;
    } else {
      expect(result.error).toBeInstanceOf(expected);
    }
  }
  toString(): string {
    return this.form.replace('items', `<${this.values.length} items>`);
  }
}

/** Up to `max` items, oldest first, or Empty / Closed when there is none. */
class GetMany implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly max: number,
    readonly form: 'getManySync(max, 0)' | 'getMany(max, { timeout: 0 })',
  ) {}
  check(): boolean {
    return true;
  }
  async run(model: Model, real: Real): Promise<void> {
    const result = await outcome(() =>
      this.form === 'getManySync(max, 0)'
        ? real.getManySync(this.max, 0)
        : real.getMany(this.max, { timeout: 0 }),
    );
    if (model.items.length === 0) {
      expect(result.error).toBeInstanceOf(model.closed ? QueueClosedError : QueueEmptyError);
      return;
    }
    expect(result.error).toBeUndefined();
    const heads = model.items.splice(0, this.max);
    const got = result.value as unknown[];
    expect(got).toHaveLength(heads.length);
    heads.forEach((head, i) => {
      assertSameClone(got[i], head.value);
      model.used -= head.size;
    });
  }
  toString(): string {
    return this.form.replace('max', String(this.max));
  }
}

class Sizes implements fc.AsyncCommand<Model, Real> {
  check(): boolean {
    return true;
  }
  async run(model: Model, real: Real): Promise<void> {
    expect(real.qsize()).toBe(model.items.length);
    expect(real.empty()).toBe(model.items.length === 0);
    expect(real.full()).toBe(model.maxsize > 0 && model.items.length >= model.maxsize);
    expect(real.isClosed()).toBe(model.closed);
  }
  toString(): string {
    return 'qsize/empty/full';
  }
}

class Close implements fc.AsyncCommand<Model, Real> {
  check(): boolean {
    return true;
  }
  async run(model: Model, real: Real): Promise<void> {
    real.close();
    model.closed = true;
  }
  toString(): string {
    return 'close()';
  }
}

describe('Queue against an array model', () => {
  it('agrees with the model on every put, get, batch, size and close, with items near the capacity and a wrapping ring', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .record({ maxsize: fc.integer({ min: 0, max: 6 }), capacity: fc.integer({ min: 16, max: 600 }) })
          .chain(({ maxsize, capacity }) => {
            const aligned = (capacity + 7) & ~7;
            // ASCII strings whose records are a few bytes either side of the whole capacity.
            const nearLimit = fc
              .integer({ min: Math.max(0, aligned - 40), max: aligned })
              .map((n) => 'z'.repeat(n));
            const value = fc.oneof({ weight: 4, arbitrary: cloneable }, { weight: 1, arbitrary: nearLimit });
            const put = fc
              .tuple(
                value,
                fc.constantFrom<PutForm>('putNowait', 'putSync(item, 0)', 'put(item, { timeout: 0 })'),
              )
              .map(([v, form]) => new Put(v, form));
            const get = fc
              .constantFrom<GetForm>('getNowait', 'getSync(0)', 'get({ timeout: 0 })')
              .map((form) => new Get(form));
            const putMany = fc
              .tuple(
                fc.array(value, { maxLength: 4 }),
                fc.constantFrom('putManySync(items, 0)' as const, 'putMany(items, { timeout: 0 })' as const),
              )
              .map(([values, form]) => new PutMany(values, form));
            const getMany = fc
              .tuple(
                fc.integer({ min: 1, max: 5 }),
                fc.constantFrom('getManySync(max, 0)' as const, 'getMany(max, { timeout: 0 })' as const),
              )
              .map(([max, form]) => new GetMany(max, form));
            // Closing ends the interesting part of a run, so it comes rarely.
            const command = fc.oneof(
              { weight: 10, arbitrary: put },
              { weight: 8, arbitrary: get },
              { weight: 3, arbitrary: putMany },
              { weight: 3, arbitrary: getMany },
              { weight: 2, arbitrary: fc.constant(new Sizes()) },
              { weight: 1, arbitrary: fc.constant(new Close()) },
            );
            const commands = fc.commands([command], { maxCommands: 60 });
            return fc.tuple(fc.constant({ maxsize, capacity: aligned }), commands);
          }),
        async ([limits, commands]) => {
          const model: Model = { items: [], used: 0, closed: false, ...limits };
          const real = new Queue<unknown>(limits);
          await fc.asyncModelRun(() => ({ model, real }), commands);
          // Drain what is left: it must come out in order and exactly.
          for (const { value } of model.items) assertSameClone(real.getNowait(), value);
          expect(real.qsize()).toBe(0);
        },
      ),
      { numRuns: 300, verbose: 1 },
    );
  });
});
