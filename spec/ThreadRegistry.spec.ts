import { describe, expect, it } from 'vitest';
import { getThreadRegistry, joinThreadRegistry, Lock } from '../lib/index';

// Sharing the thread registry is what browsers need (spec/browser/ checks it across Web Workers); in Node every
// worker inherits it, so here only the calls themselves are checked.
describe('getThreadRegistry and joinThreadRegistry', () => {
  it('gives the same shared buffer on every call, which this thread has joined already', () => {
    const registry = getThreadRegistry();
    expect(Object.prototype.toString.call(registry)).toBe('[object SharedArrayBuffer]');
    expect(getThreadRegistry()).toBe(registry);
    expect(joinThreadRegistry(registry)).toBe(false);
    expect(joinThreadRegistry(structuredClone(registry))).toBe(false);
  });

  it('rejects anything that is not a registry with a TypeError, and changes nothing', () => {
    const before = getThreadRegistry();
    for (const bad of [
      undefined,
      null,
      {},
      new SharedArrayBuffer(8),
      new Lock().buffer,
      new ArrayBuffer(64),
    ]) {
      expect(() => joinThreadRegistry(bad as SharedArrayBuffer)).toThrow(
        /^joinThreadRegistry: expected the registry that getThreadRegistry\(\) returned/,
      );
      expect(() => joinThreadRegistry(bad as SharedArrayBuffer)).toThrow(TypeError);
    }
    expect(getThreadRegistry()).toBe(before);
  });
});
