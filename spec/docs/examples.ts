/**
 * Type-checks the documentation's code: every ```ts fence in a TSDoc comment of `lib/` (the `@example`s, which
 * the site shows), every ```ts fence of the guides (`docs/*.md`, `docs/demos/*.md`) and of the README.
 *
 * Each block becomes its own module in memory, where `shared-sync` resolves to `lib/index.ts`, and the whole set
 * is checked in one TypeScript program with the project's compiler options. A renamed method therefore breaks
 * `npm test` (spec/docs/examples.spec.ts) and `npm run docs`, not the reader.
 *
 * Conventions for Markdown: a fence whose info string is `ts continued` is appended to the previous ```ts block
 * of the same file (for prose between two halves of one program); code that is not meant to compile goes in a
 * ```text or ```js fence.
 *
 * Run directly (`tsx spec/docs/examples.ts`) it prints the failures and exits 1 when there are any.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Where one line of an example comes from. */
interface Origin {
  file: string;
  line: number;
}

/** One code block to compile: its text and, for each of its lines, where that line comes from. */
export interface Example {
  /** `file:line` of the fence's first code line, for messages. */
  where: string;
  /** `lib` for TSDoc comments, `docs` for Markdown. */
  source: 'lib' | 'docs';
  code: string;
  origins: Origin[];
}

/** An `@example` whose code is not in a ```ts fence, so it cannot be checked (typedoc would show it as code). */
export interface Unfenced {
  where: string;
}

const FENCE_OPEN = /^\s*```\s*(ts|typescript|tsx)\b\s*(.*)$/;
const FENCE_CLOSE = /^\s*```\s*$/;

function walk(dir: string, accept: (path: string) => boolean): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(path, accept));
    else if (accept(path)) out.push(path);
  }
  return out.sort();
}

/** The source files whose TSDoc is checked: everything under `lib/`. */
export function libFiles(): string[] {
  return walk(join(root, 'lib'), (p) => p.endsWith('.ts'));
}

/** The Markdown files whose code is checked: the README and the guides. */
export function markdownFiles(): string[] {
  return [join(root, 'README.md'), ...walk(join(root, 'docs'), (p) => p.endsWith('.md'))];
}

/**
 * The ```ts fences inside the `/** … *\/` comments of one source file, and the `@example` tags without one.
 */
export function examplesOfSource(
  path: string,
  text = readFileSync(path, 'utf8'),
): {
  examples: Example[];
  unfenced: Unfenced[];
} {
  const file = relative(root, path);
  const examples: Example[] = [];
  const unfenced: Unfenced[] = [];
  for (const match of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const firstLine = text.slice(0, match.index).split('\n').length;
    const lines = match[0]
      .replace(/^\/\*\*/, '')
      .replace(/\*\/$/, '')
      .split('\n')
      .map((line) => line.replace(/^\s*\* ?/, ''));
    let block: Example | undefined;
    let exampleAt: number | undefined; // line of an @example tag whose section has no fence yet
    lines.forEach((line, i) => {
      const lineNo = firstLine + i;
      if (block) {
        if (FENCE_CLOSE.test(line)) {
          examples.push(block);
          block = undefined;
        } else {
          block.code += `${line}\n`;
          block.origins.push({ file, line: lineNo });
        }
        return;
      }
      const open = FENCE_OPEN.exec(line);
      if (open) {
        exampleAt = undefined;
        block = { where: `${file}:${lineNo + 1}`, source: 'lib', code: '', origins: [] };
        return;
      }
      if (/^\s*@\w+/.test(line)) {
        if (exampleAt !== undefined) unfenced.push({ where: `${file}:${exampleAt}` });
        exampleAt = /^\s*@example\b/.test(line) ? lineNo : undefined;
      }
    });
    if (exampleAt !== undefined) unfenced.push({ where: `${file}:${exampleAt}` });
  }
  return { examples, unfenced };
}

