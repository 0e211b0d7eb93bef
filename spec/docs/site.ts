/**
 * What the browser check of the documentation site needs: building the site with typedoc (the same config as
 * `npm run docs`, into a directory of the caller's choice), listing the guides it must contain, and serving a
 * directory on 127.0.0.1 with a small static server.
 */

import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, relative, resolve, sep } from 'node:path';
import { root } from './examples';

/**
 * Builds the site into `out` with the project's typedoc.json (warnings are errors there); rejects with typedoc's
 * output when the build fails or takes longer than `timeoutMs`.
 */
export function buildSite(out: string, timeoutMs: number): Promise<void> {
  const typedoc = join(root, 'node_modules/typedoc/bin/typedoc');
  return new Promise((resolvePromise, reject) => {
    execFile(
      process.execPath,
      [typedoc, '--out', out],
      { cwd: root, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 2 ** 20 },
      (err, stdout, stderr) => {
        if (err) {
          const why = err.killed ? `was killed after ${timeoutMs} ms` : `failed (${err.code ?? err.message})`;
          reject(new Error(`typedoc ${why}:\n${stdout}${stderr}`));
        } else if (!existsSync(join(out, 'index.html'))) {
          reject(new Error(`typedoc wrote no index.html:\n${stdout}${stderr}`));
        } else {
          resolvePromise();
        }
      },
    );
  });
}

/** A guide of the site: its Markdown source and the title typedoc shows for it. */
export interface Guide {
  file: string;
  title: string;
}

/** The project documents typedoc.json includes (docs/*.md and docs/demos/*.md) with their titles. */
export function guides(): Guide[] {
  const docs = join(root, 'docs');
  const dirs = [docs, join(docs, 'demos')].filter((d) => existsSync(d));
  return dirs.flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.md'))
      .sort()
      .map((f) => {
        const path = join(dir, f);
        const frontmatter = /^---\r?\n([\s\S]*?)\r?\n---/.exec(readFileSync(path, 'utf8'))?.[1] ?? '';
        const title = /^title:\s*(.+?)\s*$/m.exec(frontmatter)?.[1]?.replace(/^(['"])(.*)\1$/, '$2');
        // Without a title, typedoc names a document after its path under docs/.
        return { file: relative(root, path), title: title ?? relative(docs, path).replace(/\.md$/, '') };
      }),
  );
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
};

/** A static file server for `dir` on 127.0.0.1 and an ephemeral port. */
export interface StaticServer {
  origin: string;
  close(): Promise<void>;
}

export async function serve(dir: string): Promise<StaticServer> {
  const base = resolve(dir);
  const server: Server = createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    let path = normalize(join(base, pathname));
    if (path !== base && !path.startsWith(base + sep)) {
      res.writeHead(403).end();
      return;
    }
    if (pathname.endsWith('/')) path = join(path, 'index.html');
    let body: Buffer;
    try {
      body = readFileSync(path);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${pathname}`);
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolvePromise());
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
