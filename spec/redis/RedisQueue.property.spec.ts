/**
 * Model-based: the same random operations on a `RedisQueue` and on the shared-memory `Queue` (the model) give
 * the same results: the same items (as exact clones), the same errors, the same sizes.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Queue } from '../../lib/index';
import { RedisQueue } from '../../lib/redis';
import { assertSameClone, cloneable } from '../fixtures/queue-values';
import { useRedisServer } from './helpers';

const { client } = useRedisServer();

interface Pair {
  model: Queue<unknown>;
  real: RedisQueue<unknown>;
}

type Outcome = { value: unknown } | { error: string };

async function outcome(run: () => unknown): Promise<Outcome> {
  try {
    return { value: await run() };
  } catch (err) {
    return { error: err instanceof Error ? err.constructor.name : String(err) };
  }
}

function sameOutcome(real: Outcome, model: Outcome): void {
  if ('error' in model) {
    expect(real).toEqual(model);
  } else {
    expect(real).not.toHaveProperty('error');
    assertSameClone((real as { value: unknown }).value, model.value);
  }
}

class Put implements fc.AsyncCommand<Pair, Pair> {
  constructor(
    readonly value: unknown,
    readonly nowait: boolean,
  ) {}
  check(): boolean {
    return true;
  }
  async run(_: Pair, { model, real }: Pair): Promise<void> {
    const expected = await outcome(() =>
      this.nowait ? model.putNowait(this.value) : model.put(this.value, { timeout: 0 }),
    );
    const actual = await outcome(() =>
      this.nowait ? real.putNowait(this.value) : real.put(this.value, { timeout: 0 }),
    );
    sameOutcome(actual, expected);
  }
  toString(): string {
    return `${this.nowait ? 'putNowait' : 'put'}(${fc.stringify(this.value)})`;
  }
}

class Get implements fc.AsyncCommand<Pair, Pair> {
  constructor(readonly nowait: boolean) {}
  check(): boolean {
    return true;
  }
  async run(_: Pair, { model, real }: Pair): Promise<void> {
    const expected = await outcome(() => (this.nowait ? model.getNowait() : model.get({ timeout: 0 })));
    const actual = await outcome(() => (this.nowait ? real.getNowait() : real.get({ timeout: 0 })));
    sameOutcome(actual, expected);
  }
  toString(): string {
    return this.nowait ? 'getNowait()' : 'get({ timeout: 0 })';
  }
}

class Sizes implements fc.AsyncCommand<Pair, Pair> {
  check(): boolean {
    return true;
  }
  async run(_: Pair, { model, real }: Pair): Promise<void> {
    expect(await real.qsize()).toBe(model.qsize());
    expect(await real.empty()).toBe(model.empty());
    expect(await real.full()).toBe(model.full());
    expect(await real.isClosed()).toBe(model.isClosed());
  }
  toString(): string {
    return 'qsize/empty/full/isClosed';
  }
}

class Close implements fc.AsyncCommand<Pair, Pair> {
  check(): boolean {
    return true;
  }
  async run(_: Pair, { model, real }: Pair): Promise<void> {
    model.close();
    await real.close();
  }
  toString(): string {
    return 'close()';
  }
}

describe('RedisQueue against the shared-memory Queue', () => {
  it('gives the same results for the same puts, gets, sizes and close', async () => {
    const redis = client();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 5 }),
        fc.commands(
          [
            fc.tuple(cloneable, fc.boolean()).map(([value, nowait]) => new Put(value, nowait)),
            fc.boolean().map((nowait) => new Get(nowait)),
            fc.constant(new Sizes()),
            fc.oneof({ weight: 1, arbitrary: fc.constant(new Close()) }),
          ],
          { maxCommands: 40 },
        ),
        async (maxsize, commands) => {
          const pair: Pair = {
            // Capacity far above what the generated items need: Redis lists have no byte limit.
            model: new Queue<unknown>({ maxsize, capacity: 1 << 22 }),
            real: new RedisQueue<unknown>(redis, `model-${run++}`, { maxsize }),
          };
          await fc.asyncModelRun(() => ({ model: pair, real: pair }), commands);
          // What is left comes out the same, in order.
          while (!pair.model.empty())
            sameOutcome({ value: await pair.real.getNowait() }, { value: pair.model.getNowait() });
          expect(await pair.real.qsize()).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });
});
