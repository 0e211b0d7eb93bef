// The page side of the browser specs (spec/browser/browser.spec.ts): each scenario starts its Web Workers, runs,
// terminates them, and returns plain data that the spec checks. Loaded as is through an import map (index.html) or
// bundled by esbuild (bundled.html); the worker next to this module is the matching one (worker.js or the bundle).
import * as lib from 'shared-sync';

const {
  Barrier,
  BoundedSemaphore,
  CancelFlag,
  Condition,
  Event,
  JoinableQueue,
  Lock,
  Queue,
  RLock,
  Semaphore,
} = lib;
const workerUrl = new URL('./worker.js', import.meta.url);
const BOUND_MS = 30_000;

/** A promise that rejects after `ms` with a message naming `what`. */
function bounded(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A Web Worker running tasks.js, with a promise per task. */
class Client {
  #worker;
  #pending = new Map();
  #nextId = 1;

  constructor(worker) {
    this.#worker = worker;
    worker.onmessage = ({ data }) => {
      const pending = this.#pending.get(data.id);
      if (!pending) return;
      this.#pending.delete(data.id);
      if (data.ok) pending.resolve(data.value);
      else pending.reject(Object.assign(new Error(data.error.message), { name: data.error.name }));
    };
    worker.onerror = (event) => this.#failAll(new Error(`worker error: ${event.message}`));
  }

  run(task, args) {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, task, args });
    });
  }

  terminate() {
    this.#worker.terminate();
    this.#failAll(new Error('worker terminated'));
  }

  #failAll(err) {
    for (const { reject } of this.#pending.values()) reject(err);
    this.#pending.clear();
  }
}

function startWorker() {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerUrl, { type: 'module' });
    worker.onerror = (event) => {
      worker.terminate();
      reject(new Error(`worker ${workerUrl} did not load: ${event.message ?? 'a module failed to load'}`));
    };
    worker.onmessage = ({ data }) => {
      if (data?.ready) resolve(new Client(worker));
    };
  });
}

/** Runs `body` with `n` fresh workers and terminates them afterwards, whatever happens. */
async function withWorkers(n, what, body) {
  const started = await Promise.allSettled(Array.from({ length: n }, startWorker));
  const workers = started.filter((s) => s.status === 'fulfilled').map((s) => s.value);
  try {
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    return await bounded(body(workers), BOUND_MS, what);
  } finally {
    for (const worker of workers) worker.terminate();
  }
}

function errorOf(attempt) {
  try {
    attempt();
    return 'no error';
  } catch (err) {
    return { name: err?.name, message: String(err?.message), isBase: err instanceof lib.SharedSyncError };
  }
}

