/**
 * The documentation's code compiles against the library as it is: every ```ts block of the TSDoc comments in
 * `lib/`, of the guides and of the README (see spec/docs/examples.ts for how blocks are found and compiled).
 */

import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  checkExamples,
  collectExamples,
  createDocsProgram,
  type DocsProgram,
  type Example,
  examplesOfMarkdown,
  examplesOfSource,
  formatErrors,
  missingExamples,
  root,
  type Unfenced,
} from './examples';

describe('the examples checker', () => {
  it('finds the ```ts fences of TSDoc comments, with their lines, and flags an @example without a fence', () => {
    const source = [
      '/**', // 1
      ' * Does a thing.', // 2
      ' *', // 3
      ' * @example', // 4
      ' * ```ts', // 5
      " * import { Lock } from 'shared-sync';", // 6
      ' * new Lock().tryAcquire();', // 7
      ' * ```', // 8
      ' */', // 9
      'export function f(): void {}', // 10
      '/**', // 11
      ' * @example', // 12
      ' * f();', // 13
      ' * @returns nothing', // 14
      ' */', // 15
    ].join('\n');
    const { examples, unfenced } = examplesOfSource(join(root, 'lib/fake.ts'), source);
    expect(examples).toHaveLength(1);
    expect(examples[0].where).toBe('lib/fake.ts:6');
    expect(examples[0].code).toBe("import { Lock } from 'shared-sync';\nnew Lock().tryAcquire();\n");
    expect(examples[0].origins.map((o) => o.line)).toEqual([6, 7]);
    expect(unfenced).toEqual([{ where: 'lib/fake.ts:12' }]);
  });

  it('joins a `ts continued` Markdown fence to the block above it and skips other languages', () => {
    const markdown = [
      '# Title', // 1
      '```ts', // 2
      'const a = 1;', // 3
      '```', // 4
      'Prose.', // 5
      '```ts continued', // 6
      'const b = a + 1;', // 7
      '```', // 8
      '```js', // 9
      'not checked(', // 10
      '```', // 11
      '```typescript', // 12
      'const c = 3;', // 13
      '```', // 14
    ].join('\n');
    const examples = examplesOfMarkdown(join(root, 'docs/fake.md'), markdown);
    expect(examples.map((e) => e.code)).toEqual(['const a = 1;\nconst b = a + 1;\n', 'const c = 3;\n']);
    expect(examples[0].origins.map((o) => o.line)).toEqual([3, 7]);
  });

  it('reports a renamed method at the line of the documentation that uses it', () => {
    const example: Example = {
      where: 'docs/fake.md:10',
      source: 'docs',
      code: "import { Lock } from 'shared-sync';\nconst lock = new Lock();\nlock.acquireSyncRenamed();\n",
      origins: [10, 11, 12].map((line) => ({ file: 'docs/fake.md', line })),
    };
    const good: Example = {
      ...example,
      code: "import { Lock } from 'shared-sync';\nnew Lock().release();\n",
    };
    const errors = checkExamples(createDocsProgram([example, good]));
    expect(errors).toHaveLength(1);
    expect(errors[0].where).toBe('docs/fake.md:12');
    expect(errors[0].message).toMatch(/TS2551|TS2339/);
    expect(errors[0].message).toContain('acquireSyncRenamed');
  });
});

describe('the documentation of shared-sync', () => {
  let examples: Example[];
  let unfenced: Unfenced[];
  let docs: DocsProgram;

  beforeAll(() => {
    ({ examples, unfenced } = collectExamples());
    docs = createDocsProgram(examples);
  }, 120_000);

  it('has code blocks in the TSDoc of lib/ and in the guides', () => {
    expect(examples.filter((e) => e.source === 'lib').length).toBeGreaterThan(100);
    expect(examples.filter((e) => e.where.startsWith('docs/')).length).toBeGreaterThan(5);
    expect(examples.filter((e) => e.where.startsWith('README.md')).length).toBeGreaterThan(0);
  });

  it('has every @example in a ```ts fence, so that it is checked', () => {
    expect(unfenced.map((u) => u.where)).toEqual([]);
  });

  it('compiles every code block against lib/ (shared-sync → lib/index.ts)', () => {
    const errors = checkExamples(docs);
    expect(formatErrors(errors)).toBe('');
  }, 120_000);

  it('has an @example on every export of lib/index.ts and on every public method', () => {
    expect(missingExamples(docs)).toEqual([]);
  }, 60_000);
});
