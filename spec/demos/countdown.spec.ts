import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auditCountdown, CountdownEvent, runCountdown } from '../../demos/countdown/countdown';

describe('countdown demo', () => {
  it('for any n and stop time, terminate() leaves a printed prefix n, n-1, …, nothing after the flag was seen, at most one step after it was cleared, and exit code 0', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .record({ n: fc.integer({ min: 1, max: 6 }), stepMs: fc.integer({ min: 5, max: 25 }) })
          .chain(({ n, stepMs }) =>
            fc.record({
              n: fc.constant(n),
              stepMs: fc.constant(stepMs),
              stopAfterMs: fc.integer({ min: 0, max: (n + 1) * stepMs }),
            }),
          ),
        async ({ n, stepMs, stopAfterMs }) => {
          const run = await runCountdown({ n, stepMs, stopAfterMs, mode: 'graceful', boundMs: 5000 });
          const audit = auditCountdown(run);
          expect(run.exitCode).toBe(0);
          expect(audit.prefix).toBe(true);
          expect(audit.silentAfterFlag).toBe(true);
          expect(audit.stepsAfterClear).toBeLessThanOrEqual(1);
          expect(audit.stoppedOrLanded).toBe(true);
          expect(run.cleanedUp).toBe(true);
          expect(run.printed.length).toBeLessThanOrEqual(n);
        },
      ),
      { numRuns: 6 },
    );
  });

  it('worker.terminate() kills the task mid-step: exit code 1, no cleanup, no flag seen', async () => {
    const run = await runCountdown({ n: 5, stepMs: 200, stopAfterMs: 100, mode: 'kill' });
    expect(run.exitCode).toBe(1);
    expect(run.cleanedUp).toBe(false);
    // Killed during the first 200 ms pause (T-minus 4 cannot come before it ends).
    expect([[], [5]]).toContainEqual(run.printed);
    expect(run.entries.some((e) => e.event === CountdownEvent.SAW_FLAG)).toBe(false);
  });
});
