/**
 * The bank demo as a web page: `npm run demo -- bank --web` bundles web/page.ts and web/teller.ts (with the
 * library, from source) by esbuild, serves them on 127.0.0.1 with the two cross-origin isolation headers, and
 * prints the address. The page runs the race in Web Workers and draws it (see web/page.ts).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { serveIsolated, type WebServer } from '../support/web-server';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/** Builds the page and serves it; `port` 0 picks a free one. */
export async function startBankPage(port = 0): Promise<WebServer> {
  const out = await build({
    entryPoints: { page: here('./web/page.ts'), teller: here('./web/teller.ts') },
    outdir: '/',
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    write: false,
    logLevel: 'silent',
  });
  const files = Object.fromEntries(out.outputFiles.map((file) => [file.path, { body: file.contents }]));
  files['/index.html'] = { body: readFileSync(here('./web/index.html')) };
  return serveIsolated({ files, index: '/index.html', port });
}

/** Serves the page until the process is interrupted (Ctrl-C); resolves to whether it started. */
export async function serveUntilStopped(
  port: number,
  print: (line: string) => void = console.log,
): Promise<boolean> {
  const server = await startBankPage(port);
  print(`The bank race, live: open ${server.origin}/ in a browser (Ctrl-C stops the server)`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  return true;
}
