/**
 * `RawArray` and `SharedArray` (exported also as `Array`): a fixed-length array of typed values in shared
 * memory, each element read and written atomically; `SharedArray` adds a lock for multi-element or
 * read-modify-write sequences (Python's `multiprocessing.RawArray` / `Array`).
 *
 * ## Memory layout (from `byteOffset`; both kinds have the same layout, only the tag differs)
 * | bytes  | word | name     | meaning                                                        |
 * |--------|------|----------|----------------------------------------------------------------|
 * | 0-3    | 0    | TAG      | kind tag: `RawArray` or `Array` (see `internal/shared.ts`)      |
 * | 4-7    | 1    | TYPE     | the element type's code (`internal/cell.ts`); written once      |
 * | 8-11   | 2    | LENGTH   | the number of elements; written once                           |
 * | 12-15  | 3    |          | unused (keeps the elements 8-aligned)                          |
 * | 16-    |      | ELEMENTS | `LENGTH` elements in the type's storage, 8-aligned             |
 *
 * Elements are stored as in `internal/cell.ts` (floats as their bit patterns), so every element access is one
 * atomic operation and a 64-bit element is never torn. Only TYPE and LENGTH are read when a handle is rebuilt;
 * they never change, so no ordering is needed beyond the structured clone that carries the buffer.
 *
 * @module
 */

import { checkArgCount, PLACED } from './internal/args';
import {
  addChecked,
  assertCounting,
  atomics,
  type CellType,
  type CountingType,
  cellTypeByCode,
  cellTypeOf,
  checkDelta,
  type Storage,
  type ValueOf,
  type ValueType,
} from './internal/cell';
import {
  allocate,
  attach,
  defineKind,
  type Kind,
  keepClassName,
  type Placement,
  registerReviver,
} from './internal/shared';
import { RLock } from './RLock';
import { type AnyLock, type LockOptions, lockOptionOf, receivedLockOf } from './Value';

const RAW_KIND = defineKind('RawArray', 10, 16);
const ARRAY_KIND = defineKind('Array', 11, 16);

const TYPE = 1;
const LENGTH = 2;
const ELEMENTS_BYTE = 16;

/** The most elements an array may have (LENGTH is an Int32 word). */
const MAX_LENGTH = 0x7fff_ffff;

function describeLength(value: unknown): string {
  return typeof value === 'number' ? String(value) : value === null ? 'null' : typeof value;
}

/** Writes a fresh array of `kind` and returns where it lives. */
function createArray(kind: Kind, typeName: unknown, lengthOrValues: unknown, api: string): Placement {
  const type = cellTypeOf(typeName, api);
  let length: number;
  let stored: Array<number | bigint> | undefined;
  if (typeof lengthOrValues === 'number') {
    if (!Number.isSafeInteger(lengthOrValues) || lengthOrValues < 0 || lengthOrValues > MAX_LENGTH) {
      throw new RangeError(
        `${api}: length must be an integer in [0, ${MAX_LENGTH}], got ${describeLength(lengthOrValues)}`,
      );
    }
    length = lengthOrValues;
  } else if (
    typeof lengthOrValues === 'object' &&
    lengthOrValues !== null &&
    typeof (lengthOrValues as Iterable<unknown>)[Symbol.iterator] === 'function'
  ) {
    // Check every element before allocating: bad input changes nothing.
    stored = [];
    let i = 0;
    for (const value of lengthOrValues as Iterable<unknown>) {
      stored.push(type.encode(value, api, `element ${i++}`));
    }
    length = stored.length;
    if (length > MAX_LENGTH) throw new RangeError(`${api}: at most ${MAX_LENGTH} elements, got ${length}`);
  } else {
    throw new TypeError(
      `${api}: lengthOrValues must be a length or an iterable of values, got ${describeLength(lengthOrValues)}`,
    );
  }
  const at = allocate(kind, length * type.bytes);
  const header = new Int32Array(at.buffer, at.byteOffset, 4);
  Atomics.store(header, TYPE, type.code);
  Atomics.store(header, LENGTH, length);
  if (stored) {
    const elements = new type.storage(at.buffer, at.byteOffset + ELEMENTS_BYTE, length);
    for (let i = 0; i < length; i++) atomics.store(elements, i, stored[i]);
  }
  return at;
}

