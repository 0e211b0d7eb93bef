import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { CancelFlag, CancelledError, Lock, RawValue, SharedSyncError } from '../lib/index';
import { nextMessage, resultOf, runAll, spawn } from './helpers/workers';

/** Waiters announced on the flag's bool cell (white-box: the RawValue at byte 16, its word 2). */
function announced(flag: CancelFlag): number {
  return Atomics.load(new Int32Array(flag.buffer, flag.byteOffset + 16, 4), 2);
}

async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`condition not reached within ${ms} ms`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('CancelFlag', () => {
  it('starts not cancelled; the first cancel() wins and sets it for good', () => {
    const flag = new CancelFlag();
    expect(flag.cancelled).toBe(false);
    expect(flag.isCancelled()).toBe(false);
    expect(flag.reason).toBeUndefined();
    expect(() => flag.throwIfCancelled()).not.toThrow();
    expect(flag.cancel('first')).toBe(true);
    expect(flag.cancel('second')).toBe(false);
    expect(flag.cancelled).toBe(true);
    expect(flag.isCancelled()).toBe(true);
    expect(flag.reason).toBe('first');
  });

  it('throwIfCancelled throws a CancelledError whose message carries the reason', () => {
    const flag = new CancelFlag();
    flag.cancel('shutting down');
    expect(() => flag.throwIfCancelled()).toThrow(CancelledError);
    expect(() => flag.throwIfCancelled()).toThrow('CancelFlag: cancelled: shutting down');
    const silent = new CancelFlag();
    silent.cancel();
    expect(silent.reason).toBeUndefined();
    let caught: unknown;
    try {
      silent.throwIfCancelled();
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SharedSyncError);
    expect((caught as Error).message).toBe('CancelFlag: cancelled');
  });

  it('rejects a reason that is not a string and changes nothing', () => {
    const flag = new CancelFlag();
    expect(() => flag.cancel(42 as unknown as string)).toThrow(
      /^CancelFlag\.cancel: reason must be a string, got number/,
    );
    expect(flag.cancelled).toBe(false);
  });

  it('keeps at most reasonCapacity bytes of the reason, never cutting a character', () => {
    const flag = new CancelFlag();
    const reason = `${'x'.repeat(CancelFlag.reasonCapacity - 1)}€tail`; // '€' is 3 bytes and straddles the end
    flag.cancel(reason);
    expect(flag.reason).toBe('x'.repeat(CancelFlag.reasonCapacity - 1));
    const emoji = new CancelFlag();
    emoji.cancel('stop ✋ now');
    expect(emoji.reason).toBe('stop ✋ now');
  });

  it('hands out one signal per thread that aborts with a CancelledError when cancelled', async () => {
    const flag = new CancelFlag();
    const signal = flag.signal;
    expect(flag.getSignal()).toBe(signal);
    expect(CancelFlag.from(structuredClone(flag)).signal).not.toBe(undefined);
    expect(signal.aborted).toBe(false);
    const aborted = once(signal, 'abort');
    flag.cancel('done');
    await aborted;
    expect(signal.reason).toBeInstanceOf(CancelledError);
    expect((signal.reason as Error).message).toBe('CancelFlag: cancelled: done');
    // The watch behind the signal leaves once its wake is delivered: nothing stays announced on the flag.
    await until(() => announced(flag) === 0);
  });

  it("aborts the cancelling thread's own signal, listeners run, before cancel() returns", () => {
    const flag = new CancelFlag();
    const signal = flag.signal;
    const heard: string[] = [];
    signal.addEventListener('abort', () => heard.push((signal.reason as Error).message));
    expect(flag.cancel('now')).toBe(true);
    // No await between cancel() and these checks: the abort must not wait for the event loop.
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBeInstanceOf(CancelledError);
    expect(heard).toEqual(['CancelFlag: cancelled: now']);
  });

  it("aborts this thread's signal in a cancel() that finds the flag already cancelled elsewhere", () => {
    const flag = new CancelFlag();
    const signal = flag.signal;
    // A second handle on the same memory (a clone: its own buffer object) stands for another thread: its
    // cancel() sets the shared flag, and this handle's signal would only abort on a later turn of the loop.
    const elsewhere = CancelFlag.from(structuredClone(flag));
    expect(elsewhere.signal).not.toBe(signal);
    expect(elsewhere.cancel('elsewhere')).toBe(true);
    expect(signal.aborted).toBe(false);
    expect(flag.cancel('late')).toBe(false);
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).message).toBe('CancelFlag: cancelled: elsewhere');
  });

  it('hands out an already aborted signal once cancelled', () => {
    const flag = new CancelFlag();
    flag.cancel('early');
    expect(flag.signal.aborted).toBe(true);
    expect((flag.signal.reason as Error).message).toBe('CancelFlag: cancelled: early');
  });

  it('stops timers and this library’s waits through its signal', async () => {
    const flag = new CancelFlag();
    const lock = new Lock();
    lock.tryAcquire();
    const acquiring = lock.acquire({ signal: flag.signal });
    const sleeping = sleep(60_000, undefined, { signal: flag.signal });
    const waiting = new RawValue('int32').waitFor(1, { signal: flag.signal });
    flag.cancel('enough');
    await expect(acquiring).rejects.toBeInstanceOf(CancelledError);
    // node:timers rejects with its own AbortError, whose cause is the signal's reason
    await expect(sleeping).rejects.toMatchObject({ name: 'AbortError', cause: expect.any(CancelledError) });
    await expect(waiting).rejects.toThrow('CancelFlag: cancelled: enough');
    expect(lock.isLocked()).toBe(true);
  });

  it('waitSync and wait return true once cancelled, false after the timeout', async () => {
    const flag = new CancelFlag();
    expect(flag.waitSync(0)).toBe(false);
    const t0 = performance.now();
    expect(flag.waitSync(25)).toBe(false);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(24);
    expect(await flag.wait({ timeout: 10 })).toBe(false);
    expect(await flag.wait(0)).toBe(false);
    const pending = flag.wait();
    await until(() => announced(flag) === 1);
    flag.cancel();
    expect(await pending).toBe(true);
    expect(flag.waitSync()).toBe(true);
    expect(announced(flag)).toBe(0);
  });

  it('validates wait timeouts with messages naming CancelFlag', async () => {
    const flag = new CancelFlag();
    expect(() => flag.waitSync(-1)).toThrow(/^CancelFlag\.waitSync: timeout must be/);
    await expect(flag.wait({ timeout: Number.NaN })).rejects.toThrow(/^CancelFlag\.wait: timeout must be/);
    await expect(flag.wait({ signal: 'no' as unknown as AbortSignal })).rejects.toThrow(
      /^CancelFlag\.wait: signal/,
    );
  });

  it('is rebuilt by from() and revive(), and from() rejects anything else', () => {
    const flag = new CancelFlag();
    const copy = CancelFlag.from(structuredClone(flag));
    copy.cancel('via the copy');
    expect(flag.cancelled).toBe(true);
    expect(flag.reason).toBe('via the copy');
    expect(Object.keys(flag)).toEqual(['buffer', 'byteOffset']);
    expect(() => CancelFlag.from({})).toThrow(/^CancelFlag\.from: expected a CancelFlag/);
    expect(() => CancelFlag.from(structuredClone(new RawValue('bool')))).toThrow(TypeError);
  });
});

