/**
 * Typed cells: how the values of `RawValue`, `Value`, `RawArray` and `SharedArray` are checked, stored and
 * accessed atomically.
 *
 * Every type is stored in an integer typed array, because `Atomics` only works on those:
 *
 * | type        | JS value  | stored in        | range checked on write                                   |
 * |-------------|-----------|------------------|----------------------------------------------------------|
 * | `bool`      | `boolean` | `Uint8Array`     | `true` / `false` only (stored as 1 / 0)                   |
 * | `int8`…     | `number`  | its own array    | an integer within the type's bounds                      |
 * | `uint32`    | `number`  | `Uint32Array`    | an integer in [0, 2³² − 1]                               |
 * | `float32`   | `number`  | `Int32Array`     | any number whose float32 rounding is finite, or ±∞, NaN  |
 * | `float64`   | `number`  | `BigInt64Array`  | any number                                               |
 * | `bigint64`  | `bigint`  | `BigInt64Array`  | a bigint in [−2⁶³, 2⁶³ − 1]                              |
 * | `biguint64` | `bigint`  | `BigUint64Array` | a bigint in [0, 2⁶⁴ − 1]                                 |
 *
 * There is no `Atomics.load`/`store` on float arrays, so a float is stored as its bit pattern: the number is
 * written into a thread-local scratch `Float64Array` (or `Float32Array`) and its bits are read back through an
 * integer view of the same scratch memory; the bits then go to shared memory in one atomic 64-bit (or 32-bit)
 * access. A reader therefore sees either the whole old pattern or the whole new one, never a mix of halves.
 *
 * Nothing wraps around: a value out of range, or not an integer for an integer type, is a `RangeError`; a value
 * of the wrong JS type (a number for a `bigint64`, a string for anything) is a `TypeError`. Both messages start
 * with the API's name and name the type.
 *
 * @internal
 * @module
 */

import { describe } from './shared';

/**
 * The element types of shared values and arrays.
 *
 * @example
 * ```ts
 * import { RawValue, type ValueType } from 'shared-sync';
 * const type: ValueType = 'float64';
 * const temperature = new RawValue(type, 21.5);
 * ```
 */
export type ValueType =
  | 'bool'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'float32'
  | 'float64'
  | 'bigint64'
  | 'biguint64';

/**
 * The integer types whose values are JS numbers.
 *
 * @example
 * ```ts
 * import { type IntegerType, RawValue } from 'shared-sync';
 * const type: IntegerType = 'uint16';
 * const port = new RawValue(type, 8080);
 * ```
 */
export type IntegerType = 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32';

/**
 * The 64-bit integer types, whose values are JS bigints.
 *
 * @example
 * ```ts
 * import { type BigIntType, RawValue } from 'shared-sync';
 * const type: BigIntType = 'biguint64';
 * const bytes = new RawValue(type, 0n);
 * bytes.add(4096n);
 * ```
 */
export type BigIntType = 'bigint64' | 'biguint64';

/**
 * The types that offer atomic `add` and `sub`.
 *
 * @example
 * ```ts
 * import { type CountingType, RawValue } from 'shared-sync';
 * const type: CountingType = 'int32';
 * const counter = new RawValue(type, 0);
 * counter.add(1);
 * ```
 */
export type CountingType = IntegerType | BigIntType;

/**
 * The JS type of a value of `T`: `boolean` for `'bool'`, `bigint` for the 64-bit integers, else `number`.
 *
 * @example
 * ```ts
 * import type { ValueOf } from 'shared-sync';
 * const flag: ValueOf<'bool'> = true;
 * const big: ValueOf<'bigint64'> = 1n;
 * const ratio: ValueOf<'float32'> = 0.5;
 * ```
 */
export type ValueOf<T extends ValueType> = T extends 'bool'
  ? boolean
  : T extends BigIntType
    ? bigint
    : number;

/** What a cell holds in shared memory: a number for the ≤ 32-bit storages, a bigint for the 64-bit ones. */
export type Stored = number | bigint;

/** The integer typed arrays a cell may be stored in. */
export type Storage =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

type StorageConstructor = new (buffer: SharedArrayBuffer, byteOffset: number, length: number) => Storage;

/**
 * `Atomics` over the union of storages. The runtime dispatches on the array's real type; TypeScript's overloads
 * cannot take a union, so this is the one place that says so.
 */
export const atomics = Atomics as unknown as {
  load(view: Storage, index: number): Stored;
  store(view: Storage, index: number, value: Stored): Stored;
  exchange(view: Storage, index: number, value: Stored): Stored;
  compareExchange(view: Storage, index: number, expected: Stored, replacement: Stored): Stored;
};

