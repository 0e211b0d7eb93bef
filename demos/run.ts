/**
 * Runs the demos: `npm run demo -- <name>` runs one, `npm run demos` (`--all`) runs all four in turn.
 * `npm run demo -- tickets --redis` runs the processes-and-Redis variant of a demo that has one.
 * Exits non-zero when a demo failed to show its lesson (or crashed), or for an unknown name.
 * `npm run demo -- bank --web` serves the bank race as a live web page instead (see bank/web.ts).
 */
import { painter } from './support/color';

const DEMOS = ['bank', 'deadlock', 'tickets', 'countdown'] as const;
/** Demos with a variant across processes on Redis (`demos/<name>/redis-main.ts`). */
const REDIS_VARIANTS: readonly string[] = ['tickets'];
type DemoName = (typeof DEMOS)[number];

interface DemoModule {
  main(print?: (line: string) => void): Promise<boolean>;
}

async function runOne(name: DemoName, redis = false): Promise<boolean> {
  const paint = painter();
  const title = redis ? `${name} --redis` : name;
  console.log(paint.bold(`── ${title} ${'─'.repeat(Math.max(0, 60 - title.length))}`));
  try {
    const demo = (await import(redis ? `./${name}/redis-main.ts` : `./${name}/main.ts`)) as DemoModule;
    const shown = await demo.main();
    console.log(shown ? paint.green(`${name}: lesson shown`) : paint.red(`${name}: lesson NOT shown`));
    return shown;
  } catch (err) {
    console.log(
      paint.red(`${name}: failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`),
    );
    return false;
  }
}

/** `bank --web [--port N]`: serves the bank race as a live web page until Ctrl-C. */
async function web(names: readonly string[], args: readonly string[]): Promise<number> {
  if (names.length !== 1 || names[0] !== 'bank') {
    console.error('usage: npm run demo -- bank --web [--port N]   (only the bank demo has a web page)');
    return 2;
  }
  const at = args.indexOf('--port');
  const port = at >= 0 ? Number(args[at + 1]) : 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    console.error(`--port must be a port number, got ${args[at + 1]}`);
    return 2;
  }
  const { serveUntilStopped } = await import('./bank/web');
  return (await serveUntilStopped(port)) ? 0 : 1;
}

async function cli(args: readonly string[]): Promise<number> {
  const all = args.includes('--all');
  const redis = args.includes('--redis');
  const names = all ? [...DEMOS] : args.filter((a, i) => !a.startsWith('-') && args[i - 1] !== '--port');
  if (args.includes('--web')) return web(names, args);
  const unknown = names.filter((n) => !(DEMOS as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0) {
    console.error(
      (unknown.length > 0 ? `unknown demo: ${unknown.join(', ')}\n` : '') +
        `usage: npm run demo -- <${DEMOS.join('|')}>   or   npm run demos   or   npm run demo -- bank --web`,
    );
    return 2;
  }
  const noVariant = redis ? names.filter((n) => !REDIS_VARIANTS.includes(n)) : [];
  if (noVariant.length > 0) {
    console.error(
      `no --redis variant of: ${noVariant.join(', ')} (there is one of: ${REDIS_VARIANTS.join(', ')})`,
    );
    return 2;
  }
  let failed = 0;
  for (const [i, name] of names.entries()) {
    if (i > 0) console.log('');
    if (!(await runOne(name as DemoName, redis))) failed++;
  }
  if (names.length > 1) {
    console.log('');
    console.log(failed === 0 ? `all ${names.length} demos showed their lesson` : `${failed} demo(s) failed`);
  }
  return failed === 0 ? 0 : 1;
}

process.exitCode = await cli(process.argv.slice(2));
