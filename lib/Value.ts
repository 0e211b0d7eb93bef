/**
 * `RawValue` and `Value`: one typed value in shared memory, read and written atomically by every thread;
 * `Value` adds a lock for read-modify-write sequences (Python's `multiprocessing.RawValue` / `Value`).
 *
 * ## Memory layout (from `byteOffset`; both kinds have the same layout, only the tag differs)
 * | bytes  | word | name    | meaning                                                                    |
 * |--------|------|---------|----------------------------------------------------------------------------|
 * | 0-3    | 0    | TAG     | kind tag: `RawValue` or `Value` (see `internal/shared.ts`)                  |
 * | 4-7    | 1    | SEQ     | bumped by every write made while a waiter is announced; waiters park on it |
 * | 8-11   | 2    | WAITERS | threads and async waits that may be parked on SEQ right now                |
 * | 12-15  | 3    | TYPE    | the type's code (`internal/cell.ts`); written once, before sharing         |
 * | 16-23  |      | CELL    | the value, in the type's storage (8-aligned so that 64-bit access is atomic) |
 *
 * ## Waiting for a value (the sequence-word protocol)
 * `Atomics.wait` only works on an Int32 word, and a 64-bit or float value cannot be waited on directly, so
 * waiters park on SEQ instead of the value. A waiter increments WAITERS, reads SEQ, then reads the value and
 * parks on SEQ only if the value does not satisfy it. A writer stores the value, then reads WAITERS and, only if
 * it is not 0, bumps SEQ and wakes SEQ. Why nothing is missed (all accesses are sequentially consistent):
 * - if the writer's read of WAITERS comes before the waiter's increment, the waiter's later read of the value
 *   comes after the writer's store and sees it (or something newer);
 * - otherwise the writer bumps SEQ after its store: either the waiter read SEQ after the bump (and then reads the
 *   new value), or before it, and then its park finds SEQ changed or is woken by the writer's wake.
 * So an uncontended write is one store plus one load: no read-modify-write, no notify.
 *
 * @module
 */

import { checkArgCount, checkOptionKeys, PLACED } from './internal/args';
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
  sameValueZero,
  type ValueOf,
  type ValueType,
} from './internal/cell';
import { parseWait } from './internal/options';
import {
  allocate,
  attach,
  defineKind,
  describe,
  initialize,
  type Kind,
  keepClassName,
  type Placement,
  registerReviver,
  revive,
} from './internal/shared';
import {
  assertCanBlock,
  deadlineOf,
  mayBlock,
  type WaitPlan,
  waitAsync,
  waitSync,
  wake,
} from './internal/wait';
import { Lock } from './Lock';
import type { WaitOptions } from './options';
import { RLock } from './RLock';

export type { BigIntType, CountingType, IntegerType, ValueOf, ValueType } from './internal/cell';

const RAW_KIND = defineKind('RawValue', 8, 24);
const VALUE_KIND = defineKind('Value', 9, 24);

const SEQ = 1;
const WAITERS = 2;
const TYPE = 3;
const CELL_BYTE = 16;

/** Writes a fresh value of `kind` (tag, type, initial value) and returns where it lives. */
function createValue(kind: Kind, typeName: unknown, initial: unknown, api: string): Placement {
  const type = cellTypeOf(typeName, api);
  const stored = initial === undefined ? undefined : type.encode(initial, api, 'initial');
  const at = allocate(kind);
  const header = new Int32Array(at.buffer, at.byteOffset, 4);
  Atomics.store(header, TYPE, type.code);
  if (stored !== undefined)
    atomics.store(new type.storage(at.buffer, at.byteOffset + CELL_BYTE, 1), 0, stored);
  return at;
}

/** The placement of a received value of `kind`, with its type checked against memory and `expected`. */
function attachValue(kind: Kind, received: unknown, expected: unknown, api: string): Placement {
  const at = attach(kind, received, api);
  const type = typeAt(at);
  if (!type)
    throw new TypeError(`${api}: the received ${kind.name} holds no valid type code (corrupted memory?)`);
  if (expected !== undefined && cellTypeOf(expected, api) !== type) {
    throw new TypeError(
      `${api}: expected a ${kind.name} of type '${String(expected)}', got one of type '${type.name}'`,
    );
  }
  return at;
}

