/**
 * How a Queue turns items into bytes and back, with the semantics of `structuredClone`.
 *
 * ## Why not just `v8.serialize`
 * `v8.serialize` + `deserialize` of a small object costs several microseconds, more than `postMessage`'s whole
 * trip from worker to worker, so a queue built on it alone loses the race it exists to win. The encoder here
 * has three paths, chosen per item:
 *
 * | path   | items                                                             | format                          |
 * |--------|-------------------------------------------------------------------|---------------------------------|
 * | raw    | a string, an `ArrayBuffer`, a typed array or `DataView` spanning its whole (non-shared, fixed-length) buffer | the bytes themselves, no serializer |
 * | fast   | trees of plain objects, dense plain arrays, primitives, bigint, `Date`, `Map`, `Set`, whole-buffer typed arrays and `ArrayBuffer`s | the tagged format below |
 * | v8     | everything else that `structuredClone` accepts: shared or cyclic references, holes, arrays with extra properties, class instances, `Error`, `RegExp`, boxed primitives, views on part of a buffer… | V8's own serializer (the one structured clone uses) |
 *
 * The fast encoder gives up (and the item goes through V8's serializer instead, from scratch) as soon as it
 * meets something whose exact clone it does not produce itself, so the result is always what `structuredClone`
 * would give: the fast path is an optimisation, never a different semantics. V8's *base* `Serializer` is used,
 * not `v8.serialize` (Node's `DefaultSerializer`), because the latter writes typed arrays as Node host objects
 * and loses which views share a buffer and at which offset; the base class keeps them, as structured clone does.
 *
 * What cannot be cloned (functions, symbols, `SharedArrayBuffer`s, objects holding one) is rejected by V8's
 * serializer; {@link encode} reports it as a `TypeError` whose message starts with the API name.
 * Known difference: a `Proxy` of a plain object is encoded through its traps by the fast path, where
 * `structuredClone` throws.
 *
 * ## Fast format
 * A value is a tag byte followed by its body; lengths are one byte below 255, else 255 and a little-endian u32.
 *
 * | tag        | body                                           |
 * |------------|------------------------------------------------|
 * | UNDEFINED, NULL, TRUE, FALSE | —                            |
 * | UINT8      | one byte (integers 0‥255)                      |
 * | INT32      | i32 (other int32 values, never -0)             |
 * | FLOAT64    | f64 (everything else, including -0 and NaN)    |
 * | ASCII      | length, then one byte per character            |
 * | UTF8       | u32 byte length, then the UTF-8 bytes (well-formed strings with non-ASCII characters) |
 * | UTF16      | length in code units, then 2 bytes each (strings with lone surrogates, which UTF-8 cannot carry) |
 * | BIGINT     | length, then its decimal digits (with a leading `-`) |
 * | DATE       | f64 time value                                 |
 * | ARRAY      | length, then each element                      |
 * | OBJECT     | key count, then key (a string value) and value pairs, in `Object.keys` order |
 * | MAP, SET   | entry count, then keys and values / values     |
 * | BUFFER     | u32 byte length, then the bytes of an `ArrayBuffer` |
 * | VIEW       | view kind byte, u32 byte length, then the bytes of the whole buffer |
 *
 * @internal
 * @module
 */

/** How the bytes of a record are to be read back. */
export const ItemType = {
  /** The tagged fast format. */
  Fast: 1,
  /** V8's serializer. */
  V8: 2,
  /** A well-formed string as UTF-8. */
  Utf8: 3,
  /** A string with lone surrogates as UTF-16 code units. */
  Utf16: 4,
  /** An `ArrayBuffer`'s bytes. */
  Buffer: 5,
  /** A typed array or `DataView` over its whole buffer; the view kind is in {@link Encoded.kind}. */
  View: 6,
} as const;
/** One of the {@link ItemType} values. */
export type ItemType = (typeof ItemType)[keyof typeof ItemType];

/** An encoded item: its type, the view kind for {@link ItemType.View}, and its bytes. */
export interface Encoded {
  type: ItemType;
  kind: number;
  /**
   * The encoded bytes. They may alias the item itself (raw path) or this thread's scratch buffer (which the
   * next {@link encode} overwrites): copy them before anything else can run if they must be kept.
   */
  bytes: Uint8Array;
}

