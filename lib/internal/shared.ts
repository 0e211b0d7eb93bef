/**
 * The handle protocol.
 *
 * A primitive is a stateless view over `(buffer, byteOffset)`: its own enumerable properties are exactly what
 * structured clone carries to another thread (`buffer`, `byteOffset`, and for composite primitives the handles
 * they are built from). Its first 32-bit word is a kind tag, so that `from()` can tell a clone of the right
 * class from anything else, and `revive()` can tell which class to rebuild.
 *
 * Memory of every primitive:
 *
 * | word | name | meaning                                                     |
 * |------|------|-------------------------------------------------------------|
 * | 0    | TAG  | `TAG_BASE + kind id`; written once, before the handle is shared |
 * | 1..  |      | the primitive's own state (see its file)                    |
 *
 * @internal
 * @module
 */

import { SharedMemoryUnavailableError } from '../errors';

/** Where a primitive lives. Offsets are multiples of 8 so that 64-bit cells inside can be accessed atomically. */
export interface Placement {
  readonly buffer: SharedArrayBuffer;
  readonly byteOffset: number;
}

/** What the protocol knows of a kind of primitive. */
export interface Kind {
  /** The class name, used in messages. */
  readonly name: string;
  /** The value of word 0. */
  readonly tag: number;
  /** Bytes the primitive occupies from its offset (a multiple of 8). */
  readonly byteLength: number;
}

/** Index of the tag word in every primitive's Int32 view. */
export const TAG_SLOT = 0;

/** 'SS' in the high half, so that a zeroed or random buffer is unlikely to carry a valid tag. */
const TAG_BASE = 0x5353_0000;

const kindsByTag = new Map<number, Kind>();
const reviversByTag = new Map<number, (received: object) => object>();

/**
 * Declares a kind of primitive. Ids are fixed forever: a clone made by one version must not be taken for
 * another kind by the next.
 */
export function defineKind(name: string, id: number, byteLength: number): Kind {
  const kind: Kind = { name, tag: TAG_BASE + id, byteLength: align8(byteLength) };
  kindsByTag.set(kind.tag, kind);
  return kind;
}

/** Registers how `revive()` rebuilds a kind; each primitive's module calls it once. */
export function registerReviver(kind: Kind, revive: (received: object) => object): void {
  reviversByTag.set(kind.tag, revive);
}

/** Rounds a byte count up to a multiple of 8. */
export function align8(bytes: number): number {
  return (bytes + 7) & ~7;
}

/**
 * Throws {@link SharedMemoryUnavailableError} where there is no `SharedArrayBuffer` (a browser page that is not
 * cross-origin isolated), instead of the bare `ReferenceError` that `new SharedArrayBuffer` would throw.
 */
export function assertSharedMemory(api: string): void {
  if (typeof SharedArrayBuffer !== 'function') {
    const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
    throw new SharedMemoryUnavailableError(
      `${api}: SharedArrayBuffer is not available${isolated === false ? ' (this page is not cross-origin isolated)' : ''}; ` +
        'serve the page with the headers Cross-Origin-Opener-Policy: same-origin and ' +
        'Cross-Origin-Embedder-Policy: require-corp (or credentialless)',
    );
  }
}

/** Allocates a fresh zeroed buffer for one primitive and writes its tag. */
export function allocate(kind: Kind, extraBytes = 0): Placement {
  assertSharedMemory(kind.name);
  const buffer = new SharedArrayBuffer(kind.byteLength + align8(extraBytes));
  return initialize(kind, { buffer, byteOffset: 0 });
}

/** Writes the tag of `kind` at a placement inside a larger buffer (composite primitives lay out their parts). */
export function initialize(kind: Kind, at: Placement): Placement {
  Atomics.store(new Int32Array(at.buffer, at.byteOffset, 1), TAG_SLOT, kind.tag);
  return at;
}

function isSharedArrayBuffer(value: unknown): value is SharedArrayBuffer {
  return Object.prototype.toString.call(value) === '[object SharedArrayBuffer]';
}

/** "a Lock", "an RLock", "an Event". */
export function withArticle(name: string): string {
  return `${/^[AEIOU]|^R[A-Z]/.test(name) ? 'an' : 'a'} ${name}`;
}

/** Describes a value for an error message: what came instead of the expected clone. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return `a string (${JSON.stringify(value.slice(0, 40))})`;
  if (typeof value !== 'object') return `a ${typeof value} (${String(value)})`;
  const tag = Object.prototype.toString.call(value).slice(8, -1);
  if (tag !== 'Object') return withArticle(tag);
  const ctor = (value as object).constructor;
  if (ctor && ctor !== Object && typeof ctor.name === 'string' && ctor.name) return withArticle(ctor.name);
  const placed = kindAt(value);
  if (placed) return `a clone of ${withArticle(placed.name)}`;
  const keys = Object.keys(value);
  return keys.length === 0 ? 'an empty object' : `an object with keys {${keys.slice(0, 6).join(', ')}}`;
}

/** The kind whose tag is found at `value.buffer`/`value.byteOffset`, if `value` looks like a handle. */
function kindAt(value: object): Kind | undefined {
  const { buffer, byteOffset } = value as Partial<Placement>;
  if (!isSharedArrayBuffer(buffer) || !isValidOffset(byteOffset) || byteOffset + 4 > buffer.byteLength) {
    return undefined;
  }
  const kind = kindsByTag.get(Atomics.load(new Int32Array(buffer, byteOffset, 1), TAG_SLOT));
  return kind && byteOffset + kind.byteLength <= buffer.byteLength ? kind : undefined;
}

