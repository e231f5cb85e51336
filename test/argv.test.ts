/**
 * argv → command, arguments and options, in-process: the program built
 * from every command's own declaration, with a recorder in place of the
 * handlers. Combinations that make no sense are usage errors.
 */
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../commands/index.js';

interface Parsed {
  command: string;
  args: unknown[];
  options: Record<string, unknown>;
  globals: Record<string, unknown>;
}

async function parse(argv: string[]): Promise<Parsed | { error: string }> {
  let parsed: Parsed | undefined;
  let errors = '';
  const program = buildProgram(
    async (module, cmd) => {
      parsed = { command: module.command.name, args: cmd.processedArgs, options: cmd.opts(), globals: cmd.optsWithGlobals() };
    },
    { writeErr: (text) => (errors += text), writeOut: () => undefined },
  );
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return { error: errors.trim() };
    throw error;
  }
  return parsed!;
}

const ok: Array<[string[], Partial<Parsed>]> = [
  [['cache:get', 'user:1'], { command: 'get', args: ['user:1'], options: {} }],
  [['cache:get', 'blob', '--raw', '--json'], { command: 'get', options: { raw: true } }],
  [['cache:set', 'k', 'v', '-t', '15m', '--tag', 'a,b', '--nx'], { command: 'set', args: ['k', 'v'], options: { ttl: '15m', tag: ['a', 'b'], nx: true } }],
  // Several values, one way everywhere: the option repeated, commas accepted; the old spellings still work.
  [['cache:set', 'k', 'v', '--tag', 'a', '--tag', 'b,c'], { command: 'set', options: { tag: ['a', 'b', 'c'] } }],
  [['cache:set', 'k', 'v', '--tags', 'a,b'], { command: 'set', options: { tag: ['a', 'b'] } }],
  [['cache:purge', '--edge-tag', 'a,b', '--edge-tag', 'c', '--dry-run'], { command: 'purge', options: { edgeTag: ['a', 'b', 'c'], dryRun: true, show: '10' } }],
  [['cache:purge', '--edge-host', 'a.example,b.example', '--dry-run'], { command: 'purge', options: { edgeHost: ['a.example', 'b.example'], dryRun: true, show: '10' } }],
  [['cache:warmup', '--strategy', 'a,b', '--strategy', 'c'], { command: 'warmup', options: { strategy: ['a', 'b', 'c'], concurrency: '2' } }],
  // --sample is "measure one in n" (inspect) and nothing else; the keys a dry run lists are --show.
  [['cache:purge', 'user:*', '--dry-run', '--show', '3'], { command: 'purge', options: { dryRun: true, show: '3' } }],
  [['cache:clear', '--dry-run', '--sample', '4'], { command: 'clear', options: { dryRun: true, show: '4' } }],
  [['cache:inspect', '--sample', '5'], { command: 'inspect', options: { sample: '5', depth: '2', top: '10' } }],
  [['cache:set', 'k', '-', '--json-value'], { command: 'set', args: ['k', '-'], options: { jsonValue: true } }],
  [['cache:delete', 'a', 'b', 'c'], { command: 'delete', args: [['a', 'b', 'c']] }],
  [['cache:ttl', 's'], { command: 'ttl', args: ['s'] }],
  [['cache:expire', 's', 'never'], { command: 'expire', args: ['s', 'never'] }],
  [['cache:purge', 'user:*', '--dry-run'], { command: 'purge', args: ['user:*'], options: { dryRun: true, show: '10' } }],
  [['cache:purge', 'user:*', '-f', '--sample', '3'], { command: 'purge', options: { force: true, show: '3' } }],
  [['cache:purge', '--url', 'https://a/1', 'https://a/2', '--edge-tag', 't', '--provider', 'cf'], { command: 'purge', args: [undefined], options: { url: ['https://a/1', 'https://a/2'], edgeTag: ['t'], provider: 'cf', show: '10' } }],
  [['cache:purge', '--edge-all', '--force'], { command: 'purge', options: { edgeAll: true, force: true, show: '10' } }],
  [['cache:purge', '--edge-host', 'a.example', 'b.example:8080', '--dry-run'], { command: 'purge', options: { edgeHost: ['a.example', 'b.example:8080'], dryRun: true, show: '10' } }],
  [['cache:clear', '--tag', 'users', '--edge', '--provider', 'fastly'], { command: 'clear', options: { tag: ['users'], edge: true, provider: 'fastly', show: '10' } }],
  [['cache:clear', '--tag', 'a', '--tag', 'b', '--tags', 'c,d'], { command: 'clear', options: { tag: ['a', 'b', 'c', 'd'], show: '10' } }],
  [['cache:clear', '--category', 'users', '--force', '--dry-run'], { command: 'clear', options: { category: 'users', force: true, dryRun: true, show: '10' } }],
  [['cache:clear', '--flush-database', '0', '--force'], { command: 'clear', options: { flushDatabase: '0', force: true, show: '10' } }],
  [['cache:clear', '--prune-tags'], { command: 'clear', options: { pruneTags: true, show: '10' } }],
  [['cache:status', '-d', '--fail-on-alert'], { command: 'status', options: { detailed: true, failOnAlert: true } }],
  [['cache:config', '--store', 'redis', '--prefix', '', '--json'], { command: 'config', options: {}, globals: { store: 'redis', prefix: '', json: true } }],
  [['cache:warmup', '--strategy', 'a,b', '--refresh-ahead', '0.8'], { command: 'warmup', options: { strategy: ['a', 'b'], refreshAhead: '0.8', concurrency: '2' } }],
  [['cache:warmup', '--background', '--log-file', 'w.log'], { command: 'warmup', options: { background: true, logFile: 'w.log', concurrency: '2' } }],
];