/** The placement of a received array of `kind`, with its type and length checked against its buffer. */
function attachArray(kind: Kind, received: unknown, expected: unknown, api: string): Placement {
  const at = attach(kind, received, api);
  const header = new Int32Array(at.buffer, at.byteOffset, 4);
  const type = cellTypeByCode(Atomics.load(header, TYPE));
  const length = Atomics.load(header, LENGTH);
  if (!type || length < 0 || at.byteOffset + ELEMENTS_BYTE + length * type.bytes > at.buffer.byteLength) {
    throw new TypeError(
      `${api}: the received ${kind.name} has an invalid type or length (corrupted memory?)`,
    );
  }
  if (expected !== undefined && cellTypeOf(expected, api) !== type) {
    throw new TypeError(
      `${api}: expected a ${kind.name} of type '${String(expected)}', got one of type '${type.name}'`,
    );
  }
  return at;
}

function apisOf(name: string) {
  const api = (method: string): string => `${name}.${method}`;
  return {
    name,
    get: api('get'),
    set: api('set'),
    exchange: api('exchange'),
    compareExchange: api('compareExchange'),
    add: api('add'),
    sub: api('sub'),
  };
}

type Apis = ReturnType<typeof apisOf>;
const RAW_APIS = apisOf('RawArray');
const ARRAY_APIS = apisOf('Array');

/**
 * A fixed-length array of typed values in shared memory, without a lock: Python's
 * `multiprocessing.RawArray`.
 *
 * Every element access is atomic, including `float64` and 64-bit integer elements (never torn). Writes are
 * checked as {@link RawValue}'s are (a `TypeError` for the wrong JS type, a `RangeError` when out of range;
 * nothing is written then), and an index outside `[0, length)` is a `RangeError`. Integer types also offer
 * atomic {@link RawArray.add | add} and {@link RawArray.sub | sub}.
 *
 * Each element access is atomic, but the array as a whole is not: {@link RawArray.toArray | toArray()} and
 * iteration read one element after the other while other threads may write. Use a {@link SharedArray} and hold
 * its lock for consistent snapshots or multi-element updates.
 *
 * @typeParam T - The element type name (see {@link RawValue}).
 *
 * @example
 * ```ts
 * import { RawArray } from 'shared-sync';
 * const histogram = new RawArray('uint32', 10);
 * // in workers (histogram = RawArray.from(workerData.histogram)):
 * histogram.add(3, 1); // atomic, no lock needed
 * console.log(histogram.toArray());
 * ```
 */
export class RawArray<T extends ValueType = ValueType> implements Iterable<ValueOf<T>> {
  static {
    keepClassName(RawArray, 'RawArray');
  }

  /** The shared memory the array lives in; carried to other threads by structured clone. */
  readonly buffer: SharedArrayBuffer;
  /** Where in {@link RawArray.buffer} the array lives. */
  readonly byteOffset: number;
  readonly #type: CellType;
  readonly #elements: Storage;
  readonly #length: number;
  readonly #api: Apis;

  /**
   * Creates an array in a fresh `SharedArrayBuffer`.
   *
   * @param type - The element type name (see {@link RawValue}).
   * @param lengthOrValues - A length (elements start as `false`, `0` or `0n`), or the initial values.
   * @throws TypeError for an unknown type, a `lengthOrValues` that is neither a number nor an iterable, an
   *   initial value of the wrong JS type (naming its index), or a third argument (a `RawArray` has no lock:
   *   {@link SharedArray} takes `{ lock }`).
   * @throws RangeError for a bad length, or an initial value out of range (naming its index).
   */
  constructor(type: T, lengthOrValues: number | Iterable<ValueOf<T>>);
  /** @internal Views the array at `placement` (already initialized). */
  constructor(placed: typeof PLACED, placement: Placement);
  constructor(...args: unknown[]) {
    let at: Placement;
    if (args[0] === PLACED) {
      at = args[1] as Placement;
    } else {
      checkArgCount(args, ['type', 'lengthOrValues'], 'RawArray');
      at = createArray(RAW_KIND, args[0], args[1], 'RawArray');
    }
    this.buffer = at.buffer;
    this.byteOffset = at.byteOffset;
    const header = new Int32Array(at.buffer, at.byteOffset, 4);
    this.#type = cellTypeByCode(Atomics.load(header, TYPE))!;
    this.#length = Atomics.load(header, LENGTH);
    this.#elements = new this.#type.storage(at.buffer, at.byteOffset + ELEMENTS_BYTE, this.#length);
    this.#api = header[0] === ARRAY_KIND.tag ? ARRAY_APIS : RAW_APIS;
  }

