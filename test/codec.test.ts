/** Glueful's value formats, both ways, and PHP serialize() decoding. */
import { describe, expect, it } from 'vitest';
import { decodeCounter, decodeValue, encodeValue } from '../src/core/codec.js';
import { execFileSync } from 'node:child_process';
import { PhpParseError, phpUnserialize } from '../src/core/php-serialize.js';
import { parseScoreMap, serializeScoreMap } from '../src/core/score-map.js';
import { decodeStored } from '../src/core/codec.js';
import { FastlzError, fastlzDecompress } from '../src/core/codecs/fastlz.js';

const decode = (s: string | Buffer) => decodeValue(typeof s === 'string' ? Buffer.from(s) : s);

describe('codec', () => {
  it('encodes like SecureSerializer: json: + JSON', () => {
    expect(encodeValue({ name: 'John' }).toString()).toBe('json:{"name":"John"}');
    expect(encodeValue(42).toString()).toBe('json:42');
    expect(encodeValue('bob').toString()).toBe('json:"bob"');
    expect(encodeValue(null).toString()).toBe('json:null');
    expect(() => encodeValue(undefined)).toThrow();
  });

  it('decodes every format Glueful writes', () => {
    expect(decode('json:{"name":"John"}')).toEqual({ format: 'json', value: { name: 'John' } });
    expect(decode('php:a:2:{s:1:"a";i:1;s:1:"b";s:3:"two";}')).toEqual({ format: 'php', value: { a: 1, b: 'two' } });
    expect(decode('41')).toEqual({ format: 'integer', value: 41 });
    expect(decode('-3')).toEqual({ format: 'integer', value: -3 });
  });

  it('reads unprefixed data as JSON, then PHP, then raw', () => {
    expect(decode('{"a":1}')).toEqual({ format: 'json', value: { a: 1 } });
    expect(decode('b:1;')).toEqual({ format: 'php', value: true });
    expect(decode('hello world')).toEqual({ format: 'raw', value: 'hello world' });
    expect(decode('json:{broken')).toEqual({ format: 'raw', value: 'json:{broken' });
    expect(decode('php:not serialized')).toEqual({ format: 'raw', value: 'php:not serialized' });
  });

  it('keeps integers beyond 2^53 as text rather than rounding them', () => {
    expect(decode('123456789012345678901234567890')).toEqual({ format: 'integer', value: '123456789012345678901234567890' });
  });

  it('reads counters written bare or as json:', () => {
    expect(decodeCounter(Buffer.from('41'))).toBe(41);
    expect(decodeCounter(Buffer.from('json:7'))).toBe(7);
    expect(decodeCounter(null)).toBe(0);
    expect(decodeCounter(Buffer.from('json:"x"'))).toBeNull();
  });
});

describe('PHP unserialize (display only)', () => {
  it('reads scalars', () => {
    expect(phpUnserialize('N;')).toBeNull();
    expect(phpUnserialize('b:0;')).toBe(false);
    expect(phpUnserialize('i:-12;')).toBe(-12);
    expect(phpUnserialize('d:0.5;')).toBe(0.5);
    expect(phpUnserialize('d:INF;')).toBe(Infinity);
  });

  it('counts string lengths in bytes', () => {
    expect(phpUnserialize('s:5:"héllo";'.replace('5', String(Buffer.byteLength('héllo'))))).toBe('héllo');
    expect(phpUnserialize('s:7:"a"b;c:d";')).toBe('a"b;c:d');
  });

  it('turns lists into arrays and maps into objects', () => {
    expect(phpUnserialize('a:2:{i:0;s:1:"x";i:1;s:1:"y";}')).toEqual(['x', 'y']);
    expect(phpUnserialize('a:2:{i:1;s:1:"x";i:5;s:1:"y";}')).toEqual({ 1: 'x', 5: 'y' });
  });

  it('shows objects as class name plus properties, without instantiating', () => {
    expect(phpUnserialize('O:8:"stdClass":1:{s:1:"x";i:1;}')).toEqual({ __class: 'stdClass', x: 1 });
    const priv = 'O:4:"User":2:{s:10:"\0User\0name";s:3:"Ada";s:6:"\0*\0age";i:36;}';
    expect(phpUnserialize(priv)).toEqual({ __class: 'User', name: 'Ada', age: 36 });
    expect(phpUnserialize('C:11:"ArrayObject":4:{x:i0}')).toEqual({ __class: 'ArrayObject', __serialized: 'x:i0' });
  });

  it('resolves references to earlier values', () => {
    expect(phpUnserialize('a:2:{i:0;s:1:"v";i:1;R:2;}')).toEqual(['v', 'v']);
  });

  it('rejects malformed input with PhpParseError', () => {
    for (const bad of ['', 'x:1;', 's:10:"short";', 'a:1:{i:0;i:1;', 'i:1;trailing', 'b:2;']) {
      expect(() => phpUnserialize(bad)).toThrow(PhpParseError);
    }
    const deep = 'a:1:{i:0;'.repeat(300) + 'N;' + '}'.repeat(300);
    expect(() => phpUnserialize(deep)).toThrow(/too deep/);
  });

  it("reads sorted sets in both of Glueful's forms (v1.76 json:, older PHP serialize) and writes v1.76's", () => {
    const older = execFileSync('php', ['-r', 'echo serialize(["alice" => 2, 42 => 1.25]);']);
    expect([...parseScoreMap(older)]).toEqual([['42', 1.25], ['alice', 2]]);
    const current = execFileSync('php', ['-r', 'echo "json:" . json_encode(["alice" => 2, "bob" => 1.25]);']);
    expect([...parseScoreMap(current)]).toEqual([['alice', 2], ['bob', 1.25]]);
    expect(serializeScoreMap(new Map([['alice', 2], ['bob', 1.25]])).toString()).toBe(current.toString());
  });
});

