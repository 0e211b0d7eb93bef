import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Crew } from '../../demos/support/crew';
import { auditSale, runFlashSale, runSale, startBuyers } from '../../demos/tickets/tickets';

let crew: Crew;
beforeAll(async () => {
  crew = await startBuyers(4);
});
afterAll(async () => {
  await crew?.close();
});

const sales = fc.record({
  tickets: fc.integer({ min: 0, max: 6 }),
  buyers: fc.integer({ min: 1, max: 8 }),
  store: fc.constantFrom('file' as const, 'queue' as const),
  pauseMs: fc.integer({ min: 0, max: 2 }),
});

describe('tickets demo', () => {
  it('with the lock (file) or the Queue(1), sold = min(buyers, tickets), no ticket twice, sold + refused = buyers', async () => {
    await fc.assert(
      fc.asyncProperty(sales, async ({ tickets, buyers, store, pauseMs }) => {
        const run = await runSale({ tickets, buyers, store, locked: true, pauseMs, boundMs: 5000 }, crew);
        const { sold, refused, soldTwice, correct } = auditSale(run);
        expect(sold).toBe(Math.min(buyers, tickets));
        expect(soldTwice).toEqual([]);
        expect(sold + refused).toBe(buyers);
        expect(run.results.map((r) => r.buyer)).toEqual([...Array(buyers).keys()].map((b) => b + 1));
        // The tickets sold are exactly the top `sold` numbers, and the store counts the rest.
        const numbers = run.results
          .flatMap((r) => (r.ticket === null ? [] : [r.ticket]))
          .sort((a, b) => b - a);
        expect(numbers).toEqual([...Array(sold).keys()].map((k) => tickets - k));
        expect(run.remaining).toBe(tickets - sold);
        expect(correct).toBe(true);
      }),
      { numRuns: 25 },
    );
  });

  it('without the lock, two or more buyers and at least one ticket always oversell the same ticket', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 2, max: 6 }),
        async (tickets, buyers) => {
          const run = await runSale({ tickets, buyers, store: 'file', locked: false, pauseMs: 0 }, crew);
          const { sold, soldTwice, correct } = auditSale(run);
          expect(sold).toBe(buyers);
          expect(soldTwice).toEqual([tickets]);
          expect(run.remaining).toBe(tickets - 1);
          expect(correct).toBe(false);
        },
      ),
      { numRuns: 10 },
    );
  });

  it('the flash sale always admits exactly min(buyers, places), and lists each admitted buyer exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 12 }),
        async (buyers, places) => {
          const run = await runFlashSale({ buyers, places, boundMs: 5000 }, crew);
          expect(run.winners).toHaveLength(Math.min(buyers, places));
          expect(new Set(run.winners).size).toBe(run.winners.length);
          const admitted = run.admitted.flatMap((ok, i) => (ok ? [i + 1] : []));
          expect([...run.winners].sort((a, b) => a - b)).toEqual(admitted);
          expect(run.admitted.filter((ok) => !ok)).toHaveLength(buyers - run.winners.length);
        },
      ),
      { numRuns: 20 },
    );
  });

  it('the demo flash sale: 100 buyers, 10 places, 10 winners', async () => {
    const run = await runFlashSale({ buyers: 100, places: 10 }, crew);
    expect(run.winners).toHaveLength(10);
    expect(run.admitted.filter(Boolean)).toHaveLength(10);
  });
});