/** Everything the cells know about one type. */
export interface CellType {
  readonly name: ValueType;
  /** Written to shared memory, so that `from()` knows the type of what it receives. Never changes. */
  readonly code: number;
  /** Bytes per element. */
  readonly bytes: number;
  readonly storage: StorageConstructor;
  /** Whether `add`/`sub` are offered. */
  readonly counting: boolean;
  /** The value a fresh cell holds. */
  readonly zero: unknown;
  /**
   * Checks a JS value and returns what to store; throws a `TypeError`/`RangeError` whose message starts with
   * `api` and names `what` (e.g. "value", "element 3") and the type.
   */
  encode(value: unknown, api: string, what: string): Stored;
  /** The JS value of a stored pattern. */
  decode(stored: Stored): unknown;
  /** For counting types: whether a stored-form number is within range. */
  inRange(stored: Stored): boolean;
  /** The type's range, for messages. */
  readonly rangeText: string;
}

/** "a bool cell", "an int8 cell". */
function cell(type: ValueType): string {
  return `${type.startsWith('int') ? 'an' : 'a'} ${type} cell`;
}

function got(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  return describe(value);
}

function typeError(api: string, what: string, type: ValueType, expected: string, value: unknown): TypeError {
  return new TypeError(`${api}: ${what} must be ${expected} for ${cell(type)}, got ${got(value)}`);
}

function integerType(
  name: IntegerType,
  code: number,
  bytes: number,
  storage: StorageConstructor,
  min: number,
  max: number,
): CellType {
  const rangeText = `[${min}, ${max}]`;
  return {
    name,
    code,
    bytes,
    storage,
    counting: true,
    zero: 0,
    rangeText,
    encode(value, api, what) {
      if (typeof value !== 'number') throw typeError(api, what, name, 'a number', value);
      if (!Number.isInteger(value) || value < min || value > max) {
        throw new RangeError(
          `${api}: ${what} must be an integer in ${rangeText} for ${cell(name)}, got ${got(value)}`,
        );
      }
      return value === 0 ? 0 : value; // -0 is stored as 0 anyway; normalise so that comparisons are exact
    },
    decode: (stored) => stored,
    inRange: (stored) => (stored as number) >= min && (stored as number) <= max,
  };
}

function bigIntType(
  name: BigIntType,
  code: number,
  storage: StorageConstructor,
  min: bigint,
  max: bigint,
): CellType {
  const rangeText = `[${min}, ${max}]`;
  return {
    name,
    code,
    bytes: 8,
    storage,
    counting: true,
    zero: 0n,
    rangeText,
    encode(value, api, what) {
      if (typeof value !== 'bigint') throw typeError(api, what, name, 'a bigint', value);
      if (value < min || value > max) {
        throw new RangeError(
          `${api}: ${what} must be a bigint in ${rangeText} for ${cell(name)}, got ${got(value)}`,
        );
      }
      return value;
    },
    decode: (stored) => stored,
    inRange: (stored) => (stored as bigint) >= min && (stored as bigint) <= max,
  };
}

// Thread-local scratch memory for the float ↔ bits conversions (never shared, so plain accesses are fine).
const scratch = new ArrayBuffer(8);
const scratchF64 = new Float64Array(scratch);
const scratchI64 = new BigInt64Array(scratch);
const scratchF32 = new Float32Array(scratch, 0, 1);
const scratchI32 = new Int32Array(scratch, 0, 1);

const FLOAT32: CellType = {
  name: 'float32',
  code: 8,
  bytes: 4,
  storage: Int32Array,
  counting: false,
  zero: 0,
  rangeText: 'the float32 range (about ±3.4e38), ±Infinity or NaN',
  encode(value, api, what) {
    if (typeof value !== 'number') throw typeError(api, what, 'float32', 'a number', value);
    scratchF32[0] = value;
    // A finite number too large for float32 would silently become ±Infinity: that is a wrap-around of sorts.
    if (Number.isFinite(value) && !Number.isFinite(scratchF32[0])) {
      throw new RangeError(
        `${api}: ${what} must be within the float32 range (about ±3.4028e38) for a float32 cell, got ${got(value)}`,
      );
    }
    return scratchI32[0];
  },
  decode(stored) {
    scratchI32[0] = stored as number;
    return scratchF32[0];
  },
  inRange: () => true,
};

