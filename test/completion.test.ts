/**
 * Shell completion: the candidates (in-process, against a real file store
 * for keys), the bash script loaded by a real bash, and Tab pressed in an
 * interactive bash on a pseudo-terminal.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../commands/index.js';
import { complete, completionScript, storeLookups, type CompletionLookups } from '../commands/completion.js';
import { BIN, glueful, tempProject } from './helpers/cli.js';

let project: ReturnType<typeof tempProject>;
let binDir: string;
beforeAll(async () => {
  project = tempProject();
  writeFileSync(join(project.dir, 'cache.config.json'), JSON.stringify({ stores: { file: { path: 'var/cache' }, other: { driver: 'file', path: 'var/other' } } }));
  for (const key of ['greeting', 'user:1', 'user:2', 'session:abc']) await glueful(['cache:set', key, 'hello'], { cwd: project.dir });
  // `glueful` on PATH, as a global install puts it.
  binDir = join(project.dir, 'bin');
  mkdirSync(binDir);
  writeFileSync(join(binDir, 'glueful'), `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`);
  chmodSync(join(binDir, 'glueful'), 0o755);
}, 60_000);
afterAll(() => project.cleanup());

const program = () => buildProgram(async () => undefined);
const none: CompletionLookups = { stores: async () => [], keys: async () => [] };

describe('candidates (in-process)', () => {
  it('commands, options of the command, fixed values, shells', async () => {
    expect(await complete(program(), ['cache:st'], none)).toEqual(['cache:status']);
    expect(await complete(program(), [''], none)).toContain('completion');
    expect(await complete(program(), ['cache:status', '--fa'], none)).toEqual(['--fail-on-alert']);
    expect(await complete(program(), ['cache:get', '--'], none)).toEqual(expect.arrayContaining(['--raw', '--json', '--store', '--help']));
    expect(await complete(program(), ['cache:set', 'k', 'v', '--t'], none)).toEqual(['--tag', '--ttl']); // not the hidden --tags
    expect(await complete(program(), ['cache:status', '--format', ''], none)).toEqual(['human', 'prometheus']);
    expect(await complete(program(), ['completion', ''], none)).toEqual(['bash', 'fish', 'zsh']);
  });

  it('store names and keys from the config and the store, within the prefix typed', async () => {
    const config = join(project.dir, 'cache.config.json');
    expect(await complete(program(), ['--config', config, '--store', ''], storeLookups)).toEqual(['file', 'other']);
    expect(await complete(program(), ['--config', config, 'cache:get', 'us'], storeLookups)).toEqual(['user:1', 'user:2']);
    expect(await complete(program(), ['--config', config, 'cache:delete', 'a', 'g'], storeLookups)).toEqual(['greeting']);
    expect(await complete(program(), ['--config', config, '--store', 'other', 'cache:ttl', ''], storeLookups)).toEqual([]);
  });

  it('glueful __complete prints them one per line, and a store that is down costs at most a second', async () => {
    const keys = await glueful(['__complete', 'cache:get', 'user:'], { cwd: project.dir });
    expect([keys.code, keys.stdout, keys.stderr]).toEqual([0, 'user:1\nuser:2\n', '']);
    const started = performance.now();
    const down = await glueful(['__complete', 'cache:get', ''], { cwd: project.dir, env: { CACHE_DRIVER: 'redis', REDIS_HOST: '10.255.255.1', REDIS_PORT: '6379' } });
    expect([down.code, down.stdout]).toEqual([0, '']);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

describe('the scripts', () => {
  it('bash loads the script and completes `glueful cache:st` to cache:status, and keys after a colon', () => {
    const script = `
      source <(glueful completion bash) || exit 9
      ask() { COMP_LINE="$1"; COMP_POINT=\${#COMP_LINE}; _glueful_complete; echo "\${COMPREPLY[*]}"; }
      ask "glueful cache:st"
      ask "glueful cache:get user:"
      complete -p glueful`;
    const result = spawnSync('bash', ['--norc', '--noprofile', '-c', script], { cwd: project.dir, env: { PATH: `${binDir}:${process.env.PATH}`, HOME: project.dir }, encoding: 'utf8' });
    // bash breaks words at ':', so the reply completes the part after it: "cache:" + "status".
    expect(result.stdout.split('\n')).toEqual(['status', '1 2', 'complete -o default -F _glueful_complete glueful', '']);
  });

  it.each(['zsh', 'fish'] as const)('prints a %s script that asks glueful __complete', (shell) => {
    expect(completionScript(shell)).toContain('glueful __complete');
  });

  // scripts/test-deps.sh installs fish and zsh; under CI a missing shell fails rather than skips.
  it.skipIf(!has('fish') && !process.env.CI)('fish loads its script and completes commands, keys and store names', () => {
    const script = 'glueful completion fish | source; complete -C "glueful cache:st"; complete -C "glueful cache:get user:"; complete -C "glueful --store "';
    const result = spawnSync('fish', ['--no-config', '-c', script], { cwd: project.dir, env: { PATH: `${binDir}:${process.env.PATH}`, HOME: project.dir }, encoding: 'utf8' });
    expect(result.stdout.split('\n')).toEqual(['cache:status', 'user:1', 'user:2', 'file', 'other', '']);
  });

  it.skipIf(!has('zsh') && !process.env.CI)('zsh loads its script and Tab completes `glueful cache:st` on a pseudo-terminal', async () => {
    const typed = ['autoload -U compinit; compinit -u; source <(glueful completion zsh)\n', 'glueful cache:st\t', ' --help | head -1\n', 'exit\n'];
    const screen = await typeInto('zsh -f -i', typed, { PS1: '%% ' });
    expect(screen).toMatch(/Usage: glueful cache:status/);
  }, 30_000);
});

function has(program: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${program}`]).status === 0;
}

/** Starts `shell` on a pseudo-terminal and types `typed` at it, a piece every 1.5 s (each Tab runs glueful). */
function typeInto(shell: string, typed: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise<string>((resolve) => {
    const child = spawn('script', ['-qefc', `stty cols 100 rows 30; ${shell}`, '/dev/null'], {
      cwd: project.dir,
      env: { PATH: `${binDir}:${process.env.PATH}`, HOME: project.dir, TERM: 'xterm', NO_COLOR: '1', ...env },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    typed.forEach((piece, i) => setTimeout(() => child.stdin.write(piece), 300 + i * 1500));
    setTimeout(() => child.stdin.end(), 300 + typed.length * 1500);
    const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    child.on('close', () => (clearTimeout(timer), resolve(out)));
  });
}

describe('on a pseudo-terminal', () => {
  it('Tab in an interactive bash completes the command and a key', async () => {
    const typed = ['source <(glueful completion bash)\n', 'glueful cache:st\t --help | head -1\n', 'glueful cache:get gre\t\n', 'exit\n'];
    const screen = await typeInto('bash --norc --noprofile -i', typed, { PS1: '$ ' });
    expect(screen).toContain('glueful cache:status  --help | head -1'); // the Tab added 'atus' and a space
    expect(screen).toMatch(/Usage: glueful cache:status/);
    expect(screen).toContain('glueful cache:get greeting');
    expect(screen).toMatch(/^hello\r?$/m);
  }, 30_000);
});
