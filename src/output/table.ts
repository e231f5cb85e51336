/** Tables for human output, through cli-table3 (loaded on first use), cut to fit the output's width. */
import { fitTable } from './fit.js';
import type { Output } from './output.js';

/** How a table gives way when it is wider than the output (see fitTable). */
export interface TableFit {
  /** Headings of the columns to drop first, least useful first. */
  drop?: readonly string[];
  /** Headings of the columns whose text may be shortened with an ellipsis. */
  shrink?: readonly string[];
}

/** Renders rows under a header as a table on stdout, at most `out.width` columns wide. */
export async function printTable(out: Output, head: string[], rows: Array<Array<string | number>>, fit: TableFit = {}): Promise<void> {
  const { default: Table } = await import('cli-table3');
  const style = await out.colors();
  // The compact frame: one border column per cell plus the last, one space of padding either side.
  const fitted = fitTable(head, rows.map((r) => r.map(String)), out.width, { ...fit, perColumn: 3, fixed: 1 });
  const table = new Table({ head: fitted.head.map((h) => style.bold(h)), style: { head: [], border: [], compact: true } });
  table.push(...fitted.rows);
  out.line(table.toString());
}
