// `npm run demo -- tickets --redis`: the ticket sale with 4 buyer processes, without and with a RedisLock.
// Uses the Redis at REDIS_URL (e.g. redis://127.0.0.1:6379) if given, else starts its own redis-server.

import { painter } from '../support/color';
import { type RedisServer, startRedisServer } from '../support/redis-server';
import { type RedisSaleRun, runRedisSale } from './redis';

const TICKETS = 2;
const BUYERS = 4;

function lines(run: RedisSaleRun, paint: ReturnType<typeof painter>): string[] {
  return [
    ...run.sold.map(
      ({ buyer, ticket }) =>
        `  ${paint.actor(buyer + 1, `buyer ${buyer + 1}`)} (process) buys ticket #${ticket}`,
    ),
    `  sold ${run.sold.length}, refused ${run.refused}; Redis says ${run.remaining} left`,
    ...run.soldTwice.map((ticket) => paint.red(`  ticket #${ticket} was sold more than once`)),
    run.correct
      ? paint.green(`  ✓ sold = min(buyers, tickets) = ${run.sold.length}`)
      : paint.red(`  ✗ oversold: ${run.sold.length} sold, ${TICKETS} tickets`),
  ];
}

/** Runs the demo and prints it; resolves to whether the lesson was shown. */
export async function main(print: (line: string) => void = console.log): Promise<boolean> {
  const paint = painter();
  let server: RedisServer | undefined;
  let port: number;
  let host: string;
  if (process.env.REDIS_URL) {
    const url = new URL(process.env.REDIS_URL);
    port = Number(url.port || 6379);
    host = url.hostname;
  } else {
    server = await startRedisServer();
    ({ port, host } = server);
    print(paint.dim(`(started a private redis-server on ${host}:${port}; set REDIS_URL to use yours)`));
  }
  try {
    print(`${TICKETS} tickets, ${BUYERS} buyers, each buyer its own Node process; the count lives in Redis.`);
    print('To buy: read the count, pause 50 ms, write it minus one.');
    print('');
    print(paint.bold('no lock'));
    const race = await runRedisSale({
      port,
      host,
      tickets: TICKETS,
      buyers: BUYERS,
      locked: false,
      sale: 'demo:race',
    });
    for (const line of lines(race, paint)) print(line);
    print('');
    print(paint.bold(`under new RedisLock(redis, 'demo:fixed:lock'): the same lock in every process`));
    const fixed = await runRedisSale({
      port,
      host,
      tickets: TICKETS,
      buyers: BUYERS,
      locked: true,
      sale: 'demo:fixed',
    });
    for (const line of lines(fixed, paint)) print(line);
    print('');
    print('A SharedArrayBuffer cannot reach another process; Redis can. Same Lock API, same lesson.');
    return !race.correct && fixed.correct;
  } finally {
    await server?.stop();
  }
}
