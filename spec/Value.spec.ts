import { describe, expect, it } from 'vitest';
import {
  CancelFlag,
  Lock,
  RawArray,
  RawValue,
  RLock,
  revive,
  Value,
  type ValueOf,
  type ValueType,
} from '../lib/index';
import { nextMessage, resultOf, runAll, spawn } from './helpers/workers';

const TYPES: ValueType[] = [
  'bool',
  'int8',
  'uint8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'float32',
  'float64',
  'bigint64',
  'biguint64',
];

/** Two values per type whose bit patterns differ in every half, so that a torn read shows a mix. */
const PATTERNS: Record<ValueType, [unknown, unknown]> = {
  bool: [false, true],
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
  float32: [Math.fround(1 / 3), Math.fround(-3.4e38)],
  float64: [1 / 3, -2.5e-300], // 0x3FD5555555555555 and 0x81B...: high and low words both differ
  bigint64: [0x0000_0000_ffff_ffffn, -0x1_0000_0000n], // a mix of halves reads 0n or -1n
  biguint64: [0x0000_0000_ffff_ffffn, 0xffff_ffff_0000_0000n],
};

/** Waiters announced on a value (white-box: word 2 of the layout in lib/Value.ts). */
function announced(value: RawValue): number {
  return Atomics.load(new Int32Array(value.buffer, value.byteOffset, 4), 2);
}

