/**
 * LZF (liblzf), as phpredis compresses values with `compression: lzf`:
 * the bare lzf_compress() output, no header.
 *
 * Format: a control byte `c`; c < 32 is a literal run of c + 1 bytes that
 * follow; otherwise a back-reference of length (c >> 5) + 2 (when c >> 5 is
 * 7, the next byte adds to the length), whose distance is
 * ((c & 31) << 8 | next byte) + 1 back from the end of the output.
 *
 * The decompressor is bounded by `maxOutput` and checks every read; the
 * compressor finds 3-byte matches through a small hash table, greedily.
 */

/** LZF data that cannot be decoded. */
export class LzfError extends Error {}

/** Decompresses `input` into at most `maxOutput` bytes. */
export function lzfDecompress(input: Buffer, maxOutput: number): Buffer {
  const out = Buffer.allocUnsafe(maxOutput);
  let ip = 0;
  let op = 0;
  while (ip < input.length) {
    const ctrl = input[ip++]!;
    if (ctrl < 32) {
      const run = ctrl + 1;
      if (ip + run > input.length) throw new LzfError('truncated LZF data');
      if (op + run > maxOutput) throw new LzfError(`LZF output over ${maxOutput} bytes`);
      input.copy(out, op, ip, ip + run);
      ip += run;
      op += run;
      continue;
    }
    let length = ctrl >> 5;
    if (length === 7) {
      if (ip >= input.length) throw new LzfError('truncated LZF data');
      length += input[ip++]!;
    }
    if (ip >= input.length) throw new LzfError('truncated LZF data');
    let ref = op - ((ctrl & 0x1f) << 8) - input[ip++]! - 1;
    length += 2;
    if (ref < 0) throw new LzfError('LZF back-reference before the start of the output');
    if (op + length > maxOutput) throw new LzfError(`LZF output over ${maxOutput} bytes`);
    while (length-- > 0) out[op++] = out[ref++]!;
  }
  return out.subarray(0, op);
}

const HASH_BITS = 14;
const MAX_OFFSET = 1 << 13;
const MAX_REF = (1 << 8) + (1 << 3);

/** Compresses as lzf_compress() would accept back (greedy 3-byte matches). */
export function lzfCompress(input: Buffer): Buffer {
  const out: number[] = [];
  const table = new Int32Array(1 << HASH_BITS).fill(-1);
  let literals: number[] = [];
  const flushLiterals = () => {
    for (let i = 0; i < literals.length; i += 32) {
      const run = literals.slice(i, i + 32);
      out.push(run.length - 1, ...run);
    }
    literals = [];
  };
  let ip = 0;
  while (ip < input.length) {
    if (ip + 2 < input.length) {
      const hash = (((input[ip]! << 16) | (input[ip + 1]! << 8) | input[ip + 2]!) * 2654435761) >>> (32 - HASH_BITS);
      const ref = table[hash]!;
      table[hash] = ip;
      const distance = ip - ref - 1;
      if (ref >= 0 && distance < MAX_OFFSET && input[ref] === input[ip] && input[ref + 1] === input[ip + 1] && input[ref + 2] === input[ip + 2]) {
        let length = 3;
        while (length < MAX_REF && ip + length < input.length && input[ref + length] === input[ip + length]) length++;
        flushLiterals();
        const code = length - 2;
        if (code < 7) out.push((code << 5) | (distance >> 8), distance & 0xff);
        else out.push((7 << 5) | (distance >> 8), code - 7, distance & 0xff);
        ip += length;
        continue;
      }
    }
    literals.push(input[ip++]!);
  }
  flushLiterals();
  return Buffer.from(out);
}