const refused: Array<[string[], RegExp]> = [
  [['cache:clear', '--prune-tags', '--dry-run'], /'--dry-run' cannot be used with option '--prune-tags'|'--prune-tags' cannot be used with option '--dry-run'/],
  [['cache:clear', '--category', 'users', '--tag', 'x'], /cannot be used with option/],
  [['cache:clear', '--tags', 'a', '--flush-database', '0'], /cannot be used with option/],
  [['cache:clear', '--prune-tags', '--category', 'users'], /cannot be used with option/],
  [['cache:set', 'k', 'v', '--raw', '--json-value'], /cannot be used with option/],
  [['cache:warmup', '--list', '--dry-run'], /cannot be used with option/],
  [['cache:purge', '--edge-all', '--url', 'https://a/'], /cannot be used with option/],
  [['cache:purge', '--edge-all', '--edge-host', 'a.example'], /cannot be used with option/],
  [['cache:purge', '--list-providers', '--dry-run'], /cannot be used with option/],
  [['cache:clear', '--prune-tags', '--edge'], /cannot be used with option/],
  [['cache:clear', '--flush-database', '0', '--edge'], /cannot be used with option/],
  [['cache:warmup', '--background', '--wait'], /cannot be used with option/],
  [['cache:get'], /missing required argument 'key'/],
  [['cache:set', 'k', 'v', '--tag', 'a,,b'], /argument 'a,,b' is invalid\. an item of the list is empty/],
  [['cache:get', 'k', '--bogus'], /unknown option '--bogus'/],
  [['cache:config', 'extra'], /too many arguments/],
  [['cache:gett', 'k'], /unknown command 'cache:gett'[\s\S]*cache:get/],
];

describe('argv parsing (in-process)', () => {
  it.each(ok)('%j', async (argv, expected) => {
    const parsed = await parse(argv);
    expect(parsed).toMatchObject(expected);
    if ('options' in expected) expect((parsed as Parsed).options).toEqual(expected.options);
  });

  it.each(refused)('%j is a usage error', async (argv, message) => {
    const parsed = await parse(argv);
    expect(parsed).toHaveProperty('error');
    expect((parsed as { error: string }).error).toMatch(/^glueful: error: /);
    expect((parsed as { error: string }).error).toMatch(message);
  });

  it('help shows the one spelling, not the old ones kept as aliases', async () => {
    let help = '';
    const program = buildProgram(async () => undefined, { writeOut: (text) => (help += text), writeErr: () => undefined });
    await program.parseAsync(['cache:purge', '--help'], { from: 'user' }).catch(() => undefined);
    expect(help).toMatch(/--show <n>/);
    expect(help).not.toMatch(/--sample/);
  });

  async function helpOf(argv: string[]): Promise<string> {
    let help = '';
    const program = buildProgram(async () => undefined, { writeOut: (text) => (help += text), writeErr: () => undefined });
    await program.parseAsync([...argv, '--help'], { from: 'user' }).catch(() => undefined);
    return help;
  }

  it("each command's help lists the global options it honours", async () => {
    const get = await helpOf(['cache:get']);
    const globals = get.split('Global Options:')[1] ?? '';
    for (const flag of ['--json', '--store <name>', '--prefix <prefix>', '--config <path>', '--verbose', '--quiet']) expect(globals).toContain(flag);
    expect(globals).not.toMatch(/--allow-fallback|--wide|--version/); // get changes nothing and prints no table
    const clear = (await helpOf(['cache:clear'])).split('Global Options:')[1] ?? '';
    expect(clear).toContain('--allow-fallback');
    expect((await helpOf(['cache:inspect'])).split('Global Options:')[1]).toContain('--wide');
  });

  it('the top-level help has examples', async () => {
    expect(await helpOf([])).toMatch(/Examples:\n {2}\$ glueful cache:status/);
  });

  it('global options reach every command', async () => {
    const parsed = (await parse(['--json', '-p', 'app_', '--store', 'redis', 'cache:ttl', 'k'])) as Parsed;
    expect(parsed.globals).toMatchObject({ json: true, prefix: 'app_', store: 'redis' });
  });
});
