/**
 * Values on a terminal: bytes a terminal would act on (escape sequences,
 * BEL, NUL, invalid UTF-8) are shown as `\xNN`, as redis-cli does, so
 * looking at a value cannot move the cursor, clear the screen or set the
 * window title. Pipes and --raw get the bytes untouched.
 */

/** True when `bytes` decode as UTF-8 without loss. */
export function isUtf8(bytes: Buffer): boolean {
  return Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes);
}

// C0 controls other than tab and newline, DEL and the C1 controls (U+0080–U+009F).
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

/** True when text would be shown other than as it is. */
export function needsEscaping(text: string): boolean {
  return CONTROL.test(text);
}

const hex = (code: number): string => `\\x${code.toString(16).padStart(2, '0')}`;

/**
 * Text or bytes with every control character and every byte that is not
 * UTF-8 as `\xNN`, and a backslash doubled, so what is shown reads back
 * unambiguously. Tab and newline stay as they are.
 */
export function escapeForTerminal(value: string | Buffer): string {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const length = sequenceLength(bytes, i);
    if (length === 0) {
      out += hex(bytes[i++]!);
      continue;
    }
    const char = bytes.toString('utf8', i, i + length);
    i += length;
    if (char === '\\') out += '\\\\';
    else if (CONTROL.test(char)) out += hex(char.codePointAt(0)!);
    else out += char;
  }
  return out;
}

/** Bytes of the valid UTF-8 sequence starting at `i`, or 0. */
function sequenceLength(bytes: Buffer, i: number): number {
  const b = bytes[i]!;
  const length = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
  if (length <= 1) return length;
  if (i + length > bytes.length) return 0;
  for (let k = 1; k < length; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return 0;
  // Overlong and surrogate forms of three- and four-byte sequences.
  const second = bytes[i + 1]!;
  if ((b === 0xe0 && second < 0xa0) || (b === 0xed && second > 0x9f) || (b === 0xf0 && second < 0x90) || (b === 0xf4 && second > 0x8f)) return 0;
  return length;
}
