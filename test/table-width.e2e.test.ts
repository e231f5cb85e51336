/**
 * Every table fits: the terminal's width on a pseudo-terminal, 80 columns
 * into a pipe unless --wide; names are shortened with an ellipsis and the
 * least useful columns go first. The --watch view redraws in place at 80
 * columns without leaving a line behind.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fitTable, truncate } from '../src/output/fit.js';
import { BIN, glueful, tempProject } from './helpers/cli.js';

let project: ReturnType<typeof tempProject>;
beforeAll(async () => {
  project = tempProject();
  // Long group names, several formats, every TTL bucket: the widest inspect table there is.
  const long = 'reports-by-region-and-quarter-for-the-finance-dashboard-export';
  const sets = [
    ['cache:set', `${long}:1`, '{"a":1}', '--json-value', '--ttl', '30s'],
    ['cache:set', `${long}:2`, 'text', '--ttl', '30m'],
    ['cache:set', `${long}:3`, 'text', '--ttl', '20h'],
    ['cache:set', `${long}:4`, 'text', '--ttl', '3d'],
    ['cache:set', `${long}:5`, 'text'],
    ['cache:set', 'session:abc', 'text'],
  ];
  for (const args of sets) await glueful(args, { cwd: project.dir });
}, 60_000);
afterAll(() => project.cleanup());

/** Runs the CLI on a pseudo-terminal `columns` wide; the screen as lines without colour or cursor codes. */
function onTerminal(args: string[], columns: number, killAfterMs?: number): Promise<{ code: number | null; lines: string[]; raw: string }> {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  return new Promise((resolve) => {
    const child = spawn('script', ['-qefc', `stty cols ${columns} rows 40 2>/dev/null; ${command}`, '/dev/null'], {
      cwd: project.dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, TERM: 'xterm', NO_COLOR: '1' },
    });
    let raw = '';
    child.stdout.on('data', (d: Buffer) => (raw += d));
    child.stdin.end();
    if (killAfterMs) setTimeout(() => child.kill('SIGINT'), killAfterMs);
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      // A move to column 1 (the spinner's redraw) starts the line again, as a carriage return does.
      const plain = raw.replace(/\x1b\[\d*G/g, '\r').replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
      resolve({ code, raw, lines: plain.split('\n').map((l) => l.split('\r').filter(Boolean).pop() ?? '') });
    });
  });
}

const widest = (lines: string[]) => Math.max(...lines.map((l) => [...l].length));

describe('fitTable', () => {
  it('drops the least useful columns first, then shortens names with an ellipsis', () => {
    const head = ['name', 'n', 'bar'];
    const rows = [['a-rather-long-name-for-a-group', '1', '██████████']];
    const dropped = fitTable(head, rows, 40, { drop: ['bar'], shrink: ['name'], perColumn: 3, fixed: 1 });
    expect(dropped.head).toEqual(['name', 'n']);
    const shrunk = fitTable(head, rows, 24, { drop: ['bar'], shrink: ['name'], perColumn: 3, fixed: 1 });
    expect(shrunk.rows[0]![0]).toBe('a-rather-long-n…');
    expect(shrunk.widths.reduce((t, w) => t + w + 3, 1)).toBeLessThanOrEqual(24);
    expect(truncate('abcdef', 4)).toBe('abc…');
  });
});

describe('cache:inspect', () => {
  it('into a pipe: at most 80 columns; --wide: the whole table', async () => {
    const piped = await glueful(['cache:inspect'], { cwd: project.dir });
    expect(piped.code).toBe(0);
    expect(widest(piped.stdout.split('\n'))).toBeLessThanOrEqual(80);
    expect(piped.stdout).toMatch(/reports-by-region[^ ]*…/);
    const wide = await glueful(['cache:inspect', '--wide'], { cwd: project.dir });
    expect(widest(wide.stdout.split('\n'))).toBeGreaterThan(80);
    expect(wide.stdout).toContain('reports-by-region-and-quarter-for-the-finance-dashboard-export:{id}');
    expect(wide.stdout).toMatch(/<1m.*<1h.*<1d.*longer/);
  });

  it.each([80, 120])('on a terminal %i columns wide: no line wider than the terminal', async (columns) => {
    const { code, lines } = await onTerminal(['cache:inspect'], columns);
    expect(code).toBe(0);
    expect(widest(lines)).toBeLessThanOrEqual(columns);
    expect(lines.join('\n')).toMatch(/group.*keys.*bytes/);
  });
});

describe('cache:status --watch', () => {
  it('at 80 columns redraws in place: each block moves up exactly the lines it drew, none wider than the terminal', async () => {
    const { lines, raw } = await onTerminal(['cache:status', '--watch', '0.3'], 80, 2000);
    expect(widest(lines)).toBeLessThan(80);
    // Every redraw moves up by the number of lines of the block before (header + table head + row = 3).
    const moves = [...raw.matchAll(/\x1b\[(\d+)F/g)].map((m) => Number(m[1]));
    expect(moves.length).toBeGreaterThanOrEqual(2);
    expect(new Set(moves)).toEqual(new Set([3]));
  }, 30_000);
});