  /**
   * Rebuilds an array received from another thread (through `workerData` or `postMessage`).
   *
   * @param received - The structured clone of a `RawArray` (or a `RawArray` itself).
   * @param type - The element type you expect; when given, an array of another type is a `TypeError`.
   * @throws TypeError when `received` is not a clone of a `RawArray` (or not of `type`).
   *
   * @example
   * ```ts
   * import { RawArray } from 'shared-sync';
   * const received: unknown = structuredClone(new RawArray('float64', [1.5, 2.5]));
   * const samples = RawArray.from(received, 'float64');
   * console.log(samples.get(1)); // 2.5
   * ```
   */
  static from<T extends ValueType = ValueType>(received: unknown, type?: T): RawArray<T> {
    return new RawArray<T>(PLACED, attachArray(RAW_KIND, received, type, 'RawArray.from'));
  }

  /**
   * The element type name.
   *
   * @example
   * ```ts
   * import { RawArray } from 'shared-sync';
   * console.log(new RawArray('int16', 4).type); // 'int16'
   * ```
   */
  get type(): T {
    return this.#type.name as T;
  }

  /**
   * The number of elements (fixed at creation).
   *
   * @example
   * ```ts
   * import { RawArray } from 'shared-sync';
   * console.log(new RawArray('bool', 8).length); // 8
   * ```
   */
  get length(): number {
    return this.#length;
  }

