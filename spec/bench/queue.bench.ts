/**
 * Queue against what users would write instead: plain `postMessage` over a `MessagePort` (no flow control),
 * with items built fresh for every send, as real items are. Every configuration runs {@link RUNS} times, in
 * alternation with its baseline (run 1 of each, then run 2 of each, …), and is reported as the median with the
 * smallest and largest run; the ratio to the baseline is the ratio of the medians, and the range of the ratios of
 * the runs paired that way is printed next to it.
 *
 * - small objects `{ id, payload: 32-char string }`, 1 producer worker → 1 consumer worker, timed on the consumer
 *   from the first item received to the last; and 2 → 2 workers (MPMC), from the first item any consumer
 *   received to the last;
 * - a request/response round trip through two Queues against a `postMessage` round trip;
 * - 4 KB and 64 KB binary items, against a raw ring that hands every record out in a fresh buffer (what any
 *   queue that gives out owned items must do) and `postMessage`;
 * - the codec alone next to V8's serializer and `structuredClone`.
 */

import { deserialize as v8Deserialize, serialize as v8Serialize } from 'node:v8';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Queue } from '../../lib/index';
import { decode, encode } from '../../lib/internal/codec';
import { type Bench, nsPerOp, type Row, sampledRow, workerResult } from './harness';
import { freshItem } from './item';

type Mode = 'queue' | 'queue-async' | 'queue-many' | 'post' | 'raw' | 'raw-fresh';
type Kind = 'small' | '4k' | '64k';

/** Runs of every configuration, alternating with the baseline's. */
const RUNS = 5;
const RING_BYTES = 1 << 20; // the Queue's default capacity; the raw ring gets as many bytes
// Items per run: runs of a second or so, so that the figure is the steady state and not the compiler's
// warm-up (with 200,000 small items a run lasted 0.2-0.3 s and the Queue measured 1.9x postMessage where
// 1,000,000 measure 2.1x; postMessage, mostly native code, warms up sooner).
const COUNTS: Record<Kind, number> = { small: 1_000_000, '4k': 200_000, '64k': 15_000 };
const countOf = (kind: Kind): string => COUNTS[kind].toLocaleString('en-US');
const BYTES: Record<Kind, number> = { small: 64, '4k': 4096, '64k': 65536 };
const ROUND_TRIPS = 10_000;

interface Timing {
  first: number;
  last: number;
  received: number;
}

/** Runs `configs` RUNS times each, in alternation, and returns every run's figure per configuration. */
async function alternate<C>(configs: readonly C[], run: (config: C) => Promise<number>): Promise<number[][]> {
  const samples: number[][] = configs.map(() => []);
  for (let r = 0; r < RUNS; r++) {
    for (let c = 0; c < configs.length; c++) samples[c].push(await run(configs[c]));
  }
  return samples;
}

