/**
 * shared-sync/redis against what users would write without it, on a private redis-server started here
 * (127.0.0.1, persistence off), in the same run:
 * - `RedisLock` acquire + release next to redis-semaphore's `Mutex` acquire + release (the engine under it);
 * - `RedisQueue` put + get of a freshly built small object next to bare `LPUSH` + `BRPOP` of its JSON through
 *   ioredis, one at a time (latency) and 100 in flight (throughput).
 * Each figure is measured in several runs, interleaved with its peer's (the order rotates from run to run), and
 * printed as min / median / max; the ratios compare medians, and each run's ratio to the baseline's run next
 * to it gives the spread of the paired ratios.
 *
 * The 100-in-flight section also shows the bare commands through a client with ioredis's
 * `enableAutoPipelining` (one write for the commands of a tick, what `shared-sync/redis` does for its own
 * commands): for information, the baseline stays the client as ioredis makes it by default. The one-at-a-time
 * section also shows two `EVALSHA` scripts of `RedisQueue`'s shape run directly (JSON items, no library code):
 * the floor of "one Lua script per operation", for information.
 */

import { Redis } from 'ioredis';
import { Mutex } from 'redis-semaphore';
import { startRedisServer } from '../../demos/support/redis-server';
import { RedisLock, RedisQueue } from '../../lib/redis';
import type { Bench, Row } from './harness';
import { balancedOrders, median, sampledRow } from './harness';

/** Runs of each body: two passes over the six balanced orders of three bodies. */
const RUNS = 12;

interface Job {
  id: number;
  name: string;
  tags: string[];
  at: number;
}

function job(i: number): Job {
  return { id: i, name: `job-${i}`, tags: ['thumbnail', i % 2 ? 'png' : 'jpg'], at: Date.now() };
}

/**
 * Runs each body `RUNS` times, interleaved in balanced orders (each body runs right after each other body
 * equally often, see `balancedOrders`), each run `ops` operations; returns ops/s per run, in run order.
 */
async function measure(bodies: Record<string, (ops: number) => Promise<void>>, ops: number) {
  const names = Object.keys(bodies);
  for (const name of names) await bodies[name](ops); // warm-up (JIT, script cache), not counted
  const rates: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const orders = balancedOrders(names.length);
  for (let run = 0; run < RUNS; run++) {
    for (const k of orders[run % orders.length]) {
      const name = names[k];
      const t0 = performance.now();
      await bodies[name](ops);
      rates[name].push((ops * 1000) / (performance.now() - t0));
    }
  }
  return rates;
}

function spread(rates: Record<string, number[]>): void {
  for (const [name, values] of Object.entries(rates)) {
    const sorted = [...values].sort((a, b) => a - b);
    const f = (v: number) => `${Math.round(v)}`.padStart(7);
    console.log(
      `  ${name.padEnd(44)} ops/s min ${f(sorted[0])}  median ${f(median(sorted))}  max ${f(sorted[sorted.length - 1])}`,
    );
  }
}

function rows(rates: Record<string, number[]>): Row[] {
  return Object.entries(rates).map(([name, values]) => sampledRow(name, values, 'ops/s', false));
}