const FLOAT64: CellType = {
  name: 'float64',
  code: 9,
  bytes: 8,
  storage: BigInt64Array,
  counting: false,
  zero: 0,
  rangeText: 'any number',
  encode(value, api, what) {
    if (typeof value !== 'number') throw typeError(api, what, 'float64', 'a number', value);
    scratchF64[0] = value;
    return scratchI64[0];
  },
  decode(stored) {
    scratchI64[0] = stored as bigint;
    return scratchF64[0];
  },
  inRange: () => true,
};

const BOOL: CellType = {
  name: 'bool',
  code: 1,
  bytes: 1,
  storage: Uint8Array,
  counting: false,
  zero: false,
  rangeText: 'true or false',
  encode(value, api, what) {
    if (typeof value !== 'boolean') throw typeError(api, what, 'bool', 'a boolean', value);
    return value ? 1 : 0;
  },
  decode: (stored) => stored !== 0,
  inRange: () => true,
};

/** Every type, by name. Codes are fixed forever (they are written to shared memory). */
export const CELL_TYPES: Readonly<Record<ValueType, CellType>> = {
  bool: BOOL,
  int8: integerType('int8', 2, 1, Int8Array, -0x80, 0x7f),
  uint8: integerType('uint8', 3, 1, Uint8Array, 0, 0xff),
  int16: integerType('int16', 4, 2, Int16Array, -0x8000, 0x7fff),
  uint16: integerType('uint16', 5, 2, Uint16Array, 0, 0xffff),
  int32: integerType('int32', 6, 4, Int32Array, -0x8000_0000, 0x7fff_ffff),
  uint32: integerType('uint32', 7, 4, Uint32Array, 0, 0xffff_ffff),
  float32: FLOAT32,
  float64: FLOAT64,
  bigint64: bigIntType('bigint64', 10, BigInt64Array, -(2n ** 63n), 2n ** 63n - 1n),
  biguint64: bigIntType('biguint64', 11, BigUint64Array, 0n, 2n ** 64n - 1n),
};

const byCode = new Map<number, CellType>(Object.values(CELL_TYPES).map((type) => [type.code, type]));

/** The names of all types, for messages and tests. */
export const VALUE_TYPES: readonly ValueType[] = Object.keys(CELL_TYPES) as ValueType[];

/** The type called `name`; a `TypeError` starting with `api` for anything else. */
export function cellTypeOf(name: unknown, api: string): CellType {
  if (typeof name === 'string' && Object.hasOwn(CELL_TYPES, name)) return CELL_TYPES[name as ValueType];
  throw new TypeError(
    `${api}: type must be one of ${VALUE_TYPES.map((t) => `'${t}'`).join(', ')}, got ${got(name)}`,
  );
}

/** The type whose code is stored in shared memory, if any. */
export function cellTypeByCode(code: number): CellType | undefined {
  return byCode.get(code);
}

/** SameValueZero, the equality of `waitFor`: NaN equals NaN, 0 equals -0. */
export function sameValueZero(a: unknown, b: unknown): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

/** Throws a `TypeError` unless the type offers `add`/`sub`. */
export function assertCounting(type: CellType, api: string): void {
  if (!type.counting) {
    throw new TypeError(
      `${api}: only integer cells (int8 … uint32, bigint64, biguint64) can add, not ${type.name}`,
    );
  }
}

/** Checks the delta of an `add`/`sub`: a safe integer for number types, a bigint for the 64-bit types. */
export function checkDelta(type: CellType, delta: unknown, api: string): Stored {
  if (type.zero === 0n) {
    if (typeof delta !== 'bigint') throw typeError(api, 'delta', type.name, 'a bigint', delta);
    return delta;
  }
  if (typeof delta !== 'number') throw typeError(api, 'delta', type.name, 'a number', delta);
  if (!Number.isSafeInteger(delta)) {
    throw new RangeError(`${api}: delta must be a safe integer for ${cell(type.name)}, got ${got(delta)}`);
  }
  return delta;
}

/**
 * Adds `delta` to `view[index]` atomically unless the result would leave the type's range, in which case it
 * throws a `RangeError` and changes nothing: a compare-exchange loop (load, check, CAS; retry if another thread
 * wrote in between). `Atomics.add` would wrap around silently. Returns the value before the addition.
 */
export function addChecked(type: CellType, view: Storage, index: number, delta: Stored, api: string): Stored {
  for (;;) {
    const old = atomics.load(view, index);
    const next = ((old as number) + (delta as number)) as Stored;
    if (!type.inRange(next)) {
      throw new RangeError(
        `${api}: ${got(old)} + ${got(delta)} = ${got(next)} is out of range for ${cell(type.name)} ${type.rangeText}; ` +
          'nothing was changed',
      );
    }
    if (atomics.compareExchange(view, index, old, next) === old) return old;
  }
}
