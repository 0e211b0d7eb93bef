/**
 * The ticket sale across processes (the logic of `npm run demo -- tickets --redis`, callable from specs).
 *
 * The count lives in Redis (`<sale>:remaining`); each buyer is its own Node process (`child_process.fork`),
 * started together by a `RedisEvent`. To buy, a buyer reads the count, pauses, and if a ticket was left writes
 * the count minus one and records the ticket it sold (`<sale>:sold`, a list). With a `RedisLock` around the buy
 * (the same lock in every process, named by its key) the buy is exclusive; without it, every buyer reads the same
 * count and sells the same ticket.
 *
 * ## Making the overselling certain
 * Without the lock, a buyer that read the count waits (a counter in Redis) until every buyer has read it, so
 * every read comes before every write whatever the scheduling. With the lock there is no such wait: the others
 * are blocked on the lock.
 */

import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { RedisEvent } from '../../lib/redis';

export interface RedisSaleOptions {
  port: number;
  host?: string;
  tickets: number;
  buyers: number;
  locked: boolean;
  /** Redis key prefix of this sale. */
  sale: string;
}

export interface RedisSaleRun {
  /** Ticket numbers sold, in the order they were recorded (a ticket is numbered by the count read). */
  sold: { buyer: number; ticket: number }[];
  refused: number;
  remaining: number;
  /** Tickets sold more than once. */
  soldTwice: number[];
  /** sold = min(buyers, tickets), no ticket twice, sold + refused = buyers. */
  correct: boolean;
}

/** Runs one sale with `buyers` processes; resolves once all of them have exited. */
export async function runRedisSale(options: RedisSaleOptions): Promise<RedisSaleRun> {
  const { port, host = '127.0.0.1', tickets, buyers, locked, sale } = options;
  const redis = new Redis(port, host);
  try {
    await redis.del(`${sale}:sold`, `${sale}:read`, `${sale}:go`, `${sale}:remaining`);
    await redis.set(`${sale}:remaining`, tickets);
    const go = new RedisEvent(redis, `${sale}:go`);
    const entry = fileURLToPath(new URL('./redis-buyer.ts', import.meta.url));
    const children = Array.from({ length: buyers }, (_, buyer) =>
      fork(entry, [String(port), host, sale, String(buyer), String(buyers), locked ? 'locked' : 'unlocked'], {
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    );
    const exits = children.map(
      (child) =>
        new Promise<number | null>((resolve) => {
          if (child.exitCode !== null) resolve(child.exitCode);
          else child.once('exit', (code) => resolve(code));
        }),
    );
    try {
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve, reject) => {
              const timer = setTimeout(
                () => reject(new Error('tickets --redis: a buyer did not start')),
                60_000,
              );
              child.once('message', () => {
                clearTimeout(timer);
                resolve();
              });
              child.once('exit', () => reject(new Error('tickets --redis: a buyer exited before starting')));
            }),
        ),
      );
      await go.set();
      const codes = await Promise.race([
        Promise.all(exits),
        new Promise<never>((_, reject) =>
          setTimeout(
            () => reject(new Error('tickets --redis: buyers still running after 60 s')),
            60_000,
          ).unref(),
        ),
      ]);
      if (codes.some((code) => code !== 0))
        throw new Error(`tickets --redis: a buyer failed (exit codes ${codes})`);
    } finally {
      for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    }
    const sold = (await redis.lrange(`${sale}:sold`, 0, -1)).map((entry) => {
      const [buyer, ticket] = entry.split(':').map(Number);
      return { buyer, ticket };
    });
    const remaining = Number(await redis.get(`${sale}:remaining`));
    const refused = buyers - sold.length;
    const counts = new Map<number, number>();
    for (const { ticket } of sold) counts.set(ticket, (counts.get(ticket) ?? 0) + 1);
    const soldTwice = [...counts].filter(([, n]) => n > 1).map(([ticket]) => ticket);
    const correct = sold.length === Math.min(buyers, tickets) && soldTwice.length === 0;
    return { sold, refused, remaining, soldTwice, correct };
  } finally {
    await redis.quit();
  }
}