export default async function redisBench(bench: Bench): Promise<void> {
  const server = await startRedisServer();
  const redis = new Redis(server.port, server.host);
  const other = new Redis(server.port, server.host);
  const piped = new Redis(server.port, server.host, { enableAutoPipelining: true });
  try {
    await redis.ping();
    await other.ping();
    await piped.ping();

    // ---- Lock
    const lock = new RedisLock(redis, 'bench-lock');
    const mutex = new Mutex(other, 'bench-mutex');
    const lockRates = await measure(
      {
        'redis-semaphore Mutex acquire+release': async (ops) => {
          for (let i = 0; i < ops; i++) {
            await mutex.acquire();
            await mutex.release();
          }
        },
        'RedisLock acquire+release': async (ops) => {
          for (let i = 0; i < ops; i++) {
            const release = await lock.acquire();
            release();
          }
          await lock.locked(); // the last release has reached Redis
        },
        'RedisLock runExclusive': async (ops) => {
          for (let i = 0; i < ops; i++) await lock.runExclusive(() => 0);
          await lock.locked();
        },
      },
      300,
    );
    console.log(
      `\nRedisLock vs redis-semaphore Mutex, uncontended, one process (min/median/max of ${RUNS} runs)`,
    );
    spread(lockRates);
    bench.section('Redis lock: acquire + release, uncontended', rows(lockRates), {
      baseline: 'redis-semaphore Mutex acquire+release',
      target: 'RedisLock within 1.2x of redis-semaphore Mutex (issue 14)',
    });

    // ---- Queue, one at a time
    const queue = new RedisQueue<Job>(redis, 'bench-queue');
    const bareKey = 'bench-bare';
    // The floor of "one Lua script per operation": two scripts of the shape of RedisQueue's (one HMGET of the
    // meta hash, then RPUSH + PUBLISH, or LPOP) run directly, with JSON items, no library code.
    await other.hset('bench-floor', 'kind', 'RedisQueue', 'params', 'maxsize=0');
    const meta = "local m = redis.call('hmget', KEYS[1], 'kind', 'params', 'closed') ";
    const floorPut = (await other.script(
      'LOAD',
      `${meta}redis.call('rpush', KEYS[2], ARGV[1]) redis.call('publish', ARGV[2], 'put') return {1}`,
    )) as string;
    const floorGet = (await other.script('LOAD', `${meta}return {1, redis.call('lpop', KEYS[2])}`)) as string;
    const sequential = await measure(
      {
        'LPUSH+BRPOP (JSON), one at a time': async (ops) => {
          for (let i = 0; i < ops; i++) {
            await other.lpush(bareKey, JSON.stringify(job(i)));
            const popped = await other.brpop(bareKey, 0);
            if (!popped || (JSON.parse(popped[1]) as Job).id !== i)
              throw new Error('bench: bare queue lost an item');
          }
        },
        'EVALSHA put+get scripts (JSON, no library code), one at a time': async (ops) => {
          for (let i = 0; i < ops; i++) {
            const item = JSON.stringify(job(i));
            await other.evalsha(
              floorPut,
              2,
              'bench-floor',
              'bench-floor:items',
              item,
              'shared-sync:bench-floor',
            );
            const got = (await other.evalsha(floorGet, 2, 'bench-floor', 'bench-floor:items')) as [
              number,
              string,
            ];
            if ((JSON.parse(got[1]) as Job).id !== i) throw new Error('bench: floor scripts lost an item');
          }
        },
        'RedisQueue put+get, one at a time': async (ops) => {
          for (let i = 0; i < ops; i++) {
            await queue.put(job(i));
            if ((await queue.get()).id !== i) throw new Error('bench: RedisQueue lost an item');
          }
        },
      },
      300,
    );
    console.log(`\nRedisQueue vs bare LPUSH/BRPOP, one item at a time (min/median/max of ${RUNS} runs)`);
    spread(sequential);
    bench.section('Redis queue: put + get, one at a time', rows(sequential), {
      baseline: 'LPUSH+BRPOP (JSON), one at a time',
      target: 'RedisQueue within 1.2x of bare LPUSH/BRPOP (issue 14)',
    });

    // ---- Queue, 100 in flight
    const BATCH = 100;
    const bareBatches = async (client: Redis, ops: number): Promise<void> => {
      for (let done = 0; done < ops; done += BATCH) {
        await Promise.all(
          Array.from({ length: BATCH }, (_, i) => client.lpush(bareKey, JSON.stringify(job(i)))),
        );
        const popped = await Promise.all(Array.from({ length: BATCH }, () => client.brpop(bareKey, 0)));
        for (const p of popped) if (!p) throw new Error('bench: bare queue lost an item');
        for (const p of popped) JSON.parse((p as [string, string])[1]);
      }
    };
    const pipelined = await measure(
      {
        'LPUSH+BRPOP (JSON), 100 in flight': (ops) => bareBatches(other, ops),
        'LPUSH+BRPOP (JSON), 100 in flight, autopipelined': (ops) => bareBatches(piped, ops),
        'RedisQueue put+get, 100 in flight': async (ops) => {
          for (let done = 0; done < ops; done += BATCH) {
            await Promise.all(Array.from({ length: BATCH }, (_, i) => queue.put(job(i))));
            await Promise.all(Array.from({ length: BATCH }, () => queue.get()));
          }
        },
      },
      2000,
    );
    console.log(`\nRedisQueue vs bare LPUSH/BRPOP, 100 in flight (min/median/max of ${RUNS} runs)`);
    spread(pipelined);
    bench.section('Redis queue: put + get, 100 in flight', rows(pipelined), {
      baseline: 'LPUSH+BRPOP (JSON), 100 in flight',
      target: 'RedisQueue within 1.2x of bare LPUSH/BRPOP (issue 14)',
    });
  } finally {
    await redis.quit();
    await other.quit();
    await piped.quit();
    await server.stop();
  }
}