// ------------------------------------------------------------------------------------------------------------
// View kinds

type ViewConstructor = new (buffer: ArrayBuffer) => ArrayBufferView;

const VIEW_CONSTRUCTORS: ViewConstructor[] = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
  DataView,
];
const VIEW_PROTOTYPES: object[] = VIEW_CONSTRUCTORS.map((ctor) => ctor.prototype);

/**
 * The kind of a typed array or `DataView` that can travel as bytes: its prototype is a built-in one (not a
 * subclass, which structured clone would turn into the base class anyway — Node's `Buffer` included), it spans
 * its whole buffer, and that buffer is an ordinary fixed-length `ArrayBuffer`. Otherwise -1.
 */
function wholeViewKind(value: ArrayBufferView): number {
  const buffer = value.buffer;
  if (value.byteOffset !== 0 || value.byteLength !== buffer.byteLength || !isPlainArrayBuffer(buffer))
    return -1;
  let proto = Object.getPrototypeOf(value);
  // Subclasses (Node's Buffer is a Uint8Array subclass) clone as their built-in base class.
  for (let depth = 0; depth < 4 && proto !== null; depth++) {
    const kind = VIEW_PROTOTYPES.indexOf(proto);
    if (kind >= 0) return kind;
    proto = Object.getPrototypeOf(proto);
  }
  return -1;
}

function isPlainArrayBuffer(buffer: ArrayBufferLike): buffer is ArrayBuffer {
  return (
    Object.getPrototypeOf(buffer) === ArrayBuffer.prototype &&
    !(buffer as ArrayBuffer & { resizable?: boolean }).resizable
  );
}

// ------------------------------------------------------------------------------------------------------------
// V8's serializer (Node; looked up lazily so that the module loads where there is none)

interface V8Module {
  Serializer: new () => {
    writeHeader(): void;
    writeValue(value: unknown): boolean;
    releaseBuffer(): Uint8Array;
  };
  Deserializer: new (buffer: Uint8Array) => { readHeader(): boolean; readValue(): unknown };
}

let v8Module: V8Module | undefined;

function v8(): V8Module {
  if (v8Module) return v8Module;
  const getBuiltin = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
    ?.getBuiltinModule;
  const loaded = getBuiltin?.('node:v8') as V8Module | undefined;
  if (!loaded) {
    throw new TypeError(
      "Queue: this item needs V8's serializer (node:v8), which this runtime does not provide; " +
        'send plain data, strings, Maps, Sets, Dates, bigints, ArrayBuffers or typed arrays',
    );
  }
  v8Module = loaded;
  return loaded;
}

function serializeWithV8(value: unknown, api: string): Uint8Array {
  try {
    const serializer = new (v8().Serializer)();
    serializer.writeHeader();
    serializer.writeValue(value);
    return serializer.releaseBuffer();
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new TypeError(`${api}: the item cannot be cloned (${reason})`, { cause: err });
  }
}

function deserializeWithV8(bytes: Uint8Array): unknown {
  const deserializer = new (v8().Deserializer)(bytes);
  deserializer.readHeader();
  return deserializer.readValue();
}

// ------------------------------------------------------------------------------------------------------------
// Fast format

const UNDEFINED = 0;
const NULL = 1;
const TRUE = 2;
const FALSE = 3;
const UINT8 = 4;
const INT32 = 5;
const FLOAT64 = 6;
const ASCII = 7;
const UTF8 = 8;
const UTF16 = 9;
const BIGINT = 10;
const DATE = 11;
const ARRAY = 12;
const OBJECT = 13;
const MAP = 14;
const SET = 15;
const BUFFER = 16;
const VIEW = 17;

const LONG_LENGTH = 255; // a length byte of 255 announces a u32 length

/** Thrown inside the fast encoder when the item needs V8's serializer; never escapes this module. */
const GIVE_UP: unique symbol = Symbol('give up');

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true });

