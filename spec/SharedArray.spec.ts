import { describe, expect, it } from 'vitest';
import {
  Array as ArrayExport,
  Lock,
  RawArray,
  RawValue,
  RLock,
  revive,
  SharedArray,
  type ValueType,
} from '../lib/index';
import { runAll } from './helpers/workers';

const ZERO: Record<ValueType, unknown> = {
  bool: false,
  int8: 0,
  uint8: 0,
  int16: 0,
  uint16: 0,
  int32: 0,
  uint32: 0,
  float32: 0,
  float64: 0,
  bigint64: 0n,
  biguint64: 0n,
};
const TYPES = Object.keys(ZERO) as ValueType[];

describe('RawArray', () => {
  it.each(TYPES)('creates a zero-filled %s array of a given length', (type) => {
    const array = new RawArray(type, 5);
    expect(array.length).toBe(5);
    expect(array.type).toBe(type);
    expect(array.toArray()).toEqual(Array(5).fill(ZERO[type]));
  });

  it('creates an array from initial values of any iterable, and from an empty one', () => {
    expect(new RawArray('int16', [1, -2, 3]).toArray()).toEqual([1, -2, 3]);
    expect(new RawArray('float64', new Set([0.5, -0.25])).toArray()).toEqual([0.5, -0.25]);
    expect(new RawArray('biguint64', [2n ** 64n - 1n]).get(0)).toBe(2n ** 64n - 1n);
    const empty = new RawArray('bool', []);
    expect(empty.length).toBe(0);
    expect([...empty]).toEqual([]);
    expect(Object.is(new RawArray('float32', [-0]).get(0), -0)).toBe(true);
  });

  it('rejects a bad initial value naming its index, and a bad length or type', () => {
    expect(() => new RawArray('uint8', [1, 2, 256])).toThrow(
      /^RawArray: element 2 must be an integer in \[0, 255\]/,
    );
    expect(() => new RawArray('bool', [true, 1 as unknown as boolean])).toThrow(
      /^RawArray: element 1 must be a boolean for a bool cell, got 1/,
    );
    expect(() => new RawArray('bigint64', [1 as unknown as bigint])).toThrow(TypeError);
    expect(() => new RawArray('int32', -1)).toThrow(
      /^RawArray: length must be an integer in \[0, 2147483647\], got -1/,
    );
    expect(() => new RawArray('int32', 1.5)).toThrow(RangeError);
    expect(() => new RawArray('int32', 2 ** 31)).toThrow(RangeError);
    expect(() => new RawArray('int32', '3' as unknown as number)).toThrow(
      /^RawArray: lengthOrValues must be/,
    );
    expect(() => new RawArray('int32', null as unknown as number)).toThrow(TypeError);
    expect(() => new RawArray('int64' as ValueType, 3)).toThrow(/^RawArray: type must be one of/);
  });

  it('gets and sets every element atomically, and rejects an index out of range with a RangeError', () => {
    const array = new RawArray('int8', [1, 2, 3]);
    array.set(0, -128);
    array.set(2, 127);
    expect(array.toArray()).toEqual([-128, 2, 127]);
    for (const bad of [-1, 3, 1.5, Number.NaN, '0', undefined]) {
      expect(() => array.get(bad as number)).toThrow(/^RawArray\.get: index must be an integer in \[0, 3\)/);
      expect(() => array.set(bad as number, 0)).toThrow(
        /^RawArray\.set: index must be an integer in \[0, 3\)/,
      );
      expect(() => array.add(bad as number, 1)).toThrow(RangeError);
    }
    expect(() => array.set(1, 128)).toThrow(/^RawArray\.set: value must be an integer in \[-128, 127\]/);
    expect(() => array.set(1, '1' as unknown as number)).toThrow(TypeError);
    expect(array.toArray()).toEqual([-128, 2, 127]);
  });

  it('adds, subtracts, exchanges and compare-exchanges elements, refusing overflow', () => {
    const array = new RawArray('uint16', [65_530, 0]);
    expect(array.add(0, 5)).toBe(65_530);
    expect(() => array.add(0, 1)).toThrow(
      /^RawArray\.add: 65535 \+ 1 = 65536 is out of range for a uint16 cell/,
    );
    expect(() => array.sub(1, 1)).toThrow(RangeError);
    expect(array.toArray()).toEqual([65_535, 0]);
    expect(array.exchange(1, 7)).toBe(0);
    expect(array.compareExchange(1, 6, 9)).toBe(7);
    expect(array.compareExchange(1, 7, 9)).toBe(7);
    expect(array.get(1)).toBe(9);
    const floats = new RawArray('float64', [1.5]) as unknown as RawArray<'int32'>;
    expect(() => floats.add(0, 1)).toThrow(/^RawArray\.add: only integer cells/);
  });

  it('iterates and copies element by element, and describes itself', () => {
    const array = new RawArray('bool', [true, false, true]);
    expect([...array]).toEqual([true, false, true]);
    expect(array.toArray()).not.toBe(array.toArray());
    expect(String(array)).toBe('RawArray<bool>[true, false, true]');
  });

  it('is rebuilt by from() and revive() over the same memory, and from() checks kind and type', () => {
    const array = new RawArray('float32', [0.5, 1.5]);
    const copy = RawArray.from(structuredClone(array), 'float32');
    copy.set(1, 2.5);
    expect(array.get(1)).toBe(2.5);
    expect(copy.length).toBe(2);
    const { a } = revive({ a: structuredClone(array) as unknown as RawArray });
    expect(a).toBeInstanceOf(RawArray);
    expect(a.toArray()).toEqual([0.5, 2.5]);
    expect(Object.keys(array)).toEqual(['buffer', 'byteOffset']);
    expect(() => RawArray.from(structuredClone(array), 'float64')).toThrow(
      /^RawArray\.from: expected a RawArray of type 'float64', got one of type 'float32'/,
    );
    expect(() => RawArray.from(structuredClone(new RawValue('int32')))).toThrow(/got a clone of a RawValue/);
    expect(() => RawArray.from({ buffer: new SharedArrayBuffer(16), byteOffset: 0 })).toThrow(
      /holds no primitive/,
    );
  });

  it('from() refuses a header whose length does not fit its buffer', () => {
    const array = new RawArray('int32', 2);
    const forged = { buffer: array.buffer.slice(0, 16) as unknown as SharedArrayBuffer, byteOffset: 0 };
    expect(() => RawArray.from(forged)).toThrow(TypeError);
  });
});

