/**
 * The README is the site's front page: it links to every guide and demo page, its Python rows are the first
 * rows of the guide's table (so the two cannot drift apart), and it keeps the two commands of a fresh machine.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from './examples';

const readme = readFileSync(join(root, 'README.md'), 'utf8');

function tableRows(markdown: string): string[] {
  return markdown
    .split('\n')
    .filter((line) => /^\|.*\|$/.test(line.trim()) && !/^\|[-:| ]+\|$/.test(line.trim()))
    .map((line) => line.trim());
}

describe('the README', () => {
  it('links to every guide and every demo page', () => {
    const pages = [
      ...readdirSync(join(root, 'docs'))
        .filter((f) => f.endsWith('.md'))
        .map((f) => `docs/${f}`),
      ...readdirSync(join(root, 'docs/demos'))
        .filter((f) => f.endsWith('.md'))
        .map((f) => `docs/demos/${f}`),
    ];
    expect(pages.length).toBeGreaterThan(6);
    for (const page of pages) expect(readme, `a link to ${page}`).toContain(`](${page})`);
  });

  it('shows the first rows of the Python mapping, exactly as the From Python guide has them', () => {
    const section = readme.slice(readme.indexOf('## Coming from Python'), readme.indexOf('## Documentation'));
    const rows = tableRows(section);
    expect(rows.length).toBeGreaterThan(5);
    const guide = readFileSync(join(root, 'docs/from-python.md'), 'utf8');
    const firstTable = tableRows(
      guide.slice(guide.indexOf('## threading'), guide.indexOf('## multiprocessing')),
    );
    expect(rows).toEqual(firstTable.slice(0, rows.length));
  });

  it('keeps the two commands of a fresh machine', () => {
    expect(readme).toMatch(/^npm ci && npm run demos\b/m);
    expect(readme).toMatch(/^npm test\b/m);
  });
});