/** Resolves once `condition()` holds, checking on every turn of the event loop; throws after `ms`. */
async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`condition not reached within ${ms} ms`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('RawValue', () => {
  it.each(TYPES)('holds the zero of a %s when no initial value is given', (type) => {
    const zero = type === 'bool' ? false : type.startsWith('big') ? 0n : 0;
    expect(new RawValue(type).value).toBe(zero);
    expect(new RawValue(type).type).toBe(type);
  });

  it.each(TYPES)('reads back both extreme patterns of a %s exactly', (type) => {
    const [a, b] = PATTERNS[type];
    const value = new RawValue(type, a as never);
    expect(value.value).toBe(a);
    value.value = b as never;
    expect(value.value).toBe(b);
  });

  it('keeps -0, NaN and ±Infinity in float cells, and rounds float32 like Math.fround', () => {
    const f64 = new RawValue('float64', -0);
    expect(Object.is(f64.value, -0)).toBe(true);
    f64.value = Number.NaN;
    expect(f64.value).toBeNaN();
    f64.value = Number.NEGATIVE_INFINITY;
    expect(f64.value).toBe(Number.NEGATIVE_INFINITY);
    f64.value = 0.1;
    expect(f64.value).toBe(0.1);
    const f32 = new RawValue('float32', 0.1);
    expect(f32.value).toBe(Math.fround(0.1));
    f32.value = -0;
    expect(Object.is(f32.value, -0)).toBe(true);
    f32.value = Number.NaN;
    expect(f32.value).toBeNaN();
  });

  const outOfRange: [ValueType, unknown][] = [
    ['int8', 200],
    ['int8', -129],
    ['int8', 1.5],
    ['uint8', -1],
    ['uint8', 256],
    ['int16', 40_000],
    ['uint16', -1],
    ['int32', 2 ** 31],
    ['int32', Number.NaN],
    ['int32', Number.POSITIVE_INFINITY],
    ['uint32', 2 ** 32],
    ['uint32', 0.5],
    ['float32', 1e39],
    ['float32', -1e39],
    ['bigint64', 2n ** 63n],
    ['bigint64', -(2n ** 63n) - 1n],
    ['biguint64', -1n],
    ['biguint64', 2n ** 64n],
  ];
  it.each(outOfRange)(
    'rejects %s value %s with a RangeError naming the type, and keeps the old value',
    (type, bad) => {
      const value = new RawValue(type, PATTERNS[type][1] as never);
      expect(() => {
        value.value = bad as never;
      }).toThrow(RangeError);
      expect(() => {
        value.value = bad as never;
      }).toThrow(new RegExp(`^RawValue\\.value: value must be .* ${type} cell`));
      expect(value.value).toBe(PATTERNS[type][1]);
      expect(() => new RawValue(type, bad as never)).toThrow(RangeError);
      expect(() => value.exchange(bad as never)).toThrow(RangeError);
      expect(value.value).toBe(PATTERNS[type][1]);
    },
  );

  const wrongType: [ValueType, unknown][] = [
    ['bool', 1],
    ['bool', 'true'],
    ['int8', '1'],
    ['int32', 1n],
    ['uint32', null],
    ['float32', 1n],
    ['float64', '0.5'],
    ['float64', undefined],
    ['bigint64', 5],
    ['biguint64', 5],
  ];
  it.each(wrongType)('rejects a %s write of %s with a TypeError naming the type', (type, bad) => {
    const value = new RawValue(type, PATTERNS[type][0] as never);
    expect(() => {
      value.value = bad as never;
    }).toThrow(new RegExp(`^RawValue\\.value: value must be a .* for an? ${type} cell, got`));
    expect(() => {
      value.value = bad as never;
    }).toThrow(TypeError);
    expect(value.value).toBe(PATTERNS[type][0]);
  });

  it('rejects an unknown type with a TypeError listing the types', () => {
    expect(() => new RawValue('int64' as ValueType)).toThrow(
      /^RawValue: type must be one of 'bool', .*got a string/,
    );
    expect(() => new RawValue(undefined as unknown as ValueType)).toThrow(TypeError);
  });

  it('adds and subtracts atomically, returning the previous value, and throws on overflow without changing anything', () => {
    const small = new RawValue('uint8', 250);
    expect(small.add(5)).toBe(250);
    expect(small.value).toBe(255);
    expect(() => small.add(1)).toThrow(
      /^RawValue\.add: 255 \+ 1 = 256 is out of range for a uint8 cell \[0, 255\]/,
    );
    expect(small.value).toBe(255);
    expect(small.sub(255)).toBe(255);
    expect(() => small.sub(1)).toThrow(RangeError);
    expect(small.value).toBe(0);
    const signed = new RawValue('int8', -100);
    expect(signed.add(-28)).toBe(-100);
    expect(() => signed.add(-1)).toThrow(RangeError);
    expect(signed.value).toBe(-128);
    const big = new RawValue('bigint64', 2n ** 63n - 2n);
    expect(big.add(1n)).toBe(2n ** 63n - 2n);
    expect(() => big.add(1n)).toThrow(RangeError);
    expect(big.value).toBe(2n ** 63n - 1n);
    const ubig = new RawValue('biguint64', 0n);
    expect(() => ubig.sub(1n)).toThrow(RangeError);
    expect(ubig.value).toBe(0n);
  });

  it('rejects add/sub on non-integer types and deltas of the wrong kind', () => {
    const float = new RawValue('float64', 1) as unknown as RawValue<'int32'>;
    expect(() => float.add(1)).toThrow(/^RawValue\.add: only integer cells .* not float64/);
    const flag = new RawValue('bool') as unknown as RawValue<'int32'>;
    expect(() => flag.sub(1)).toThrow(TypeError);
    const int = new RawValue('int32', 0);
    expect(() => int.add(1.5)).toThrow(RangeError);
    expect(() => int.add(1n as unknown as number)).toThrow(TypeError);
    expect(() => new RawValue('bigint64').add(1 as unknown as bigint)).toThrow(TypeError);
    expect(int.value).toBe(0);
  });

  it('exchanges and compare-exchanges for every type', () => {
    for (const type of TYPES) {
      const [a, b] = PATTERNS[type] as [ValueOf<ValueType>, ValueOf<ValueType>];
      const value = new RawValue<ValueType>(type, a);
      expect(value.exchange(b)).toBe(a);
      expect(value.value).toBe(b);
      expect(value.compareExchange(a, a)).toBe(b); // expected a, found b: no write
      expect(value.value).toBe(b);
      expect(value.compareExchange(b, a)).toBe(b);
      expect(value.value).toBe(a);
    }
  });

  it('converts to its value in templates and describes itself', () => {
    const n = new RawValue('int16', 12);
    expect(`${n}`).toBe('RawValue<int16>(12)');
    expect(n.valueOf() + 1).toBe(13);
    expect(String(new Value('bool', true))).toBe('Value<bool>(true)');
  });

  it('is rebuilt by from() and revive() over the same memory, with the type read from memory', () => {
    const value = new RawValue('float64', 2.5);
    const clone = structuredClone(value) as unknown;
    const other = RawValue.from(clone, 'float64');
    other.value = 7.25;
    expect(value.value).toBe(7.25);
    expect(other.type).toBe('float64');
    const { revived } = revive({ revived: structuredClone(value) as unknown as RawValue });
    expect(revived).toBeInstanceOf(RawValue);
    expect(revived.value).toBe(7.25);
    expect(Object.keys(value)).toEqual(['buffer', 'byteOffset']);
  });

  it('from() rejects what is not a RawValue of the expected type, saying what it got', () => {
    expect(() => RawValue.from({})).toThrow(/^RawValue\.from: expected a RawValue .* got an empty object/);
    expect(() => RawValue.from(structuredClone(new CancelFlag()))).toThrow(/got a clone of a CancelFlag/);
    expect(() => RawValue.from(structuredClone(new Lock()))).toThrow(/got a clone of a Lock/);
    expect(() => RawValue.from(structuredClone(new Value('int8')))).toThrow(/got a clone of a Value/);
    expect(() => RawValue.from(structuredClone(new RawValue('int32')), 'int8')).toThrow(
      /^RawValue\.from: expected a RawValue of type 'int8', got one of type 'int32'/,
    );
    expect(() => RawValue.from(new RawValue('int32'), 'nope' as ValueType)).toThrow(/type must be one of/);
  });
});