/** The API names used in messages, built once per kind so that the fast paths build no strings. */
function apisOf(name: string) {
  const api = (method: string): string => `${name}.${method}`;
  return {
    name,
    value: api('value'),
    exchange: api('exchange'),
    compareExchange: api('compareExchange'),
    add: api('add'),
    sub: api('sub'),
    waitForSync: api('waitForSync'),
    waitFor: api('waitFor'),
    waitChangeSync: api('waitChangeSync'),
    waitChange: api('waitChange'),
    waitUntilSync: api('waitUntilSync'),
    waitUntil: api('waitUntil'),
  };
}

type Apis = ReturnType<typeof apisOf>;
const RAW_APIS = apisOf('RawValue');
const VALUE_APIS = apisOf('Value');

function typeAt(at: Placement): CellType | undefined {
  return cellTypeByCode(Atomics.load(new Int32Array(at.buffer, at.byteOffset, 4), TYPE));
}

/**
 * One typed value in shared memory, without a lock: Python's `multiprocessing.RawValue`.
 *
 * `.value` reads and writes are atomic for every type, including `float64` and the 64-bit integers (no torn
 * reads: another thread sees the whole old value or the whole new one). Writes are checked: a value out of the
 * type's range or not an integer for an integer type is a `RangeError`, a value of the wrong JS type a
 * `TypeError`, and nothing is written. Integer types also offer atomic {@link RawValue.add | add},
 * {@link RawValue.sub | sub}, {@link RawValue.exchange | exchange} and
 * {@link RawValue.compareExchange | compareExchange}.
 *
 * Each read and each write is atomic, but `v.value += 1` is a read *then* a write: two threads doing it at once
 * can lose an update. Use {@link RawValue.add | add}, or a {@link Value} and its lock.
 *
 * Any thread can wait, without polling, until the value equals something ({@link RawValue.waitForSync |
 * waitForSync} / {@link RawValue.waitFor | waitFor}), differs from something ({@link RawValue.waitChangeSync |
 * waitChangeSync} / {@link RawValue.waitChange | waitChange}) or satisfies a predicate
 * ({@link RawValue.waitUntilSync | waitUntilSync} / {@link RawValue.waitUntil | waitUntil}); every write wakes
 * such waiters.
 *
 * Pass it to a worker in `workerData` or `postMessage` and rebuild it there with {@link RawValue.from} or
 * {@link revive}.
 *
 * @typeParam T - The type name: `'bool'`, `'int8'`, `'uint8'`, `'int16'`, `'uint16'`, `'int32'`, `'uint32'`,
 *   `'float32'`, `'float64'`, `'bigint64'` or `'biguint64'`.
 *
 * @example
 * ```ts
 * import { RawValue } from 'shared-sync';
 * const running = new RawValue('bool', true);
 * const progress = new RawValue('float64', 0);
 * // new Worker(url, { workerData: { running, progress } }); the worker: RawValue.from(workerData.running)
 * progress.value = 0.5;
 * running.value = false; // the worker sees it on its next read
 * ```
 */
export class RawValue<T extends ValueType = ValueType> {
  static {
    keepClassName(RawValue, 'RawValue');
  }

  /** The shared memory the value lives in; carried to other threads by structured clone. */
  readonly buffer: SharedArrayBuffer;
  /** Where in {@link RawValue.buffer} the value lives. */
  readonly byteOffset: number;
  readonly #type: CellType;
  readonly #header: Int32Array;
  readonly #cell: Storage;
  readonly #api: Apis;

  /** Bytes a `RawValue` occupies in shared memory. */
  static readonly byteLength: number = RAW_KIND.byteLength;

