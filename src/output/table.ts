/** Tables for human output, through cli-table3 (loaded on first use). */
import type { Output } from './output.js';

/** Renders rows under a header as a table on stdout. */
export async function printTable(out: Output, head: string[], rows: Array<Array<string | number>>): Promise<void> {
  const { default: Table } = await import('cli-table3');
  const style = await out.colors();
  const table = new Table({ head: head.map((h) => style.bold(h)), style: { head: [], border: [], compact: true } });
  table.push(...rows.map((r) => r.map(String)));
  out.line(table.toString());
}
