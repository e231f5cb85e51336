/**
 * The LZ4 block format (lz4_Block_format.md), as phpredis compresses values
 * with `compression: lz4` (LZ4_compress_default), inside phpredis' own
 * 5-byte header (see phpredis.ts).
 *
 * Format: a sequence of (token, literals, match). The token's high nibble
 * is the literal count, its low nibble the match length - 4; a nibble of 15
 * continues in following bytes (each added, until one is not 255). Then the
 * literals, then a 2-byte little-endian match offset (1..65535 back). The
 * last sequence has literals only.
 *
 * Decompression is bounded by the declared size and checks every read; the
 * compressor writes one literal-only sequence, which every LZ4 decoder
 * accepts (a valid, if uncompressed, block).
 */

/** LZ4 data that cannot be decoded. */
export class Lz4Error extends Error {}

/** Decompresses a block into exactly `size` bytes (at most `size`). */
export function lz4BlockDecompress(input: Buffer, size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let ip = 0;
  let op = 0;
  const length = (nibble: number): number => {
    let n = nibble;
    if (nibble === 15) {
      for (let more = 255; more === 255; ) {
        if (ip >= input.length) throw new Lz4Error('truncated LZ4 block');
        more = input[ip++]!;
        n += more;
      }
    }
    return n;
  };
  while (ip < input.length) {
    const token = input[ip++]!;
    const literals = length(token >> 4);
    if (ip + literals > input.length) throw new Lz4Error('truncated LZ4 block');
    if (op + literals > size) throw new Lz4Error(`LZ4 output over ${size} bytes`);
    input.copy(out, op, ip, ip + literals);
    ip += literals;
    op += literals;
    if (ip >= input.length) break; // the last sequence has no match
    if (ip + 2 > input.length) throw new Lz4Error('truncated LZ4 block');
    const offset = input.readUInt16LE(ip);
    ip += 2;
    let match = length(token & 15) + 4;
    let ref = op - offset;
    if (offset === 0 || ref < 0) throw new Lz4Error('LZ4 match before the start of the output');
    if (op + match > size) throw new Lz4Error(`LZ4 output over ${size} bytes`);
    while (match-- > 0) out[op++] = out[ref++]!;
  }
  return out.subarray(0, op);
}

/** A block of one literal-only sequence, after `before` bytes left free for a caller's header. */
export function lz4BlockStore(input: Buffer, before = 0): Buffer {
  // The token's literal length: 15 and then 255s while more remain, as the block format counts it.
  const extra = input.length < 15 ? 0 : Math.floor((input.length - 15) / 255) + 1;
  const out = Buffer.allocUnsafe(before + 1 + extra + input.length);
  let o = before;
  if (input.length < 15) out[o++] = input.length << 4;
  else {
    out[o++] = 0xf0;
    let rest = input.length - 15;
    for (; rest >= 255; rest -= 255) out[o++] = 255;
    out[o++] = rest;
  }
  input.copy(out, o);
  return out;
}
