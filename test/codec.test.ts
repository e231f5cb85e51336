/** Glueful's value formats, both ways, and PHP serialize() decoding. */
import { describe, expect, it } from 'vitest';
import { decodeCounter, decodeValue, encodeValue } from '../src/core/codec.js';
import { PhpParseError, phpSerializeScoreMap, phpUnserialize } from '../src/core/php-serialize.js';

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

  it('serializes score maps as PHP does, integer-like members as int keys', () => {
    const map = new Map([['alice', 2], ['42', 1.25]]);
    expect(phpSerializeScoreMap(map)).toBe('a:2:{s:5:"alice";i:2;i:42;d:1.25;}');
    expect(phpUnserialize(phpSerializeScoreMap(map))).toEqual({ alice: 2, 42: 1.25 });
  });
});