describe('CancelFlag across threads', () => {
  it('aborts the signal obtained in a worker when the main thread cancels', async () => {
    const flag = new CancelFlag();
    const worker = spawn('value-flag', { flag, mode: 'signal' });
    await nextMessage(worker, 10_000, (m) => m === 'armed');
    await until(() => announced(flag) === 1); // the worker's watch is parked
    flag.cancel('from main');
    const done = await resultOf<{ isCancelledError: boolean; message: string; cancelled: boolean }>(
      worker,
      10_000,
    );
    expect(done).toEqual({
      isCancelledError: true,
      message: 'CancelFlag: cancelled: from main',
      cancelled: true,
    });
  });

  it('aborts the signal obtained in the main thread when a worker cancels', async () => {
    const flag = new CancelFlag();
    const signal = flag.signal;
    const aborted = once(signal, 'abort');
    const worker = spawn('value-flag', { flag, mode: 'cancel', reason: 'from a worker' });
    expect(await resultOf<{ first: boolean }>(worker, 10_000)).toEqual({ first: true });
    await aborted;
    expect((signal.reason as Error).message).toBe('CancelFlag: cancelled: from a worker');
  });

  it('lets exactly one of several cancelling workers win', async () => {
    const flag = new CancelFlag();
    const results = await runAll<{ first: boolean }>(
      'value-flag',
      [0, 1, 2, 3].map((i) => ({ flag, mode: 'cancel', reason: `worker ${i}` })),
      10_000,
    );
    expect(results.filter((r) => r.first)).toHaveLength(1);
    expect(flag.cancelled).toBe(true);
    expect(flag.reason).toMatch(/^worker [0-3]$/);
  });

  for (const mode of ['waitSync', 'wait'] as const) {
    it(`releases a worker's ${mode}() when the main thread cancels`, async () => {
      const flag = new CancelFlag();
      const worker = spawn('value-flag', { flag, mode, timeout: 10_000 });
      await nextMessage(worker, 10_000, (m) => m === 'waiting');
      await until(() => announced(flag) === 1);
      flag.cancel();
      expect(await resultOf<{ result: boolean }>(worker, 10_000)).toMatchObject({ result: true });
    });
  }

  it("cancels a worker's lock acquire through the signal", async () => {
    const flag = new CancelFlag();
    const lock = new Lock();
    lock.tryAcquire();
    const worker = spawn('value-flag', { flag, lock, mode: 'abort-lock-wait' });
    await nextMessage(worker, 10_000, (m) => m === 'waiting');
    await until(() => announced(flag) === 1);
    flag.cancel();
    expect(await resultOf<{ outcome: string }>(worker, 10_000)).toEqual({ outcome: 'cancelled' });
    expect(lock.isLocked()).toBe(true);
  });

  it('does not keep a worker alive: a worker holding an un-aborted signal exits on its own', async () => {
    const flag = new CancelFlag();
    const worker = spawn('value-flag', { flag, mode: 'hold-signal' });
    const exited = once(worker, 'exit');
    expect(await nextMessage(worker, 10_000)).toEqual({ holding: true });
    const [code] = (await Promise.race([
      exited,
      sleep(10_000).then(() => {
        throw new Error('the worker did not exit within 10 s');
      }),
    ])) as [number];
    expect(code).toBe(0);
    expect(flag.cancelled).toBe(false);
  });
});