  /**
   * Creates a value in a fresh `SharedArrayBuffer`.
   *
   * @param type - The type name (see the class description).
   * @param initial - The first value; omitted, it is `false`, `0` or `0n`.
   * @throws TypeError for an unknown type, an initial value of the wrong JS type, or a third argument (a
   *   `RawValue` has no lock: {@link Value} takes `{ lock }`).
   * @throws RangeError for an initial value out of the type's range.
   */
  constructor(type: T, initial?: ValueOf<T>);
  /** @internal Views the value at `placement` (already initialized). */
  constructor(placed: typeof PLACED, placement: Placement);
  constructor(...args: unknown[]) {
    let at: Placement;
    if (args[0] === PLACED) {
      at = args[1] as Placement;
    } else {
      checkArgCount(args, ['type', 'initial'], 'RawValue');
      at = createValue(RAW_KIND, args[0], args[1], 'RawValue');
    }
    this.buffer = at.buffer;
    this.byteOffset = at.byteOffset;
    this.#header = new Int32Array(at.buffer, at.byteOffset, 4);
    this.#type = typeAt(at)!;
    this.#cell = new this.#type.storage(at.buffer, at.byteOffset + CELL_BYTE, 1);
    this.#api = this.#header[0] === VALUE_KIND.tag ? VALUE_APIS : RAW_APIS;
  }

  /**
   * Rebuilds a value received from another thread (through `workerData` or `postMessage`).
   *
   * @param received - The structured clone of a `RawValue` (or a `RawValue` itself).
   * @param type - The type you expect; when given, a value of another type is a `TypeError`.
   * @throws TypeError when `received` is not a clone of a `RawValue` (or not of `type`), saying what it is.
   *
   * @example
   * ```ts
   * import { RawValue } from 'shared-sync';
   * const received: unknown = structuredClone(new RawValue('int32', 7)); // what a worker finds in workerData
   * const counter = RawValue.from(received, 'int32');
   * counter.add(1);
   * console.log(counter.value); // 8
   * ```
   */
  static from<T extends ValueType = ValueType>(received: unknown, type?: T): RawValue<T> {
    return new RawValue<T>(PLACED, attachValue(RAW_KIND, received, type, 'RawValue.from'));
  }

  /**
   * The type name of the value.
   *
   * @example
   * ```ts
   * import { RawValue } from 'shared-sync';
   * console.log(new RawValue('uint8', 3).type); // 'uint8'
   * ```
   */
  get type(): T {
    return this.#type.name as T;
  }

  /**
   * The value, read or written atomically. A write checks the value first (a `TypeError` for the wrong JS
   * type, a `RangeError` when out of range; nothing is written then) and wakes the threads waiting on it.
   * A `float32` value is rounded to float32 as a `Float32Array` would (`Math.fround`).
   *
   * @example
   * ```ts
   * import { RawValue } from 'shared-sync';
   * const level = new RawValue('int8');
   * level.value = 100;
   * try {
   *   level.value = 200;
   * } catch (err) {
   *   console.log((err as Error).name, level.value); // RangeError 100
   * }
   * ```
   */
  get value(): ValueOf<T> {
    return this.#type.decode(atomics.load(this.#cell, 0)) as ValueOf<T>;
  }

