/**
 * The core entry point never loads `shared-sync/redis` nor its optional peer dependencies: `import 'shared-sync'`
 * works without ioredis and redis-semaphore installed.
 */

import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const lib = resolve(dirname(fileURLToPath(import.meta.url)), '../../lib');

/** Every module reachable from `entry` through static and dynamic imports, and the packages they import. */
function reachable(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
      const specifier = match[1];
      if (specifier.startsWith('.')) visit(`${join(dirname(file), specifier).replace(/\.ts$/, '')}.ts`);
      else packages.add(specifier);
    }
  };
  visit(entry);
  return { files, packages };
}

describe('the core entry point', () => {
  it('reaches no module of lib/redis and neither ioredis nor redis-semaphore', () => {
    const { files, packages } = reachable(join(lib, 'index.ts'));
    expect(files.size).toBeGreaterThan(10);
    expect([...files].filter((f) => f.includes(`${join(lib, 'redis')}`))).toEqual([]);
    expect([...packages].filter((p) => /ioredis|redis-semaphore/.test(p))).toEqual([]);
  });
});
