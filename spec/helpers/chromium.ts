/**
 * Chromium through playwright-core, as every browser spec launches it (the documentation site in spec/docs/,
 * the package and the bank page in spec/browser/): the executable that `tools.ts` finds (Debian's, installed by
 * the global setup). No browser is ever downloaded: without one the specs fail, never skip.
 */

import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { chromiumPath } from './tools';

/** Bound of every single browser step. */
export const STEP_MS = 20_000;

/** Launches Chromium headless, without the features that would reach the network (only 127.0.0.1 is used). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
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
}

/** A page and everything that went wrong while it ran. */
export interface Opened {
  context: BrowserContext;
  page: Page;
  /** Console errors, uncaught exceptions, failed requests and HTTP errors. */
  problems: string[];
}

/** Opens `url` in a fresh context, collecting problems (see {@link Opened}). */
export async function openPage(browser: Browser, url: string): Promise<Opened> {
  const context = await browser.newContext();
  context.setDefaultTimeout(STEP_MS);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error')
      problems.push(`console error: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (err) => problems.push(`uncaught: ${err.message}`));
  page.on('requestfailed', (req) => {
    problems.push(`request failed: ${req.url()} (${req.failure()?.errorText})`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  // Workers' own errors and console output.
  page.on('worker', (worker) => {
    worker.on('console', (message) => {
      if (message.type() === 'error') problems.push(`worker console error: ${message.text()}`);
    });
  });
  const response = await page.goto(url, { waitUntil: 'load', timeout: STEP_MS });
  if (response?.status() !== 200) problems.push(`HTTP ${response?.status()}: ${url}`);
  return { context, page, problems };
}
