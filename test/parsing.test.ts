/** Globs, durations and key rules: the small parsers every command leans on. */
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../src/core/duration.js';
import { UsageError } from '../src/core/errors.js';
import { escapeGlob, globToRegExp, prefixedGlob } from '../src/core/glob.js';
import { phpCompatibilityWarning } from '../src/core/keys.js';

describe('glob', () => {
  const matches = (glob: string, key: string) => globToRegExp(glob).test(key);

  it('matches like redis-cli --pattern', () => {
    expect(matches('user:*', 'user:1')).toBe(true);
    expect(matches('user:*', 'users:1')).toBe(false);
    expect(matches('session:??', 'session:ab')).toBe(true);
    expect(matches('session:??', 'session:abc')).toBe(false);
    expect(matches('[ab]*', 'apple')).toBe(true);
    expect(matches('[ab]*', 'cherry')).toBe(false);
    expect(matches('[^a]*', 'cherry')).toBe(true);
    expect(matches('[a-c]x', 'bx')).toBe(true);
    expect(matches('a\\*b', 'a*b')).toBe(true);
    expect(matches('a\\*b', 'axb')).toBe(false);
    expect(matches('*', 'line\nbreak')).toBe(true);
  });

  it('takes the prefix literally', () => {
    expect(escapeGlob('app[1]*:')).toBe('app\\[1\\]\\*:');
    expect(globToRegExp(prefixedGlob('app[1]*:', '*')).test('app[1]*:k')).toBe(true);
    expect(globToRegExp(prefixedGlob('app[1]*:', '*')).test('app1x:k')).toBe(false);
  });

  it('rejects an unclosed class', () => {
    expect(() => globToRegExp('[abc')).toThrow(UsageError);
  });
});

describe('durations', () => {
  it('reads seconds and units', () => {
    expect(parseDuration('3600')).toBe(3600);
    expect(parseDuration('90s')).toBe(90);
    expect(parseDuration('15m')).toBe(900);
    expect(parseDuration('1h30m')).toBe(5400);
    expect(parseDuration('2d')).toBe(172800);
    expect(parseDuration('1w')).toBe(604800);
  });

  it('rejects nonsense with the reason', () => {
    expect(() => parseDuration('0')).toThrow(/at least 1 second/);
    expect(() => parseDuration('-5')).toThrow(/use seconds or a duration/);
    expect(() => parseDuration('1.5h')).toThrow(UsageError);
    expect(() => parseDuration('soon')).toThrow(UsageError);
    expect(() => parseDuration('')).toThrow(UsageError);
    expect(() => parseDuration('100000d')).toThrow(/10 years/);
  });
});

describe('Glueful key compatibility', () => {
  it('warns about keys the PHP app refuses', () => {
    expect(phpCompatibilityWarning('user:1')).toBeNull();
    expect(phpCompatibilityWarning('a/b')).toMatch(/cannot read it/);
    expect(phpCompatibilityWarning('x'.repeat(256))).toMatch(/longer than 255 bytes/);
  });
});