// This thread's scratch buffer: encodings are written here, then copied into the queue's ring.
let scratch = new Uint8Array(64 * 1024);
let scratchView = new DataView(scratch.buffer);
/**
 * The scratch buffer as 32-bit words: the ring copies a small encoding (which always starts at offset 0 of the
 * scratch buffer) in by words, four times fewer steps than by bytes.
 */
export let scratchWords = new Int32Array(scratch.buffer);
let pos = 0;
// Views of the start of the scratch buffer, by length, each made once: items of one shape encode to one length,
// and a subarray() costs about as much as the rest of a small item's encoding. Dropped when the buffer grows.
const VIEWS_UP_TO = 1024;
let scratchViews: (Uint8Array | undefined)[] = [];

/**
 * Whether `bytes` is the view of the scratch buffer that encodings of its length return (so it starts at offset
 * 0 of the scratch buffer): an identity check, which never reads `bytes.buffer` (for a small array that lives on
 * V8's heap, reading `.buffer` moves its bytes into a new ArrayBuffer).
 */
export function isScratchView(bytes: Uint8Array): boolean {
  return scratchViews[bytes.length] === bytes;
}

/** The first `end` bytes of the scratch buffer, as a view that later encodings of that length reuse. */
function scratchUpTo(end: number): Uint8Array {
  if (end > VIEWS_UP_TO) return scratch.subarray(0, end);
  let view = scratchViews[end];
  if (view === undefined) scratchViews[end] = view = scratch.subarray(0, end);
  return view;
}
// Objects met in the current item: a second meeting is a shared or cyclic reference, which needs V8. The
// first few are kept in an array (most items hold a handful of objects, and a Set's clear() allocates);
// beyond that, in a Set.
const SEEN_IN_ARRAY = 16;
const seenFew: object[] = [];
let seenCount = 0;
const seenMany = new Set<object>();

function forgetSeen(): void {
  for (let i = 0; i < seenCount && i < SEEN_IN_ARRAY; i++) seenFew[i] = seenFew; // drop the references
  if (seenCount > SEEN_IN_ARRAY) seenMany.clear();
  seenCount = 0;
}

function ensure(bytes: number): void {
  if (pos + bytes <= scratch.length) return;
  let size = scratch.length * 2;
  while (size < pos + bytes) size *= 2;
  const grown = new Uint8Array(size);
  grown.set(scratch.subarray(0, pos));
  scratch = grown;
  scratchView = new DataView(grown.buffer);
  scratchWords = new Int32Array(grown.buffer);
  scratchViews = [];
}

function writeLength(length: number): void {
  if (length < LONG_LENGTH) {
    scratch[pos++] = length;
  } else {
    scratch[pos++] = LONG_LENGTH;
    scratchView.setUint32(pos, length, true);
    pos += 4;
  }
}

function writeString(value: string): void {
  const length = value.length;
  ensure(6 + length);
  const start = pos;
  scratch[pos++] = ASCII;
  writeLength(length);
  // The loop keeps the buffer and the position in locals: module variables live in a context, and the
  // loop would load and store them for every character.
  const bytes = scratch;
  let at = pos;
  for (let i = 0; i < length; i++) {
    const code = value.charCodeAt(i);
    if (code >= 0x80) {
      pos = start;
      writeWideString(value);
      return;
    }
    bytes[at++] = code;
  }
  pos = at;
}

function writeWideString(value: string): void {
  const length = value.length;
  if (value.isWellFormed()) {
    ensure(5 + length * 3);
    scratch[pos] = UTF8;
    const { written } = utf8Encoder.encodeInto(value, scratch.subarray(pos + 5));
    scratchView.setUint32(pos + 1, written, true);
    pos += 5 + written;
  } else {
    // UTF-8 would replace lone surrogates with U+FFFD; structured clone keeps them.
    ensure(6 + length * 2);
    scratch[pos++] = UTF16;
    writeLength(length);
    for (let i = 0; i < length; i++) {
      const code = value.charCodeAt(i);
      scratch[pos++] = code & 0xff;
      scratch[pos++] = code >>> 8;
    }
  }
}

