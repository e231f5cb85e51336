/**
 * Human reports in sections: a bold title, then label / value lines with
 * the values aligned, no table rules. Used where a command reports many
 * facts at once (cache:status).
 */
import type { Output } from './output.js';

/** One titled group of facts; lines with an empty value are left out. */
export interface Section {
  title?: string;
  lines: Array<[label: string, value: string | null | undefined]>;
}

/** Prints the sections, values aligned across all of them. */
export async function printSections(out: Output, sections: Section[]): Promise<void> {
  const style = await out.colors();
  const shown = sections
    .map((s) => ({ ...s, lines: s.lines.filter((l): l is [string, string] => l[1] !== null && l[1] !== undefined && l[1] !== '') }))
    .filter((s) => s.lines.length);
  const width = Math.max(...shown.flatMap((s) => s.lines.map(([label]) => label.length)));
  shown.forEach((section, i) => {
    if (i > 0) out.line('');
    if (section.title) out.line(style.bold(section.title));
    const indent = section.title ? '  ' : '';
    for (const [label, value] of section.lines) out.line(`${indent}${label.padEnd(width + (section.title ? 0 : 2))}  ${value}`);
  });
}