export default async function queueBench(bench: Bench): Promise<void> {
  /** `producers` → `consumers` workers; returns items per second over all consumers. */
  const pipe = async (mode: Mode, kind: Kind, producers = 1, consumers = 1): Promise<number> => {
    const count = COUNTS[kind];
    const parties = producers + consumers;
    const common = {
      mode,
      kind,
      producers,
      parties,
      gate: new SharedArrayBuffer(8),
      queue: new Queue({ capacity: RING_BYTES }),
      control: new SharedArrayBuffer(16),
      ring: new SharedArrayBuffer(RING_BYTES),
    };
    // postMessage: one channel from every producer to every consumer; a producer deals its items out in turn.
    const channels = Array.from({ length: producers }, () =>
      Array.from({ length: consumers }, () => new MessageChannel()),
    );
    const perProducer = count / producers;
    const workers = [];
    for (let c = 0; c < consumers; c++) {
      const ports: MessagePort[] = mode === 'post' ? channels.map((row) => row[c].port2) : [];
      workers.push(
        bench.worker(
          'queue-pipe',
          { ...common, role: 'consumer', count, expect: count / consumers, first: 0, ports },
          ports,
        ),
      );
    }
    for (let p = 0; p < producers; p++) {
      const ports: MessagePort[] = mode === 'post' ? channels[p].map((ch) => ch.port1) : [];
      workers.push(
        bench.worker(
          'queue-pipe',
          { ...common, role: 'producer', count: perProducer, expect: 0, first: p * perProducer, ports },
          ports,
        ),
      );
    }
    const timings = await Promise.all(
      workers.slice(0, consumers).map((w) => workerResult<Timing>(w, 120_000)),
    );
    await Promise.all(workers.map((w) => w.terminate()));
    const received = timings.reduce((sum, t) => sum + t.received, 0);
    if (received !== count) throw new Error(`queue bench: ${received} items received, ${count} sent`);
    const ms = Math.max(...timings.map((t) => t.last)) - Math.min(...timings.map((t) => t.first));
    return received / (ms / 1000);
  };

  /** Request/response round trips between two workers; returns ns per round trip. */
  const pingPong = async (mode: Mode): Promise<number> => {
    const { port1, port2 } = new MessageChannel();
    const common = {
      mode,
      kind: 'small',
      count: ROUND_TRIPS,
      expect: ROUND_TRIPS,
      producers: 1,
      first: 0,
      parties: 2,
      gate: new SharedArrayBuffer(8),
      queue: new Queue(),
      replies: new Queue(),
    };
    const post = mode === 'post';
    const pong = bench.worker(
      'queue-pipe',
      { ...common, role: 'pong', ports: post ? [port2] : [] },
      post ? [port2] : [],
    );
    const ping = bench.worker(
      'queue-pipe',
      { ...common, role: 'ping', ports: post ? [port1] : [] },
      post ? [port1] : [],
    );
    const { first, last, received } = await workerResult<Timing>(ping, 120_000);
    await Promise.all([ping.terminate(), pong.terminate()]);
    return ((last - first) * 1e6) / received;
  };

  const rows = (names: readonly string[], samples: number[][], unit: string, lowerIsBetter: boolean): Row[] =>
    names.map((name, i) => sampledRow(name, samples[i], unit, lowerIsBetter));

  // Small objects, 1 → 1.
  const small = [
    ['postMessage', 'post'],
    ['Queue putSync / getSync', 'queue'],
    ['Queue await put / await get', 'queue-async'],
    ['Queue putManySync / getManySync (64 per call)', 'queue-many'],
    ['raw ring, 64-byte records (no encoding: the ceiling)', 'raw'],
  ] as const;
  bench.section(
    `Small objects built fresh per put { id, payload: 32 chars }, 1 producer → 1 consumer worker (${countOf('small')} items per run, median of ${RUNS} alternating runs)`,
    rows(
      small.map(([name]) => name),
      await alternate(small, ([, mode]) => pipe(mode, 'small')),
      'msg/s',
      false,
    ),
    { baseline: 'postMessage', target: 'Queue at least 3× plain postMessage (aim 5×)' },
  );

  // Small objects, 2 → 2.
  const mpmc = [
    ['postMessage (each producer deals out to both consumers)', 'post'],
    ['Queue putSync / getSync', 'queue'],
    ['Queue await put / await get', 'queue-async'],
  ] as const;
  bench.section(
    `Small objects built fresh per put, 2 producer → 2 consumer workers (${countOf('small')} items per run, median of ${RUNS} alternating runs)`,
    rows(
      mpmc.map(([name]) => name),
      await alternate(mpmc, ([, mode]) => pipe(mode, 'small', 2, 2)),
      'msg/s',
      false,
    ),
    {
      baseline: 'postMessage (each producer deals out to both consumers)',
      target: 'Queue at least 2× the same postMessage setup',
    },
  );

  // Request/response round trips.
  const trips = [
    ['postMessage round trip', 'post'],
    ['two Queues, putSync / getSync', 'queue'],
    ['two Queues, await put / await get', 'queue-async'],
  ] as const;
  bench.section(
    `Request/response between two workers, fresh small objects (${ROUND_TRIPS} round trips after 2,000 untimed, median of ${RUNS} alternating runs)`,
    rows(
      trips.map(([name]) => name),
      await alternate(trips, ([, mode]) => pingPong(mode)),
      'ns/rt',
      true,
    ),
    {
      baseline: 'postMessage round trip',
      target: 'Queue round trip at most 0.5× the postMessage round trip',
    },
  );

  // Binary items.
  for (const kind of ['4k', '64k'] as const) {
    const binary = [
      ['raw ring, fresh buffer per record', 'raw-fresh'],
      ['postMessage', 'post'],
      ['Queue putSync / getSync', 'queue'],
      ['Queue await put / await get', 'queue-async'],
      [`raw ring, ${BYTES[kind]}-byte records into one reused buffer`, 'raw'],
    ] as const;
    const samples = await alternate(
      binary,
      async ([, mode]) => ((await pipe(mode, kind)) * BYTES[kind]) / 2 ** 20,
    );
    bench.section(
      `${kind.toUpperCase()} Uint8Array items, 1 producer → 1 consumer worker (${countOf(kind)} items per run, median of ${RUNS} alternating runs)`,
      rows(
        binary.map(([name]) => name),
        samples,
        'MB/s',
        false,
      ),
      {
        baseline: binary[0][0],
        target: 'Queue at least the raw ring with a fresh buffer per record, and at least postMessage',
      },
    );
  }

  // The codec alone, in this thread, on items built fresh as above.
  const item = freshItem(12345);
  const encoded = encode(item, 'bench');
  const bytes = encoded.bytes.slice();
  const v8Bytes = v8Serialize(item);
  let sink = 0;
  const codec: Row[] = [
    {
      name: 'build the item alone',
      value: nsPerOp((n) => {
        for (let i = 0; i < n; i++) sink += freshItem(i).payload.length;
      }),
      unit: 'ns/op',
      lowerIsBetter: true,
    },
    {
      name: 'v8.serialize',
      value: nsPerOp((n) => {
        for (let i = 0; i < n; i++) sink += v8Serialize(freshItem(i)).length;
      }),
      unit: 'ns/op',
      lowerIsBetter: true,
    },
    {
      name: 'v8.deserialize',
      value: nsPerOp((n) => {
        for (let i = 0; i < n; i++) sink += (v8Deserialize(v8Bytes) as typeof item).id;
      }),
      unit: 'ns/op',
      lowerIsBetter: true,
    },
    {
      name: 'structuredClone (both halves)',
      value: nsPerOp((n) => {
        for (let i = 0; i < n; i++) sink += structuredClone(freshItem(i)).id;
      }),
      unit: 'ns/op',
      lowerIsBetter: true,
    },
    {
      name: 'Queue codec encode',
      value: nsPerOp((n) => {
        for (let i = 0; i < n; i++) sink += encode(freshItem(i), 'bench').bytes.length;
      }),
      unit: 'ns/op',
      lowerIsBetter: true,
    },
    {
      name: 'Queue codec decode',
      value: nsPerOp((n) => {
        for (let i = 0; i < n; i++) sink += (decode(encoded.type, encoded.kind, bytes) as typeof item).id;
      }),
      unit: 'ns/op',
      lowerIsBetter: true,
    },
  ];
  if (sink === -1) console.log(sink);
  bench.section('Encoding a freshly built { id, payload: 32 chars } in one thread (build included)', codec, {
    baseline: 'v8.serialize',
    target: 'encode and decode each well under the cost of v8.serialize',
  });
}
