/**
 * `npm run bench [-- filter…] [--json file]`: runs every `spec/bench/*.bench.ts` (or those whose name contains
 * a filter) in one process, one after the other, and prints each figure next to its peers with ratios.
 * `--json file` also writes the results and the machine they ran on.
 */

import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createBench, type Section } from './harness';

const args = process.argv.slice(2);
const jsonAt = args.indexOf('--json');
const jsonFile = jsonAt >= 0 ? args[jsonAt + 1] : undefined;
const filters = args.filter((arg, i) => !arg.startsWith('--') && (jsonAt < 0 || i !== jsonAt + 1));

const here = dirname(fileURLToPath(import.meta.url));
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((filter) => f.includes(filter)))
  .sort();

const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
  date: new Date().toISOString(),
};
console.log(`shared-sync benchmarks on ${machine.cpu} (${machine.cores} cores), Node ${machine.node}`);
console.log('Ratios compare figures measured in this same run; no figure is compared with a fixed number.');

const sections: Section[] = [];
const bench = createBench(sections);
for (const file of files) {
  console.log(`\n== ${file.replace('.bench.ts', '')}`);
  const mod = (await import(pathToFileURL(`${here}/${file}`).href)) as {
    default: (b: typeof bench) => Promise<void> | void;
  };
  try {
    await mod.default(bench);
  } finally {
    await bench.terminateWorkers();
  }
}

if (jsonFile) {
  mkdirSync(dirname(jsonFile), { recursive: true });
  writeFileSync(jsonFile, `${JSON.stringify({ machine, sections }, null, 2)}\n`);
  console.log(`\nresults written to ${jsonFile}`);
}
process.exit(0);
