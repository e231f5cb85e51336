/**
 * The house, checked: the import graph of src/ and commands/ has no cycle,
 * and the arrows point one way — bin → commands → config, output, services
 * → core ← drivers. The core imports no driver, and nothing below the
 * commands imports a command or renders output.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [join(dir, e.name)] : [],
  );
}

/** Each module's relative imports (static and dynamic, type-only included), as repository paths. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of [...sources('src'), ...sources('commands')]) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const targets = [...text.matchAll(/(?:from\s+|import\s*\(?)\s*'(\.{1,2}\/[^']+)'/g)].map((m) =>
      relative(ROOT, resolve(ROOT, dirname(file), m[1]!)).replace(/\.js$/, '.ts'),
    );
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

const graph = importGraph();
const layer = (file: string): string => {
  if (file.startsWith('commands/')) return 'commands';
  if (file.startsWith('src/core/')) return 'core';
  if (file.startsWith('src/drivers/')) return 'drivers';
  if (file.startsWith('src/output/')) return 'output';
  if (file.startsWith('src/config/')) return 'config';
  if (file === 'src/index.ts' || file === 'src/store.ts') return 'library'; // the public entry, and the core handed the registry
  return 'services'; // tags, stampede, warmup
};

describe('the import graph', () => {
  it('finds the modules it checks (the check itself can see something)', () => {
    expect(graph.get('src/drivers/registry.ts')).toEqual(expect.arrayContaining(['src/drivers/file/index.ts', 'src/core/errors.ts']));
    expect(graph.size).toBeGreaterThan(40);
  });

  it('has no cycle', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...path.slice(path.indexOf(file)), file].join(' → '));
        return;
      }
      state.set(file, 'open');
      for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it('points one way: the core imports only the core; nothing below commands imports a command or renders', () => {
    const allowed: Record<string, string[]> = {
      core: ['core'],
      drivers: ['core', 'drivers'],
      config: ['core', 'config'],
      output: ['core', 'config', 'output'],
      services: ['core', 'config', 'services'],
      library: ['core', 'config', 'services', 'drivers', 'library'],
      commands: ['commands', 'core', 'config', 'output', 'services', 'library'],
    };
    const wrong: string[] = [];
    for (const [file, targets] of graph) {
      for (const target of targets) if (!allowed[layer(file)]!.includes(layer(target))) wrong.push(`${file} → ${target}`);
    }
    expect(wrong).toEqual([]);
  });

  it('keeps each driver in its own folder: drivers import another driver only through the registry', () => {
    const driverOf = (file: string) => /^src\/drivers\/([^/]+)\//.exec(file)?.[1];
    const crossing = [...graph].flatMap(([file, targets]) =>
      targets.filter((t) => driverOf(file) && driverOf(t) && driverOf(t) !== driverOf(file)).map((t) => `${file} → ${t}`),
    );
    expect(crossing).toEqual([]);
  });
});

describe('the commands', () => {
  it("declare their own options: none is declared in the entry or in another command's module", async () => {
    const entry = readFileSync(join(ROOT, 'commands/index.ts'), 'utf8');
    const { buildProgram } = await import('../commands/index.js');
    const program = buildProgram(async () => undefined);
    const misplaced: string[] = [];
    for (const cmd of program.commands) {
      const name = cmd.name().replace(/^cache:/, '');
      const own = readFileSync(join(ROOT, 'commands', `${name}.ts`), 'utf8');
      for (const option of cmd.options) {
        if (!own.includes(`'${option.flags}'`)) misplaced.push(`${cmd.name()} ${option.flags}: not in commands/${name}.ts`);
        if (entry.includes(`'${option.flags}'`)) misplaced.push(`${cmd.name()} ${option.flags}: in commands/index.ts`);
      }
    }
    expect(program.commands.map((c) => c.name()).filter((n) => !n.startsWith('cache:'))).toEqual(['completion']);
    // Every cache:* command, plus `completion`.
    expect(program.commands.filter((c) => c.name().startsWith('cache:')).length).toBe(14);
    expect(misplaced).toEqual([]);
  });
});