const scenarios = {
  /** What the page knows about itself. */
  environment() {
    return {
      crossOriginIsolated: globalThis.crossOriginIsolated,
      hasSharedArrayBuffer: typeof SharedArrayBuffer === 'function',
      hasWaitAsync: typeof Atomics.waitAsync === 'function',
      nodeGlobals: ['process', 'Buffer', 'global', 'require'].filter((name) => name in globalThis),
    };
  },

  /** On a page that is not cross-origin isolated: what creating each primitive throws. */
  withoutIsolation() {
    const create = {
      Lock: () => new Lock(),
      RLock: () => new RLock(),
      Semaphore: () => new Semaphore(1),
      Event: () => new Event(),
      Condition: () => new Condition(),
      Barrier: () => new Barrier(2),
      Queue: () => new Queue(),
      JoinableQueue: () => new JoinableQueue(),
      CancelFlag: () => new CancelFlag(),
      RawValue: () => new lib.RawValue('int32', 0),
      Value: () => new lib.Value('int32', 0),
      RawArray: () => new lib.RawArray('int32', 2),
    };
    return Object.fromEntries(Object.entries(create).map(([name, attempt]) => [name, errorOf(attempt)]));
  },

  /** 4 workers × n increments (half acquireSync, half await acquire) and the main thread's n, under one Lock. */
  async lock({ n }) {
    return withWorkers(4, 'lock', async (workers) => {
      const lock = new Lock();
      const cells = new SharedArrayBuffer(4);
      const counter = new Int32Array(cells);
      const modes = ['sync', 'async', 'sync', 'async'];
      const main = (async () => {
        for (let i = 0; i < n; i++) {
          const release = await lock.acquire({ timeout: 20_000 });
          counter[0] = counter[0] + 1;
          release();
        }
      })();
      await Promise.all([
        main,
        ...workers.map((w, i) => w.run('lockCount', { lock, cells, n, mode: modes[i] })),
      ]);
      return { total: Atomics.load(counter, 0), locked: lock.isLocked() };
    });
  },

  /**
   * Producers: the main thread (async) and two workers (putSync, await put); consumers: two workers (getSync,
   * await get) and the main thread (await get). A small queue makes both sides wait.
   */
  async queue({ n }) {
    return withWorkers(4, 'queue', async ([p1, p2, c1, c2]) => {
      const queue = new Queue({ maxsize: 8 });
      const consumers = [
        c1.run('consume', { queue, mode: 'sync' }),
        c2.run('consume', { queue, mode: 'async' }),
        (async () => {
          const got = [];
          for await (const item of queue) got.push(item);
          return got;
        })(),
      ];
      const producers = [
        (async () => {
          for (let seq = 0; seq < n; seq++) await queue.put({ producer: 'main', seq }, { timeout: 20_000 });
        })(),
        p1.run('produce', { queue, producer: 'worker-sync', n, mode: 'sync' }),
        p2.run('produce', { queue, producer: 'worker-async', n, mode: 'async' }),
      ];
      await Promise.all(producers);
      queue.close();
      return { received: await Promise.all(consumers), size: queue.qsize() };
    });
  },

  /** The main thread puts `n` jobs and awaits join(); two workers process them. */
  async joinableQueue({ n }) {
    return withWorkers(2, 'joinableQueue', async (workers) => {
      const queue = new JoinableQueue({ maxsize: 16 });
      const cells = new SharedArrayBuffer(4);
      const done = new Int32Array(cells);
      const work = workers.map((w, i) => w.run('work', { queue, cells, mode: i === 0 ? 'sync' : 'async' }));
      for (let job = 0; job < n; job++) await queue.put(job, { timeout: 20_000 });
      await queue.join({ timeout: 20_000 });
      const doneAtJoin = Atomics.load(done, 0);
      const unfinishedAtJoin = queue.unfinishedTasks();
      queue.close();
      const perWorker = await Promise.all(work);
      return { doneAtJoin, unfinishedAtJoin, perWorker };
    });
  },

  /** Two workers wait for an Event (waitSync, await wait) that a third sets once both are waiting. */
  async event() {
    return withWorkers(3, 'event', async ([w1, w2, setter]) => {
      const event = new Event();
      const cells = new SharedArrayBuffer(4);
      const waits = [
        w1.run('eventWait', { event, cells, mode: 'sync' }),
        w2.run('eventWait', { event, cells, mode: 'async' }),
      ];
      await setter.run('eventSet', { event, cells, parties: 2 });
      return { waits: await Promise.all(waits), isSet: event.isSet() };
    });
  },

  /** 4 workers × n rounds inside a Semaphore(2) (half sync, half async). */
  async semaphore({ n }) {
    return withWorkers(4, 'semaphore', async (workers) => {
      const semaphore = new Semaphore(2);
      const cells = new SharedArrayBuffer(12);
      const c = new Int32Array(cells);
      await Promise.all(
        workers.map((w, i) =>
          w.run('semaphoreRounds', { semaphore, cells, n, mode: i % 2 ? 'async' : 'sync' }),
        ),
      );
      return { maxInside: c[1], total: c[2], value: semaphore.getValue() };
    });
  },

  /** 2 producer workers × n units; 2 consumer workers (waitForSync, await waitFor) take n each. */
  async condition({ n }) {
    return withWorkers(4, 'condition', async ([p1, p2, c1, c2]) => {
      const condition = new Condition(new Lock());
      const cells = new SharedArrayBuffer(4);
      const taken = await Promise.all([
        c1.run('conditionConsume', { condition, cells, n, mode: 'sync' }),
        c2.run('conditionConsume', { condition, cells, n, mode: 'async' }),
        p1.run('conditionProduce', { condition, cells, n }),
        p2.run('conditionProduce', { condition, cells, n }),
      ]);
      return { taken, left: Atomics.load(new Int32Array(cells), 0), locked: condition.lock.isLocked() };
    });
  },

  /** 4 workers × `rounds` rounds at a Barrier(4) (half sync, half async). */
  async barrier({ rounds }) {
    return withWorkers(4, 'barrier', async (workers) => {
      const barrier = new Barrier(4);
      const cells = new SharedArrayBuffer(16);
      const results = await Promise.all(
        workers.map((w, me) =>
          w.run('barrierRounds', { barrier, cells, me, rounds, mode: me % 2 ? 'async' : 'sync' }),
        ),
      );
      return { results, broken: barrier.broken };
    });
  },

  /**
   * A worker fetches a response whose body never ends, with a CancelFlag's signal; once the headers are in, the
   * main thread cancels the flag.
   */
  async cancelFetch({ url }) {
    return withWorkers(1, 'cancelFetch', async ([worker]) => {
      const flag = new CancelFlag();
      const progress = new lib.RawValue('int32', 0);
      const fetching = worker.run('fetchUntilCancelled', { flag, progress, url });
      const headersIn = await progress.waitFor(1, { timeout: 20_000 });
      flag.cancel('the page cancelled it');
      return { headersIn, outcome: await fetching };
    });
  },

  /**
   * A worker takes a Lock and is terminated by the page while holding it; two other workers (acquireSync, await
   * acquire) wait for it. The page reports the death with reportThreadExit(): through the registry the page
   * shared with them, exactly one waiter takes the lock over with OwnerDiedError, the other gets it after.
   */
  async ownerDeath() {
    return withWorkers(4, 'ownerDeath', async ([holder, w1, w2, fresh]) => {
      const registry = lib.getThreadRegistry();
      const lock = new Lock();
      const arrived = new lib.RawValue('int32', 0);
      const holderId = await holder.run('holdLock', { registry, lock });
      const waits = [
        w1.run('acquireAfterDeath', { registry, lock, arrived, mode: 'sync' }),
        w2.run('acquireAfterDeath', { registry, lock, arrived, mode: 'async' }),
      ];
      const bothArrived = await arrived.waitFor(2, { timeout: 20_000 });
      const stillLocked = lock.isLocked();
      holder.terminate();
      lib.reportThreadExit(holderId);
      const outcomes = await Promise.all(waits);
      const late = await fresh.run('joinAfterLock', { registry });
      return { holderId, bothArrived, stillLocked, outcomes, lockedAfter: lock.isLocked(), late };
    });
  },

  /** Every blocking form on the main thread: what it throws. And the non-blocking forms: what they return. */
  async mainThread() {
    const lock = new Lock();
    const rlock = new RLock();
    const semaphore = new Semaphore(1);
    const bounded = new BoundedSemaphore(1);
    const event = new Event();
    const condition = new Condition(new Lock());
    const barrier = new Barrier(2);
    const queue = new Queue();
    const joinable = new JoinableQueue();
    const flag = new CancelFlag();
    const value = new lib.Value('int32', 0);
    const array = new lib.SharedArray('int32', 2);
    const sync = {
      'Lock.acquireSync': () => lock.acquireSync(0),
      'Lock.runExclusiveSync': () => lock.runExclusiveSync(() => 1),
      'Lock.guardSync': () => lock.guardSync(0),
      'RLock.acquireSync': () => rlock.acquireSync(0),
      'RLock.runExclusiveSync': () => rlock.runExclusiveSync(() => 1),
      'RLock.guardSync': () => rlock.guardSync(0),
      'Semaphore.acquireSync': () => semaphore.acquireSync(0),
      'Semaphore.runExclusiveSync': () => semaphore.runExclusiveSync(() => 1),
      'Semaphore.guardSync': () => semaphore.guardSync(0),
      'BoundedSemaphore.acquireSync': () => bounded.acquireSync(0),
      'Event.waitSync': () => event.waitSync(0),
      'Condition.waitSync': () => condition.waitSync(0),
      'Condition.waitForSync': () => condition.waitForSync(() => true, 0),
      'Barrier.waitSync': () => barrier.waitSync(0),
      'Queue.putSync': () => queue.putSync(1, 0),
      'Queue.getSync': () => queue.getSync(0),
      'JoinableQueue.joinSync': () => joinable.joinSync(0),
      'CancelFlag.waitSync': () => flag.waitSync(0),
      'Value.waitForSync': () => value.waitForSync(1, 0),
      'Value.waitChangeSync': () => value.waitChangeSync(0, 0),
      'Value.waitUntilSync': () => value.waitUntilSync((v) => v > 0, 0),
      'Value.getLock().acquireSync': () => value.getLock().acquireSync(0),
      'SharedArray.getLock().acquireSync': () => array.getLock().acquireSync(0),
    };
    const thrown = Object.fromEntries(
      Object.entries(sync).map(([name, attempt]) => [name, errorOf(attempt)]),
    );

    // Nothing above may have changed any state; now the forms that never block, in this order.
    const steps = [
      ['Lock.tryAcquire', () => lock.tryAcquire()],
      ['Lock.isLocked', () => lock.isLocked()],
      [
        'Lock.release',
        () => {
          lock.release();
          return lock.isLocked();
        },
      ],
      ['RLock.tryAcquire twice', () => rlock.tryAcquire() && rlock.tryAcquire()],
      ['RLock.getDepth', () => rlock.getDepth()],
      [
        'RLock.release twice',
        () => {
          rlock.release();
          rlock.release();
          return rlock.isLocked();
        },
      ],
      ['Semaphore.tryAcquire', () => semaphore.tryAcquire()],
      ['Semaphore.tryAcquire again', () => semaphore.tryAcquire()],
      [
        'Semaphore.release',
        () => {
          semaphore.release();
          return semaphore.getValue();
        },
      ],
      [
        'Event.set',
        () => {
          event.set();
          return event.isSet();
        },
      ],
      [
        'Queue.putNowait+getNowait',
        () => {
          queue.putNowait({ a: [1, 'x'] });
          return queue.getNowait();
        },
      ],
      ['Queue.qsize', () => queue.qsize()],
      ['Value.add', () => value.add(5)],
      ['Value.value', () => value.value],
      [
        'SharedArray.set+get',
        () => {
          array.set(1, 7);
          return array.get(1);
        },
      ],
      [
        'CancelFlag.cancel',
        () => {
          flag.cancel('stop');
          return flag.cancelled;
        },
      ],
      ['Barrier.nWaiting', () => barrier.nWaiting],
      // An item only V8's serializer can encode (node:v8 in Node) is refused in a browser, and nothing is put.
      ['Queue.putNowait(an Error)', () => [errorOf(() => queue.putNowait(new Error('x'))), queue.qsize()]],
    ];
    const nonBlocking = Object.fromEntries(steps.map(([name, step]) => [name, step()]));
    // And the async forms, which are what the main thread uses.
    const release = await lock.acquire({ timeout: 1000 });
    release();
    await queue.put('hello', { timeout: 1000 });
    const async = {
      'Lock.acquire': !lock.isLocked(),
      'Event.wait': await event.wait({ timeout: 1000 }),
      'Queue.put+get': await queue.get({ timeout: 1000 }),
      'CancelFlag.wait': await flag.wait({ timeout: 1000 }),
    };
    return { thrown, nonBlocking, async };
  },
};

globalThis.scenarios = scenarios;
globalThis.scenariosReady = true;
