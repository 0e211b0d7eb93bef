/**
 * `JoinableQueue`: a {@link Queue} that also counts the items not yet marked done, so that a thread can wait
 * until every item put has been processed (Python's `queue.Queue.join` / `multiprocessing.JoinableQueue`).
 *
 * ## Memory layout
 * A `Queue`'s (see `internal/ring.ts`), with its own kind tag, four more words in use, and a table of consumers
 * after the ring (512 bytes: 64 entries `[thread id, tasks held]`, see `internal/ring.ts`):
 *
 * | word | name       | meaning                                                                  |
 * |------|------------|--------------------------------------------------------------------------|
 * | 112  | TASKS_DONE | `taskDone()` calls ever, wrapping at 2^32; `join` parks on it            |
 * | 113  | JOINERS    | threads announced as waiting in `join` (parked or about to park)         |
 * | 114  | ABANDONED  | tasks ever abandoned by consumers that died holding them                 |
 * | 115  | ABANDONER  | the thread id (registry's: Node's + 1) of the last such consumer         |
 *
 * ## Protocol
 * The unfinished tasks are `(PUT_ITEMS − TASKS_DONE) | 0`: the queue's own count of items ever put, less the
 * tasks marked done. A put adds no step of its own, so what `internal/ring.ts` says about a thread that stops
 * half-way through a put holds here too (the unfinished count is exact whenever PUT_ITEMS is). PUT_ITEMS grows
 * before the record is published, so no consumer can mark an item done before it is counted. `taskDone()`
 * increments TASKS_DONE with a compare-exchange only while the difference is positive (otherwise
 * {@link TaskDoneError}, with nothing changed), and wakes TASKS_DONE when it made the difference 0 and JOINERS
 * is non-zero. A joiner increments JOINERS, *then* reads TASKS_DONE and PUT_ITEMS, and parks on the TASKS_DONE
 * value it read: with sequentially consistent atomics, either the joiner sees no unfinished task, or the
 * `taskDone` that finishes the last one comes later in the total order, reads JOINERS ≥ 1 and wakes it (and the
 * joiner's wait, on a value that is no longer there, returns at once). Like CPython's `join`, a joiner
 * re-checks after every wake, so a put that lands between the last `taskDone` and the re-check makes it wait
 * again.
 *
 * ## Consumers that die
 * A consumer that dies between `get` and `taskDone` would leave its tasks unfinished forever. The table of
 * consumers knows how many tasks each thread got and has not marked done; a joiner (and `unfinishedTasks()`)
 * that finds a thread has died since it last looked marks the dead threads' tasks done as *abandoned*
 * (`internal/ring.ts`, "A JoinableQueue's consumers"), and a `join` that saw tasks abandoned while it waited
 * ends with `OwnerDiedError` once nothing is unfinished, instead of returning as if every task had been done.
 * Joiners watch deaths (`watchesDeaths`), so they look as soon as a death is recorded. The reap never parks the
 * thread on the queue's GET_LOCK (its holder may be a dead worker this thread has not yet seen exit): a join that
 * finds it held looks again a millisecond later.
 *
 * @module
 */

import { OwnerDiedError, TaskDoneError, TimeoutError } from './errors';
import { PLACED } from './internal/args';
import { now } from './internal/clock';
import { parseWait } from './internal/options';
import { ABANDONED, ABANDONER, JOINABLE_KIND, JOINERS, PUT_ITEMS, TASKS_DONE } from './internal/ring';
import { type Kind, keepClassName, type Placement, registerReviver } from './internal/shared';
import {
  assertCanBlock,
  checkTimeout,
  deadlineOf,
  mayBlock,
  type WaitPlan,
  waitAsync,
  waitSync,
  wake,
} from './internal/wait';
import type { WaitOptions } from './options';
import { attachQueue, Queue, type QueueOptions } from './Queue';

const KIND = JOINABLE_KIND;
/** How soon a join looks again after its reap found the queue's GET_LOCK held (held for one copy, or by a dead thread). */
const REAP_RETRY_MS = 1;

/**
 * A {@link Queue} whose producers can wait until every item has been processed: consumers call
 * {@link JoinableQueue.taskDone} once per item they finished, and {@link JoinableQueue.join} returns when
 * every item put has been marked done, in any thread.
 *
 * @typeParam T - The items' type.
 *
 * @example
 * ```ts
 * import { JoinableQueue } from 'shared-sync';
 * const tasks = new JoinableQueue<string>();
 * // consumer (usually a worker)
 * void (async () => {
 *   for await (const task of tasks) {
 *     console.log('processing', task);
 *     tasks.taskDone();
 *   }
 * })();
 * // producer
 * await tasks.put('a');
 * await tasks.put('b');
 * await tasks.join(); // both processed
 * tasks.close();
 * ```
 */