function writeNumber(value: number): void {
  ensure(9);
  if ((value | 0) === value && !(value === 0 && 1 / value < 0)) {
    if (value >= 0 && value <= 0xff) {
      scratch[pos++] = UINT8;
      scratch[pos++] = value;
    } else {
      scratch[pos++] = INT32;
      scratchView.setInt32(pos, value, true);
      pos += 4;
    }
  } else {
    scratch[pos++] = FLOAT64;
    scratchView.setFloat64(pos, value, true);
    pos += 8;
  }
}

function writeBytes(bytes: Uint8Array): void {
  ensure(4 + bytes.length);
  scratchView.setUint32(pos, bytes.length, true);
  scratch.set(bytes, pos + 4);
  pos += 4 + bytes.length;
}

function visit(value: object): void {
  const few = Math.min(seenCount, SEEN_IN_ARRAY);
  for (let i = 0; i < few; i++) if (seenFew[i] === value) throw GIVE_UP;
  if (seenCount < SEEN_IN_ARRAY) {
    seenFew[seenCount++] = value;
    return;
  }
  if (seenMany.has(value)) throw GIVE_UP;
  seenMany.add(value);
  seenCount++;
}

function writeValue(value: unknown): void {
  switch (typeof value) {
    case 'string':
      writeString(value);
      return;
    case 'number':
      writeNumber(value);
      return;
    case 'boolean':
      ensure(1);
      scratch[pos++] = value ? TRUE : FALSE;
      return;
    case 'undefined':
      ensure(1);
      scratch[pos++] = UNDEFINED;
      return;
    case 'bigint': {
      const digits = value.toString();
      ensure(6 + digits.length);
      scratch[pos++] = BIGINT;
      writeLength(digits.length);
      for (let i = 0; i < digits.length; i++) scratch[pos++] = digits.charCodeAt(i);
      return;
    }
    case 'object':
      if (value === null) {
        ensure(1);
        scratch[pos++] = NULL;
        return;
      }
      writeObject(value);
      return;
    default:
      throw GIVE_UP; // functions and symbols: V8's serializer produces the error
  }
}

function writeObject(value: object): void {
  visit(value);
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    writePlainObject(value as Record<string, unknown>);
  } else if (proto === Array.prototype) {
    writeArray(value as unknown[]);
  } else if (proto === Date.prototype) {
    ensure(9);
    scratch[pos++] = DATE;
    scratchView.setFloat64(pos, (value as Date).getTime(), true);
    pos += 8;
  } else if (proto === Map.prototype) {
    const map = value as Map<unknown, unknown>;
    ensure(6);
    scratch[pos++] = MAP;
    writeLength(map.size);
    for (const [key, entry] of map) {
      writeValue(key);
      writeValue(entry);
    }
  } else if (proto === Set.prototype) {
    const set = value as Set<unknown>;
    ensure(6);
    scratch[pos++] = SET;
    writeLength(set.size);
    for (const entry of set) writeValue(entry);
  } else if (proto === ArrayBuffer.prototype) {
    const buffer = value as ArrayBuffer;
    if (!isPlainArrayBuffer(buffer)) throw GIVE_UP;
    ensure(1);
    scratch[pos++] = BUFFER;
    writeBytes(new Uint8Array(buffer));
  } else if (ArrayBuffer.isView(value)) {
    const kind = wholeViewKind(value);
    if (kind < 0) throw GIVE_UP;
    visit(value.buffer); // another view of the same buffer, or the buffer itself, must share it: V8 does that
    ensure(2);
    scratch[pos++] = VIEW;
    scratch[pos++] = kind;
    writeBytes(new Uint8Array(value.buffer));
  } else {
    throw GIVE_UP;
  }
}

function writePlainObject(value: Record<string, unknown>): void {
  const keys = Object.keys(value);
  ensure(6);
  scratch[pos++] = OBJECT;
  writeLength(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    writeString(key);
    writeValue(value[key]);
  }
}

function writeArray(value: unknown[]): void {
  const length = value.length;
  // Named properties on an array are cloned too; the fast format has no place for them.
  if (Object.keys(value).length !== length) throw GIVE_UP;
  ensure(6);
  scratch[pos++] = ARRAY;
  writeLength(length);
  for (let i = 0; i < length; i++) writeValue(value[i]);
}

