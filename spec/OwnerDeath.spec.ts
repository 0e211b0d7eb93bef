/**
 * Owner death: a thread that dies holding a lock hangs nobody. The acquire that takes the lock over succeeds and
 * reports it with OwnerDiedError; everyone else keeps waiting for the new holder.
 */

import type { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { getThreadId, Lock, OwnerDiedError, RLock, reportThreadExit } from '../lib/index';
import { nextMessage, spawn } from './helpers/workers';

type How = 'terminate' | 'throw' | 'exit' | 'return';
type Mutex = Lock | RLock;

const WAYS: readonly How[] = ['terminate', 'throw', 'exit', 'return'];

interface Holding {
  worker: Worker;
  threadId: number;
  data: Int32Array;
  exited: Promise<void>;
}

/** Starts a worker that takes `lock` (`depth` times) and holds it until it dies the way `how` says. */
async function holdThenDie(lock: Mutex, how: How, mode: 'sync' | 'async', depth = 1): Promise<Holding> {
  const data = new Int32Array(new SharedArrayBuffer(4));
  const worker = spawn('dier', { lock, data, how, mode, depth });
  worker.on('error', () => {}); // 'throw' ends the worker with an uncaught exception, as the test wants
  // Listened for from the start: a 'return' holder may exit before the spec asks.
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const { threadId } = await nextMessage<{ holding: boolean; threadId: number }>(
    worker,
    10_000,
    (m) => m.holding,
  );
  return { worker, threadId, data, exited };
}

/** Makes the holder die; resolves once its 'exit' event has been delivered in this thread. */
async function kill({ worker, exited }: Holding, how: How): Promise<void> {
  if (how === 'terminate') await worker.terminate();
  else if (how !== 'return') worker.postMessage('die');
  await exited;
}

/** A worker (the `holder` fixture) that blocks in acquireSync on `lock` once told to. */
async function syncWaiter(lock: Mutex): Promise<Worker> {
  const worker = spawn('holder', { lock });
  await nextMessage(worker, 10_000, (m: { ready?: boolean }) => m.ready === true);
  return worker;
}

function expectOwnerDied(err: unknown, holder: Holding): void {
  expect(err).toBeInstanceOf(OwnerDiedError);
  expect((err as OwnerDiedError).threadId).toBe(holder.threadId);
  expect((err as Error).message).toMatch(/died holding it/);
}

const KINDS: ReadonlyArray<[string, () => Mutex]> = [
  ['Lock', () => new Lock()],
  ['RLock', () => new RLock()],
];

for (const [kind, create] of KINDS) {
  describe(`${kind}: a holder that dies`, () => {
    for (const how of WAYS) {
      it(`(${how}) is taken over by exactly one of a sync waiter in a worker and an async waiter here; the other then gets it normally`, async () => {
        const lock = create();
        const holder = await holdThenDie(lock, how, 'sync', kind === 'RLock' ? 2 : 1);
        const waiter = await syncWaiter(lock);
        waiter.postMessage('acquire');
        const syncResult = nextMessage<{ ok?: boolean; error?: string; message?: string }>(waiter, 20_000);
        const asyncResult = lock.acquire({ timeout: 20_000 }).then(
          (release) => ({ release, error: undefined as unknown }),
          (error: unknown) => ({ release: undefined, error }),
        );
        await kill(holder, how);

        // Whoever took it over holds it now; the other waiter gets it once that one releases.
        const first = await Promise.race([
          syncResult.then((r) => ({ side: 'sync' as const, r })),
          asyncResult.then((r) => ({ side: 'async' as const, r })),
        ]);
        if (first.side === 'sync') {
          expect(first.r).toMatchObject({ error: 'OwnerDiedError' });
          expect(first.r.message).toContain(`thread ${holder.threadId}`);
          waiter.postMessage('release');
          expect(await nextMessage(waiter, 10_000)).toEqual({ ok: true });
          const other = await asyncResult;
          expect(other.error).toBeUndefined();
          other.release!();
        } else {
          expectOwnerDied(first.r.error, holder);
          expect(first.r.release).toBeUndefined();
          expect(lock.isLocked()).toBe(true);
          if (lock instanceof RLock) expect([lock.isOwned(), lock.getDepth()]).toEqual([true, 1]);
          expect(holder.data[0]).toBe(1); // the half-done update the taker must repair
          lock.release();
          expect(await syncResult).toEqual({ ok: true });
          waiter.postMessage('release');
          expect(await nextMessage(waiter, 10_000)).toEqual({ ok: true });
        }
        expect(lock.isLocked()).toBe(false);
        // Later acquirers see a normal lock.
        expect(lock.tryAcquire()).toBe(true);
        lock.release();
      });
    }

    it('tryAcquire takes the lock of a dead holder and reports it once; acquireSync(0) too', async () => {
      for (const take of [(l: Mutex) => l.tryAcquire(), (l: Mutex) => l.acquireSync(0)]) {
        const lock = create();
        const holder = await holdThenDie(lock, 'terminate', 'async');
        expect(lock.tryAcquire()).toBe(false); // alive: an ordinary busy lock
        await kill(holder, 'terminate');
        let caught: unknown;
        try {
          take(lock);
        } catch (err) {
          caught = err;
        }
        expectOwnerDied(caught, holder);
        expect(lock.isLocked()).toBe(true);
        lock.release();
        expect(take(lock)).toBe(true); // told once per death
        lock.release();
      }
    });

    it('the scoped forms do not run their callback on a dead holder’s lock: they release it and throw, and a retry works', async () => {
      const lock = create();
      let ran = 0;
      const holder1 = await holdThenDie(lock, 'exit', 'sync');
      await kill(holder1, 'exit');
      expect(() => lock.runExclusiveSync(() => ran++)).toThrow(OwnerDiedError);
      expect(lock.isLocked()).toBe(false);
      expect(lock.runExclusiveSync(() => ++ran)).toBe(1);

      const holder2 = await holdThenDie(lock, 'throw', 'async');
      await kill(holder2, 'throw');
      await expect(lock.runExclusive(async () => ran++)).rejects.toBeInstanceOf(OwnerDiedError);
      expect(lock.isLocked()).toBe(false);
      expect(await lock.runExclusive(async () => ++ran)).toBe(2);

      const holder3 = await holdThenDie(lock, 'terminate', 'sync');
      await kill(holder3, 'terminate');
      expect(() => lock.guardSync()).toThrow(OwnerDiedError);
      expect(lock.isLocked()).toBe(false);
      const holder4 = await holdThenDie(lock, 'return', 'async');
      await kill(holder4, 'return');
      await expect(lock.guard()).rejects.toBeInstanceOf(OwnerDiedError);
      expect(lock.isLocked()).toBe(false);
      expect(ran).toBe(2);
    });

    it('waitForUnlock resolves when the holder dies, and the next acquire is told', async () => {
      const lock = create();
      const holder = await holdThenDie(lock, 'terminate', 'sync');
      const unlocked = lock.waitForUnlock({ timeout: 20_000 });
      await kill(holder, 'terminate');
      await unlocked;
      await expect(lock.acquire()).rejects.toBeInstanceOf(OwnerDiedError);
      lock.release();
    });
  });
}

describe('reportThreadExit', () => {
  it('recovers a lock held by a thread whose end nothing observed, and refuses bad ids', async () => {
    const lock = new Lock();
    const holder = await holdThenDie(lock, 'terminate', 'sync');
    // The worker is alive: reporting it would be a lie, but the API must accept any well-formed id. Here the
    // spec terminates it first, then reports it again (a second report of one death does nothing).
    await kill(holder, 'terminate');
    reportThreadExit(holder.threadId);
    expect(() => lock.acquireSync(1000)).toThrow(OwnerDiedError);
    lock.release();
    expect(() => reportThreadExit(-1)).toThrow(RangeError);
    expect(() => reportThreadExit(1.5)).toThrow(/reportThreadExit: threadId/);
    expect(() => reportThreadExit(getThreadId())).toThrow(/own id/);
  });
});