export class JoinableQueue<T = unknown> extends Queue<T> {
  static {
    keepClassName(JoinableQueue, 'JoinableQueue');
  }

  /** @internal */
  protected static override readonly kind: Kind = KIND;

  /**
   * Creates an empty joinable queue; the options are {@link Queue}'s.
   *
   * @param options - `maxsize` (items, 0 = no limit) and `capacity` (bytes).
   * @throws RangeError / TypeError as the {@link Queue} constructor.
   *
   * @example
   * ```ts
   * import { JoinableQueue } from 'shared-sync';
   * const tasks = new JoinableQueue<number>({ maxsize: 100 });
   * ```
   */
  constructor(options?: QueueOptions);
  /** @internal Views the queue at `placement` (already initialized). */
  constructor(placed: typeof PLACED, placement: Placement);
  constructor(...args: unknown[]) {
    // Queue's constructor checks every argument, in JoinableQueue's name (it allocates `new.target.kind`).
    super(...(args as [QueueOptions]));
  }

  /**
   * Rebuilds a joinable queue received from another thread (through `workerData` or `postMessage`).
   *
   * @param received - The structured clone of a `JoinableQueue` (or a `JoinableQueue` itself).
   * @throws TypeError when `received` is not a clone of a `JoinableQueue`, saying what it is instead.
   *
   * @example
   * ```ts
   * import { JoinableQueue } from 'shared-sync';
   * const received: unknown = structuredClone(new JoinableQueue<string>());
   * const tasks = JoinableQueue.from<string>(received);
   * tasks.putNowait('job');
   * ```
   */
  static override from<T = unknown>(received: unknown): JoinableQueue<T> {
    return new JoinableQueue<T>(PLACED, attachQueue(KIND, received));
  }

  /**
   * Marks one item as processed: Python's `task_done()`. Call it once for every item a consumer got and
   * finished with; when every item put has been marked done, `join` returns in every thread.
   *
   * @throws {@link TaskDoneError} when called more times than items were put; nothing is changed.
   *
   * @example
   * ```ts
   * import { JoinableQueue } from 'shared-sync';
   * const tasks = new JoinableQueue<number>();
   * tasks.putNowait(1);
   * tasks.getNowait();
   * tasks.taskDone();
   * console.log(tasks.unfinishedTasks()); // 0
   * ```
   */
  taskDone(): void {
    const view = this.words;
    for (;;) {
      const done = Atomics.load(view, TASKS_DONE);
      const unfinished = (Atomics.load(view, PUT_ITEMS) - done) | 0;
      if (unfinished <= 0) {
        throw new TaskDoneError('JoinableQueue.taskDone: called more times than items were put');
      }
      if (Atomics.compareExchange(view, TASKS_DONE, done, (done + 1) | 0) === done) {
        this.ring.taskDone();
        if (unfinished === 1 && Atomics.load(view, JOINERS) > 0) wake(view, TASKS_DONE);
        return;
      }
    }
  }

  /**
   * The number of items put and not yet marked done (approximate, as `qsize()`).
   *
   * @example
   * ```ts
   * import { JoinableQueue } from 'shared-sync';
   * const tasks = new JoinableQueue<number>();
   * tasks.putNowait(1);
   * console.log(tasks.unfinishedTasks()); // 1
   * ```
   */
  unfinishedTasks(): number {
    this.#reap();
    return JoinableQueue.#unfinished(this.words);
  }

  /**
   * The number of tasks ever abandoned by consumers that died between `get` and `taskDone` (see
   * {@link JoinableQueue.join}); they no longer count as unfinished.
   *
   * @example
   * ```ts
   * import { JoinableQueue } from 'shared-sync';
   * const tasks = new JoinableQueue<number>();
   * console.log(tasks.abandonedTasks()); // 0
   * ```
   */
  abandonedTasks(): number {
    this.#reap();
    return Atomics.load(this.words, ABANDONED);
  }

