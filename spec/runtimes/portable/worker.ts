/**
 * The worker side of the portable suite (see cases.ts): one role per case, chosen by `workerData.role`. Each
 * role ends by posting `{ done: result }`; an exception is reported by the runtime's `error` event.
 */

import { parentPort, workerData } from 'node:worker_threads';
import {
  Barrier,
  CancelFlag,
  Condition,
  DeadlockError,
  Event,
  getThreadId,
  Lock,
  Queue,
  QueueClosedError,
  RLock,
  revive,
  Semaphore,
  TimeoutError,
} from '../../../lib/index';
import { COUNTER, INSIDE, type Role, recordInside, touchCounter } from './shared';

const data = workerData as { role: Role; [key: string]: unknown };

function done(result: unknown): void {
  parentPort!.postMessage({ done: result });
}

/** What an awaited promise settled to, as plain data that crosses threads. */
async function outcome(
  promise: Promise<unknown>,
): Promise<{ value?: unknown; error?: string; message?: string }> {
  try {
    return { value: await promise };
  } catch (err) {
    const e = err as Error;
    return { error: e?.name ?? String(err), message: e?.message };
  }
}

const roles: Record<Role, () => Promise<void> | void> = {
  async lock() {
    const lock = Lock.from(data.lock);
    const cells = new Int32Array(data.cells as SharedArrayBuffer);
    for (let i = 0; i < (data.iterations as number); i++) {
      if (data.mode === 'sync') {
        lock.runExclusiveSync(() => touchCounter(cells));
      } else {
        await lock.runExclusive(() => touchCounter(cells));
      }
    }
    done(null);
  },

  rlock() {
    const rlock = RLock.from(data.rlock);
    const gate = Event.from(data.gate);
    rlock.acquireSync();
    rlock.acquireSync(); // re-entered by its owner: no deadlock
    parentPort!.postMessage({ depth: rlock.getDepth(), owned: rlock.isOwned() });
    const gateSet = gate.waitSync(10_000);
    rlock.release();
    const heldOnce = rlock.isLocked() && rlock.getDepth() === 1;
    rlock.release();
    done({ gateSet, heldOnce, lockedAfter: rlock.isLocked() });
  },

  semaphore() {
    const sem = Semaphore.from(data.semaphore);
    const cells = new Int32Array(data.cells as SharedArrayBuffer);
    for (let i = 0; i < (data.iterations as number); i++) {
      sem.acquireSync();
      recordInside(cells, Atomics.add(cells, INSIDE, 1) + 1);
      Atomics.add(cells, COUNTER, 1);
      Atomics.sub(cells, INSIDE, 1);
      sem.release();
    }
    done(null);
  },

  async producer() {
    const queue = Queue.from<{ producer: number; seq: number; text: string }>(data.queue);
    const producer = data.producer as number;
    for (let seq = 0; seq < (data.items as number); seq++) {
      const item = { producer, seq, text: `item ${producer}/${seq} é✓` };
      if (data.mode === 'sync') queue.putSync(item, 10_000);
      else await queue.put(item, { timeout: 10_000 });
    }
    done(null);
  },

  consumer() {
    const queue = Queue.from<{ producer: number; seq: number; text: string }>(data.queue);
    const got: [number, number, string][] = [];
    for (;;) {
      try {
        const item = queue.getSync(10_000);
        got.push([item.producer, item.seq, item.text]);
      } catch (err) {
        if (err instanceof QueueClosedError) break;
        throw err;
      }
    }
    done(got);
  },

  async event() {
    const event = Event.from(data.event);
    const never = Event.from(data.never);
    const timedOut = !never.waitSync(30);
    parentPort!.postMessage('waiting');
    const woke = data.mode === 'sync' ? event.waitSync(10_000) : await event.wait({ timeout: 10_000 });
    done({ timedOut, woke, isSet: event.isSet() });
  },

  async condition() {
    // A one-slot hand-over: the producer fills the slot when empty, the consumer empties it when full.
    const cond = Condition.from(data.cond);
    const cells = new Int32Array(data.cells as SharedArrayBuffer);
    const [FULL, SLOT] = [0, 1];
    const items = data.items as number;
    let sum = 0;
    for (let i = 1; i <= items; i++) {
      if (data.side === 'producer') {
        cond.lock.acquireSync();
        cond.waitForSync(() => cells[FULL] === 0, 10_000);
        cells[SLOT] = i;
        cells[FULL] = 1;
        cond.notifyAll();
        cond.lock.release();
      } else {
        await cond.lock.acquire();
        await cond.waitFor(() => cells[FULL] === 1, { timeout: 10_000 });
        sum += cells[SLOT];
        cells[FULL] = 0;
        cond.notifyAll();
        cond.lock.release();
      }
    }
    done(sum);
  },

  async barrier() {
    const barrier = Barrier.from(data.barrier);
    const cells = new Int32Array(data.cells as SharedArrayBuffer);
    const party = data.party as number;
    const indices: number[] = [];
    let stale = 0;
    for (let round = 1; round <= (data.rounds as number); round++) {
      Atomics.store(cells, party, round);
      indices.push(data.mode === 'sync' ? barrier.waitSync(10_000) : await barrier.wait({ timeout: 10_000 }));
      // Past the barrier every party has stored this round's number.
      for (let p = 0; p < barrier.parties; p++) if (Atomics.load(cells, p) < round) stale++;
      // A second wait keeps a fast party from storing the next round before the others have checked.
      data.mode === 'sync' ? barrier.waitSync(10_000) : await barrier.wait({ timeout: 10_000 });
    }
    done({ indices, stale });
  },

  async cancel() {
    const flag = CancelFlag.from(data.flag);
    const event = Event.from(data.event);
    const queue = Queue.from(data.queue);
    parentPort!.postMessage('waiting');
    if (data.mode === 'sync') {
      done({ cancelled: flag.waitSync(10_000), reason: flag.reason });
      return;
    }
    const signal = flag.signal;
    const [onEvent, onQueue] = await Promise.all([
      outcome(event.wait({ signal, timeout: 10_000 })),
      outcome(queue.get({ signal, timeout: 10_000 })),
    ]);
    done({
      onEvent,
      onQueue,
      aborted: signal.aborted,
      reason: (signal.reason as Error)?.name,
      timeoutIsNot: !(signal.reason instanceof TimeoutError),
      qsize: queue.qsize(),
    });
  },

  async dier() {
    // Takes the lock (twice for an RLock), half-updates what it protects, then dies holding it as told.
    const { lock } = revive({ lock: data.lock as Lock | RLock });
    const half = new Int32Array(data.half as SharedArrayBuffer);
    for (let i = 0; i < (lock instanceof RLock ? 2 : 1); i++) lock.acquireSync(10_000);
    half[0] += 1;
    parentPort!.postMessage({ holding: true, threadId: getThreadId() });
    if (data.how === 'terminate') {
      setInterval(() => {}, 1 << 30); // alive, holding the lock, until terminated
    } else if (data.how !== 'return') {
      parentPort!.once('message', () => {
        if (data.how === 'throw') throw new Error('the holder crashed');
        process.exit(3);
      });
    }
  },

  waiter() {
    // Blocks in acquireSync when told; reports what it got; releases when told.
    const { lock } = revive({ lock: data.lock as Lock | RLock });
    parentPort!.on('message', (message) => {
      if (message === 'acquire') {
        try {
          parentPort!.postMessage({ acquired: lock.acquireSync(20_000) });
        } catch (err) {
          parentPort!.postMessage({ error: (err as Error).name, message: (err as Error).message });
        }
      } else {
        lock.release();
        parentPort!.postMessage({ released: true });
      }
    });
    parentPort!.postMessage({ ready: true });
  },

  async deadlocker() {
    // Holds `first`, meets the other party (so that both hold one lock), then asks for `second`.
    const { first, second } = revive({ first: data.first as Lock, second: data.second as Lock });
    const gate = new Int32Array(data.gate as SharedArrayBuffer);
    const take = async (lock: Lock): Promise<void> => {
      if (data.mode === 'sync') {
        if (!lock.acquireSync(20_000)) throw new Error('acquireSync timed out: the deadlock went unseen');
      } else {
        await lock.acquire({ timeout: 20_000 });
      }
    };
    await take(first);
    Atomics.add(gate, 0, 1);
    Atomics.notify(gate, 0);
    for (let arrived = Atomics.load(gate, 0); arrived < 2; arrived = Atomics.load(gate, 0)) {
      if (Atomics.wait(gate, 0, arrived, 10_000) === 'timed-out')
        throw new Error('the other party never came');
    }
    let outcome: { outcome: string; cycle?: number; message?: string };
    try {
      await take(second);
      second.release();
      outcome = { outcome: 'completed' };
    } catch (err) {
      if (!(err instanceof DeadlockError)) throw err;
      outcome = { outcome: 'deadlock', cycle: err.cycle.length, message: err.message };
    } finally {
      first.release();
    }
    done(outcome);
  },
};

await roles[data.role]();