/**
 * Encodes `value` into the thread's scratch buffer (or refers to its own bytes on the raw path). Touches no
 * shared state.
 *
 * @param api - The calling API, for the error message (`Queue.put`).
 * @throws TypeError when the value cannot be structured-cloned (a function, a symbol, a `SharedArrayBuffer`…).
 */
export function encode(value: unknown, api: string): Encoded {
  if (typeof value === 'string') return encodeString(value);
  if (typeof value === 'object' && value !== null) {
    if (ArrayBuffer.isView(value)) {
      const kind = wholeViewKind(value);
      if (kind >= 0) {
        return {
          type: ItemType.View,
          kind,
          bytes: new Uint8Array(value.buffer as ArrayBuffer, 0, value.byteLength),
        };
      }
    } else if (
      Object.getPrototypeOf(value) === ArrayBuffer.prototype &&
      isPlainArrayBuffer(value as ArrayBuffer)
    ) {
      return { type: ItemType.Buffer, kind: 0, bytes: new Uint8Array(value as ArrayBuffer) };
    }
  }
  pos = 0;
  try {
    writeValue(value);
    return { type: ItemType.Fast, kind: 0, bytes: scratchUpTo(pos) };
  } catch (err) {
    if (err !== GIVE_UP) throw err;
    return { type: ItemType.V8, kind: 0, bytes: serializeWithV8(value, api) };
  } finally {
    forgetSeen();
  }
}

function encodeString(value: string): Encoded {
  if (value.isWellFormed()) {
    ensureScratch(value.length * 3);
    const { written } = utf8Encoder.encodeInto(value, scratch);
    return { type: ItemType.Utf8, kind: 0, bytes: scratchUpTo(written) };
  }
  const units = new Uint16Array(value.length);
  for (let i = 0; i < value.length; i++) units[i] = value.charCodeAt(i);
  return { type: ItemType.Utf16, kind: 0, bytes: new Uint8Array(units.buffer) };
}

function ensureScratch(bytes: number): void {
  pos = 0;
  ensure(bytes);
}

// ------------------------------------------------------------------------------------------------------------
// Decoding

let input: Uint8Array = new Uint8Array(0);
let at = 0;
// Float64 values are read through these 8 bytes: no DataView to create per item.
const floatBytes = new Uint8Array(8);
const floatCell = new Float64Array(floatBytes.buffer);

function readUint32(): number {
  const value = (input[at] | (input[at + 1] << 8) | (input[at + 2] << 16) | (input[at + 3] << 24)) >>> 0;
  at += 4;
  return value;
}

function readFloat64(): number {
  for (let i = 0; i < 8; i++) floatBytes[i] = input[at + i];
  at += 8;
  return floatCell[0];
}

function readLength(): number {
  const length = input[at++];
  return length === LONG_LENGTH ? readUint32() : length;
}

// Short ASCII strings (object keys above all) repeat from item to item: a small direct-mapped cache of the
// strings already built saves building them again. Entries are checked byte for byte, so a collision only
// costs a miss.
const CACHED_MAX = 16;
const CACHE_SLOTS = 4096;
const cacheBytes = new Uint8Array(CACHE_SLOTS * CACHED_MAX);
const cacheLengths = new Uint8Array(CACHE_SLOTS);
const cacheStrings: string[] = new Array(CACHE_SLOTS).fill('');
const charCodes: number[] = [];

function readAscii(length: number): string {
  const start = at;
  at += length;
  if (length === 0) return '';
  if (length <= CACHED_MAX) {
    const slot =
      (length * 0x9e5 + input[start] * 0x3b + input[start + (length >> 1)] * 7 + input[start + length - 1]) &
      (CACHE_SLOTS - 1);
    const base = slot * CACHED_MAX;
    if (cacheLengths[slot] === length) {
      let i = 0;
      while (i < length && cacheBytes[base + i] === input[start + i]) i++;
      if (i === length) return cacheStrings[slot];
    }
    const text = charsOf(start, length);
    cacheLengths[slot] = length;
    for (let i = 0; i < length; i++) cacheBytes[base + i] = input[start + i];
    cacheStrings[slot] = text;
    return text;
  }
  return length <= 256 || latin1Slice !== undefined
    ? charsOf(start, length)
    : utf8Decoder.decode(input.subarray(start, at)); // ASCII is UTF-8
}

