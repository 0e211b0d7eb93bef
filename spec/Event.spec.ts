import { describe, expect, it } from 'vitest';
import { Event, RLock, revive } from '../lib/index';
import { asyncWaitStats } from '../lib/internal/wait';
import { isPending } from './helpers/promises';
import { resultOf, spawn } from './helpers/workers';

/** Resolves once `condition()` holds, checking on every turn of the event loop; throws after `ms`. */
async function until(condition: () => boolean, ms = 30_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`condition not reached within ${ms} ms`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** How many waiters have announced themselves on the event (white-box: word 2 of its layout). */
function announced(event: Event): number {
  return Atomics.load(new Int32Array(event.buffer, event.byteOffset, 3), 2);
}

describe('Event', () => {
  it('starts clear; set() and clear() switch the flag and are idempotent', () => {
    const event = new Event();
    expect(event.isSet()).toBe(false);
    event.set();
    expect(event.isSet()).toBe(true);
    event.set();
    expect(event.isSet()).toBe(true);
    event.clear();
    expect(event.isSet()).toBe(false);
    event.clear();
    expect(event.isSet()).toBe(false);
  });

  it('returns true at once from every wait form while set', async () => {
    const event = new Event();
    event.set();
    expect(event.waitSync()).toBe(true);
    expect(event.waitSync(0)).toBe(true);
    expect(await event.wait()).toBe(true);
    expect(await event.wait({ timeout: 0 })).toBe(true);
  });

  it('waitSync returns false after the timeout, not before, when nobody sets it', () => {
    const event = new Event();
    expect(event.waitSync(0)).toBe(false);
    const t0 = performance.now();
    expect(event.waitSync(30)).toBe(false);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(29);
    expect(announced(event)).toBe(0);
  });

  it('wait resolves false after the timeout, leaving no waiter, timer or pump behind', async () => {
    const event = new Event();
    const before = asyncWaitStats();
    const t0 = performance.now();
    expect(await event.wait({ timeout: 30 })).toBe(false);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(29);
    expect(await event.wait({ timeout: 0 })).toBe(false);
    expect(announced(event)).toBe(0);
    expect(asyncWaitStats().keepAlive).toBe(before.keepAlive);
  });

  it('set() wakes every async waiter of the thread', async () => {
    const event = new Event();
    const waits = Array.from({ length: 5 }, () => event.wait({ timeout: 10_000 }));
    expect(await isPending(waits[0])).toBe(true);
    expect(announced(event)).toBe(5);
    event.set();
    expect(await Promise.all(waits)).toEqual([true, true, true, true, true]);
    expect(announced(event)).toBe(0);
  });

  it('set() followed at once by clear() still releases every waiter with true (CPython issue 13502)', async () => {
    const event = new Event();
    const waits = Array.from({ length: 3 }, () => event.wait({ timeout: 10_000 }));
    await until(() => announced(event) === 3);
    event.set();
    event.clear();
    expect(await Promise.all(waits)).toEqual([true, true, true]);
    expect(event.isSet()).toBe(false);
  });

  it('a wait that starts after clear() waits for the next set()', async () => {
    const event = new Event();
    event.set();
    event.clear();
    const waiting = event.wait({ timeout: 10_000 });
    expect(await isPending(waiting)).toBe(true);
    event.set();
    expect(await waiting).toBe(true);
  });

  it('an abort rejects with the signal reason and removes the waiter; an aborted signal rejects at once', async () => {
    const event = new Event();
    const controller = new AbortController();
    const waiting = event.wait({ signal: controller.signal });
    expect(await isPending(waiting)).toBe(true);
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    expect(announced(event)).toBe(0);
    await expect(event.wait({ signal: AbortSignal.abort('gone') })).rejects.toBe('gone');
  });

  it('rejects bad timeouts, signals and options with a clear error and waits for nothing', async () => {
    const event = new Event();
    expect(() => event.waitSync(-1)).toThrow(/^Event\.waitSync: timeout must be/);
    expect(() => event.waitSync(Number.NaN)).toThrow(RangeError);
    expect(() => event.waitSync('5' as unknown as number)).toThrow(RangeError);
    await expect(event.wait({ timeout: -5 })).rejects.toThrow(/^Event\.wait: timeout/);
    await expect(event.wait({ signal: {} as AbortSignal })).rejects.toThrow(/^Event\.wait: signal must be/);
    await expect(event.wait(100 as never)).rejects.toThrow(
      /^Event\.wait: options must be an object.*timeout: 100/,
    );
    expect(announced(event)).toBe(0);
  });

  it('from() and revive() rebuild a clone that shares the flag; from() names what it got otherwise', () => {
    const event = new Event();
    const clone = Event.from(structuredClone(event));
    clone.set();
    expect(event.isSet()).toBe(true);
    const { again } = revive(structuredClone({ again: event }));
    expect(again).toBeInstanceOf(Event);
    again.clear();
    expect(event.isSet()).toBe(false);
    expect(() => Event.from({})).toThrow(/^Event\.from: expected an Event or its clone.*got an empty object/);
    expect(() => Event.from(structuredClone(new RLock()))).toThrow(/got a clone of an? RLock/);
    expect(() => Event.from(null)).toThrow(TypeError);
  });
});

describe('Event across worker threads', () => {
  it('set() wakes sync waiters in three workers and async waiters in the main thread', async () => {
    const event = new Event();
    const acks = new Int32Array(new SharedArrayBuffer(4));
    const workers = [0, 1, 2].map(() =>
      spawn('event-waiter', {
        events: [event],
        acks: acks.buffer,
        rounds: 1,
        mode: 'sync',
        tasks: 1,
        timeout: 10_000,
      }),
    );
    const local = [event.wait({ timeout: 10_000 }), event.wait({ timeout: 10_000 })];
    await until(() => announced(event) === 5).catch((err) => {
      throw new Error(`${err.message}: announced ${announced(event)}`);
    });
    event.set();
    const results = await Promise.all(workers.map((w) => resultOf<{ trues: number }>(w, 10_000)));
    expect(results.map((r) => r.trues)).toEqual([1, 1, 1]);
    expect(await Promise.all(local)).toEqual([true, true]);
  });

  it('200 set-then-clear cycles release every sync and async waiter of every round', async () => {
    const rounds = 200;
    const events = [new Event(), new Event()];
    const acks = new Int32Array(new SharedArrayBuffer(4));
    const common = { events, acks: acks.buffer, rounds, timeout: 10_000 };
    const workers = [
      spawn('event-waiter', { ...common, mode: 'sync', tasks: 1 }),
      spawn('event-waiter', { ...common, mode: 'sync', tasks: 1 }),
      spawn('event-waiter', { ...common, mode: 'async', tasks: 4 }),
    ];
    const perRound = 6;
    for (let round = 0; round < rounds; round++) {
      // Every waiter of the previous round has returned and every waiter of this round has announced itself.
      const event = events[round % 2];
      await until(() => Atomics.load(acks, 0) === round * perRound && announced(event) === perRound);
      event.set();
      event.clear();
    }
    const results = await Promise.all(
      workers.map((w) => resultOf<{ trues: number; falses: number }>(w, 20_000)),
    );
    expect(results).toEqual([
      { trues: rounds, falses: 0 },
      { trues: rounds, falses: 0 },
      { trues: rounds * 4, falses: 0 },
    ]);
    expect(Atomics.load(acks, 0)).toBe(rounds * perRound);
  });
});
