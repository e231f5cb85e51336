/**
 * The export reader's line splitting (src/transfer/lines.ts): whatever the
 * chunk boundaries — inside a UTF-8 character, between \r and \n, in a line
 * longer than a decode piece — the records and bad-line numbers are those
 * of reading the text in one go, and a line over the limit is reported and
 * skipped without losing the lines around it.
 */
import { describe, expect, it } from 'vitest';
import { readRecords, type LineCounts } from '../src/transfer/lines.js';
import type { TransferRecord } from '../src/transfer/record.js';

async function read(chunks: Array<Buffer | string>, maxLine?: number) {
  const counts: LineCounts = { problems: [], bad: 0 };
  const records: TransferRecord[] = [];
  for await (const batch of readRecords((async function* () { yield* chunks; })(), counts, undefined, maxLine)) records.push(...batch);
  return { counts, records: records.map((r) => ({ ...r, value: JSON.parse(JSON.stringify(r.value)) as unknown })) };
}

const lines = [
  '{"key":"a","value":"é😀 text","ttl":5,"format":"json"}',
  '',
  'not json',
  '{"key":"big","value":"' + 'x'.repeat(150_000) + '"}\r',
  '  ',
  '{"key":"php","value":{"a":1},"php":"a:1:{s:1:\\"a\\";i:1;}","format":"php"}',
  '{"key":"c","value":[1,2]}',
];
const text = lines.join('\n') + '\n';

describe('readRecords', () => {
  it('reads the same records and bad-line numbers whatever the chunk boundaries', async () => {
    const whole = await read([Buffer.from(text)]);
    expect(whole.records.map((r) => r.key)).toEqual(['a', 'big', 'php', 'c']);
    expect(whole.counts.problems).toEqual(['line 3: not JSON']);
    expect(whole.records[0]!.value).toBe('é😀 text');
    const bytes = Buffer.from(text);
    let seed = 7;
    for (let round = 0; round < 40; round++) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < bytes.length; ) {
        const size = 1 + ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % (round % 2 ? 70_000 : 9));
        chunks.push(bytes.subarray(at, at + size));
        at += size;
      }
      expect(await read(chunks)).toEqual(whole);
    }
    expect(await read([text.slice(0, 10), text.slice(10)])).toEqual(whole);
  });

  it('reads a last line with no newline', async () => {
    expect((await read([Buffer.from('{"key":"a","value":1}\n{"key":"b","value":2}')])).records.map((r) => r.key)).toEqual(['a', 'b']);
  });

  it('skips and reports a line over the limit, keeping the lines around it', async () => {
    const long = '{"key":"long","value":"' + 'y'.repeat(5000) + '"}';
    const input = `{"key":"a","value":1}\n${long}\n{"key":"b","value":2}\n`;
    const chunks = Buffer.from(input).reduce<Buffer[]>((out, _, i, all) => (i % 300 === 0 ? [...out, Buffer.from(all.subarray(i, i + 300))] : out), []);
    const got = await read(chunks, 1000);
    expect(got.records.map((r) => r.key)).toEqual(['a', 'b']);
    expect(got.counts.problems).toEqual(['line 2: longer than 1000 bytes, skipped']);
  });
});
