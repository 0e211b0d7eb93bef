/**
 * A small HTTP server on 127.0.0.1 for pages that use shared memory: every response carries the two headers that
 * make a page cross-origin isolated (`Cross-Origin-Opener-Policy: same-origin`,
 * `Cross-Origin-Embedder-Policy: require-corp`), without which a browser offers no `SharedArrayBuffer`.
 * Used by the bank demo's web page (`npm run demo -- bank --web`) and by the browser specs (spec/browser/).
 *
 * What it serves, by path:
 * - `files`: fixed bodies (a bundle built in memory, for instance);
 * - `mounts`: a URL prefix mapped to a directory (no listing, no path outside it);
 * - `handlers`: a path answered by a function (the specs' never-ending response, for instance);
 * - under `/unisolated/`, the same as without that prefix, but *without* the two headers (to check what a page
 *   that forgot them sees).
 */

import { readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';

/** The response headers that make a document cross-origin isolated. */
export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

/** The prefix under which everything is served without {@link ISOLATION_HEADERS}. */
export const UNISOLATED_PREFIX = '/unisolated';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.map': 'application/json',
};

/** A fixed body and its content type (guessed from the path's extension when omitted). */
export interface FixedFile {
  body: string | Uint8Array;
  type?: string;
}

export interface WebServerOptions {
  files?: Record<string, FixedFile>;
  mounts?: Record<string, string>;
  handlers?: Record<string, (req: IncomingMessage, res: ServerResponse) => void>;
  /** Where `/` redirects to. */
  index?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
}

export interface WebServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  close(): Promise<void>;
}

function typeOf(path: string): string {
  return TYPES[extname(path)] ?? 'application/octet-stream';
}

/** Starts the server (see the module comment). */
export async function serveIsolated(options: WebServerOptions): Promise<WebServer> {
  const { files = {}, mounts = {}, handlers = {} } = options;
  const mountList = Object.entries(mounts).map(([prefix, dir]) => [prefix.replace(/\/$/, ''), resolve(dir)]);
  const server: Server = createServer((req, res) => {
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    const isolated = !(pathname === UNISOLATED_PREFIX || pathname.startsWith(`${UNISOLATED_PREFIX}/`));
    if (!isolated) pathname = pathname.slice(UNISOLATED_PREFIX.length) || '/';
    const headers: Record<string, string> = {
      'cache-control': 'no-store',
      // Same-origin resources may be embedded by an isolated page; saying so keeps COEP satisfied everywhere.
      'cross-origin-resource-policy': 'same-origin',
      ...(isolated ? ISOLATION_HEADERS : {}),
    };
    if (pathname === '/' && options.index) {
      res.writeHead(302, { ...headers, location: options.index }).end();
      return;
    }
    const handler = handlers[pathname];
    if (handler) {
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
      handler(req, res);
      return;
    }
    const fixed = files[pathname];
    if (fixed) {
      res.writeHead(200, { ...headers, 'content-type': fixed.type ?? typeOf(pathname) });
      res.end(req.method === 'HEAD' ? undefined : fixed.body);
      return;
    }
    for (const [prefix, dir] of mountList) {
      if (!pathname.startsWith(`${prefix}/`)) continue;
      const path = normalize(join(dir, pathname.slice(prefix.length)));
      if (!path.startsWith(dir + sep)) break;
      let body: Buffer;
      try {
        if (!statSync(path).isFile()) break;
        body = readFileSync(path);
      } catch {
        break;
      }
      res.writeHead(200, { ...headers, 'content-type': typeOf(path) });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    res.writeHead(404, { ...headers, 'content-type': 'text/plain' }).end(`not found: ${pathname}`);
  });
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolvePromise());
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolvePromise) => {
        server.closeAllConnections();
        server.close(() => resolvePromise());
      }),
  };
}
