/**
 * Queue: one producer worker → one consumer worker, through the Queue (sync and async forms), through
 * `postMessage`, and through a raw ring of fixed-size records (the ceiling), for small objects, 4 KB and
 * 64 KB items; and the codec alone next to V8's serializer and `structuredClone`.
 */

import { deserialize as v8Deserialize, serialize as v8Serialize } from 'node:v8';
import { MessageChannel } from 'node:worker_threads';
import { Queue } from '../../lib/index';
import { decode, encode } from '../../lib/internal/codec';
import { type Bench, nsPerOp, type Row, workerResult } from './harness';

type Mode = 'queue' | 'queue-async' | 'post' | 'raw' | 'raw-fresh';
type Kind = 'small' | '4k' | '64k';

const RING_BYTES = 1 << 20; // the Queue's default capacity; the raw ring gets as many bytes
const COUNTS: Record<Kind, number> = { small: 200_000, '4k': 50_000, '64k': 5_000 };
const BYTES: Record<Kind, number> = { small: 64, '4k': 4096, '64k': 65536 };

export default async function queueBench(bench: Bench): Promise<void> {
  const pipe = async (mode: Mode, kind: Kind): Promise<number> => {
    const count = COUNTS[kind];
    const { port1, port2 } = new MessageChannel();
    const post = mode === 'post';
    const common = {
      mode,
      kind,
      count,
      gate: new SharedArrayBuffer(4),
      queue: new Queue({ capacity: RING_BYTES }),
      control: new SharedArrayBuffer(16),
      data: new SharedArrayBuffer(RING_BYTES),
    };
    const consumer = bench.worker(
      'queue-pipe',
      { ...common, role: 'consumer', port: post ? port2 : undefined },
      post ? [port2] : [],
    );
    const producer = bench.worker(
      'queue-pipe',
      { ...common, role: 'producer', port: post ? port1 : undefined },
      post ? [port1] : [],
    );
    const { ms } = await workerResult<{ ms: number }>(consumer, 120_000);
    await Promise.all([consumer.terminate(), producer.terminate()]);
    return count / (ms / 1000); // items per second
  };

  /** The median of three runs (the machine is shared and noisy). */
  const rate = async (mode: Mode, kind: Kind): Promise<number> => {
    const runs = [await pipe(mode, kind), await pipe(mode, kind), await pipe(mode, kind)];
    return runs.sort((a, b) => a - b)[1];
  };

  const small: Row[] = [];
  for (const [name, mode] of [
    ['raw ring, 64-byte records (ceiling)', 'raw'],
    ['postMessage', 'post'],
    ['Queue putSync / getSync', 'queue'],
    ['Queue await put / await get', 'queue-async'],
  ] as const) {
    small.push({ name, value: await rate(mode, 'small'), unit: 'msg/s', lowerIsBetter: false });
  }
  bench.section(`Small objects { id, payload: 32 chars }, 1 producer → 1 consumer worker`, small, {
    baseline: 'postMessage',
    target: 'Queue at least 2× postMessage (aim 5×)',
  });

  for (const kind of ['4k', '64k'] as const) {
    const rows: Row[] = [];
    for (const [name, mode] of [
      [`raw ring, ${BYTES[kind]}-byte records (ceiling)`, 'raw'],
      ['raw ring, fresh buffer per record', 'raw-fresh'],
      ['postMessage', 'post'],
      ['Queue putSync / getSync', 'queue'],
      ['Queue await put / await get', 'queue-async'],
    ] as const) {
      const mbPerSecond = ((await rate(mode, kind)) * BYTES[kind]) / 2 ** 20;
      rows.push({ name, value: mbPerSecond, unit: 'MB/s', lowerIsBetter: false });
    }
    bench.section(`${kind.toUpperCase()} Uint8Array items, 1 producer → 1 consumer worker`, rows, {
      baseline: rows[0].name,
      target: kind === '64k' ? "Queue at least half the raw ring's MB/s" : undefined,
    });
  }

  // The codec alone, in this thread.
  const item = { id: 12345, payload: 'abcdefghijklmnopqrstuvwxyz012345' };
  const encoded = encode(item, 'bench');
  const bytes = encoded.bytes.slice();
  const v8Bytes = v8Serialize(item);
  let sink = 0;
  const rows: Row[] = [
    {
      name: 'v8.serialize',
      value: nsPerOp((n) => {
        for (let i = 0; i < n; i++) sink += v8Serialize({ id: i, payload: item.payload }).length;
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
        for (let i = 0; i < n; i++) sink += structuredClone({ id: i, payload: item.payload }).id;
      }),
      unit: 'ns/op',
      lowerIsBetter: true,
    },
    {
      name: 'Queue codec encode',
      value: nsPerOp((n) => {
        for (let i = 0; i < n; i++) sink += encode({ id: i, payload: item.payload }, 'bench').bytes.length;
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
  bench.section('Encoding { id, payload: 32 chars } in one thread', rows, {
    baseline: 'v8.serialize',
    target: 'encode and decode each well under the cost of v8.serialize',
  });
}
