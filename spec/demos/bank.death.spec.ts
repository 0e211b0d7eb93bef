import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DeathEvent,
  deathLessonOf,
  expectedOf,
  runTellerDeath,
  Step,
  type StepName,
  startSurvivor,
} from '../../demos/bank/death';
import type { Crew } from '../../demos/support/crew';

let survivor: Crew;
beforeAll(async () => {
  survivor = await startSurvivor();
});
afterAll(async () => {
  await survivor?.close();
});

const STEPS: readonly StepName[] = ['journaled', 'paid', 'written'];

describe('bank demo: a teller dies in the middle of a withdrawal', () => {
  it('the scene as shown (1000, teller 1 withdraws 300 and dies after handing out the cash, teller 2 withdraws 200) ends at exactly 500', async () => {
    const run = await runTellerDeath({ initial: 1000, victimAmount: 300, survivorAmount: 200 }, survivor);
    expect(run.survivor).toEqual({ toldThreadId: run.victimThreadId, found: Step.PAID, ok: true });
    expect([run.balance, run.cash, run.journal]).toEqual([500, 500, Step.CLOSED]);
    expect(deathLessonOf(run).shown).toBe(true);
    // The order that makes it a lesson: the death is observed before teller 2 is told, and teller 2 repairs
    // before its own withdrawal.
    const order = run.entries.map((e) => `${e.actor}:${e.event}`);
    const at = (actor: number, event: number): number => order.indexOf(`${actor}:${event}`);
    expect(at(1, DeathEvent.PAID)).toBeLessThan(at(0, DeathEvent.TERMINATES));
    expect(at(1, DeathEvent.WRITTEN)).toBe(-1);
    expect(at(0, DeathEvent.EXITED)).toBeLessThan(at(2, DeathEvent.TOLD));
    expect(at(2, DeathEvent.TOLD)).toBeLessThan(at(2, DeathEvent.REPAIRED));
    expect(at(2, DeathEvent.REPAIRED)).toBeLessThan(at(2, DeathEvent.CHECK));
  });

  it('whatever step the teller dies at and whatever the amounts, teller 2 is told and the repaired account is exact', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2000 }).chain((initial) =>
          fc.record({
            initial: fc.constant(initial),
            victimAmount: fc.integer({ min: 1, max: initial }),
            survivorAmount: fc.integer({ min: 1, max: 2000 }),
            stopAt: fc.constantFrom(...STEPS),
          }),
        ),
        async (params) => {
          const run = await runTellerDeath({ ...params, boundMs: 10_000 }, survivor);
          const expected = expectedOf(run);
          expect(run.survivor.toldThreadId).toBe(run.victimThreadId);
          expect(run.survivor.found).toBe(
            { journaled: Step.JOURNALED, paid: Step.PAID, written: Step.WRITTEN }[params.stopAt],
          );
          expect(run.balance).toBe(expected.balance);
          expect(run.cash).toBe(expected.cash);
          expect(run.balance + run.cash).toBe(params.initial);
          expect(run.balance).toBeGreaterThanOrEqual(0);
          expect(run.journal).toBe(Step.CLOSED);
          expect(deathLessonOf(run).shown).toBe(true);
        },
      ),
      { numRuns: 6 },
    );
  }, 180_000);
});