describe('SharedArray (exported also as Array)', () => {
  it('is the class exported as Array', () => {
    expect(ArrayExport).toBe(SharedArray);
    expect(new ArrayExport('int8', 2)).toBeInstanceOf(RawArray);
  });

  it('has an RLock by default, uses the lock it is given, and gives a RawArray for lock: false', () => {
    expect(new SharedArray('int32', 1).getLock()).toBeInstanceOf(RLock);
    const lock = new Lock();
    expect(new SharedArray('int32', [1, 2], { lock }).getLock()).toBe(lock);
    const raw = new SharedArray('uint8', [7], { lock: false });
    expect(raw).toBeInstanceOf(RawArray);
    expect(raw).not.toBeInstanceOf(SharedArray);
    expect(raw.get(0)).toBe(7);
    expect(() => new SharedArray('int32', 1, { lock: {} as Lock })).toThrow(/^Array: lock must be/);
    expect(() => new SharedArray('int32', -1)).toThrow(/^Array: length must be/);
    expect(() => new SharedArray('int32', 1).get(1)).toThrow(/^Array\.get: index/);
  });

  it('is rebuilt with its lock by from() and revive()', () => {
    const array = new SharedArray('bigint64', [1n, 2n]);
    const copy = SharedArray.from(structuredClone(array), 'bigint64');
    copy.add(0, 10n);
    expect(array.get(0)).toBe(11n);
    array.getLock().acquireSync();
    expect(copy.getLock().isLocked()).toBe(true);
    array.getLock().release();
    const { a } = revive({ a: structuredClone(array) as unknown as SharedArray });
    expect(a).toBeInstanceOf(SharedArray);
    expect(a.getLock()).toBeInstanceOf(RLock);
    expect(() => SharedArray.from(structuredClone(new RawArray('int8', 1)))).toThrow(
      /got a clone of a RawArray/,
    );
  });

  it('counts exactly with atomic add() from 4 workers × 2,000 rounds over every element', async () => {
    const array = new SharedArray('int32', 8);
    const start = new RawValue('int32', 0);
    const data = Array.from({ length: 4 }, () => ({
      array,
      start,
      workers: 4,
      iterations: 2_000,
      mode: 'add',
    }));
    await runAll('value-array', data, 30_000);
    expect(array.toArray()).toEqual(Array(8).fill(8_000));
  });

  it('keeps the total of multi-element transfers under its lock, as seen by every lock holder', async () => {
    const array = new SharedArray('int32', [100, 100, 100, 100, 100]);
    const start = new RawValue('int32', 0);
    const data = Array.from({ length: 3 }, (_, seed) => ({
      array,
      start,
      workers: 3,
      iterations: 2_000,
      mode: 'transfer',
      seed: seed + 1,
      total: 500,
    }));
    const results = await runAll<{ badTotals: number }>('value-array', data, 30_000);
    expect(results.map((r) => r.badTotals)).toEqual([0, 0, 0]);
    expect(array.toArray().reduce((a, b) => a + b, 0)).toBe(500);
    expect(array.toArray().every((x) => x >= 0)).toBe(true);
  });
});
