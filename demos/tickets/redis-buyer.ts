// One buyer of `npm run demo -- tickets --redis`, in its own process.
// argv: port host sale buyer buyers locked|unlocked
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { RedisEvent, RedisLock } from '../../lib/redis';

const [, , port, host, sale, buyerArg, buyersArg, mode] = process.argv;
const buyer = Number(buyerArg);
const buyers = Number(buyersArg);
const redis = new Redis(Number(port), host);
const lock = new RedisLock(redis, `${sale}:lock`);

async function buy(): Promise<void> {
  const left = Number(await redis.get(`${sale}:remaining`));
  if (mode === 'unlocked') {
    // Rendezvous: every buyer reads before anyone writes (see redis.ts).
    await redis.incr(`${sale}:read`);
    const deadline = Date.now() + 20_000;
    while (Number(await redis.get(`${sale}:read`)) < buyers && Date.now() < deadline) await sleep(5);
  }
  await sleep(50); // the time a real buyer takes to pay
  if (left > 0) {
    await redis.set(`${sale}:remaining`, left - 1);
    await redis.rpush(`${sale}:sold`, `${buyer}:${left}`);
  }
}

const go = new RedisEvent(redis, `${sale}:go`);
process.send?.({ ready: true });
if (!(await go.wait({ timeout: 60_000 }))) throw new Error('tickets --redis: no start signal');
if (mode === 'locked') await lock.runExclusive(buy, { timeout: 30_000 });
else await buy();
await redis.quit();
process.disconnect?.();