// Node's Buffer has a native Latin-1 slice that works on any Uint8Array: building a string of ASCII bytes with it
// costs about half of String.fromCharCode. Looked up, never imported: where there is no Buffer (browsers), the
// portable path below is used.
type Latin1Slice = (this: Uint8Array, start: number, end: number) => string;
const latin1Slice = (globalThis as { Buffer?: { prototype: { latin1Slice?: Latin1Slice } } }).Buffer
  ?.prototype.latin1Slice;

function charsOf(start: number, length: number): string {
  if (latin1Slice !== undefined) return latin1Slice.call(input, start, start + length);
  charCodes.length = length;
  for (let i = 0; i < length; i++) charCodes[i] = input[start + i];
  return String.fromCharCode.apply(null, charCodes);
}

function readBytes(): ArrayBuffer {
  const length = readUint32();
  const start = input.byteOffset + at;
  at += length;
  return input.buffer.slice(start, start + length) as ArrayBuffer;
}

function readValue(): unknown {
  const tag = input[at++];
  switch (tag) {
    case UNDEFINED:
      return undefined;
    case NULL:
      return null;
    case TRUE:
      return true;
    case FALSE:
      return false;
    case UINT8:
      return input[at++];
    case INT32:
      return readUint32() | 0;
    case FLOAT64:
      return readFloat64();
    case ASCII:
      return readAscii(readLength());
    case UTF8: {
      const length = readUint32();
      const text = utf8Decoder.decode(input.subarray(at, at + length));
      at += length;
      return text;
    }
    case UTF16: {
      const length = readLength();
      let text = '';
      for (let i = 0; i < length; i++, at += 2) text += String.fromCharCode(input[at] | (input[at + 1] << 8));
      return text;
    }
    case BIGINT:
      return BigInt(readAscii(readLength()));
    case DATE:
      return new Date(readFloat64());
    case ARRAY: {
      const length = readLength();
      const array = new Array(length);
      for (let i = 0; i < length; i++) array[i] = readValue();
      return array;
    }
    case OBJECT:
      return readObject();
    case MAP: {
      const size = readLength();
      const map = new Map();
      for (let i = 0; i < size; i++) {
        const key = readValue();
        map.set(key, readValue());
      }
      return map;
    }
    case SET: {
      const size = readLength();
      const set = new Set();
      for (let i = 0; i < size; i++) set.add(readValue());
      return set;
    }
    case BUFFER:
      return readBytes();
    case VIEW: {
      const kind = input[at++];
      return new VIEW_CONSTRUCTORS[kind](readBytes());
    }
    default:
      throw new Error(`Queue: corrupt item (unknown tag ${tag} at byte ${at - 1})`);
  }
}

function readObject(): Record<string, unknown> {
  const count = readLength();
  const object: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) {
    const key = readValue() as string;
    const value = readValue();
    if (key === '__proto__') {
      // An own property named __proto__ (JSON.parse makes them); assignment would set the prototype instead.
      Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
    } else {
      object[key] = value;
    }
  }
  return object;
}

/**
 * Decodes what {@link encode} produced. `bytes` must be the item's own copy (for the raw types the result
 * takes over its buffer, which must therefore be exactly the item's length, from offset 0).
 */
export function decode(type: ItemType, kind: number, bytes: Uint8Array): unknown {
  switch (type) {
    case ItemType.Fast: {
      input = bytes;
      at = 0;
      return readValue();
    }
    case ItemType.Utf8:
      return utf8Decoder.decode(bytes);
    case ItemType.Utf16: {
      let text = '';
      for (let i = 0; i + 1 < bytes.length; i += 2)
        text += String.fromCharCode(bytes[i] | (bytes[i + 1] << 8));
      return text;
    }
    case ItemType.Buffer:
      return bytes.buffer;
    case ItemType.View:
      return new VIEW_CONSTRUCTORS[kind](bytes.buffer as ArrayBuffer);
    case ItemType.V8:
      return deserializeWithV8(bytes);
    default:
      throw new Error(`Queue: corrupt item (unknown item type ${type})`);
  }
}
