/**
 * `npm run bench [-- filter…] [--json file] [--svg file] [--md page]`: runs every `spec/bench/*.bench.ts` (or
 * those whose name contains a filter) in one process, one after the other, and prints each figure next to its
 * peers with ratios. `--json file` also writes the results and the machine they ran on, `--svg file` a bar chart
 * of the ratios, and `--md page` rewrites the generated block of a Markdown page (see `chart.ts`):
 * `npm run bench -- --json docs/assets/bench.json --svg docs/assets/bench.svg --md docs/performance.md`.
 */

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Machine, parseOutputArgs, writeOutputs } from './chart';
import { createBench, type Section } from './harness';
import { checkMachine, compareAllocation, describeCheck, type MachineCheck } from './machine';

const { outputs, rest } = parseOutputArgs(process.argv.slice(2));
const filters = rest.filter((arg) => !arg.startsWith('--'));

const here = dirname(fileURLToPath(import.meta.url));
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((filter) => f.includes(filter)))
  .sort();

const machine: Machine = {
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
// How calm the machine is, before and after (see machine.ts): ratios from a disturbed machine mislead.
const before = await checkMachine(bench);
console.log(`Machine check before the run: ${describeCheck(before)}`);
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

const after = await checkMachine(bench);
console.log(`\nMachine check after the run: ${describeCheck(after)}`);
machine.check = { before, after };
// Against the published run (docs/assets/bench.json): a machine whose one-thread work runs slower than it did
// then moves every baseline, and its figures should not replace the published ones (see machine.ts).
const publishedPath = join(here, '..', '..', 'docs', 'assets', 'bench.json');
if (existsSync(publishedPath)) {
  const published = JSON.parse(readFileSync(publishedPath, 'utf8')) as {
    machine?: { check?: { before?: MachineCheck } };
  };
  const comparison = compareAllocation(before, published.machine?.check?.before);
  if (comparison) console.log(`Against the published run: ${comparison}`);
}

for (const path of writeOutputs({ machine, sections }, outputs)) console.log(`written: ${path}`);
process.exit(0);
