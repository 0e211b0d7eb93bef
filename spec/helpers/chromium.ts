/**
 * Debian's Chromium through playwright-core, as every browser spec launches it (the documentation site in
 * spec/docs/, the package and the bank page in spec/browser/). No browser is ever downloaded: without
 * /usr/bin/chromium the specs fail, never skip.
 */

import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium; the specs fail (never skip) without it. */
export const CHROMIUM = '/usr/bin/chromium';
/** Bound of every single browser step. */
export const STEP_MS = 20_000;

/** Throws a message that says how to install Chromium when it is missing. */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) to run the browser specs`,
    );
  }
}

/** Launches Chromium headless, without the features that would reach the network (only 127.0.0.1 is used). */
export function launchChromium(): Promise<Browser> {
  requireChromium();
  return chromium.launch({
    executablePath: CHROMIUM,
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