describe('php-memcached items: hostile bytes are bounded', () => {
  // A real FastLZ block, as php-memcached stored 'abcde' x 1000 (flags 0x50), then mutated at random.
  const valid = Buffer.from('88130000' + '046162636465' + 'e0fd04'.repeat(19) + 'e005040263' + '6465', 'hex');

  it('random and mutated payloads decode, or fail with a reason, never past the limit', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const started = Date.now();
    for (let round = 0; round < 3000; round++) {
      const bytes = round % 2 ? Buffer.from(valid) : Buffer.from(Array.from({ length: 4 + Math.floor(random() * 64) }, () => Math.floor(random() * 256)));
      for (let m = 0; m < 3; m++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      for (const flags of [0x50, 0x30, 0x54, 0x51]) {
        const decoded = decodeStored({ bytes, flags }, 64 * 1024);
        if (decoded.problem === undefined) expect(Buffer.byteLength(String(decoded.value))).toBeLessThanOrEqual(64 * 1024 * 4);
        else expect(decoded.format).toBe('raw');
      }
    }
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(decodeStored({ bytes: valid, flags: 0x50 }).value).toBe('abcde'.repeat(1000));
  });

  it('FastLZ refuses output past its bound and matches before the start', () => {
    expect(() => fastlzDecompress(Buffer.from([0x04, 97, 98, 99, 100, 101, 0xe0, 0xfd, 0x04]), 10)).toThrow(FastlzError);
    expect(() => fastlzDecompress(Buffer.from([0x00, 0x41, 0x3f, 0xff]), 100)).toThrow(/before the start/);
  });
});

describe('phpredis compression: hostile bytes are bounded', () => {
  it('random and mutated LZF / LZ4 / zstd data decodes, or is kept as it is (as phpredis does), never past the limit', async () => {
    const { phpredisLayer } = await import('../src/core/codec.js');
    let seed = 11;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const started = Date.now();
    for (const compression of ['lzf', 'lz4', 'zstd'] as const) {
      const layer = phpredisLayer({ serializer: 'php', compression }, 64 * 1024);
      const valid = layer.encode(Buffer.from('json:' + JSON.stringify({ text: 'abc '.repeat(500) })));
      expect((await layer.decode(valid)).value).toEqual({ text: 'abc '.repeat(500) });
      for (let round = 0; round < 1500; round++) {
        const bytes = round % 2 ? Buffer.from(valid) : Buffer.from(Array.from({ length: 1 + Math.floor(random() * 80) }, () => Math.floor(random() * 256)));
        for (let m = 0; m < 3; m++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
        const decoded = await layer.decode(bytes);
        expect(['json', 'php', 'raw', 'integer', 'igbinary']).toContain(decoded.format);
        expect(Buffer.byteLength(JSON.stringify(decoded.value) ?? '')).toBeLessThan(64 * 1024 * 8);
      }
    }
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('a zstd frame declaring more than the limit is refused before any work', async () => {
    const { zstdStore, zstdDecompress } = await import('../src/core/codecs/zstd.js');
    const frame = zstdStore(Buffer.alloc(10));
    frame.writeBigUInt64LE(BigInt(2 ** 40), 5); // lie about the content size
    await expect(zstdDecompress(frame, 1024 * 1024)).rejects.toThrow(/declares 1099511627776 bytes, over the 1048576-byte limit/);
  });
});

describe('msgpack: hostile bytes are bounded', () => {
  it('truncated data, lying lengths and endless nesting are MsgpackError', async () => {
    const { msgpackDecode, MsgpackError } = await import('../src/core/codecs/msgpack.js');
    expect(msgpackDecode(Buffer.from([0x82, 0xa1, 0x61, 0x01, 0xa1, 0x62, 0x92, 0xc3, 0xc0]))).toEqual({ a: 1, b: [true, null] });
    for (const bad of [
      [0xdd, 0xff, 0xff, 0xff, 0xff], // an array claiming 4 billion items
      [0xdb, 0xff, 0xff, 0xff, 0xff], // a string claiming 4 GiB
      [0x92, 0x01], // one item of two
      [0xc1], // the never-used byte
      Array(5000).fill(0x91), // arrays nested without end
      [0x01, 0x02], // bytes after the value
    ]) {
      expect(() => msgpackDecode(Buffer.from(bad))).toThrow(MsgpackError);
    }
  });
});
