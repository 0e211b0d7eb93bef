import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode, encode, ItemType } from '../lib/internal/codec';
import { anyString, assertSameClone, binary, cloneable, plain } from './fixtures/queue-values';

/** Encodes and decodes `value` as a Queue does: the bytes are copied out into a buffer of their own first. */
function roundTrip(value: unknown): unknown {
  const encoded = encode(value, 'Queue.put');
  return decode(encoded.type, encoded.kind, encoded.bytes.slice());
}

const params = { numRuns: 2000, verbose: 1 } as const;

describe('the Queue codec', () => {
  it('reproduces exactly what structuredClone makes of any cloneable value', () => {
    fc.assert(
      fc.property(cloneable, (value) => {
        assertSameClone(roundTrip(value), structuredClone(value));
      }),
      params,
    );
  });

  it('carries plain data (objects, arrays, Map, Set, Date, bigint, numbers, strings) without V8 serializer', () => {
    fc.assert(
      fc.property(plain, (value) => {
        expect(encode(value, 'Queue.put').type).not.toBe(ItemType.V8);
        assertSameClone(roundTrip(value), structuredClone(value));
      }),
      params,
    );
  });

  it('carries strings, ArrayBuffers and whole-buffer typed arrays as their bytes', () => {
    fc.assert(
      fc.property(fc.oneof(anyString, fc.string({ unit: 'binary' }), binary), (value) => {
        const { type } = encode(value, 'Queue.put');
        if (typeof value === 'string') expect([ItemType.Utf8, ItemType.Utf16]).toContain(type);
        assertSameClone(roundTrip(value), structuredClone(value));
      }),
      params,
    );
    const bytes = new Float64Array([1.5, -0, Number.NaN]);
    const encoded = encode(bytes, 'Queue.put');
    expect(encoded.type).toBe(ItemType.View);
    expect(encoded.bytes.buffer).toBe(bytes.buffer); // no copy until the Queue copies it into the ring
  });

  it('keeps -0, NaN, lone surrogates, holes, undefined values and own __proto__ keys', () => {
    const value = JSON.parse('{"__proto__": {"x": 1}, "a": 1}') as Record<string, unknown>;
    value.minusZero = -0;
    value.nan = Number.NaN;
    value.surrogate = 'a\uD800b\uDFFF';
    // biome-ignore lint/suspicious/noSparseArray: a hole on purpose
    value.holes = [1, , 3];
    value.undef = undefined;
    const result = roundTrip(value) as Record<string, unknown>;
    assertSameClone(result, structuredClone(value));
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(Object.keys(result)).toEqual([
      '__proto__',
      'a',
      'minusZero',
      'nan',
      'surrogate',
      'holes',
      'undef',
    ]);
    expect(Object.is(result.minusZero, -0)).toBe(true);
    expect(1 in (result.holes as unknown[])).toBe(false);
  });

  it('keeps shared and cyclic references, and views that share a buffer', () => {
    const buffer = new ArrayBuffer(16);
    const shared = { n: 1 };
    const cyclic: Record<string, unknown> = { shared, again: shared, bytes: new Uint8Array(buffer, 4, 4) };
    cyclic.self = cyclic;
    cyclic.words = new Int32Array(buffer);
    const result = roundTrip(cyclic) as typeof cyclic;
    assertSameClone(result, structuredClone(cyclic));
    expect(result.self).toBe(result);
    expect(result.shared).toBe(result.again);
    expect((result.bytes as Uint8Array).buffer).toBe((result.words as Int32Array).buffer);
  });

  it('notices shared references among many objects (past the first few it tracks cheaply)', () => {
    const objects = Array.from({ length: 40 }, (_, i) => ({ i }));
    for (const repeated of [3, 30]) {
      const value = [...objects, objects[repeated]];
      const result = roundTrip(value) as { i: number }[];
      assertSameClone(result, structuredClone(value));
      expect(result[40]).toBe(result[repeated]);
    }
    assertSameClone(roundTrip(objects), structuredClone(objects)); // and forgets them between items
  });

  it('turns class instances into plain objects and Buffers into Uint8Arrays, as structuredClone does', () => {
    class Point {
      constructor(public x: number) {}
    }
    expect(Object.getPrototypeOf(roundTrip(new Point(1)))).toBe(Object.prototype);
    const buffer = Buffer.alloc(8, 7); // its own 8-byte buffer, not a pool slice
    const result = roundTrip(buffer);
    expect(Object.getPrototypeOf(result)).toBe(Uint8Array.prototype);
    assertSameClone(result, structuredClone(buffer));
  });

  it.each([
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
    ['an object holding a function', { ok: 1, nested: { bad: () => 1 } }],
    ['an array holding a symbol', [1, Symbol('s')]],
    ['a Map holding a function', new Map([[1, () => 1]])],
  ])('rejects %s with a TypeError that starts with the API name', (_, value) => {
    expect(() => encode(value, 'Queue.put')).toThrow(TypeError);
    expect(() => encode(value, 'Queue.put')).toThrow(/^Queue\.put: the item cannot be cloned/);
    expect(() => structuredClone(value)).toThrow(); // the same values structuredClone refuses
  });

  it('rejects a SharedArrayBuffer, which bytes in a ring cannot share (postMessage can)', () => {
    for (const value of [new SharedArrayBuffer(8), { nested: new Int32Array(new SharedArrayBuffer(8)) }]) {
      expect(() => encode(value, 'Queue.put')).toThrow(/^Queue\.put: the item cannot be cloned/);
    }
  });

  it('grows its scratch buffer for large items and stays exact afterwards', () => {
    const big = { text: 'x'.repeat(300_000), numbers: Array.from({ length: 20_000 }, (_, i) => i * 1.5) };
    assertSameClone(roundTrip(big), structuredClone(big));
    assertSameClone(roundTrip({ small: 1 }), { small: 1 });
  });

  it('gives each encoding the bytes just written, for items of one length before and after the buffer grows', () => {
    // Encodings of one length share a view of the scratch buffer; a view kept across a growth would show the
    // old buffer's bytes.
    const a = { id: 1, tag: 'aaaa' };
    const b = { id: 2, tag: 'bbbb' };
    const first = encode(a, 'Queue.put').bytes;
    expect(decode(ItemType.Fast, 0, first.slice())).toEqual(a);
    expect(decode(ItemType.Fast, 0, encode(b, 'Queue.put').bytes.slice())).toEqual(b);
    encode({ text: 'y'.repeat(1_000_000) }, 'Queue.put'); // larger than any scratch buffer so far
    const after = encode(a, 'Queue.put').bytes;
    expect(after.length).toBe(first.length);
    expect(decode(ItemType.Fast, 0, after.slice())).toEqual(a);
    expect(decode(ItemType.Fast, 0, encode(b, 'Queue.put').bytes.slice())).toEqual(b);
  });
});
