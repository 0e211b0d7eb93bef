// What the browser specs' Web Workers do (spec/browser/browser.spec.ts). The library comes in as a parameter, so
// that the same tasks run with the standalone build loaded by URL (worker.js) and with a bundle (worker-bundled.js).
//
// Protocol: the worker posts { ready: true } once listening; the page posts { id, task, args } and gets back
// { id, ok: true, value } or { id, ok: false, error: { name, message } }. Primitives travel in `args` and are
// rebuilt with revive().

const TASKS = {
  /** `n` increments of a plain (non-atomic) shared counter, each under the lock: only a working lock keeps them all. */
  async lockCount(_lib, { lock, cells, n, mode }) {
    const counter = new Int32Array(cells);
    for (let i = 0; i < n; i++) {
      if (mode === 'sync') {
        if (!lock.acquireSync(20_000)) throw new Error(`no lock within 20 s at increment ${i}`);
        counter[0] = counter[0] + 1;
        lock.release();
      } else {
        const release = await lock.acquire({ timeout: 20_000 });
        counter[0] = counter[0] + 1;
        release();
      }
    }
    return n;
  },

  /** Puts `{ producer, seq }` for seq = 0‥n-1. */
  async produce(_lib, { queue, producer, n, mode }) {
    for (let seq = 0; seq < n; seq++) {
      if (mode === 'sync') queue.putSync({ producer, seq }, 20_000);
      else await queue.put({ producer, seq }, { timeout: 20_000 });
    }
    return n;
  },

  /** Gets items until the queue is closed and drained; returns them in the order received. */
  async consume(lib, { queue, mode }) {
    const got = [];
    for (;;) {
      try {
        got.push(mode === 'sync' ? queue.getSync(20_000) : await queue.get({ timeout: 20_000 }));
      } catch (err) {
        if (err instanceof lib.QueueClosedError) return got;
        throw err;
      }
    }
  },

  /** Takes jobs from a JoinableQueue, counts each in `cells[0]`, then calls taskDone(); ends when closed. */
  async work(lib, { queue, cells, mode }) {
    const done = new Int32Array(cells);
    let mine = 0;
    for (;;) {
      let job;
      try {
        job = mode === 'sync' ? queue.getSync(20_000) : await queue.get({ timeout: 20_000 });
      } catch (err) {
        if (err instanceof lib.QueueClosedError) return mine;
        throw err;
      }
      if (typeof job !== 'number') throw new Error(`unexpected job ${JSON.stringify(job)}`);
      Atomics.add(done, 0, 1);
      mine++;
      queue.taskDone();
    }
  },

  /** Announces itself in `cells[0]`, then waits for the event; returns what the wait returned. */
  async eventWait(_lib, { event, cells, mode }) {
    const arrived = new Int32Array(cells);
    const before = event.isSet();
    Atomics.add(arrived, 0, 1);
    Atomics.notify(arrived, 0);
    const result = mode === 'sync' ? event.waitSync(20_000) : await event.wait({ timeout: 20_000 });
    return { before, result };
  },

  /** Waits (plain Atomics) until `parties` waiters have announced themselves, then sets the event. */
  eventSet(_lib, { event, cells, parties }) {
    const arrived = new Int32Array(cells);
    const deadline = performance.now() + 20_000;
    for (let seen = Atomics.load(arrived, 0); seen < parties; seen = Atomics.load(arrived, 0)) {
      if (performance.now() > deadline) throw new Error('the waiters did not arrive within 20 s');
      Atomics.wait(arrived, 0, seen, 100);
    }
    event.set();
    return true;
  },

  /** `n` rounds inside the semaphore; cells[0] = threads inside now, cells[1] = most seen inside, cells[2] = total. */
  async semaphoreRounds(_lib, { semaphore, cells, n, mode }) {
    const c = new Int32Array(cells);
    for (let i = 0; i < n; i++) {
      if (mode === 'sync') {
        if (!semaphore.acquireSync(20_000)) throw new Error('no permit within 20 s');
      } else {
        await semaphore.acquire(1, { timeout: 20_000 });
      }
      const inside = Atomics.add(c, 0, 1) + 1;
      for (let seen = Atomics.load(c, 1); inside > seen; seen = Atomics.load(c, 1)) {
        if (Atomics.compareExchange(c, 1, seen, inside) === seen) break;
      }
      for (let spin = 0; spin < 200; spin++) Atomics.load(c, 0); // stay inside a little while
      Atomics.add(c, 2, 1);
      Atomics.sub(c, 0, 1);
      semaphore.release();
    }
    return n;
  },

  /** Producer: `n` times, under the condition's lock, adds one to cells[0] and notifies. */
  async conditionProduce(_lib, { condition, cells, n }) {
    const c = new Int32Array(cells);
    for (let i = 0; i < n; i++) {
      await condition.lock.runExclusive(() => {
        c[0] = c[0] + 1;
        condition.notify();
      });
    }
    return n;
  },

  /** Consumer: takes `n` units from cells[0], waiting on the condition while it is 0. */
  async conditionConsume(_lib, { condition, cells, n, mode }) {
    const c = new Int32Array(cells);
    for (let i = 0; i < n; i++) {
      if (mode === 'sync') {
        condition.lock.runExclusiveSync(() => {
          if (!condition.waitForSync(() => c[0] > 0, 20_000)) throw new Error('nothing to take within 20 s');
          c[0] = c[0] - 1;
        });
      } else {
        await condition.lock.runExclusive(async () => {
          if (!(await condition.waitFor(() => c[0] > 0, { timeout: 20_000 }))) {
            throw new Error('nothing to take within 20 s');
          }
          c[0] = c[0] - 1;
        });
      }
    }
    return n;
  },

  /**
   * `rounds` rounds at the barrier: before each, writes its round number into its own slot of `cells`; after
   * each, checks that every party's slot has reached that round (nobody passed the barrier early).
   */
  async barrierRounds(_lib, { barrier, cells, me, rounds, mode }) {
    const slots = new Int32Array(cells);
    const indices = [];
    let early = 0;
    for (let round = 1; round <= rounds; round++) {
      Atomics.store(slots, me, round);
      indices.push(mode === 'sync' ? barrier.waitSync(20_000) : await barrier.wait({ timeout: 20_000 }));
      for (let p = 0; p < slots.length; p++) if (Atomics.load(slots, p) < round) early++;
    }
    return { indices, early };
  },

  /** Joins the page's thread registry, takes the lock and returns this thread's id, still holding the lock. */
  holdLock(lib, { registry, lock }) {
    lib.joinThreadRegistry(registry);
    if (!lock.acquireSync(20_000)) throw new Error('no lock within 20 s');
    return lib.getThreadId();
  },

  /** Creates a lock with this worker's own registry, then tries to join the page's: what that throws. */
  joinAfterLock(lib, { registry }) {
    new lib.Lock();
    try {
      lib.joinThreadRegistry(registry);
      return 'joined';
    } catch (err) {
      return { name: err?.name, message: String(err?.message) };
    }
  },

  /**
   * Joins the page's thread registry, announces itself in `arrived`, then acquires the lock (held by a thread
   * that the page will terminate) and releases it. Returns how the acquire ended.
   */
  async acquireAfterDeath(lib, { registry, lock, arrived, mode }) {
    lib.joinThreadRegistry(registry);
    arrived.add(1);
    let outcome = 'acquired';
    try {
      if (mode === 'sync') {
        if (!lock.acquireSync(20_000)) return 'timed out';
      } else {
        await lock.acquire({ timeout: 20_000 });
      }
    } catch (err) {
      if (!(err instanceof lib.OwnerDiedError)) throw err;
      outcome = { ownerDied: err.threadId };
    }
    lock.release();
    return outcome;
  },

  /**
   * Fetches `url` with the CancelFlag's signal: sets `progress` to 1 once the response headers are in, then
   * reads the body (which the server never ends). Returns how the fetch ended.
   */
  async fetchUntilCancelled(_lib, { flag, progress, url }) {
    try {
      const response = await fetch(url, { signal: flag.signal });
      progress.value = 1;
      await response.text();
      return { ended: 'completed' };
    } catch (err) {
      const reason = flag.signal.reason;
      return {
        ended: 'rejected',
        name: err?.name,
        message: String(err?.message ?? err),
        isFlagReason: err === reason,
        signal: {
          aborted: flag.signal.aborted,
          name: reason?.name,
          message: String(reason?.message ?? reason),
        },
      };
    }
  },
};

/** Listens for tasks (see the protocol above). */
export function serveTasks(lib) {
  self.onmessage = async ({ data }) => {
    const { id, task, args } = data;
    try {
      const run = TASKS[task];
      if (!run) throw new Error(`no task ${task}`);
      const value = await run(lib, lib.revive(args));
      self.postMessage({ id, ok: true, value });
    } catch (err) {
      self.postMessage({ id, ok: false, error: { name: err?.name, message: String(err?.message ?? err) } });
    }
  };
  self.postMessage({ ready: true });
}