describe('Value', () => {
  it('has an RLock by default, uses the lock it is given, and gives a RawValue for lock: false', () => {
    expect(new Value('int32').getLock()).toBeInstanceOf(RLock);
    expect(new Value('int32', 0, { lock: true }).getLock()).toBeInstanceOf(RLock);
    const lock = new Lock();
    const a = new Value('int32', 0, { lock });
    const b = new Value('float64', 0, { lock });
    expect(a.getLock()).toBe(lock);
    expect(b.getLock()).toBe(lock);
    const raw = new Value('int8', 3, { lock: false });
    expect(raw).toBeInstanceOf(RawValue);
    expect(raw).not.toBeInstanceOf(Value);
    expect(raw.value).toBe(3);
  });

  it('rejects a lock that is not a Lock or RLock, and bad options', () => {
    expect(() => new Value('int32', 0, { lock: structuredClone(new Lock()) as Lock })).toThrow(
      /^Value: lock must be a boolean, a Lock or an RLock/,
    );
    expect(() => new Value('int32', 0, { lock: 1 as unknown as boolean })).toThrow(TypeError);
    expect(() => new Value('int32', 0, 'lock' as never)).toThrow(/^Value: options must be an object/);
    expect(() => new Value('int8', 300)).toThrow(/^Value: initial must be an integer in \[-128, 127\]/);
  });

  it('is rebuilt with its lock by from() and revive(): both views share the value and the lock', () => {
    for (const lock of [new RLock(), new Lock()]) {
      const value = new Value('uint16', 9, { lock });
      const copy = Value.from(structuredClone(value), 'uint16');
      expect(copy.getLock()).toBeInstanceOf(lock.constructor as typeof Lock);
      lock.acquireSync();
      expect(copy.getLock().isLocked()).toBe(true);
      lock.release();
      copy.value = 10;
      expect(value.value).toBe(10);
      const { v } = revive({ v: structuredClone(value) as unknown as Value<'uint16'> });
      expect(v).toBeInstanceOf(Value);
      expect(v.value).toBe(10);
    }
    expect(() => Value.from(structuredClone(new RawValue('int8')))).toThrow(/got a clone of a RawValue/);
  });

  /** Runs 4 `value-counter` workers in `mode`, `iterations` each, on a fresh int32 Value; returns it. */
  async function countInWorkers(mode: string, iterations: number): Promise<Value<'int32'>> {
    const counter = new Value('int32', 0);
    const start = new Value('int32', 0, { lock: false });
    const data = Array.from({ length: 4 }, () => ({ counter, start, workers: 4, iterations, mode }));
    await runAll('value-counter', data, 30_000);
    return counter;
  }

  it('makes value += 1 exact under its lock: 4 workers × 10,000 (sync acquire)', async () => {
    const counter = await countInWorkers('locked', 10_000);
    expect(counter.value).toBe(40_000);
  });

  it('makes value += 1 exact under its lock with async acquires: 4 workers × 500', async () => {
    const counter = await countInWorkers('locked-async', 500);
    expect(counter.value).toBe(2_000);
  });

  it('counts exactly with add() and no lock: 4 workers × 10,000', async () => {
    const counter = await countInWorkers('add', 10_000);
    expect(counter.value).toBe(40_000);
  });

  it('without the lock, value += 1 may lose updates but never invents any', async () => {
    // Lost updates are possible, not guaranteed (they depend on the scheduling): only the bounds are certain.
    const counter = await countInWorkers('unlocked', 10_000);
    expect(counter.value).toBeGreaterThan(0);
    expect(counter.value).toBeLessThanOrEqual(40_000);
    console.log(`value += 1 without the lock: ${40_000 - counter.value} of 40000 updates lost in this run`);
  });
});

