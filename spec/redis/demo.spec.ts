import { describe, expect, it } from 'vitest';
import { runRedisSale } from '../../demos/tickets/redis';
import { useRedisServer } from './helpers';

const { server } = useRedisServer();

describe('tickets --redis demo', () => {
  it('oversells across 4 processes without the RedisLock and sells exactly min(buyers, tickets) with it', async () => {
    const { port } = server();
    const race = await runRedisSale({ port, tickets: 2, buyers: 4, locked: false, sale: 'race' });
    expect(race.correct).toBe(false);
    expect(race.soldTwice).toEqual([2]);
    const fixed = await runRedisSale({ port, tickets: 2, buyers: 4, locked: true, sale: 'fixed' });
    expect(fixed.correct).toBe(true);
    expect(fixed.sold.map((s) => s.ticket).sort()).toEqual([1, 2]);
    expect(fixed.refused).toBe(2);
    expect(fixed.remaining).toBe(0);
  });
});
