/**
 * The warmup's fast NDJSON line reader against JSON.parse as the reference:
 * every line it accepts must mean what JSON.parse makes of it (same key,
 * ttl, tags, and a value text that parses to the same value), and every
 * line JSON.parse accepts in the warmup's shape must be accepted — over
 * hand-picked cases and thousands of generated and mutated lines.
 */
import { describe, expect, it } from 'vitest';
import { readLine } from '../src/warmup/ndjson-line.js';

/** What the warmup accepts, by JSON.parse: the reference. */
function reference(line: string): { key: string; value: unknown; ttl?: number; tags?: string[] } | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return null;
  }
  const e = parsed as Record<string, unknown> | null;
  if (!e || typeof e !== 'object' || Array.isArray(e) || typeof e.key !== 'string' || e.key === '' || !('value' in e)) return null;
  if (e.ttl !== undefined && !(Number.isInteger(e.ttl) && (e.ttl as number) > 0)) return null;
  if (e.tags !== undefined && !(Array.isArray(e.tags) && e.tags.every((t) => typeof t === 'string'))) return null;
  return { key: e.key, value: e.value, ttl: e.ttl as number | undefined, tags: e.tags as string[] | undefined };
}

function agrees(line: string): void {
  const expected = reference(line);
  const got = readLine(line);
  if (expected === null) {
    expect(got, line).toBeNull();
    return;
  }
  expect(got, line).not.toBeNull();
  expect({ key: got!.key, ttl: got!.ttl, tags: got!.tags }).toEqual({ key: expected.key, ttl: expected.ttl, tags: expected.tags });
  expect(JSON.parse(got!.valueText)).toEqual(expected.value);
}

describe('readLine', () => {
  it('reads the warmup shape in any member order, keeping the value text as written', () => {
    expect(readLine('{"key":"item:1","value":{"id":1, "name":"a"},"ttl":3600}')).toEqual({ key: 'item:1', valueText: '{"id":1, "name":"a"}', ttl: 3600, tags: undefined });
    expect(readLine(' { "tags" : ["a","b"] , "value" : [1,2.5e3,-0.1,true,false,null] , "key" : "k\\u00e9\\n" , "extra": {"x":[]} } ')).toEqual({
      key: 'ké\n',
      valueText: '[1,2.5e3,-0.1,true,false,null]',
      ttl: undefined,
      tags: ['a', 'b'],
    });
    expect(readLine('{"key":"big","value":123456789012345678901234567890}')!.valueText).toBe('123456789012345678901234567890'); // digits kept, not rounded
  });

  it.each([
    '', '{}', '[]', '{"key":"k"}', '{"key":"","value":1}', '{"key":1,"value":1}', '{"key":"k","value":1,"ttl":0}',
    '{"key":"k","value":1,"ttl":1.5}', '{"key":"k","value":1,"ttl":"60"}', '{"key":"k","value":1,"tags":[1]}',
    '{"key":"k","value":01}', '{"key":"k","value":1.}', '{"key":"k","value":.5}', '{"key":"k","value":+1}', '{"key":"k","value":NaN}',
    '{"key":"k","value":"a\\x"}', '{"key":"k","value":"tab\there"}', '{"key":"k","value":"open}', '{"key":"k","value":1}x',
    '{"key":"k","value":1,}', '{"key":"k","value":[1,]}', '{"key":"k" "value":1}', '{"key":"k","value":tru}', '\ufeff{"key":"k","value":1}',
    '{"key":"k","value":1,"key":2}', '{"key":"k","value":"\\u12G4"}',
  ])('agrees with JSON.parse on %j', (line) => agrees(line));

  it('reads lines in place inside a chunk, never past a line\'s end', () => {
    const chunk = '{"key":"a","value":1}\n{"key":"b","value":[2,\n3]}\n{"key":"c","value":"x","ttl":5}\r\n';
    const lines = chunk.split('\n');
    const bounds = lines.slice(0, -1).map((line, i) => {
      const start = lines.slice(0, i).reduce((t, l) => t + l.length + 1, 0);
      return [start, start + line.length] as const;
    });
    expect(bounds.map(([start, end]) => readLine(chunk, start, end))).toEqual([
      { key: 'a', valueText: '1', ttl: undefined, tags: undefined },
      null, // the value goes on past the line's end: refused, not read from the next line
      null,
      { key: 'c', valueText: '"x"', ttl: 5, tags: undefined },
    ]);
  });

  it('refuses nesting deeper than 256 (the caller reports it through JSON.parse)', () => {
    expect(readLine(`{"key":"k","value":${'['.repeat(300)}${']'.repeat(300)}}`)).toBeNull();
    expect(readLine(`{"key":"k","value":${'['.repeat(200)}${']'.repeat(200)}}`)).not.toBeNull();
  });

  it('agrees with JSON.parse on thousands of generated and mutated lines', () => {
    let seed = 42;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    const pick = <T>(items: T[]): T => items[rand(items.length)]!;
    const strings = ['', 'a', 'é', '"q"', 'back\\slash', 'line\nfeed', '\u0001', '😀', '\ud800', '/', 'json:x'];
    const value = (depth: number): unknown => {
      switch (depth > 3 ? rand(4) : rand(6)) {
        case 0: return pick([0, -1, 1.5, 1e21, -2.5e-7, 123456789]);
        case 1: return pick(strings);
        case 2: return pick([true, false, null]);
        case 3: return pick(strings) + rand(100);
        case 4: return Array.from({ length: rand(4) }, () => value(depth + 1));
        default: return Object.fromEntries(Array.from({ length: rand(4) }, () => [pick(strings), value(depth + 1)]));
      }
    };
    // No \n: an NDJSON line never holds one (the reader stops there; see the test above).
    const noise = ['"', '\\', '{', '}', '[', ']', ',', ':', ' ', '0', '-', '.', 'e', 'u', 't', 'n', '\r', '\t', 'x'];
    for (let n = 0; n < 5000; n++) {
      const entry: Record<string, unknown> = { key: pick(['k', 'item:1', '', 'é:1', 'a"b']), value: value(0) };
      if (rand(2)) entry.ttl = pick([1, 60, 0, -5, 2.5, '60']);
      if (rand(3) === 0) entry.tags = pick([['a'], [], ['a', 'b'], [1]]);
      let line = JSON.stringify(entry, null, rand(4) === 0 ? 1 : undefined).replace(/\n/g, ' ');
      for (let m = rand(3); m > 0; m--) {
        const at = rand(line.length + 1);
        line = rand(2) ? line.slice(0, at) + pick(noise) + line.slice(at) : line.slice(0, at) + line.slice(at + 1);
      }
      agrees(line);
    }
  });
});
