/**
 * The benchmark chart and the Performance page's generated tables (spec/bench/chart.ts), from hand-made
 * results: bars follow the ratios, text is escaped, the page's generated block is replaced and nothing else.
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type BenchResults,
  describeRatio,
  PAGE_BEGIN,
  PAGE_END,
  parseOutputArgs,
  renderMarkdown,
  renderSvg,
  replaceGenerated,
  writeOutputs,
} from '../bench/chart';

const results: BenchResults = {
  machine: {
    cpu: 'Test CPU <x86> & co',
    cores: 2,
    memoryGiB: 8,
    node: 'v20.0.0',
    platform: 'linux-x64',
    date: '2026-01-02T03:04:05.000Z',
  },
  sections: [
    {
      title: 'Times',
      baseline: 'raw',
      rows: [
        { name: 'raw', value: 10, unit: 'ns/op', lowerIsBetter: true },
        { name: 'twice', value: 20, unit: 'ns/op', lowerIsBetter: true },
        { name: 'hundredfold', value: 1000, unit: 'ns/op', lowerIsBetter: true },
        { name: 'half', value: 5, unit: 'ns/op', lowerIsBetter: true },
      ],
      ratios: { raw: 1, twice: 2, hundredfold: 100, half: 0.5 },
    },
    {
      title: 'Rates | piped',
      baseline: 'postMessage',
      rows: [
        { name: 'postMessage', value: 1e6, unit: 'ops/s', lowerIsBetter: false },
        { name: 'Queue', value: 4e6, unit: 'ops/s', lowerIsBetter: false },
      ],
      ratios: { postMessage: 1, Queue: 0.25 },
      target: 'Queue faster than postMessage',
    },
  ],
};

/** The bars of the chart, by the row name in their tooltip: where they start and how wide they are. */
function bars(svg: string): Map<string, { x: number; width: number }> {
  const found = new Map<string, { x: number; width: number }>();
  for (const m of svg.matchAll(/<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"[^>]*><title>([^:<]+):/g)) {
    found.set(m[3], { x: Number(m[1]), width: Number(m[2]) });
  }
  return found;
}

describe('the benchmark chart', () => {
  it('draws one bar per non-baseline figure, longer for larger ratios, on a log scale', () => {
    const svg = renderSvg(results);
    const drawn = bars(svg);
    expect([...drawn.keys()].sort()).toEqual(['Queue', 'half', 'hundredfold', 'twice']);
    const twice = drawn.get('twice')!;
    const hundredfold = drawn.get('hundredfold')!;
    const half = drawn.get('half')!;
    // Slower bars start at the 1× line and go right; log scale: 100× is log(100)/log(2) ≈ 6.6 times as long as 2×.
    expect(hundredfold.x).toBeCloseTo(twice.x, 1);
    expect(hundredfold.width / twice.width).toBeCloseTo(Math.log(100) / Math.log(2), 1);
    // Faster bars end at the 1× line: 0.5× is as long as 2×, on the other side.
    expect(half.x + half.width).toBeCloseTo(twice.x, 1);
    expect(half.width).toBeCloseTo(twice.width, 1);
  });

  it('labels every row with its figure and ratio, and names the machine', () => {
    const svg = renderSvg(results);
    expect(svg).toContain('1000 ns/op, 100× slower');
    expect(svg).toContain('5.00 ns/op, 2.00× faster');
    expect(svg).toContain('4.00M ops/s, 4.00× faster');
    expect(svg).toContain('10.0 ns/op, baseline');
    expect(svg).toContain(
      'Test CPU &#60;x86&#62; &#38; co (2 cores, 8 GiB), Node v20.0.0, linux-x64, 2026-01-02',
    );
    expect(svg).not.toMatch(/<x86>|& co/);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
  });

  it('describes ratios in words', () => {
    expect(describeRatio(1, true)).toBe('baseline');
    expect(describeRatio(3.21, false)).toBe('3.21× slower');
    expect(describeRatio(0.1, false)).toBe('10.0× faster');
    expect(describeRatio(Number.NaN, false)).toBe('n/a');
  });
});

describe('the Performance page block', () => {
  it('renders a table per section, with the chart and the machine', () => {
    const md = renderMarkdown(results, 'assets/bench.svg');
    expect(md).toContain('![Benchmark ratios');
    expect(md).toContain('(assets/bench.svg)');
    expect(md).toContain('Measured on Test CPU <x86> & co (2 cores, 8 GiB)');
    expect(md).toContain('| **raw** | 10.0 ns/op | baseline |');
    expect(md).toContain('| hundredfold | 1000 ns/op | 100× slower |');
    expect(md).toContain('**Rates | piped**');
    expect(md).toContain('Target: Queue faster than postMessage.');
    expect(md).not.toContain('Machine check');
  });

  it('states the machine check of before and after the run, when the results have one', () => {
    const check = {
      before: { loopNs: [1.25, 1.5] as [number, number], handOffNs: 180.4, load: 0.4 },
      after: { loopNs: [1.2, 2.4] as [number, number], handOffNs: 512, load: 2.25 },
    };
    const md = renderMarkdown({ ...results, machine: { ...results.machine, check } });
    expect(md).toContain(
      'before the run, loop 1.25 / 1.50 ns per step on two threads at once (1.20× apart), hand-off round trip 180 ns, load 0.4;',
    );
    expect(md).toContain(
      'after it, loop 1.20 / 2.40 ns per step on two threads at once (2.00× apart), hand-off round trip 512 ns, load 2.3.',
    );
  });

  it('replaces only what is between the markers, and refuses a page without them', () => {
    const page = `# Title\n\nprose\n\n${PAGE_BEGIN}\nold results\n${PAGE_END}\n\nafter\n`;
    const updated = replaceGenerated(page, 'new results');
    expect(updated).toBe(`# Title\n\nprose\n\n${PAGE_BEGIN}\nnew results\n${PAGE_END}\n\nafter\n`);
    expect(replaceGenerated(updated, 'newer')).toContain(`${PAGE_BEGIN}\nnewer\n${PAGE_END}`);
    expect(() => replaceGenerated('# no markers', 'x')).toThrow(/no generated block/);
  });

  it('writes the JSON, the SVG and the page, with the chart linked relative to the page', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shared-sync-chart-'));
    try {
      const page = join(dir, 'performance.md');
      writeFileSync(page, `# Performance\n${PAGE_BEGIN}\n${PAGE_END}\n`);
      const outputs = { json: join(dir, 'assets/bench.json'), svg: join(dir, 'assets/bench.svg'), md: page };
      expect(writeOutputs(results, outputs)).toEqual([outputs.json, outputs.svg, outputs.md]);
      expect(JSON.parse(readFileSync(outputs.json, 'utf8'))).toEqual(results);
      expect(readFileSync(outputs.svg, 'utf8')).toBe(renderSvg(results));
      expect(readFileSync(page, 'utf8')).toContain('](assets/bench.svg)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('parses the output flags of `npm run bench` and leaves the filters', () => {
    expect(parseOutputArgs(['lock', '--json', 'a.json', 'queue', '--svg', 'b.svg', '--md', 'p.md'])).toEqual({
      outputs: { json: 'a.json', svg: 'b.svg', md: 'p.md' },
      rest: ['lock', 'queue'],
    });
    expect(() => parseOutputArgs(['--svg'])).toThrow(/--svg needs a file name/);
  });
});