  /**
   * Marks done the tasks of consumers that died holding them (when a thread has died since this view last
   * looked); the joiners are woken when that abandoned any.
   */
  #reap(): boolean {
    // Repairs a dead holder's half-done put or get first, then abandons the dead consumers' tasks.
    return this.ring.reapDeadConsumers();
  }

  /** Throws {@link OwnerDiedError} when tasks were abandoned since `before` (a value of ABANDONED). */
  #reportAbandoned(before: number, api: string): void {
    const view = this.words;
    const lost = (Atomics.load(view, ABANDONED) - before) | 0;
    if (lost === 0) return;
    // Registry ids are Node's threadId + 1 (0 means nobody), as in the lock words.
    const thread = Atomics.load(view, ABANDONER) - 1;
    throw new OwnerDiedError(
      `${api}: ${lost} task${lost === 1 ? ' was' : 's were'} abandoned: thread ${thread} died between get() and taskDone(); ` +
        'they no longer count as unfinished',
      thread,
    );
  }

  /** Items put and not marked done: TASKS_DONE first, so the PUT_ITEMS read after it is never behind it. */
  static #unfinished(view: Int32Array): number {
    const done = Atomics.load(view, TASKS_DONE);
    return (Atomics.load(view, PUT_ITEMS) - done) | 0;
  }

  #joinPlan(): WaitPlan {
    const view = this.words;
    let announced = false;
    const plan = {
      view,
      index: TASKS_DONE,
      // A consumer that dies holding tasks finishes them (as abandoned): the join must look.
      watchesDeaths: true,
      // Set when the reap found the queue's GET_LOCK held (it never parks): look again soon.
      recheckAt: Number.POSITIVE_INFINITY,
      attempt: () => {
        if (!announced) {
          announced = true;
          Atomics.add(view, JOINERS, 1);
        }
        plan.recheckAt = this.#reap() ? Number.POSITIVE_INFINITY : now() + REAP_RETRY_MS;
        const done = Atomics.load(view, TASKS_DONE);
        return Atomics.load(view, PUT_ITEMS) === done ? true : done;
      },
      leave: () => {
        if (announced) Atomics.sub(view, JOINERS, 1);
      },
    };
    return plan;
  }

  /**
   * Waits, without blocking the thread, until every item put has been marked done: Python's `join()`.
   * Resolves at once when nothing is unfinished.
   *
   * @param options - `{ timeout, signal }`.
   * @throws (rejects) {@link TimeoutError} when the timeout runs out, `signal.reason` when the signal aborts;
   *   {@link OwnerDiedError} when, once nothing is unfinished, some tasks had been abandoned during this join:
   *   a consumer died between `get` and `taskDone` (they no longer count as unfinished; `threadId` names the
   *   last such consumer, {@link JoinableQueue.abandonedTasks} counts them). A later join does not report them
   *   again.
   *
   * @example
   * ```ts
   * import { JoinableQueue } from 'shared-sync';
   * const tasks = new JoinableQueue<number>();
   * await tasks.join({ timeout: 1000 }); // nothing put: resolves at once
   * ```
   */
  async join(options?: WaitOptions): Promise<void> {
    if (options !== undefined && (typeof options !== 'object' || options === null)) {
      throw new TypeError(
        `JoinableQueue.join: options must be an object ({ timeout, signal }), got ${options === null ? 'null' : typeof options}`,
      );
    }
    const { deadline, signal, timeout } = parseWait(options, 'JoinableQueue.join');
    if (signal?.aborted) throw signal.reason;
    const before = Atomics.load(this.words, ABANDONED);
    this.#reap();
    if (
      JoinableQueue.#unfinished(this.words) !== 0 &&
      !(await waitAsync(this.#joinPlan(), deadline, signal))
    ) {
      throw new TimeoutError(`JoinableQueue.join: tasks were still unfinished after ${timeout} ms`, timeout);
    }
    this.#reportAbandoned(before, 'JoinableQueue.join');
  }

  /**
   * Blocks the thread until every item put has been marked done, or `timeout` ms have passed.
   *
   * @param timeout - Milliseconds to wait at most; omitted or `Infinity` waits forever.
   * @returns `true` when every item is done, `false` when the timeout ran out first.
   * @throws RangeError for a bad timeout; {@link BlockingNotAllowedError} on a thread that may not block;
   *   {@link OwnerDiedError} as {@link JoinableQueue.join} when tasks were abandoned by a consumer that died.
   *
   * @example
   * ```ts
   * import { JoinableQueue } from 'shared-sync';
   * const tasks = new JoinableQueue<number>();
   * tasks.putNowait(1);
   * console.log(tasks.joinSync(10)); // false: nobody marked it done
   * ```
   */
  joinSync(timeout?: number): boolean {
    checkTimeout(timeout, 'JoinableQueue.joinSync');
    if (!mayBlock) assertCanBlock('JoinableQueue.joinSync', 'await queue.join()');
    const before = Atomics.load(this.words, ABANDONED);
    this.#reap();
    if (
      JoinableQueue.#unfinished(this.words) !== 0 &&
      !waitSync(this.#joinPlan(), deadlineOf(timeout, 'JoinableQueue.joinSync'))
    ) {
      return false;
    }
    this.#reportAbandoned(before, 'JoinableQueue.joinSync');
    return true;
  }
}

registerReviver(KIND, (received) => JoinableQueue.from(received));
