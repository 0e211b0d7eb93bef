/**
 * Event, Condition and Barrier between two workers: the wake-up latency of a ping-pong (one round trip is two
 * wake-ups) next to the same ping-pong on raw words with Atomics.wait/notify (sync) or Atomics.waitAsync
 * (async), and the time of one Barrier generation with two parties. Modes are measured in turns, several
 * times each, and the median is reported, so that the load of a shared machine falls on all of them alike.
 */

import { Barrier, Condition, Event, Lock } from '../../lib/index';
import { type Bench, median, workerResult } from './harness';

type Mode = 'raw' | 'raw-async' | 'event' | 'event-async' | 'condition' | 'condition-async' | 'barrier';

export default async function eventBench(bench: Bench): Promise<void> {
  const rounds = 10_000;
  const repeats = 5;
  const pingPong = async (mode: Mode): Promise<number> => {
    const data = {
      mode,
      rounds,
      start: new SharedArrayBuffer(4),
      rawPing: new SharedArrayBuffer(4),
      rawPong: new SharedArrayBuffer(4),
      ping: new Event(),
      pong: new Event(),
      cond: new Condition(new Lock()),
      turn: new SharedArrayBuffer(4),
      barrier: new Barrier(2),
    };
    const a = bench.worker('event-pingpong', { ...data, side: 0 });
    const b = bench.worker('event-pingpong', { ...data, side: 1 });
    const result = await workerResult<{ nsPerRound: number }>(a, 120_000);
    await Promise.all([a.terminate(), b.terminate()]);
    return result.nsPerRound;
  };
  /** Medians of `repeats` runs of each mode, the modes taking turns. */
  const measure = async (modes: Mode[]): Promise<Map<Mode, number>> => {
    const samples = new Map<Mode, number[]>(modes.map((mode) => [mode, []]));
    for (let r = 0; r < repeats; r++) {
      for (const mode of modes) samples.get(mode)!.push(await pingPong(mode));
    }
    return new Map(modes.map((mode) => [mode, median(samples.get(mode)!)]));
  };
  const row = (name: string, value: number | undefined, unit = 'ns/rt') => ({
    name,
    value: value ?? Number.NaN,
    unit,
    lowerIsBetter: true,
  });

  const sync = await measure(['raw', 'event', 'condition', 'barrier']);
  bench.section(
    `Wake-up between two workers, sync (ping-pong round trip, median of ${repeats} × ${rounds} rounds)`,
    [
      row('raw Atomics.wait/notify', sync.get('raw')),
      row('Event (set / waitSync + clear)', sync.get('event')),
      row('Condition (notify / waitForSync)', sync.get('condition')),
    ],
    { baseline: 'raw Atomics.wait/notify', target: 'Event and Condition within 1.5× of raw wait/notify' },
  );
  const asyncModes = await measure(['raw-async', 'event-async', 'condition-async']);
  bench.section(
    `Wake-up between two workers, async (ping-pong round trip, median of ${repeats} × ${rounds} rounds)`,
    [
      row('raw Atomics.waitAsync/notify', asyncModes.get('raw-async')),
      row('Event (set / await wait + clear)', asyncModes.get('event-async')),
      row('Condition (notify / await waitFor)', asyncModes.get('condition-async')),
    ],
    {
      baseline: 'raw Atomics.waitAsync/notify',
      target: 'Event and Condition within 1.5× of raw waitAsync/notify',
    },
  );
  bench.section(
    `Barrier with two workers (one generation per round, median of ${repeats} × ${rounds} rounds)`,
    [
      row('raw Atomics.wait/notify round trip', sync.get('raw')),
      row('Barrier.waitSync generation', sync.get('barrier'), 'ns/gen'),
    ],
    {
      baseline: 'raw Atomics.wait/notify round trip',
      target: 'none set: reported as the cost of a generation in raw round trips',
    },
  );
}
