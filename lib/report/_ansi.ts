/**
 * Terminal colour for the text tables. The codes are written here rather than
 * through cli-table3's `style` option: that goes through @colors/colors, which
 * decides for itself (TTY, TERM, CI) whether to colour, while splleed decides
 * once, in the CLI, and a renderer asked for colour must give it.
 *
 * @module
 */

/** ANSI foreground colours used by the reports. */
export const FG = { red: 31, green: 32, yellow: 33, cyan: 36, grey: 90 } as const;

/** `text` in the foreground colour `code`, reset to the default after. */
export function paint(code: number, text: string): string {
  return `\x1b[${code}m${text}\x1b[39m`;
}

/** Runs of box-drawing characters (U+2500–U+257F): a table's borders. */
const BORDER = /[\u2500-\u257f]+/g;

/** A rendered box table with its borders in grey. */
export function greyBorders(table: string): string {
  return table.replace(BORDER, (b) => paint(FG.grey, b));
}
