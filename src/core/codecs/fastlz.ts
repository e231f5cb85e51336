/**
 * FastLZ decompression (levels 1 and 2), as php-memcached compresses values
 * with its bundled fastlz (its default compression type).
 *
 * Format (fastlz.c): the top three bits of the first byte give the level
 * (0 = level 1, 1 = level 2); the low five bits of it start the first
 * instruction. An instruction byte `ctrl` is either
 * - a literal run, ctrl < 32: copy the next ctrl + 1 bytes;
 * - a match, ctrl >= 32: length = (ctrl >> 5) + 2 (when ctrl >> 5 is 7, more
 *   length follows: one byte at level 1; bytes up to and including the first
 *   that is not 255 at level 2), then the distance's low byte; the copy
 *   starts (ctrl & 31) << 8 | low byte, plus one, bytes back. At level 2 a
 *   low byte of 255 with high bits 31 means a 16-bit distance follows, added
 *   to 8191.
 * Matches may overlap their own output (runs).
 *
 * Every read and write is bounds-checked: a truncated or lying block is an
 * error, never a read past the input or an output past `maxOutput`.
 */

/** A FastLZ block that cannot be decoded. */
export class FastlzError extends Error {}

const MAX_L2_DISTANCE = 8191;

/** Decompresses `input` into at most `maxOutput` bytes. */
export function fastlzDecompress(input: Buffer, maxOutput: number): Buffer {
  if (input.length === 0) return Buffer.alloc(0);
  const level = (input[0]! >> 5) + 1;
  if (level !== 1 && level !== 2) throw new FastlzError(`unknown FastLZ level ${level}`);
  const out = Buffer.allocUnsafe(maxOutput);
  let ip = 0;
  let op = 0;
  const next = (): number => {
    if (ip >= input.length) throw new FastlzError('truncated FastLZ block');
    return input[ip++]!;
  };
  let ctrl = next() & 31;
  for (;;) {
    if (ctrl >= 32) {
      let length = (ctrl >> 5) - 1;
      let distance = (ctrl & 31) << 8;
      if (length === 6) {
        if (level === 1) length += next();
        else for (let code = 255; code === 255; ) length += code = next();
      }
      const low = next();
      distance += low;
      if (level === 2 && low === 255 && (ctrl & 31) === 31) distance = ((next() << 8) | next()) + MAX_L2_DISTANCE;
      length += 3;
      let ref = op - distance - 1;
      if (ref < 0) throw new FastlzError('FastLZ match before the start of the output');
      if (op + length > maxOutput) throw new FastlzError(`FastLZ output over ${maxOutput} bytes`);
      while (length-- > 0) out[op++] = out[ref++]!;
    } else {
      const run = ctrl + 1;
      if (ip + run > input.length) throw new FastlzError('truncated FastLZ block');
      if (op + run > maxOutput) throw new FastlzError(`FastLZ output over ${maxOutput} bytes`);
      input.copy(out, op, ip, ip + run);
      ip += run;
      op += run;
    }
    if (ip >= input.length) break;
    ctrl = input[ip++]!;
  }
  return out.subarray(0, op);
}
