/**
 * The bank demo's web page (`npm run demo -- bank --web`) in Debian's Chromium: served as the demo serves it,
 * it must run both races in Web Workers, the unlocked one overdrawing and the locked one keeping the balance
 * right, draw both timelines, and show no console error or failed request.
 *
 * `SHARED_SYNC_BANK_SCREENSHOT=docs/assets/bank-web.png npx vitest run spec/browser/bank-web.spec.ts` also
 * saves the screenshot shown on docs/demos/bank.md.
 */

import { writeFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBankPage } from '../../demos/bank/web';
import type { WebServer } from '../../demos/support/web-server';
import { launchChromium, openPage, STEP_MS } from './harness';

const TEST_MS = 60_000;

let server: WebServer | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  server = await startBankPage();
  browser = await launchChromium();
}, 3 * STEP_MS);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

interface TellerResult {
  amount: number;
  seen: number;
  ok: boolean;
}

interface RunSummary {
  locked: boolean;
  initial: number;
  final: number;
  tellers: TellerResult[];
  entries: { actor: number; event: number }[];
}

describe('the bank race as a web page', () => {
  it(
    'overdraws without a lock and keeps the balance right with one, drawing both timelines',
    async () => {
      if (!browser || !server) throw new Error('the browser or the server did not start');
      const { context, page, problems } = await openPage(browser, `${server.origin}/`);
      try {
        await page.setViewportSize({ width: 1100, height: 640 });
        await page.waitForFunction(
          () => {
            const state = (globalThis as unknown as { document: { body: { dataset: { state?: string } } } })
              .document.body.dataset.state;
            return state === 'done' || state === 'failed';
          },
          null,
          { timeout: STEP_MS },
        );
        const error = await page.locator('#error').textContent();
        expect(error).toBe('');
        const runs = (await page.evaluate(() => (globalThis as { bankRuns?: unknown }).bankRuns)) as {
          unlocked: RunSummary;
          locked: RunSummary;
        };
        const { unlocked, locked } = runs;
        // Without a lock: both tellers saw the full balance and both debited.
        expect(unlocked.tellers.map((t) => [t.seen, t.ok])).toEqual([
          [1000, true],
          [1000, true],
        ]);
        expect(unlocked.final).toBe(1000 - 1600);
        // With the lock: exactly one withdrawal, the other refused after seeing what was left.
        expect(locked.tellers.filter((t) => t.ok).length).toBe(1);
        expect(locked.tellers.find((t) => !t.ok)?.seen).toBe(200);
        expect(locked.final).toBe(200);
        // What the page shows.
        await expect(page.locator('#unlocked-balance').textContent()).resolves.toContain('-600');
        await expect(page.locator('#locked-balance').textContent()).resolves.toContain('200');
        await expect(page.locator('#unlocked-verdict').textContent()).resolves.toContain('overdrawn');
        await expect(page.locator('#locked-verdict').textContent()).resolves.toContain('the lock held');
        await expect(page.locator('#unlocked-timeline svg circle').count()).resolves.toBe(4); // 2 checks, 2 debits
        await expect(page.locator('#locked-timeline svg rect.held').count()).resolves.toBe(2); // each held the lock
        const png = await page.screenshot({ fullPage: true });
        expect([...png.subarray(1, 4)].map((b) => String.fromCharCode(b)).join('')).toBe('PNG');
        if (process.env.SHARED_SYNC_BANK_SCREENSHOT)
          writeFileSync(process.env.SHARED_SYNC_BANK_SCREENSHOT, png);
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    },
    TEST_MS,
  );
});
