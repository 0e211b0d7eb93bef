/**
 * A timeline that every thread of a demo writes into: one SharedArrayBuffer of fixed-size entries, appended
 * with `Atomics.add` on a counter, so the order of the entries is the order in which the events were claimed
 * (a total order consistent with each thread's program order), and the main thread can read it even from
 * workers that were stopped in the middle of a step.
 *
 * ## Layout
 * - `ints`: word 0 = COUNT (entries claimed), then per entry {@link FIELDS} words:
 *   COMMITTED (1 once the entry is fully written), ACTOR (0 = main thread, 1… = workers/buyers), EVENT (a code the
 *   demo defines), A, B (two numbers the event carries).
 * - `times`: per entry, the time in ms on the process's monotonic clock ({@link wallClock}), comparable
 *   across threads.
 *
 * A writer fills the fields, then sets COMMITTED with `Atomics.store`; a reader loads COMMITTED with
 * `Atomics.load` before reading the fields, so a committed entry is always seen whole.
 */

const COUNT = 0;
const HEADER = 1;
const FIELDS = 5;
const COMMITTED = 0;
const ACTOR = 1;
const EVENT = 2;
const A = 3;
const B = 4;

/** The structured-clone form of a timeline, for `workerData` and messages. */
export interface TimelineShared {
  readonly ints: SharedArrayBuffer;
  readonly times: SharedArrayBuffer;
}

/** One event as read back. */
export interface Entry {
  /** Position in the timeline (0-based). */
  readonly seq: number;
  /** Time in ms ({@link wallClock}). */
  readonly time: number;
  readonly actor: number;
  readonly event: number;
  readonly a: number;
  readonly b: number;
}

const hrtime = (globalThis as { process?: { hrtime?: { bigint(): bigint } } }).process?.hrtime;

/**
 * A clock in ms with sub-millisecond precision that all threads of the process share: in Node,
 * `process.hrtime` reads the process's monotonic clock. (`performance.timeOrigin + performance.now()` is not
 * as good: each worker has its own `timeOrigin`, and they can disagree by a millisecond, which can reorder
 * entries that close; in a browser, where there is nothing better, it is what the web page of the bank demo
 * uses, and the order of the entries is still the order in which they were claimed.)
 */
export function wallClock(): number {
  return hrtime ? Number(hrtime.bigint()) / 1e6 : performance.timeOrigin + performance.now();
}

/** A shared, append-only event log (see the module comment). */
export class Timeline {
  readonly shared: TimelineShared;
  readonly #ints: Int32Array;
  readonly #times: Float64Array;
  readonly capacity: number;

  constructor(capacityOrShared: number | TimelineShared = 512) {
    this.shared =
      typeof capacityOrShared === 'number'
        ? {
            ints: new SharedArrayBuffer((HEADER + capacityOrShared * FIELDS) * 4),
            times: new SharedArrayBuffer(capacityOrShared * 8),
          }
        : capacityOrShared;
    this.#ints = new Int32Array(this.shared.ints);
    this.#times = new Float64Array(this.shared.times);
    this.capacity = this.#times.length;
  }

  /** Appends an event; returns its position, or -1 when the timeline is full (the event is dropped). */
  record(actor: number, event: number, a = 0, b = 0): number {
    const seq = Atomics.add(this.#ints, COUNT, 1);
    if (seq >= this.capacity) return -1;
    const at = HEADER + seq * FIELDS;
    this.#times[seq] = wallClock();
    this.#ints[at + ACTOR] = actor;
    this.#ints[at + EVENT] = event;
    this.#ints[at + A] = a;
    this.#ints[at + B] = b;
    Atomics.store(this.#ints, at + COMMITTED, 1);
    return seq;
  }

  /** The committed entries, in timeline order. */
  entries(): Entry[] {
    const claimed = Math.min(Atomics.load(this.#ints, COUNT), this.capacity);
    const out: Entry[] = [];
    for (let seq = 0; seq < claimed; seq++) {
      const at = HEADER + seq * FIELDS;
      if (Atomics.load(this.#ints, at + COMMITTED) !== 1) continue;
      out.push({
        seq,
        time: this.#times[seq],
        actor: this.#ints[at + ACTOR],
        event: this.#ints[at + EVENT],
        a: this.#ints[at + A],
        b: this.#ints[at + B],
      });
    }
    return out;
  }

  /** Whether some events were dropped because the timeline was full. */
  overflowed(): boolean {
    return Atomics.load(this.#ints, COUNT) > this.capacity;
  }
}

/**
 * Formats entries as compact lines: time since the first entry, the actor, and what `describe` says.
 *
 * @param describe - The demo's wording for an entry.
 * @param actorName - How an actor is named (`main`, `teller 1`, …).
 * @param color - Colors an actor's name (a stable color per actor).
 */
export function formatTimeline(
  entries: readonly Entry[],
  describe: (entry: Entry) => string,
  actorName: (actor: number) => string,
  color: (actor: number, text: string) => string = (_, text) => text,
): string[] {
  if (entries.length === 0) return [];
  const start = entries[0].time;
  const width = Math.max(...entries.map((e) => actorName(e.actor).length));
  return entries.map((entry) => {
    const ms = `${(entry.time - start).toFixed(1)}ms`.padStart(8);
    return `${ms} ${color(entry.actor, actorName(entry.actor).padEnd(width))} ${describe(entry)}`;
  });
}
