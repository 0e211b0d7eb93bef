/**
 * Properties of the typed cells: every value of every type round-trips exactly (through `.value`, a clone's
 * view, `exchange` and an array element), values out of range are refused without a change, and random
 * sequences of add / sub / set / exchange / compareExchange on integer cells agree with a bigint model that
 * refuses overflow. fast-check prints the seed and the shrunk counterexample on failure.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CountingType, RawArray, RawValue, type ValueType } from '../lib/index';

const INT_BOUNDS = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
} as const;
const BIG_BOUNDS = {
  bigint64: [-(2n ** 63n), 2n ** 63n - 1n],
  biguint64: [0n, 2n ** 64n - 1n],
} as const;

/** Values a cell of each type accepts, and what it must read back. */
const valid: Record<ValueType, { values: fc.Arbitrary<unknown>; expected: (v: unknown) => unknown }> = {
  bool: { values: fc.boolean(), expected: (v) => v },
  ...(Object.fromEntries(
    Object.entries(INT_BOUNDS).map(([type, [min, max]]) => [
      type,
      { values: fc.integer({ min, max }), expected: (v: unknown) => (v === 0 ? 0 : v) },
    ]),
  ) as Record<keyof typeof INT_BOUNDS, { values: fc.Arbitrary<unknown>; expected: (v: unknown) => unknown }>),
  float32: {
    // float32 values themselves (with -0, NaN, ±Infinity and subnormals), and doubles that round into range
    values: fc.oneof(
      fc.float(),
      fc.double().filter((d) => !Number.isFinite(d) || Number.isFinite(Math.fround(d))),
    ),
    expected: (v) => Math.fround(v as number),
  },
  float64: { values: fc.double(), expected: (v) => v },
  bigint64: {
    values: fc.bigInt({ min: BIG_BOUNDS.bigint64[0], max: BIG_BOUNDS.bigint64[1] }),
    expected: (v) => v,
  },
  biguint64: {
    values: fc.bigInt({ min: BIG_BOUNDS.biguint64[0], max: BIG_BOUNDS.biguint64[1] }),
    expected: (v) => v,
  },
};

const TYPES = Object.keys(valid) as ValueType[];

