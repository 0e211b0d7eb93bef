/**
 * The package in a real browser: the published build (tsup with the project's config, staged as an installed
 * package) is served on 127.0.0.1 with the two cross-origin isolation headers and run in Chromium
 * through playwright-core, in two ways a web developer would use it:
 *
 * - **without a bundler**: the page maps `shared-sync` and `async-mutex` with an import map; its module Workers,
 *   which cannot use an import map, load the self-contained `dist/standalone.js` by URL (spec/browser/page/index.html);
 * - **bundled by esbuild** for the browser, `shared-sync` resolved through the package's `exports`
 *   (spec/browser/page/bundled.html).
 *
 * Each scenario (spec/browser/page/main.js, with the workers' side in tasks.js) runs with fresh Web Workers and
 * terminates them; its result is checked here, and the page must show no console error, uncaught exception or
 * failed request. Chromium is required (see spec/helpers/tools.ts): without it the suite fails, never skips.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveIsolated, type WebServer } from '../../demos/support/web-server';
import { root } from '../docs/examples';
import { chromiumPath } from '../helpers/tools';
import { bundleForBrowser, launchChromium, openPage, STEP_MS, stagePackage } from './harness';

const BUILD_MS = 120_000;
const TEST_MS = 90_000;
const PAGE = join(root, 'spec/browser/page');

let dir: string;
let server: WebServer | undefined;
let browser: Browser | undefined;
/** Requests to /never-ending whose connection the client closed before the (never sent) end of the body. */
let abortedRequests = 0;

beforeAll(
  async () => {
    chromiumPath(); // fails at once, before the build, when Chromium is missing
    dir = mkdtempSync(join(tmpdir(), 'shared-sync-browser-'));
    const pkg = await stagePackage(dir, BUILD_MS);
    await bundleForBrowser(PAGE, { main: 'main.js', worker: 'worker-bundled.js' }, dir, 'bundle');
    server = await serveIsolated({
      mounts: {
        '/page': PAGE,
        '/pkg': pkg,
        '/node_modules/async-mutex': join(dir, 'node_modules/async-mutex'),
        '/bundle': join(dir, 'bundle'),
      },
      handlers: {
        '/never-ending': (req, res) => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.write('the first chunk; the rest never comes\n');
          req.socket.once('close', () => abortedRequests++);
        },
      },
    });
    browser = await launchChromium();
  },
  BUILD_MS + 2 * STEP_MS,
);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Opens `path`, waits for the page's scenarios, runs one, and returns its result and the page's problems. */
async function scenario<T>(
  path: string,
  name: string,
  args: unknown = {},
): Promise<{ value: T; problems: string[] }> {
  if (!browser || !server) throw new Error('the browser or the server did not start');
  const { context, page, problems } = await openPage(browser, `${server.origin}${path}`);
  try {
    await page.waitForFunction(
      () => (globalThis as { scenariosReady?: boolean }).scenariosReady === true,
      null,
      {
        timeout: STEP_MS,
      },
    );
    const value = (await page.evaluate(
      ([n, a]) =>
        (globalThis as unknown as { scenarios: Record<string, (args: unknown) => unknown> }).scenarios[n](a),
      [name, args] as const,
    )) as T;
    return { value, problems };
  } finally {
    await context.close();
  }
}

interface Thrown {
  name: string;
  message: string;
  isBase: boolean;
}

interface Item {
  producer: string;
  seq: number;
}

const HEADERS = ['Cross-Origin-Opener-Policy: same-origin', 'Cross-Origin-Embedder-Policy: require-corp'];