  #index(index: unknown, api: string): number {
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= this.#length) {
      throw new RangeError(
        `${api}: index must be an integer in [0, ${this.#length}), got ${describeLength(index)}`,
      );
    }
    return index;
  }

  /**
   * Reads element `index` atomically.
   *
   * @param index - An integer in `[0, length)`.
   * @returns The element's value.
   * @throws RangeError for an index out of range or not an integer.
   *
   * @example
   * ```ts
   * import { RawArray } from 'shared-sync';
   * const a = new RawArray('int8', [1, -2, 3]);
   * console.log(a.get(1)); // -2
   * ```
   */
  get(index: number): ValueOf<T> {
    return this.#type.decode(atomics.load(this.#elements, this.#index(index, this.#api.get))) as ValueOf<T>;
  }

  /**
   * Writes element `index` atomically, checked as a {@link RawValue} write is.
   *
   * @param index - An integer in `[0, length)`.
   * @param value - The new value.
   * @throws RangeError for a bad index or a value out of range; TypeError for a value of the wrong JS type.
   *   Nothing is written then.
   *
   * @example
   * ```ts
   * import { RawArray } from 'shared-sync';
   * const a = new RawArray('biguint64', 2);
   * a.set(0, 2n ** 64n - 1n);
   * console.log(a.get(0)); // 18446744073709551615n
   * ```
   */
  set(index: number, value: ValueOf<T>): void {
    const api = this.#api.set;
    const i = this.#index(index, api);
    atomics.store(this.#elements, i, this.#type.encode(value, api, 'value'));
  }

  /**
   * Writes element `index` and returns its previous value, in one atomic step.
   *
   * @param index - An integer in `[0, length)`.
   * @param value - The new value.
   * @returns The value before the write.
   * @throws RangeError / TypeError as {@link RawArray.set}.
   *
   * @example
   * ```ts
   * import { RawArray } from 'shared-sync';
   * const slots = new RawArray('bool', 4);
   * if (slots.exchange(2, true) === false) console.log('this thread claimed slot 2');
   * ```
   */
  exchange(index: number, value: ValueOf<T>): ValueOf<T> {
    const api = this.#api.exchange;
    const i = this.#index(index, api);
    return this.#type.decode(
      atomics.exchange(this.#elements, i, this.#type.encode(value, api, 'value')),
    ) as ValueOf<T>;
  }

  /**
   * Writes `replacement` to element `index` if it holds `expected`, in one atomic step; returns the value
   * found. Floats are compared bit for bit.
   *
   * @param index - An integer in `[0, length)`.
   * @param expected - The value the write depends on.
   * @param replacement - The value to write.
   * @returns The value before the call: equal to `expected` when the write happened.
   * @throws RangeError / TypeError as {@link RawArray.set}.
   *
   * @example
   * ```ts
   * import { RawArray } from 'shared-sync';
   * const owners = new RawArray('int32', 4);
   * const me = 7;
   * if (owners.compareExchange(0, 0, me) === 0) console.log('slot 0 is mine');
   * ```
   */
  compareExchange(index: number, expected: ValueOf<T>, replacement: ValueOf<T>): ValueOf<T> {
    const api = this.#api.compareExchange;
    const i = this.#index(index, api);
    const type = this.#type;
    const e = type.encode(expected, api, 'expected');
    const r = type.encode(replacement, api, 'replacement');
    return type.decode(atomics.compareExchange(this.#elements, i, e, r)) as ValueOf<T>;
  }

  /**
   * Adds `delta` to element `index` atomically and returns its previous value; throws a `RangeError` and
   * changes nothing when the result would leave the type's range. Only for integer types.
   *
   * @param index - An integer in `[0, length)`.
   * @param delta - A safe integer (a bigint for `bigint64`/`biguint64`); may be negative.
   * @returns The element's value before the addition.
   * @throws TypeError for a non-integer type or a delta of the wrong JS type; RangeError for a bad index or on
   *   overflow.
   *
   * @example
   * ```ts
   * import { RawArray } from 'shared-sync';
   * const counts = new RawArray('uint16', 3);
   * counts.add(0, 5);
   * console.log(counts.get(0)); // 5
   * ```
   */
  add<U extends T & CountingType>(this: RawArray<U>, index: number, delta: ValueOf<U>): ValueOf<U> {
    return this.#addChecked(index, delta, false) as ValueOf<U>;
  }

  /**
   * Subtracts `delta` from element `index` atomically and returns its previous value; throws a `RangeError`
   * and changes nothing when the result would leave the type's range. Only for integer types.
   *
   * @param index - An integer in `[0, length)`.
   * @param delta - A safe integer (a bigint for `bigint64`/`biguint64`).
   * @returns The element's value before the subtraction.
   * @throws TypeError / RangeError as {@link RawArray.add}.
   *
   * @example
   * ```ts
   * import { RawArray } from 'shared-sync';
   * const stock = new RawArray('bigint64', [10n, 20n]);
   * stock.sub(1, 5n);
   * console.log(stock.get(1)); // 15n
   * ```
   */
  sub<U extends T & CountingType>(this: RawArray<U>, index: number, delta: ValueOf<U>): ValueOf<U> {
    return this.#addChecked(index, delta, true) as ValueOf<U>;
  }

  #addChecked(index: number, delta: unknown, negate: boolean): unknown {
    const api = negate ? this.#api.sub : this.#api.add;
    const type = this.#type;
    assertCounting(type, api);
    const i = this.#index(index, api);
    let d = checkDelta(type, delta, api);
    if (negate) d = -d;
    return type.decode(addChecked(type, this.#elements, i, d, api));
  }

  /**
   * Iterates over the elements, reading each atomically when it is reached (not a snapshot).
   *
   * @example
   * ```ts
   * import { RawArray } from 'shared-sync';
   * let sum = 0;
   * for (const x of new RawArray('float32', [0.5, 1.5])) sum += x;
   * console.log(sum); // 2
   * ```
   */
  *[Symbol.iterator](): IterableIterator<ValueOf<T>> {
    for (let i = 0; i < this.#length; i++) yield this.get(i);
  }

  /**
   * Copies the elements into a plain JS array, reading each atomically in turn (not a snapshot of the whole
   * array unless every writer holds a common lock, as a {@link SharedArray}'s users can).
   *
   * @returns A new array of the elements' values.
   *
   * @example
   * ```ts
   * import { RawArray } from 'shared-sync';
   * console.log(new RawArray('uint8', [1, 2, 3]).toArray()); // [1, 2, 3]
   * ```
   */
  toArray(): ValueOf<T>[] {
    const type = this.#type;
    const elements = this.#elements;
    const out = new Array<ValueOf<T>>(this.#length);
    for (let i = 0; i < this.#length; i++) out[i] = type.decode(atomics.load(elements, i)) as ValueOf<T>;
    return out;
  }

  /**
   * A readable description, e.g. `RawArray<uint8>[1, 2, 3]`.
   *
   * @example
   * ```ts
   * import { RawArray } from 'shared-sync';
   * console.log(String(new RawArray('bool', [true, false]))); // RawArray<bool>[true, false]
   * ```
   */
  toString(): string {
    return `${this.#api.name}<${this.#type.name}>[${this.toArray().map(String).join(', ')}]`;
  }
}

registerReviver(RAW_KIND, (received) => RawArray.from(received));

/**
 * A {@link RawArray} with a lock: Python's `multiprocessing.Array`, also exported as `Array` (import it as
 * `SharedArray`, or rename it, to keep the global `Array` in scope). The lock ({@link SharedArray.getLock}, an
 * {@link RLock} unless another is given) makes multi-element updates and consistent snapshots possible when
 * every writer holds it. Element accesses themselves are atomic and do not take the lock.
 *
 * `new SharedArray(type, lengthOrValues, { lock: false })` returns a {@link RawArray} (not a `SharedArray`), as
 * Python returns a raw array; prefer `new RawArray(...)` in TypeScript, whose type then says so.
 *
 * @typeParam T - The element type name (see {@link RawValue}).
 *
 * @example
 * ```ts
 * import { SharedArray } from 'shared-sync';
 * const account = new SharedArray('int32', [100, 0]);
 * // move 30 from element 0 to element 1, never observed half done by lock holders
 * account.getLock().runExclusiveSync(() => {
 *   account.set(0, account.get(0) - 30);
 *   account.set(1, account.get(1) + 30);
 * });
 * ```
 */
export class SharedArray<T extends ValueType = ValueType> extends RawArray<T> {
  static {
    keepClassName(SharedArray, 'SharedArray');
  }

  /** The lock; carried to other threads with the array. Same as {@link SharedArray.getLock}. */
  readonly lock!: AnyLock;

  /**
   * Creates an array and its lock.
   *
   * @param type - The element type name (see {@link RawValue}).
   * @param lengthOrValues - A length, or the initial values.
   * @param options - `{ lock }`: `true` (default) for a new {@link RLock}, a lock to share, or `false` for none.
   * @throws TypeError / RangeError as {@link RawArray}'s constructor; TypeError for options that are not an
   *   object or have another key than `lock`, a `lock` that is neither a boolean nor a lock, or a fourth argument.
   */
  constructor(type: T, lengthOrValues: number | Iterable<ValueOf<T>>, options?: LockOptions);
  /** @internal Views the array at `placement` with `lock`. */
  constructor(placed: typeof PLACED, placement: Placement, lock: AnyLock);
  // biome-ignore lint/correctness/noUnreachableSuper: lock: false returns a raw object instead, as in Python
  constructor(...args: unknown[]) {
    if (args[0] === PLACED) {
      super(PLACED, args[1] as Placement);
      this.lock = args[2] as AnyLock;
      return;
    }
    const lock = lockOptionOf(args[2], 'Array');
    checkArgCount(args, ['type', 'lengthOrValues', 'options'], 'Array');
    if (lock === false) {
      // biome-ignore lint/correctness/noConstructorReturn: Python's lock=False gives the raw object
      return new RawArray(PLACED, createArray(RAW_KIND, args[0], args[1], 'Array')) as SharedArray<T>;
    }
    super(PLACED, createArray(ARRAY_KIND, args[0], args[1], 'Array'));
    // Created last: a new lock takes an id in the thread registry, which a rejected call must not do.
    this.lock = lock === true ? new RLock() : lock;
  }

  /**
   * Rebuilds an array and its lock received from another thread.
   *
   * @param received - The structured clone of a `SharedArray` (or a `SharedArray` itself).
   * @param type - The element type you expect; when given, an array of another type is a `TypeError`.
   * @throws TypeError when `received` is not a clone of a `SharedArray` (or not of `type`).
   *
   * @example
   * ```ts
   * import { SharedArray } from 'shared-sync';
   * const received: unknown = structuredClone(new SharedArray('uint8', 4));
   * const a = SharedArray.from(received, 'uint8');
   * a.getLock().runExclusiveSync(() => a.set(0, a.get(0) + 1));
   * ```
   */
  static override from<T extends ValueType = ValueType>(received: unknown, type?: T): SharedArray<T> {
    const at = attachArray(ARRAY_KIND, received, type, 'Array.from');
    return new SharedArray<T>(PLACED, at, receivedLockOf(received, 'Array.from'));
  }

  /**
   * The lock that guards multi-element or read-modify-write sequences on this array (Python's `get_lock()`).
   *
   * @returns The {@link RLock} created with the array, or the lock given to the constructor.
   *
   * @example
   * ```ts
   * import { SharedArray } from 'shared-sync';
   * const a = new SharedArray('float64', [1, 2, 3]);
   * const snapshot = a.getLock().runExclusiveSync(() => a.toArray());
   * console.log(snapshot); // [1, 2, 3]
   * ```
   */
  getLock(): AnyLock {
    return this.lock;
  }
}

registerReviver(ARRAY_KIND, (received) => SharedArray.from(received));