describe('atomicity across workers', () => {
  it('never shows a torn value or element of any type under concurrent writers (2 writers, 1 reader)', async () => {
    const values = {} as Record<ValueType, RawValue>;
    const arrays = {} as Record<ValueType, RawArray>;
    for (const type of TYPES) {
      values[type] = new RawValue(type, PATTERNS[type][0] as never);
      arrays[type] = new RawArray(type, [PATTERNS[type][0], PATTERNS[type][1], PATTERNS[type][0]] as never);
    }
    const started = new RawValue('int32', 0);
    const writersDone = new RawValue('int32', 0);
    const common = { rounds: 20_000, values, arrays, patterns: PATTERNS, started, writersDone, writers: 2 };
    const results = await runAll<{ role: string; reads?: number; torn?: string[] }>(
      'value-tear',
      [
        { ...common, role: 'writer' },
        { ...common, role: 'writer' },
        { ...common, role: 'reader' },
      ],
      60_000,
    );
    const reader = results.find((r) => r.role === 'reader')!;
    expect(reader.torn).toEqual([]);
    expect(reader.reads).toBeGreaterThan(0);
  });
});

describe('waiting on a value', () => {
  it('returns at once when the value already matches, and false after the timeout otherwise', async () => {
    const value = new RawValue('int32', 5);
    expect(value.waitForSync(5)).toBe(true);
    expect(value.waitChangeSync(4, 0)).toBe(true);
    expect(value.waitUntilSync((v) => v > 4)).toBe(true);
    expect(await value.waitFor(5)).toBe(true);
    const t0 = performance.now();
    expect(value.waitForSync(6, 30)).toBe(false);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(29);
    expect(await value.waitChange(5, { timeout: 20 })).toBe(false);
    expect(await value.waitFor(6, 10)).toBe(false);
    expect(announced(value)).toBe(0);
  });

  it('uses SameValueZero: NaN is found, and 0 matches -0', async () => {
    const value = new RawValue('float64', Number.NaN);
    expect(value.waitForSync(Number.NaN, 0)).toBe(true);
    expect(value.waitChangeSync(Number.NaN, 0)).toBe(false);
    value.value = -0;
    expect(await value.waitFor(0, 0)).toBe(true);
  });

  it('rejects targets the cell cannot hold, bad timeouts and bad predicates', async () => {
    const value = new RawValue('uint8', 1);
    expect(() => value.waitForSync(300)).toThrow(
      /^RawValue\.waitForSync: value must be an integer in \[0, 255\]/,
    );
    expect(() => value.waitChangeSync('1' as never)).toThrow(
      /^RawValue\.waitChangeSync: from must be a number/,
    );
    expect(() => value.waitForSync(1, -1)).toThrow(/^RawValue\.waitForSync: timeout must be a non-negative/);
    await expect(value.waitFor(-1)).rejects.toThrow(RangeError);
    await expect(value.waitChange(1, { timeout: Number.NaN })).rejects.toThrow(
      /^RawValue\.waitChange: timeout/,
    );
    await expect(value.waitUntil(42 as never)).rejects.toThrow(
      /^RawValue\.waitUntil: predicate must be a function/,
    );
    expect(() => value.waitUntilSync(null as never)).toThrow(TypeError);
  });

  it('ends with the error the predicate throws, leaving no waiter announced', async () => {
    const value = new RawValue('int32', 0);
    const pending = value.waitUntil((v) => {
      if (v === 2) throw new Error('boom');
      return false;
    });
    await until(() => announced(value) === 1);
    value.value = 2;
    await expect(pending).rejects.toThrow('boom');
    expect(announced(value)).toBe(0);
  });

  it('is woken in this thread by a write from an async task of the same thread', async () => {
    const value = new RawValue('biguint64', 0n);
    setTimeout(() => {
      value.value = 2n ** 64n - 1n;
    }, 5);
    expect(await value.waitFor(2n ** 64n - 1n, { timeout: 10_000 })).toBe(true);
    expect(announced(value)).toBe(0);
  });

  it('rejects with the signal reason when aborted, and leaves no waiter announced', async () => {
    const value = new RawValue('int32', 0);
    const controller = new AbortController();
    const pending = value.waitFor(1, { signal: controller.signal });
    await until(() => announced(value) === 1);
    controller.abort(new Error('stop waiting'));
    await expect(pending).rejects.toThrow('stop waiting');
    expect(announced(value)).toBe(0);
    await expect(value.waitFor(1, { signal: AbortSignal.abort('already') })).rejects.toBe('already');
  });

  const cases: [ValueType, unknown, unknown][] = [
    ['int32', 0, -7],
    ['bool', false, true],
    ['float64', 0, 1 / 3],
    ['float32', 0, 0.5],
    ['bigint64', 0n, -(2n ** 40n)],
    ['biguint64', 0n, 2n ** 63n],
  ];
  for (const mode of ['waitForSync', 'waitFor'] as const) {
    it.each(cases)(`${mode} in a worker is woken by the main thread writing a %s`, async (type, from, to) => {
      const value = new RawValue(type, from as never);
      const worker = spawn('value-waiter', { value, mode, target: to, timeout: 10_000 });
      await nextMessage(worker, 10_000, (m) => m === 'waiting');
      await until(() => announced(value) === 1); // parked (or about to): the write must wake it
      value.value = to as never;
      const { result, seen } = await resultOf<{ result: boolean; seen: unknown }>(worker, 10_000);
      expect(result).toBe(true);
      expect(seen).toEqual(to);
      expect(announced(value)).toBe(0);
    });
  }

  for (const mode of ['waitChangeSync', 'waitChange'] as const) {
    it(`${mode} in a worker returns once another thread changes the value`, async () => {
      const value = new RawValue('float64', 1.5);
      const worker = spawn('value-waiter', { value, mode, target: 1.5, timeout: 10_000 });
      await nextMessage(worker, 10_000, (m) => m === 'waiting');
      await until(() => announced(value) === 1);
      value.value = 1.5; // a write of the same value is not a change
      value.value = 2.5;
      const { result, seen } = await resultOf<{ result: boolean; seen: number }>(worker, 10_000);
      expect(result).toBe(true);
      expect(seen).toBe(2.5);
    });
  }

  it('wakes several waiting workers with one write, each re-checking its own predicate', async () => {
    const value = new RawValue('uint32', 0);
    const low = spawn('value-waiter', { value, mode: 'waitUntilSync', target: 1, timeout: 10_000 });
    const high = spawn('value-waiter', { value, mode: 'waitUntilSync', target: 100, timeout: 10_000 });
    await until(() => announced(value) === 2);
    value.value = 5; // satisfies the first only
    const first = await resultOf<{ result: boolean; seen: number }>(low, 10_000);
    expect(first).toMatchObject({ result: true, seen: 5 });
    await until(() => announced(value) === 1);
    value.add(95);
    expect(await resultOf<{ result: boolean; seen: number }>(high, 10_000)).toMatchObject({
      result: true,
      seen: 100,
    });
  });

  it('times out in a worker when nobody writes', async () => {
    const value = new RawValue('int8', 0);
    const worker = spawn('value-waiter', { value, mode: 'waitForSync', target: 1, timeout: 50 });
    const { result, elapsed } = await resultOf<{ result: boolean; elapsed: number }>(worker, 10_000);
    expect(result).toBe(false);
    expect(elapsed).toBeGreaterThanOrEqual(49);
    expect(announced(value)).toBe(0);
  });

  it('wakes an async wait of the main thread when a worker writes (64-bit value)', async () => {
    const value = new RawValue('bigint64', 0n);
    const pending = value.waitFor(-5n, { timeout: 10_000 });
    await until(() => announced(value) === 1);
    spawn('value-waiter', { value, mode: 'write', target: -5n });
    expect(await pending).toBe(true);
    expect(value.value).toBe(-5n);
  });

  it('Value waits too, with messages naming Value', () => {
    const value = new Value('int8', 1);
    expect(value.waitForSync(1, 0)).toBe(true);
    expect(() => value.waitForSync(1000, 0)).toThrow(/^Value\.waitForSync: value must be an integer/);
    expect(() => {
      value.value = 1000;
    }).toThrow(/^Value\.value:/);
  });
});