function isValidOffset(offset: unknown): offset is number {
  return typeof offset === 'number' && Number.isSafeInteger(offset) && offset >= 0 && offset % 8 === 0;
}

/**
 * Checks that `received` is a handle of `kind` (the object itself or its structured clone) and returns its
 * placement; otherwise throws a `TypeError` saying what was expected and what came.
 */
export function attach(kind: Kind, received: unknown, api = `${kind.name}.from`): Placement {
  const expected = `${api}: expected ${withArticle(kind.name)} or its clone (received through workerData or postMessage)`;
  if (typeof received !== 'object' || received === null) {
    throw new TypeError(`${expected}, got ${describe(received)}`);
  }
  const { buffer, byteOffset } = received as Partial<Placement>;
  if (!isSharedArrayBuffer(buffer)) {
    const what = buffer === undefined ? describe(received) : `an object whose buffer is ${describe(buffer)}`;
    throw new TypeError(`${expected}, got ${what}`);
  }
  if (!isValidOffset(byteOffset)) {
    throw new TypeError(`${expected}, got a byteOffset of ${describe(byteOffset)}`);
  }
  // The tag first: a clone of another, smaller primitive is named as such rather than called "too small".
  const tag =
    byteOffset + 4 <= buffer.byteLength ? Atomics.load(new Int32Array(buffer, byteOffset, 1), TAG_SLOT) : 0;
  const other = tag !== kind.tag ? kindsByTag.get(tag) : undefined;
  if (other) {
    const what =
      Object.getPrototypeOf(received) === Object.prototype
        ? `a clone of ${withArticle(other.name)}`
        : describe(received);
    throw new TypeError(`${expected}, got ${what}`);
  }
  if (byteOffset + kind.byteLength > buffer.byteLength) {
    throw new TypeError(
      `${expected}, got a SharedArrayBuffer of ${buffer.byteLength} bytes at offset ${byteOffset}, ` +
        `too small for ${withArticle(kind.name)} (${kind.byteLength} bytes)`,
    );
  }
  if (tag !== kind.tag) throw new TypeError(`${expected}, got a SharedArrayBuffer that holds no primitive`);
  return { buffer, byteOffset };
}

/**
 * Rebuilds every primitive found in `value`: a primitive's clone (as received through `workerData` or
 * `postMessage`) becomes an instance of its class again; plain objects and arrays are walked and copied with
 * their primitives rebuilt; everything else is returned as it is.
 *
 * @param value - What the thread received, for example `workerData`.
 * @returns The same structure, with live primitives in place of their clones.
 *
 * @example
 * ```ts
 * import { Lock, Queue, revive } from 'shared-sync';
 * // main thread: new Worker(url, { workerData: { lock: new Lock(), jobs: new Queue<string>() } })
 * const workerData: unknown = structuredClone({ lock: new Lock(), jobs: new Queue<string>() });
 * const { lock, jobs } = revive(workerData as { lock: Lock; jobs: Queue<string> });
 * lock.runExclusiveSync(() => jobs.putNowait('hello'));
 * ```
 */
export function revive<T>(value: T): T {
  return reviveValue(value, new Map()) as T;
}

function reviveValue(value: unknown, seen: Map<object, unknown>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return seen.get(value);
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    seen.set(value, out);
    for (const item of value) out.push(reviveValue(item, seen));
    return out;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value; // class instances, Maps, typed arrays…
  const kind = kindAt(value);
  const reviver = kind && reviversByTag.get(kind.tag);
  if (reviver) {
    const live = reviver(value);
    seen.set(value, live);
    return live;
  }
  const out: Record<string, unknown> = {};
  seen.set(value, out);
  for (const key of Object.keys(value)) out[key] = reviveValue((value as Record<string, unknown>)[key], seen);
  return out;
}

/**
 * Gives a class its own name back in the published build: the bundler renames a class that refers to itself
 * (`var Lock = class _Lock`), and users see `Class.name` in logs, debuggers and `util.inspect`. Called from a
 * static block (esbuild's `keepNames` would do it too, but wraps every named closure of the hot paths as well).
 */
export function keepClassName(cls: abstract new (...args: never[]) => unknown, name: string): void {
  if (cls.name !== name) Object.defineProperty(cls, 'name', { value: name, configurable: true });
}