  /**
   * Writes the value atomically and wakes the threads waiting on it. A value out of the type's range or of the
   * wrong JavaScript type throws (`RangeError` / `TypeError`) and writes nothing.
   */
  set value(value: ValueOf<T>) {
    atomics.store(this.#cell, 0, this.#type.encode(value, this.#api.value, 'value'));
    this.#notify();
  }

  /** After a write: wakes the waiters, if any may be parked (see "the sequence-word protocol"). */
  #notify(): void {
    if (Atomics.load(this.#header, WAITERS) !== 0) {
      Atomics.add(this.#header, SEQ, 1);
      wake(this.#header, SEQ);
    }
  }

  /**
   * Writes `value` and returns the previous value, in one atomic step. Available for every type.
   *
   * @param value - The new value (checked as for {@link RawValue.value}).
   * @returns The value before the write.
   * @throws TypeError / RangeError for a value of the wrong type or out of range; nothing is written.
   *
   * @example
   * ```ts
   * import { RawValue } from 'shared-sync';
   * const turn = new RawValue('uint8', 1);
   * console.log(turn.exchange(2), turn.value); // 1 2
   * ```
   */
  exchange(value: ValueOf<T>): ValueOf<T> {
    const type = this.#type;
    const old = atomics.exchange(this.#cell, 0, type.encode(value, this.#api.exchange, 'value'));
    this.#notify();
    return type.decode(old) as ValueOf<T>;
  }

  /**
   * Writes `replacement` if the value is `expected`, in one atomic step; returns the value found. Floats are
   * compared bit for bit (so `0` and `-0` differ, and NaN matches the NaN it was written as).
   *
   * @param expected - The value the write depends on.
   * @param replacement - The value to write.
   * @returns The value before the call: equal to `expected` when the write happened.
   * @throws TypeError / RangeError for arguments of the wrong type or out of range; nothing is written.
   *
   * @example
   * ```ts
   * import { RawValue } from 'shared-sync';
   * const state = new RawValue('int32', 0);
   * if (state.compareExchange(0, 1) === 0) console.log('this thread moved it from 0 to 1');
   * ```
   */
  compareExchange(expected: ValueOf<T>, replacement: ValueOf<T>): ValueOf<T> {
    const type = this.#type;
    const api = this.#api.compareExchange;
    const e = type.encode(expected, api, 'expected');
    const r = type.encode(replacement, api, 'replacement');
    const old = atomics.compareExchange(this.#cell, 0, e, r);
    if (old === e) this.#notify();
    return type.decode(old) as ValueOf<T>;
  }

  /**
   * Adds `delta` atomically and returns the previous value, as `Atomics.add` does, but without wrapping
   * around: when the result would leave the type's range, it throws a `RangeError` and changes nothing.
   * Only for integer types.
   *
   * @param delta - A safe integer (a bigint for `bigint64`/`biguint64`); may be negative.
   * @returns The value before the addition.
   * @throws TypeError for a non-integer type or a delta of the wrong JS type; RangeError on overflow.
   *
   * @example
   * ```ts
   * import { RawValue } from 'shared-sync';
   * const hits = new RawValue('uint8', 254);
   * hits.add(1); // 255
   * try {
   *   hits.add(1);
   * } catch (err) {
   *   console.log((err as Error).name, hits.value); // RangeError 255
   * }
   * ```
   */
  add<U extends T & CountingType>(this: RawValue<U>, delta: ValueOf<U>): ValueOf<U> {
    return this.#addChecked(delta, false) as ValueOf<U>;
  }

  /**
   * Subtracts `delta` atomically and returns the previous value; like {@link RawValue.add}, throws a
   * `RangeError` and changes nothing when the result would leave the type's range.
   *
   * @param delta - A safe integer (a bigint for `bigint64`/`biguint64`).
   * @returns The value before the subtraction.
   * @throws TypeError for a non-integer type or a delta of the wrong JS type; RangeError on underflow.
   *
   * @example
   * ```ts
   * import { RawValue } from 'shared-sync';
   * const slots = new RawValue('bigint64', 10n);
   * slots.sub(3n);
   * console.log(slots.value); // 7n
   * ```
   */
  sub<U extends T & CountingType>(this: RawValue<U>, delta: ValueOf<U>): ValueOf<U> {
    return this.#addChecked(delta, true) as ValueOf<U>;
  }

  #addChecked(delta: unknown, negate: boolean): unknown {
    const type = this.#type;
    const api = negate ? this.#api.sub : this.#api.add;
    assertCounting(type, api);
    let d = checkDelta(type, delta, api);
    if (negate) d = -d;
    const old = addChecked(type, this.#cell, 0, d, api);
    this.#notify();
    return type.decode(old);
  }

  // -------------------------------------------------------------------------------------------------------
  // Waiting

  /**
   * The wait plan for "until `accept(value)`": checks first without announcing anything (no shared write
   * when the value already fits), then announces the waiter in WAITERS and parks on SEQ.
   */
  #plan(accept: (value: ValueOf<T>) => boolean): WaitPlan {
    const header = this.#header;
    let announced = false;
    return {
      view: header,
      index: SEQ,
      attempt: () => {
        if (!announced) {
          if (accept(this.value)) return true;
          Atomics.add(header, WAITERS, 1);
          announced = true;
        }
        const seq = Atomics.load(header, SEQ);
        return accept(this.value) ? true : seq;
      },
      leave: () => {
        if (announced) Atomics.sub(header, WAITERS, 1);
        announced = false;
      },
    };
  }

  #waitSync(api: string, accept: (value: ValueOf<T>) => boolean, timeout: number | undefined): boolean {
    if (!mayBlock)
      assertCanBlock(api, `await value.${api.slice(api.indexOf('.') + 1).replace(/Sync$/, '')}(…)`);
    const deadline = deadlineOf(timeout, api);
    return waitSync(this.#plan(accept), deadline);
  }

  #wait(
    api: string,
    accept: (value: ValueOf<T>) => boolean,
    options: WaitOptions | number | undefined,
  ): Promise<boolean> {
    let parsed: ReturnType<typeof parseWait>;
    try {
      parsed = parseWait(typeof options === 'number' ? { timeout: options } : options, api);
    } catch (err) {
      return Promise.reject(err);
    }
    return waitAsync(this.#plan(accept), parsed.deadline, parsed.signal);
  }

  #target(value: unknown, api: string, what: string): ValueOf<T> {
    // Checked like a write: a value the cell can never hold can never be waited for.
    return this.#type.decode(this.#type.encode(value, api, what)) as ValueOf<T>;
  }

  /**
   * Blocks until the value equals `value` (SameValueZero: `NaN` equals `NaN`, `0` equals `-0`), or `timeout`
   * ms have passed. Returns at once when it already does. Does not poll: writes wake it.
   *
   * A value that is written and overwritten again before this thread runs may be missed; wait for a state that
   * stays (a flag, a counter reaching a bound), or use a `Condition`/`Queue` for hand-offs.
   *
   * @param value - The value to wait for (a float32 target is rounded first, as a write would).
   * @param timeout - Milliseconds to wait at most; omitted or `Infinity` waits forever.
   * @returns `true` when the value was seen, `false` on timeout.
   * @throws TypeError / RangeError for a target the cell cannot hold; RangeError for a bad timeout;
   *   {@link BlockingNotAllowedError} on a thread that may not block.
   *
   * @example
   * ```ts
   * import { RawValue } from 'shared-sync';
   * const stage = new RawValue('int32', 0);
   * // a worker: stage.value = 3;
   * if (!stage.waitForSync(3, 1000)) console.log('stage 3 not reached within a second');
   * ```
   */
  waitForSync(value: ValueOf<T>, timeout?: number): boolean {
    const api = this.#api.waitForSync;
    const target = this.#target(value, api, 'value');
    return this.#waitSync(api, (v) => sameValueZero(v, target), timeout);
  }

  /**
   * Resolves once the value equals `value` (SameValueZero), without blocking the thread; `false` when the
   * timeout runs out first. See {@link RawValue.waitForSync}.
   *
   * @param value - The value to wait for.
   * @param options - `{ timeout, signal }`, or a timeout in milliseconds.
   * @returns `true` when the value was seen, `false` on timeout.
   * @throws (rejects) `signal.reason` when the signal aborts; TypeError / RangeError for bad arguments.
   *
   * @example
   * ```ts
   * import { RawValue } from 'shared-sync';
   * const ready = new RawValue('bool', false);
   * setTimeout(() => {
   *   ready.value = true; // any thread may write it
   * }, 10);
   * console.log(await ready.waitFor(true, { timeout: 1000 })); // true
   * ```
   */
  waitFor(value: ValueOf<T>, options?: WaitOptions | number): Promise<boolean> {
    const api = this.#api.waitFor;
    let target: ValueOf<T>;
    try {
      target = this.#target(value, api, 'value');
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#wait(api, (v) => sameValueZero(v, target), options);
  }

  /**
   * Blocks until the value differs from `from` (SameValueZero), or `timeout` ms have passed: "wait for the next
   * change" when `from` is the value just read. Returns at once when it already differs.
   *
   * @param from - The value to wait away from, usually the last value this thread saw.
   * @param timeout - Milliseconds to wait at most; omitted or `Infinity` waits forever.
   * @returns `true` when a different value was seen (read it with `.value`), `false` on timeout.
   * @throws TypeError / RangeError for a `from` the cell cannot hold or a bad timeout.
   *
   * @example
   * ```ts
   * import { RawValue } from 'shared-sync';
   * const generation = new RawValue('uint32', 0);
   * let seen = generation.value;
   * while (generation.waitChangeSync(seen, 5000)) {
   *   seen = generation.value;
   *   console.log('new generation', seen);
   * }
   * ```
   */
  waitChangeSync(from: ValueOf<T>, timeout?: number): boolean {
    const api = this.#api.waitChangeSync;
    const old = this.#target(from, api, 'from');
    return this.#waitSync(api, (v) => !sameValueZero(v, old), timeout);
  }

  /**
   * Resolves once the value differs from `from` (SameValueZero); `false` when the timeout runs out first.
   * See {@link RawValue.waitChangeSync}.
   *
   * @param from - The value to wait away from.
   * @param options - `{ timeout, signal }`, or a timeout in milliseconds.
   * @returns `true` when a different value was seen, `false` on timeout.
   * @throws (rejects) `signal.reason` when the signal aborts; TypeError / RangeError for bad arguments.
   *
   * @example
   * ```ts
   * import { RawValue } from 'shared-sync';
   * const progress = new RawValue('float64', 0);
   * setTimeout(() => {
   *   progress.value = 0.25;
   * }, 10);
   * if (await progress.waitChange(0, { timeout: 1000 })) console.log('progress', progress.value);
   * ```
   */
  waitChange(from: ValueOf<T>, options?: WaitOptions | number): Promise<boolean> {
    const api = this.#api.waitChange;
    let old: ValueOf<T>;
    try {
      old = this.#target(from, api, 'from');
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#wait(api, (v) => !sameValueZero(v, old), options);
  }

  /**
   * Blocks until `predicate(value)` holds, or `timeout` ms have passed. The predicate runs in this thread,
   * once at first and again after each write by any thread; it must not block. If it throws, the wait ends
   * with that error.
   *
   * @param predicate - Decides from the current value whether the wait is over.
   * @param timeout - Milliseconds to wait at most; omitted or `Infinity` waits forever.
   * @returns `true` when the predicate held, `false` on timeout.
   *
   * @example
   * ```ts
   * import { RawValue } from 'shared-sync';
   * const done = new RawValue('uint32', 0);
   * // workers: done.add(1) as they finish
   * const allDone = done.waitUntilSync((n) => n >= 4, 100);
   * console.log(allDone); // false: no worker finished within 100 ms
   * ```
   */
  waitUntilSync(predicate: (value: ValueOf<T>) => boolean, timeout?: number): boolean {
    const api = this.#api.waitUntilSync;
    checkPredicate(predicate, api);
    return this.#waitSync(api, predicate, timeout);
  }

  /**
   * Resolves once `predicate(value)` holds; `false` when the timeout runs out first. See
   * {@link RawValue.waitUntilSync}.
   *
   * @param predicate - Decides from the current value whether the wait is over.
   * @param options - `{ timeout, signal }`, or a timeout in milliseconds.
   * @returns `true` when the predicate held, `false` on timeout.
   * @throws (rejects) `signal.reason` when the signal aborts; what the predicate throws.
   *
   * @example
   * ```ts
   * import { RawValue } from 'shared-sync';
   * const temperature = new RawValue('float32', 20);
   * setTimeout(() => {
   *   temperature.value = 80.5;
   * }, 10);
   * await temperature.waitUntil((t) => t > 75, { timeout: 1000 });
   * ```
   */
  waitUntil(predicate: (value: ValueOf<T>) => boolean, options?: WaitOptions | number): Promise<boolean> {
    const api = this.#api.waitUntil;
    try {
      checkPredicate(predicate, api);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#wait(api, predicate, options);
  }

  /**
   * @internal Resolves once `accept(value)` holds, *without keeping the thread alive* while it waits (for
   * `CancelFlag.signal`, whose watch must not stop a worker from exiting), through the library's one waiting
   * mechanism with its keep-alive off. A watch is made at most once per flag and thread; it never times out.
   */
  watch(accept: (value: ValueOf<T>) => boolean): Promise<void> {
    return waitAsync(this.#plan(accept), Number.POSITIVE_INFINITY, undefined, false).then(() => {});
  }

  /**
   * The value, so that a `RawValue` converts to its value in template strings and arithmetic
   * (`${v}`, `v.valueOf() + 1`). Same as reading {@link RawValue.value}.
   *
   * @example
   * ```ts
   * import { RawValue } from 'shared-sync';
   * const n = new RawValue('int16', 12);
   * console.log(`n = ${n}`); // n = 12
   * ```
   */
  valueOf(): ValueOf<T> {
    return this.value;
  }

  /**
   * A readable description, e.g. `RawValue<int16>(12)`.
   *
   * @example
   * ```ts
   * import { RawValue } from 'shared-sync';
   * console.log(new RawValue('bigint64', 5n).toString()); // RawValue<bigint64>(5)
   * ```
   */
  toString(): string {
    return `${this.#api.name}<${this.#type.name}>(${String(this.value)})`;
  }
}

function checkPredicate(predicate: unknown, api: string): void {
  if (typeof predicate !== 'function') {
    throw new TypeError(
      `${api}: predicate must be a function, got ${predicate === null ? 'null' : typeof predicate}`,
    );
  }
}

registerReviver(RAW_KIND, (received) => RawValue.from(received));

/**
 * @internal Lays out a `RawValue` of `type` at `at` inside a larger primitive's buffer (holding its zero value)
 * and returns a view of it. The caller's memory must be zeroed and `at.byteOffset` a multiple of 8.
 */
export function initializeRawValue<T extends ValueType>(at: Placement, type: T): RawValue<T> {
  initialize(RAW_KIND, at);
  Atomics.store(new Int32Array(at.buffer, at.byteOffset, 4), TYPE, cellTypeOf(type, 'RawValue').code);
  return new RawValue<T>(PLACED, at);
}

/**
 * A lock a {@link Value} or {@link SharedArray} may use: a {@link Lock} or an {@link RLock}.
 *
 * @example
 * ```ts
 * import { type AnyLock, Lock, Value } from 'shared-sync';
 * const lock: AnyLock = new Lock();
 * const hits = new Value('int32', 0, { lock });
 * hits.getLock().runExclusiveSync(() => (hits.value += 1));
 * ```
 */
export type AnyLock = Lock | RLock;

/**
 * Options of {@link Value} and {@link SharedArray}.
 *
 * @example
 * ```ts
 * import { Lock, Value } from 'shared-sync';
 * const lock = new Lock();
 * const a = new Value('int32', 0, { lock }); // two values guarded by one lock
 * const b = new Value('int32', 0, { lock });
 * console.log(a.getLock() === b.getLock()); // true
 * ```
 */
export interface LockOptions {
  /**
   * The lock: `true` (or omitted) creates a new {@link RLock}, as Python does; a {@link Lock} or {@link RLock}
   * is used as it is (share one lock between several values); `false` creates no lock, and the constructor
   * returns a plain raw object instead ({@link RawValue} / {@link RawArray}).
   * @defaultValue `true`
   */
  lock?: boolean | AnyLock;
}

/**
 * @internal The `lock` option of `options`, checked: `true` for a new {@link RLock} (also when omitted), `false`
 * for none, or the lock to use. Creates nothing, so that the caller can check its other arguments first.
 */
export function lockOptionOf(options: unknown, api: string): boolean | AnyLock {
  const { lock = true } = checkOptionKeys(options, ['lock'], api, '{ lock: false }');
  if (typeof lock === 'boolean' || lock instanceof Lock || lock instanceof RLock) return lock;
  throw new TypeError(
    `${api}: lock must be a boolean, a Lock or an RLock (rebuild a received lock with Lock.from/RLock.from first), ` +
      `got ${describe(lock)}`,
  );
}

/** @internal Rebuilds the lock carried by a received composite (a `Lock` or `RLock` clone, or a live lock). */
export function receivedLockOf(received: unknown, api: string): AnyLock {
  const lock = revive((received as { lock?: unknown }).lock);
  if (lock instanceof Lock || lock instanceof RLock) return lock;
  throw new TypeError(`${api}: the received object carries no Lock or RLock in its lock property`);
}

/**
 * A {@link RawValue} with a lock: Python's `multiprocessing.Value`. The lock ({@link Value.getLock}, an
 * {@link RLock} unless another is given) makes read-modify-write sequences such as `v.value += 1` safe when
 * every writer holds it.
 *
 * Reads and writes of `.value` are atomic by themselves and do not take the lock (so holding a plain
 * {@link Lock} around them cannot deadlock, unlike Python's `Value` with a `Lock`). What the lock adds is
 * exclusion of whole sequences. Without it, `v.value += 1` in several threads at once can lose updates: each
 * thread may read the same old value and write the same new one. (For a counter, {@link RawValue.add} is
 * atomic without any lock.)
 *
 * `new Value(type, initial, { lock: false })` returns a {@link RawValue} (not a `Value`), as Python returns a
 * raw value; prefer `new RawValue(type, initial)` in TypeScript, whose type then says so.
 *
 * @typeParam T - The type name (see {@link RawValue}).
 *
 * @example
 * ```ts
 * import { Value } from 'shared-sync';
 * const total = new Value('float64', 0);
 * // in each worker (total = Value.from(workerData.total)):
 * total.getLock().runExclusiveSync(() => {
 *   total.value += 2.5; // read-modify-write, excluded by the lock
 * });
 * ```
 */
export class Value<T extends ValueType = ValueType> extends RawValue<T> {
  static {
    keepClassName(Value, 'Value');
  }

  /** The lock; carried to other threads with the value. Same as {@link Value.getLock}. */
  readonly lock!: AnyLock;

  /** Bytes a `Value` occupies in shared memory (its lock lives in its own buffer). */
  static override readonly byteLength: number = VALUE_KIND.byteLength;

  /**
   * Creates a value and its lock.
   *
   * @param type - The type name (see {@link RawValue}).
   * @param initial - The first value; omitted, it is `false`, `0` or `0n`.
   * @param options - `{ lock }`: `true` (default) for a new {@link RLock}, a lock to share, or `false` for none.
   * @throws TypeError / RangeError as {@link RawValue}'s constructor; TypeError for options that are not an
   *   object or have another key than `lock`, a `lock` that is neither a boolean nor a lock, or a fourth argument.
   */
  constructor(type: T, initial?: ValueOf<T>, options?: LockOptions);
  /** @internal Views the value at `placement` with `lock`. */
  constructor(placed: typeof PLACED, placement: Placement, lock: AnyLock);
  // biome-ignore lint/correctness/noUnreachableSuper: lock: false returns a raw object instead, as in Python
  constructor(...args: unknown[]) {
    if (args[0] === PLACED) {
      super(PLACED, args[1] as Placement);
      this.lock = args[2] as AnyLock;
      return;
    }
    const lock = lockOptionOf(args[2], 'Value');
    checkArgCount(args, ['type', 'initial', 'options'], 'Value');
    if (lock === false) {
      // biome-ignore lint/correctness/noConstructorReturn: Python's lock=False gives the raw object
      return new RawValue(PLACED, createValue(RAW_KIND, args[0], args[1], 'Value')) as Value<T>;
    }
    super(PLACED, createValue(VALUE_KIND, args[0], args[1], 'Value'));
    // Created last: a new lock takes an id in the thread registry, which a rejected call must not do.
    this.lock = lock === true ? new RLock() : lock;
  }

  /**
   * Rebuilds a value and its lock received from another thread.
   *
   * @param received - The structured clone of a `Value` (or a `Value` itself).
   * @param type - The type you expect; when given, a value of another type is a `TypeError`.
   * @throws TypeError when `received` is not a clone of a `Value` (or not of `type`).
   *
   * @example
   * ```ts
   * import { Value } from 'shared-sync';
   * const received: unknown = structuredClone(new Value('int32', 1));
   * const v = Value.from(received, 'int32');
   * v.getLock().runExclusiveSync(() => {
   *   v.value *= 10;
   * });
   * ```
   */
  static override from<T extends ValueType = ValueType>(received: unknown, type?: T): Value<T> {
    const at = attachValue(VALUE_KIND, received, type, 'Value.from');
    return new Value<T>(PLACED, at, receivedLockOf(received, 'Value.from'));
  }

  /**
   * The lock that guards read-modify-write sequences on this value (Python's `get_lock()`).
   *
   * @returns The {@link RLock} created with the value, or the lock given to the constructor.
   *
   * @example
   * ```ts
   * import { Value } from 'shared-sync';
   * const hits = new Value('uint32', 0);
   * await hits.getLock().runExclusive(async () => {
   *   hits.value = hits.value + 1;
   * });
   * ```
   */
  getLock(): AnyLock {
    return this.lock;
  }
}

registerReviver(VALUE_KIND, (received) => Value.from(received));
