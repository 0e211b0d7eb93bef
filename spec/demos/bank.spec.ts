import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BankEvent, lessonOf, runBank, startTellers } from '../../demos/bank/bank';
import type { Crew } from '../../demos/support/crew';

let crew: Crew;
beforeAll(async () => {
  crew = await startTellers(4);
});
afterAll(async () => {
  await crew?.close();
});

const withdrawals = fc.record({
  initial: fc.integer({ min: 0, max: 2000 }),
  amounts: fc.array(fc.integer({ min: 1, max: 2000 }), { minLength: 2, maxLength: 4 }),
  pauseMs: fc.integer({ min: 0, max: 2 }),
});

describe('bank demo', () => {
  it('with the lock, the balance is initial minus the successful withdrawals, never negative, and a refused withdrawal would have overdrawn at its turn', async () => {
    await fc.assert(
      fc.asyncProperty(withdrawals, async ({ initial, amounts, pauseMs }) => {
        const run = await runBank({ initial, amounts, locked: true, pauseMs, boundMs: 5000 }, crew);
        const succeeded = run.tellers.filter((t) => t.ok).reduce((sum, t) => sum + t.amount, 0);
        expect(run.final).toBe(initial - succeeded);
        expect(run.final).toBeGreaterThanOrEqual(0);
        // Replaying the timeline: every check saw the balance left by the debits before it.
        let balance = initial;
        for (const e of run.entries) {
          if (e.event === BankEvent.CHECK) expect(e.a).toBe(balance);
          if (e.event === BankEvent.DEBIT) balance -= e.a;
        }
        for (const t of run.tellers) {
          if (!t.ok) expect(t.amount).toBeGreaterThan(t.seen);
          else expect(t.amount).toBeLessThanOrEqual(t.seen);
        }
        expect(lessonOf(run).shown).toBe(true);
      }),
      { numRuns: 30 },
    );
  });

  it('without the lock, whenever two withdrawals each fit but together do not, the race is observed', async () => {
    await fc.assert(
      fc.asyncProperty(withdrawals, async ({ initial, amounts, pauseMs }) => {
        const run = await runBank({ initial, amounts, locked: false, pauseMs, boundMs: 5000 }, crew);
        const fitting = amounts.filter((a) => a <= initial);
        const clash = fitting.some((a, i) => fitting.some((b, j) => i !== j && a + b > initial));
        // The rendezvous puts every check before every debit: each teller saw the initial balance.
        for (const t of run.tellers) {
          expect(t.seen).toBe(initial);
          expect(t.ok).toBe(t.amount <= initial);
        }
        expect(run.final).toBe(initial - fitting.reduce((sum, a) => sum + a, 0));
        if (clash) {
          expect(run.final).toBeLessThan(0);
          expect(lessonOf(run).shown).toBe(true);
        }
      }),
      { numRuns: 30 },
    );
  });

  it('the demo scenario (1000, two withdrawals of 800) overdraws without the lock and refuses one with it', async () => {
    const race = await runBank({ initial: 1000, amounts: [800, 800], locked: false, pauseMs: 5 }, crew);
    const fixed = await runBank({ initial: 1000, amounts: [800, 800], locked: true, pauseMs: 5 }, crew);
    expect(race.final).toBe(-600);
    expect(race.tellers.map((t) => t.ok)).toEqual([true, true]);
    expect(fixed.final).toBe(200);
    expect(fixed.tellers.filter((t) => t.ok)).toHaveLength(1);
  });
});