describe('every value of every type round-trips exactly', () => {
  it.each(TYPES)('%s: through .value, a clone, exchange and an array element', (type) => {
    const { values, expected } = valid[type];
    const cell = new RawValue(type);
    const view = RawValue.from(structuredClone(cell), type);
    const array = new RawArray(type, 4);
    fc.assert(
      fc.property(values, values, fc.nat({ max: 3 }), (a, b, index) => {
        cell.value = a as never;
        expect(Object.is(cell.value, expected(a))).toBe(true);
        expect(Object.is(view.value, expected(a))).toBe(true);
        expect(Object.is(view.exchange(b as never), expected(a))).toBe(true);
        expect(Object.is(cell.value, expected(b))).toBe(true);
        array.set(index, a as never);
        expect(Object.is(array.get(index), expected(a))).toBe(true);
        expect(Object.is(array.toArray()[index], expected(a))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('values out of range are refused and change nothing', () => {
  it.each(Object.keys(INT_BOUNDS) as (keyof typeof INT_BOUNDS)[])('%s', (type) => {
    const [min, max] = INT_BOUNDS[type];
    const outside = fc.oneof(
      fc.integer({ min: max + 1, max: Number.MAX_SAFE_INTEGER }),
      fc.integer({ min: Number.MIN_SAFE_INTEGER, max: min - 1 }),
      fc.double({ min, max, noNaN: true }).filter((d) => !Number.isInteger(d)),
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
    );
    fc.assert(
      fc.property(fc.integer({ min, max }), outside, (good, bad) => {
        const cell = new RawValue(type, good);
        expect(() => {
          cell.value = bad;
        }).toThrow(RangeError);
        expect(cell.value).toBe(good === 0 ? 0 : good);
      }),
      { numRuns: 200 },
    );
  });

  it.each(Object.keys(BIG_BOUNDS) as (keyof typeof BIG_BOUNDS)[])('%s', (type) => {
    const [min, max] = BIG_BOUNDS[type];
    const outside = fc.oneof(
      fc.bigInt({ min: max + 1n, max: max * 4n }),
      fc.bigInt({ min: min - 2n ** 70n, max: min - 1n }),
    );
    fc.assert(
      fc.property(fc.bigInt({ min, max }), outside, (good, bad) => {
        const cell = new RawValue(type, good);
        expect(() => {
          cell.value = bad;
        }).toThrow(RangeError);
        expect(cell.value).toBe(good);
      }),
      { numRuns: 200 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------
// Model-based: integer cells against a bigint model that refuses overflow

interface Model {
  value: bigint;
}
type Real = RawValue<CountingType>;

function boundsOf(type: CountingType): [bigint, bigint] {
  if (type in BIG_BOUNDS) return BIG_BOUNDS[type as keyof typeof BIG_BOUNDS] as [bigint, bigint];
  const [min, max] = INT_BOUNDS[type as keyof typeof INT_BOUNDS];
  return [BigInt(min), BigInt(max)];
}

function commandsFor(type: CountingType) {
  const big = type in BIG_BOUNDS;
  const [min, max] = boundsOf(type);
  const toJs = (v: bigint): never => (big ? v : Number(v)) as never;
  const inRange = fc.bigInt({ min, max });
  // Deltas of about the type's width, so that overflow is common; kept safe integers for the number types.
  const span = max - min;
  const delta = fc.bigInt({ min: -span, max: span });
  const near = fc.oneof(inRange, fc.constantFrom(min, max, min + 1n, max - 1n));

  class Add implements fc.Command<Model, Real> {
    constructor(
      readonly delta: bigint,
      readonly negate: boolean,
    ) {}
    check = () => true;
    run(model: Model, real: Real): void {
      const next = this.negate ? model.value - this.delta : model.value + this.delta;
      const act = () => (this.negate ? real.sub(toJs(this.delta)) : real.add(toJs(this.delta)));
      if (next < min || next > max) {
        expect(act).toThrow(RangeError);
      } else {
        expect(act()).toBe(toJs(model.value));
        model.value = next;
      }
      expect(real.value).toBe(toJs(model.value));
    }
    toString = () => `${this.negate ? 'sub' : 'add'}(${this.delta})`;
  }

  class Exchange implements fc.Command<Model, Real> {
    constructor(readonly next: bigint) {}
    check = () => true;
    run(model: Model, real: Real): void {
      expect(real.exchange(toJs(this.next))).toBe(toJs(model.value));
      model.value = this.next;
    }
    toString = () => `exchange(${this.next})`;
  }

  class CompareExchange implements fc.Command<Model, Real> {
    constructor(
      readonly expected: bigint,
      readonly replacement: bigint,
    ) {}
    check = () => true;
    run(model: Model, real: Real): void {
      expect(real.compareExchange(toJs(this.expected), toJs(this.replacement))).toBe(toJs(model.value));
      if (model.value === this.expected) model.value = this.replacement;
      expect(real.value).toBe(toJs(model.value));
    }
    toString = () => `compareExchange(${this.expected}, ${this.replacement})`;
  }

  class Assign implements fc.Command<Model, Real> {
    constructor(readonly next: bigint) {}
    check = () => true;
    run(model: Model, real: Real): void {
      const outOfRange = this.next < min || this.next > max;
      const act = () => {
        real.value = toJs(this.next);
      };
      if (outOfRange) expect(act).toThrow(RangeError);
      else {
        act();
        model.value = this.next;
      }
      expect(real.value).toBe(toJs(model.value));
    }
    toString = () => `set(${this.next})`;
  }

  return [
    fc.tuple(delta, fc.boolean()).map(([d, negate]) => new Add(d, negate)),
    near.map((v) => new Exchange(v)),
    // expected is often the current value's neighbourhood: half the CASes succeed only if it matches
    fc.tuple(near, inRange).map(([e, r]) => new CompareExchange(e, r)),
    fc.bigInt({ min: min - 2n, max: max + 2n }).map((v) => new Assign(v)),
  ];
}

describe('integer cells agree with a model that refuses overflow', () => {
  const counting: CountingType[] = [
    'int8',
    'uint8',
    'int16',
    'uint16',
    'int32',
    'uint32',
    'bigint64',
    'biguint64',
  ];
  it.each(counting)('%s', (type) => {
    const [min, max] = boundsOf(type);
    fc.assert(
      fc.property(
        fc.bigInt({ min, max }),
        fc.commands(commandsFor(type), { maxCommands: 60 }),
        (start, cmds) => {
          const initial = (type in BIG_BOUNDS ? start : Number(start)) as never;
          const real = new RawValue<CountingType>(type, initial);
          fc.modelRun(() => ({ model: { value: start }, real }), cmds);
        },
      ),
      { numRuns: 150 },
    );
  });
});