/** The ```ts fences of one Markdown file; `ts continued` fences are appended to the previous block. */
export function examplesOfMarkdown(path: string, text = readFileSync(path, 'utf8')): Example[] {
  const file = relative(root, path);
  const examples: Example[] = [];
  let block: Example | undefined;
  let continuing = false;
  text.split('\n').forEach((line, i) => {
    const lineNo = i + 1;
    if (block) {
      if (FENCE_CLOSE.test(line)) {
        if (!continuing) examples.push(block);
        block = undefined;
      } else {
        block.code += `${line}\n`;
        block.origins.push({ file, line: lineNo });
      }
      return;
    }
    const open = FENCE_OPEN.exec(line);
    if (!open) return;
    continuing = /\bcontinued\b/.test(open[2]);
    const previous = examples.at(-1);
    if (continuing && !previous)
      throw new Error(`${file}:${lineNo}: a \`ts continued\` fence needs a ts block above it`);
    block = continuing ? previous : { where: `${file}:${lineNo + 1}`, source: 'docs', code: '', origins: [] };
  });
  return examples;
}

/** Every block to check, in a stable order. */
export function collectExamples(): { examples: Example[]; unfenced: Unfenced[] } {
  const examples: Example[] = [];
  const unfenced: Unfenced[] = [];
  for (const path of libFiles()) {
    const found = examplesOfSource(path);
    examples.push(...found.examples);
    unfenced.push(...found.unfenced);
  }
  for (const path of markdownFiles()) examples.push(...examplesOfMarkdown(path));
  return { examples, unfenced };
}

