/**
 * Colored output for the demos, only where it can be seen: never when `NO_COLOR` is set (https://no-color.org),
 * always when `FORCE_COLOR` is set (and not `0`), otherwise only on a terminal that reports colors. Piped output
 * therefore carries no escape codes.
 */

/** Whether `stream` should receive ANSI colors. */
export function colorEnabled(stream: NodeJS.WriteStream = process.stdout): boolean {
  const env = process.env;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && (typeof stream.hasColors !== 'function' || stream.hasColors());
}

type Style = (text: string) => string;

/** The styles the demos use; each is the identity when colors are off. */
export interface Paint {
  readonly enabled: boolean;
  readonly red: Style;
  readonly green: Style;
  readonly yellow: Style;
  readonly blue: Style;
  readonly magenta: Style;
  readonly cyan: Style;
  readonly dim: Style;
  readonly bold: Style;
  /** A stable color per actor number (0 = main thread), so one worker keeps its color down a timeline. */
  readonly actor: (actor: number, text: string) => string;
}

const CODES = {
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
  dim: [2, 22],
  bold: [1, 22],
} as const;

/** Builds the styles, colored or not. */
export function painter(enabled: boolean = colorEnabled()): Paint {
  const style =
    (name: keyof typeof CODES): Style =>
    (text) =>
      enabled ? `\u001b[${CODES[name][0]}m${text}\u001b[${CODES[name][1]}m` : text;
  const palette: Style[] = [style('bold'), style('cyan'), style('magenta'), style('yellow'), style('blue')];
  return {
    enabled,
    red: style('red'),
    green: style('green'),
    yellow: style('yellow'),
    blue: style('blue'),
    magenta: style('magenta'),
    cyan: style('cyan'),
    dim: style('dim'),
    bold: style('bold'),
    actor: (actor, text) => palette[actor === 0 ? 0 : 1 + ((actor - 1) % (palette.length - 1))](text),
  };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escape sequences is the point
const ANSI = /\u001b\[[0-9;]*m/g;

/** The length of `text` as shown, without escape codes. */
export function visibleLength(text: string): number {
  return text.replace(ANSI, '').length;
}

/** Pads `text` with spaces to `width` visible characters. */
export function padVisible(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - visibleLength(text)));
}

/** Two columns of lines side by side, the left one padded to `width`. */
export function sideBySide(left: readonly string[], right: readonly string[], width: number): string[] {
  const rows = Math.max(left.length, right.length);
  const out: string[] = [];
  for (let i = 0; i < rows; i++)
    out.push(`${padVisible(left[i] ?? '', width)} │ ${right[i] ?? ''}`.trimEnd());
  return out;
}
