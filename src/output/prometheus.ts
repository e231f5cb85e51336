/**
 * The Prometheus text exposition format (version 0.0.4), for
 * `cache:status --format prometheus`: for node_exporter's textfile collector
 * or a scrape wrapper.
 *
 * Format: per metric family a `# HELP name text` and a `# TYPE name gauge|counter`
 * line, then one sample per line: `name{label="value",...} number`. Label
 * values escape backslash, double quote and newline; HELP text escapes
 * backslash and newline. Numbers are plain decimals (or NaN, +Inf).
 */

/** One sample of a family. */
export interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** A metric family and its samples. */
export interface Family {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  samples: Sample[];
}

const escapeLabel = (value: string): string => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const escapeHelp = (text: string): string => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** The exposition text; families without samples are left out. */
export function exposition(families: Family[]): string {
  const lines: string[] = [];
  for (const family of families) {
    if (family.samples.length === 0) continue;
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
    for (const { labels, value } of family.samples) {
      const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
      lines.push(`${family.name}${pairs.length ? `{${pairs.join(',')}}` : ''} ${formatNumber(value)}`);
    }
  }
  return lines.join('\n') + '\n';
}