describe.each([
  { how: 'without a bundler (import map; workers load dist/standalone.js)', path: '/page/index.html' },
  { how: 'bundled by esbuild', path: '/page/bundled.html' },
])('shared-sync in Chromium, $how', ({ path }) => {
  it(
    'loads on a cross-origin-isolated page without any Node global',
    async () => {
      const { value, problems } = await scenario<Record<string, unknown>>(path, 'environment');
      expect(value).toEqual({
        crossOriginIsolated: true,
        hasSharedArrayBuffer: true,
        hasWaitAsync: true,
        nodeGlobals: [],
      });
      expect(problems).toEqual([]);
    },
    TEST_MS,
  );

  it(
    'keeps an exact total under a Lock: 4 workers × 10,000 (half acquireSync, half await acquire) + the main thread',
    async () => {
      const n = 10_000;
      const { value, problems } = await scenario<{ total: number; locked: boolean }>(path, 'lock', { n });
      expect(value).toEqual({ total: 5 * n, locked: false });
      expect(problems).toEqual([]);
    },
    TEST_MS,
  );

  it(
    'delivers every Queue item exactly once, in per-producer order, between the main thread and workers',
    async () => {
      const n = 1500;
      const { value, problems } = await scenario<{ received: Item[][]; size: number }>(path, 'queue', { n });
      const all = value.received.flat();
      const keys = all.map((item) => `${item.producer}#${item.seq}`);
      const expected = ['main', 'worker-sync', 'worker-async'].flatMap((p) =>
        Array.from({ length: n }, (_, seq) => `${p}#${seq}`),
      );
      expect(keys.length).toBe(3 * n);
      expect(new Set(keys).size).toBe(3 * n);
      expect([...keys].sort()).toEqual(expected.sort());
      for (const [consumer, items] of value.received.entries()) {
        for (const producer of ['main', 'worker-sync', 'worker-async']) {
          const seqs = items.filter((item) => item.producer === producer).map((item) => item.seq);
          expect(
            seqs.every((seq, i) => i === 0 || seq > seqs[i - 1]),
            `consumer ${consumer} got ${producer}'s items in order`,
          ).toBe(true);
        }
      }
      expect(value.size).toBe(0);
      expect(problems).toEqual([]);
    },
    TEST_MS,
  );

  it(
    'resolves JoinableQueue.join() on the main thread only once workers have called taskDone() for every job',
    async () => {
      const n = 500;
      const { value, problems } = await scenario<{
        doneAtJoin: number;
        unfinishedAtJoin: number;
        perWorker: number[];
      }>(path, 'joinableQueue', { n });
      expect(value.doneAtJoin).toBe(n);
      expect(value.unfinishedAtJoin).toBe(0);
      expect(value.perWorker.reduce((a, b) => a + b, 0)).toBe(n);
      expect(problems).toEqual([]);
    },
    TEST_MS,
  );

  it(
    'wakes workers waiting on an Event (waitSync and await wait) when another worker sets it',
    async () => {
      const { value, problems } = await scenario<{
        waits: { before: boolean; result: boolean }[];
        isSet: boolean;
      }>(path, 'event');
      expect(value).toEqual({
        waits: [
          { before: false, result: true },
          { before: false, result: true },
        ],
        isSet: true,
      });
      expect(problems).toEqual([]);
    },
    TEST_MS,
  );

  it(
    'lets at most 2 of 4 workers inside a Semaphore(2), 4 × 2,000 times',
    async () => {
      const n = 2000;
      const { value, problems } = await scenario<{ maxInside: number; total: number; value: number }>(
        path,
        'semaphore',
        { n },
      );
      expect(value.total).toBe(4 * n);
      expect(value.maxInside).toBeGreaterThanOrEqual(1);
      expect(value.maxInside).toBeLessThanOrEqual(2);
      expect(value.value).toBe(2);
      expect(problems).toEqual([]);
    },
    TEST_MS,
  );

  it(
    'hands every unit from 2 producer workers to 2 consumer workers waiting on a Condition (sync and async)',
    async () => {
      const n = 1000;
      const { value, problems } = await scenario<{ taken: number[]; left: number; locked: boolean }>(
        path,
        'condition',
        { n },
      );
      expect(value).toEqual({ taken: [n, n, n, n], left: 0, locked: false });
      expect(problems).toEqual([]);
    },
    TEST_MS,
  );

  it(
    'holds 4 workers at a Barrier(4) until all arrive, 200 rounds, with a distinct arrival index each round',
    async () => {
      const rounds = 200;
      const { value, problems } = await scenario<{
        results: { indices: number[]; early: number }[];
        broken: boolean;
      }>(path, 'barrier', { rounds });
      expect(value.broken).toBe(false);
      expect(value.results.map((r) => r.early)).toEqual([0, 0, 0, 0]);
      for (let round = 0; round < rounds; round++) {
        const indices = value.results.map((r) => r.indices[round]).sort();
        expect(indices, `round ${round}`).toEqual([0, 1, 2, 3]);
      }
      expect(problems).toEqual([]);
    },
    TEST_MS,
  );

  it(
    "aborts a worker's fetch in progress when the main thread cancels the CancelFlag whose signal it uses",
    async () => {
      const before = abortedRequests;
      const { value, problems } = await scenario<{
        headersIn: boolean;
        outcome: {
          ended: string;
          name: string;
          message: string;
          isFlagReason: boolean;
          signal: { aborted: boolean; name: string; message: string };
        };
      }>(path, 'cancelFetch', { url: '/never-ending' });
      expect(value.headersIn).toBe(true);
      // The worker's signal carries the page's reason.
      expect(value.outcome.signal).toMatchObject({ aborted: true, name: 'CancelledError' });
      expect(value.outcome.signal.message).toContain('the page cancelled it');
      // The body read rejects with that reason (the Fetch standard; Chromium 156 does) or with the browser's own
      // AbortError (Chromium 150, Debian's package at the time of writing, for an abort while reading the body).
      expect(value.outcome.ended).toBe('rejected');
      if (value.outcome.isFlagReason) expect(value.outcome.name).toBe('CancelledError');
      else expect(value.outcome.name).toBe('AbortError');
      await expect.poll(() => abortedRequests - before, { timeout: STEP_MS }).toBe(1);
      // The one failed request allowed: the fetch aborted on purpose.
      const aborted = problems.filter((p) =>
        /^request failed: .*\/never-ending \(net::ERR_ABORTED\)$/.test(p),
      );
      expect(aborted.length).toBe(1);
      expect(problems.filter((p) => !aborted.includes(p))).toEqual([]);
    },
    TEST_MS,
  );

  it(
    'recovers a Lock held by a worker the page terminated: reportThreadExit() on the page, OwnerDiedError once',
    async () => {
      const { value, problems } = await scenario<{
        holderId: number;
        bothArrived: boolean;
        stillLocked: boolean;
        outcomes: (string | { ownerDied: number })[];
        lockedAfter: boolean;
        late: { name: string; message: string };
      }>(path, 'ownerDeath');
      expect(value.bothArrived).toBe(true);
      expect(value.stillLocked).toBe(true);
      const died = value.outcomes.filter((o) => typeof o === 'object');
      expect(died).toEqual([{ ownerDied: value.holderId }]);
      expect(value.outcomes.filter((o) => o === 'acquired').length).toBe(1);
      expect(value.lockedAfter).toBe(false);
      // A worker that has already created a lock with a registry of its own cannot switch (ids would mix).
      expect(value.late.name).toBe('RangeError');
      expect(value.late.message).toMatch(/^joinThreadRegistry: this thread has already used its own/);
      expect(problems).toEqual([]);
    },
    TEST_MS,
  );

  it(
    'throws BlockingNotAllowedError naming the async form for every …Sync call on the main thread; the rest works',
    async () => {
      const { value, problems } = await scenario<{
        thrown: Record<string, Thrown>;
        nonBlocking: Record<string, unknown>;
        async: Record<string, unknown>;
      }>(path, 'mainThread');
      const asyncForms: Record<string, string> = {
        'Lock.acquireSync': 'acquire',
        'Lock.runExclusiveSync': 'runExclusive',
        'Lock.guardSync': 'guard',
        'RLock.acquireSync': 'acquire',
        'RLock.runExclusiveSync': 'runExclusive',
        'RLock.guardSync': 'guard',
        'Semaphore.acquireSync': 'acquire',
        'Semaphore.runExclusiveSync': 'runExclusive',
        'Semaphore.guardSync': 'guard',
        'BoundedSemaphore.acquireSync': 'acquire',
        'Event.waitSync': 'wait',
        'Condition.waitSync': 'wait',
        'Condition.waitForSync': 'waitFor',
        'Barrier.waitSync': 'wait',
        'Queue.putSync': 'put',
        'Queue.getSync': 'get',
        'JoinableQueue.joinSync': 'join',
        'CancelFlag.waitSync': 'wait',
        'Value.waitForSync': 'waitFor',
        'Value.waitChangeSync': 'waitChange',
        'Value.waitUntilSync': 'waitUntil',
        'Value.getLock().acquireSync': 'acquire',
        'SharedArray.getLock().acquireSync': 'acquire',
      };
      expect(Object.keys(value.thrown).sort()).toEqual(Object.keys(asyncForms).sort());
      for (const [call, asyncForm] of Object.entries(asyncForms)) {
        const thrown = value.thrown[call];
        expect(thrown.name, call).toBe('BlockingNotAllowedError');
        expect(thrown.isBase, call).toBe(true);
        expect(thrown.message, call).toMatch(new RegExp(`use .*\\b${asyncForm}\\(`));
      }
      const [refused, sizeAfter] = value.nonBlocking['Queue.putNowait(an Error)'] as [Thrown, number];
      expect(refused.name).toBe('TypeError');
      expect(refused.message).toMatch(/^Queue\.putNowait: .*node:v8.*send plain data/);
      expect(sizeAfter).toBe(0);
      delete value.nonBlocking['Queue.putNowait(an Error)'];
      expect(value.nonBlocking).toEqual({
        'Lock.tryAcquire': true,
        'Lock.isLocked': true,
        'Lock.release': false,
        'RLock.tryAcquire twice': true,
        'RLock.getDepth': 2,
        'RLock.release twice': false,
        'Semaphore.tryAcquire': true,
        'Semaphore.tryAcquire again': false,
        'Semaphore.release': 1,
        'Event.set': true,
        'Queue.putNowait+getNowait': { a: [1, 'x'] },
        'Queue.qsize': 0,
        'Value.add': 0,
        'Value.value': 5,
        'SharedArray.set+get': 7,
        'CancelFlag.cancel': true,
        'Barrier.nWaiting': 0,
      });
      expect(value.async).toEqual({
        'Lock.acquire': true,
        'Event.wait': true,
        'Queue.put+get': 'hello',
        'CancelFlag.wait': true,
      });
      expect(problems).toEqual([]);
    },
    TEST_MS,
  );
});

describe('shared-sync on a page that is not cross-origin isolated', () => {
  it(
    'loads, and creating any primitive throws SharedMemoryUnavailableError naming the two headers',
    async () => {
      const env = await scenario<Record<string, unknown>>('/unisolated/page/index.html', 'environment');
      expect(env.value).toMatchObject({ crossOriginIsolated: false, hasSharedArrayBuffer: false });
      expect(env.problems).toEqual([]);
      const { value, problems } = await scenario<Record<string, Thrown>>(
        '/unisolated/page/index.html',
        'withoutIsolation',
      );
      expect(Object.keys(value).length).toBe(12);
      for (const [name, thrown] of Object.entries(value)) {
        expect(thrown.name, name).toBe('SharedMemoryUnavailableError');
        expect(thrown.isBase, name).toBe(true);
        expect(thrown.message, name).toMatch(/^\w+: SharedArrayBuffer is not available/);
        for (const header of HEADERS) expect(thrown.message, name).toContain(header);
      }
      expect(problems).toEqual([]);
    },
    TEST_MS,
  );
});
