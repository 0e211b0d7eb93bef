/**
 * The specs' worker helper: a fixture's result is kept from the moment it arrives, so a spec that awaits
 * something else first still gets it (a message that arrives while nobody listens is otherwise lost, and the
 * worker's exit then looked like a worker that never reported).
 */

import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { resultOf, spawn } from './helpers/workers';

describe('resultOf', () => {
  it('returns a result that arrived, and a worker that exited, before it was called', async () => {
    const worker = spawn('done-at-once', { answer: 42 });
    await once(worker, 'exit');
    expect(await resultOf(worker, 5_000)).toEqual({ answer: 42 });
  });
});
