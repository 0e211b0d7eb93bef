/**
 * The documentation site in a real browser: the site is built with typedoc (the config of `npm run docs`) into a
 * temporary directory, served on 127.0.0.1, and opened in Debian's Chromium through playwright-core. The index,
 * the `Lock` class page and every guide must render without a console error, failed request or broken link, and
 * the search must find `Lock`.
 *
 * `SHARED_SYNC_SITE=site npx vitest run spec/docs/site.spec.ts` checks an already built site instead.
 *
 * Chromium comes from spec/helpers/tools.ts (the global setup installs Debian's package when it is missing, or
 * stops the run naming what to install). No browser is ever downloaded.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath } from '../helpers/tools';
import { buildSite, type Guide, guides, type StaticServer, serve } from './site';

const BUILD_MS = 240_000;
const STEP_MS = 20_000; // bound of every single browser wait
const TEST_MS = 90_000;

let out: string;
let server: StaticServer | undefined;
let browser: Browser | undefined;
let context: BrowserContext | undefined;

beforeAll(
  async () => {
    const executablePath = chromiumPath();
    if (process.env.SHARED_SYNC_SITE) {
      out = process.env.SHARED_SYNC_SITE; // an already built site, e.g. after `npm run docs`
    } else {
      out = mkdtempSync(join(tmpdir(), 'shared-sync-site-'));
      await buildSite(out, BUILD_MS);
    }
    server = await serve(out);
    browser = await chromium.launch({
      executablePath,
      timeout: STEP_MS,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-dev-shm-usage',
      ],
    });
  },
  BUILD_MS + 2 * STEP_MS,
);

afterEach(async () => {
  await context?.close();
  context = undefined;
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (out && !process.env.SHARED_SYNC_SITE) rmSync(out, { recursive: true, force: true });
});

interface Opened {
  page: Page;
  /** Console errors, uncaught exceptions, failed requests and HTTP errors seen while the page loaded. */
  problems: string[];
}

