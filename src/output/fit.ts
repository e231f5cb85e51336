/**
 * Tables that fit: the terminal's width (a pipe counts as 80 columns, as
 * gh and npm do, unless --wide), reached by dropping the least useful
 * columns first, then shortening the longest text with an ellipsis.
 */

/** The width of what the terminal shows for `text` (colour codes take none). */
export function visibleLength(text: string): number {
  return [...text.replace(/\x1b\[[0-9;]*m/g, '')].length;
}

/** `text` cut to `width` columns, the cut marked with an ellipsis. */
export function truncate(text: string, width: number): string {
  if (visibleLength(text) <= width) return text;
  if (width <= 1) return '…'.slice(0, width);
  return [...text.replace(/\x1b\[[0-9;]*m/g, '')].slice(0, width - 1).join('') + '…';
}

/** How a table may give way when it is too wide. */
export interface FitRules {
  /** Column headings, least useful first: dropped in this order. */
  drop?: readonly string[];
  /** Column headings whose text may be shortened (names, descriptions). */
  shrink?: readonly string[];
  /** Columns added by the frame: `perColumn` for each column, `fixed` once. */
  perColumn: number;
  fixed: number;
}

/** The narrowest a shortened column gets (enough to tell names apart). */
const MIN_SHRUNK = 12;

/** A table cut to fit `width`: its headings, rows and each column's width (text only, without the frame). */
export interface FittedTable {
  head: string[];
  rows: string[][];
  widths: number[];
}

/** Drops and shortens columns of `head` / `rows` until the table is at most `width` columns wide. */
export function fitTable(head: readonly string[], rows: readonly string[][], width: number, rules: FitRules): FittedTable {
  let keep = head.map((_, i) => i);
  const natural = head.map((h, i) => Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i] ?? ''))));
  const total = (columns: number[], widths: number[]) => columns.reduce((t, c) => t + widths[c]! + rules.perColumn, rules.fixed);
  for (const name of rules.drop ?? []) {
    if (total(keep, natural) <= width) break;
    keep = keep.filter((i) => head[i] !== name);
  }
  const widths = [...natural];
  const shrinkable = keep.filter((i) => rules.shrink?.includes(head[i]!));
  // Take a column at a time off the widest shrinkable one, down to MIN_SHRUNK.
  while (total(keep, widths) > width) {
    const widest = shrinkable.filter((i) => widths[i]! > MIN_SHRUNK).sort((a, b) => widths[b]! - widths[a]!)[0];
    if (widest === undefined) break;
    widths[widest] = Math.max(MIN_SHRUNK, widths[widest]! - (total(keep, widths) - width));
  }
  return {
    head: keep.map((i) => truncate(head[i]!, widths[i]!)),
    rows: rows.map((r) => keep.map((i) => truncate(r[i] ?? '', widths[i]!))),
    widths: keep.map((i) => widths[i]!),
  };
}