/** The project's compiler options, with `shared-sync` mapped to the sources and every file a module. */
function compilerOptions(): ts.CompilerOptions {
  const configPath = join(root, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, ts.sys.readFile);
  if (config.error) throw new Error(ts.flattenDiagnosticMessageText(config.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root, undefined, configPath);
  return {
    ...parsed.options,
    noEmit: true,
    baseUrl: root,
    paths: { 'shared-sync': ['lib/index.ts'], 'shared-sync/redis': ['lib/redis/index.ts'] },
    // A block without imports that uses top-level await is still a module.
    moduleDetection: ts.ModuleDetectionKind.Force,
    noUnusedLocals: false,
    noUnusedParameters: false,
  };
}

/** One compile error, located in the documentation it came from. */
export interface ExampleError {
  where: string;
  message: string;
  /** The offending line of the example. */
  code: string;
}

/** A program holding `lib/index.ts` and every example, each example as an in-memory module. */
export interface DocsProgram {
  program: ts.Program;
  examples: Map<string, Example>;
}

/** Creates the one TypeScript program both checks use. */
export function createDocsProgram(examples: readonly Example[]): DocsProgram {
  const dir = join(root, 'spec/docs/.examples');
  const virtual = new Map<string, Example>();
  examples.forEach((example, i) => {
    virtual.set(join(dir, `example-${String(i).padStart(4, '0')}.ts`), example);
  });
  const options = compilerOptions();
  const host = ts.createCompilerHost(options, true);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (name) => virtual.has(resolve(name)) || fileExists.call(host, name);
  host.readFile = (name) => virtual.get(resolve(name))?.code ?? readFile.call(host, name);
  host.getSourceFile = (name, languageVersion, onError, shouldCreate) => {
    const example = virtual.get(resolve(name));
    return example
      ? ts.createSourceFile(name, example.code, languageVersion, true)
      : getSourceFile.call(host, name, languageVersion, onError, shouldCreate);
  };
  const program = ts.createProgram([join(root, 'lib/index.ts'), ...virtual.keys()], options, host);
  return { program, examples: virtual };
}

/** The compile errors of the examples, each located in the documentation it came from. */
export function checkExamples({ program, examples }: DocsProgram): ExampleError[] {
  const errors: ExampleError[] = [];
  for (const [name, example] of examples) {
    const sourceFile = program.getSourceFile(name);
    if (!sourceFile) throw new Error(`examples: ${example.where} was not compiled`);
    const diagnostics = [
      ...program.getSyntacticDiagnostics(sourceFile),
      ...program.getSemanticDiagnostics(sourceFile),
    ];
    for (const diagnostic of diagnostics) {
      const line =
        diagnostic.start === undefined ? 0 : sourceFile.getLineAndCharacterOfPosition(diagnostic.start).line;
      const origin = example.origins[line] ?? example.origins[0];
      errors.push({
        where: origin ? `${origin.file}:${origin.line}` : example.where,
        message: `TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}`,
        code: example.code.split('\n')[line]?.trim() ?? '',
      });
    }
  }
  return errors;
}

/**
 * The public API that has no `@example`: exports of `lib/index.ts` (classes, functions, types) and the public
 * methods of exported classes (members tagged `@internal` are not public). Returns `name (file:line)` entries.
 */
export function missingExamples({ program }: DocsProgram): string[] {
  const checker = program.getTypeChecker();
  const index = program.getSourceFile(join(root, 'lib/index.ts'));
  const moduleSymbol = index && checker.getSymbolAtLocation(index);
  if (!moduleSymbol) throw new Error('examples: lib/index.ts has no module symbol');
  const missing = new Set<string>();
  const locate = (declaration: ts.Declaration): string => {
    const sourceFile = declaration.getSourceFile();
    const { line } = sourceFile.getLineAndCharacterOfPosition(declaration.getStart());
    return `${relative(root, sourceFile.fileName)}:${line + 1}`;
  };
  const hasTag = (symbol: ts.Symbol, tag: string): boolean =>
    symbol.getJsDocTags(checker).some((t) => t.name === tag);
  const isPublicLibMember = (declaration: ts.Declaration): boolean => {
    if (!declaration.getSourceFile().fileName.startsWith(join(root, 'lib'))) return false;
    const flags = ts.getCombinedModifierFlags(declaration);
    if (flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) return false;
    const name = ts.getNameOfDeclaration(declaration);
    return !(name && ts.isPrivateIdentifier(name));
  };
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const declaration = symbol.declarations?.[0];
    if (!declaration) continue;
    if (!hasTag(symbol, 'example')) missing.add(`${exported.name} (${locate(declaration)})`);
    if (!(symbol.flags & ts.SymbolFlags.Class)) continue;
    const members = [
      ...checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(symbol)),
      ...checker.getPropertiesOfType(checker.getTypeOfSymbol(symbol)).filter((m) => m.name !== 'prototype'),
    ];
    for (const member of members) {
      if (!(member.flags & ts.SymbolFlags.Method)) continue;
      const memberDeclaration = member.declarations?.find(isPublicLibMember);
      if (!memberDeclaration || hasTag(member, 'internal') || hasTag(member, 'example')) continue;
      const owner = (memberDeclaration.parent as ts.ClassDeclaration).name?.text ?? symbol.name;
      missing.add(`${owner}.${member.name} (${locate(memberDeclaration)})`);
    }
  }
  return [...missing].sort();
}

/** Formats errors one per line: `file:line  TSxxxx: message  |  code`. */
export function formatErrors(errors: readonly ExampleError[]): string {
  return errors.map((e) => `${e.where}  ${e.message}\n    | ${e.code}`).join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { examples, unfenced } = collectExamples();
  const docs = createDocsProgram(examples);
  const errors = checkExamples(docs);
  const missing = missingExamples(docs);
  for (const m of missing) console.error(`${m}  exported without an @example`);
  for (const u of unfenced)
    console.error(`${u.where}  @example without a \`\`\`ts fence: it cannot be checked`);
  if (errors.length > 0) console.error(formatErrors(errors));
  console.log(
    `examples: ${examples.length} blocks checked, ${errors.length} errors, ${unfenced.length} unfenced @example, ${missing.length} without @example`,
  );
  process.exit(errors.length + unfenced.length + missing.length > 0 ? 1 : 0);
}