/** Opens `path` of the site in a fresh context and waits until the page and its async scripts have loaded. */
async function open(path: string): Promise<Opened> {
  if (!browser || !server) throw new Error('the browser or the server did not start');
  context = await browser.newContext();
  context.setDefaultTimeout(STEP_MS);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error')
      problems.push(`console error: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (err) => problems.push(`uncaught: ${err.message}`));
  page.on('requestfailed', (req) =>
    problems.push(`request failed: ${req.url()} (${req.failure()?.errorText})`),
  );
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  const response = await page.goto(`${server.origin}/${path}`, { waitUntil: 'load', timeout: STEP_MS });
  expect(response?.status(), path).toBe(200);
  await page.waitForLoadState('networkidle', { timeout: STEP_MS });
  // The sidebar is filled in by navigation.js; once it has links, the page's scripts have run.
  await page.waitForSelector('#tsd-nav-container a', { state: 'attached', timeout: STEP_MS });
  return { page, problems };
}

/** Same-origin links of the page (without fragments) that the server does not answer with 200. */
async function brokenLinks(page: Page): Promise<string[]> {
  const origin = server?.origin ?? '';
  // (The callbacks run in the page; the project compiles without the DOM library, hence the structural casts.)
  const hrefs = await page.$$eval('a[href]', (links) =>
    links.map((a) => (a as unknown as { href: string }).href),
  );
  const targets = [...new Set(hrefs.filter((h) => h.startsWith(origin)).map((h) => h.replace(/#.*$/, '')))];
  const broken: string[] = [];
  for (const target of targets) {
    const res = await fetch(target, { method: 'HEAD', signal: AbortSignal.timeout(STEP_MS) });
    if (res.status !== 200) broken.push(`${target} → ${res.status}`);
  }
  return broken;
}

/** Images that did not load (an SVG chart with a wrong path, for instance). */
async function brokenImages(page: Page): Promise<string[]> {
  return page.$$eval('img', (elements) =>
    (elements as unknown as { complete: boolean; naturalWidth: number; src: string }[])
      .filter((img) => !img.complete || img.naturalWidth === 0)
      .map((img) => img.src),
  );
}

async function expectClean({ page, problems }: Opened): Promise<void> {
  expect(problems).toEqual([]);
  expect(await brokenImages(page)).toEqual([]);
  expect(await brokenLinks(page)).toEqual([]);
}

describe('the documentation site in Chromium', () => {
  const all: Guide[] = guides();

  it('lists the guides it must show (from/revive, Python, async-mutex, errors, performance, limits)', () => {
    const titles = all.map((g) => g.title.toLowerCase()).join(' | ');
    for (const topic of ['getting started', 'python', 'async-mutex', 'errors', 'performance', 'limits']) {
      expect(titles).toContain(topic);
    }
  });

  it(
    'renders the index (the README) with links to every guide in the navigation',
    async () => {
      const opened = await open('index.html');
      const { page } = opened;
      expect(await page.title()).toContain('shared-sync');
      await expect(page.locator('.col-content h2', { hasText: 'Install' }).count()).resolves.toBeGreaterThan(
        0,
      );
      const navTexts = await page.$$eval('#tsd-nav-container a', (links) =>
        links.map((a) => a.textContent?.trim()),
      );
      for (const guide of all) expect(navTexts, `navigation link to ${guide.file}`).toContain(guide.title);
      await expectClean(opened);
    },
    TEST_MS,
  );

  it(
    'renders the Lock class page with its methods and examples',
    async () => {
      const opened = await open('classes/Lock.html');
      const { page } = opened;
      await expect(page.locator('h1').first().textContent()).resolves.toContain('Lock');
      for (const member of ['acquireSync', 'acquire', 'release', 'runExclusive', 'tryAcquire', 'from']) {
        await expect(page.locator(`#${member.toLowerCase()}`).count(), member).resolves.toBe(1);
      }
      await expect(page.locator('pre code').count()).resolves.toBeGreaterThan(5);
      await expectClean(opened);
    },
    TEST_MS,
  );

  for (const guide of all) {
    it(
      `renders the guide ${guide.file} ("${guide.title}")`,
      async () => {
        const index = await open('index.html');
        const exactly = new RegExp(`^\\s*${guide.title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
        const link = index.page.locator('#tsd-nav-container a', { hasText: exactly }).first();
        const href = await link.getAttribute('href', { timeout: STEP_MS });
        expect(href, `navigation link to ${guide.title}`).toMatch(/documents\/.+\.html$/);
        await context?.close();
        const opened = await open(href!.replace(/^(\.\.\/)+/, ''));
        expect(await opened.page.title()).toContain(guide.title);
        const text = (await opened.page.locator('.col-content').textContent({ timeout: STEP_MS })) ?? '';
        expect(text.trim().length, 'the guide has content').toBeGreaterThan(200);
        if (guide.file === 'docs/performance.md') {
          // The chart is embedded (and loads: see expectClean), with the machine it was measured on.
          await expect(opened.page.locator('img[src$="bench.svg"]').count()).resolves.toBe(1);
          expect(text).toMatch(/Measured on .+ cores/);
        }
        await expectClean(opened);
      },
      TEST_MS,
    );
  }

  it(
    'finds Lock with the search box and goes to its page',
    async () => {
      const opened = await open('index.html');
      const { page } = opened;
      await page.click('#tsd-search-trigger', { timeout: STEP_MS });
      await page.fill('#tsd-search-input', 'Lock', { timeout: STEP_MS });
      const hit = page.locator('#tsd-search-results li a[href$="classes/Lock.html"]').first();
      await hit.waitFor({ state: 'visible', timeout: STEP_MS });
      await expect(hit.textContent()).resolves.toBe('Lock');
      await Promise.all([page.waitForURL(/classes\/Lock\.html$/, { timeout: STEP_MS }), hit.click()]);
      await expect(page.locator('h1').first().textContent()).resolves.toContain('Lock');
      expect(opened.problems).toEqual([]);
    },
    TEST_MS,
  );
});
