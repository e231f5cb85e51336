/**
 * Zstandard frames (RFC 8878), as phpredis compresses values with
 * `compression: zstd` (ZSTD_compress: one frame that records its content
 * size). Reading decompresses with fzstd (pure JavaScript), loaded on first
 * use; the frame's declared content size is checked against the limit
 * first, so a bomb is refused before any work. Writing emits a valid frame
 * of raw (stored) blocks with the content size, which every zstd decoder,
 * phpredis' included, reads.
 *
 * Frame: magic FD 2F B5 28 (little-endian 0xFD2FB528), a descriptor byte,
 * an optional window byte, the content size (1, 2, 4 or 8 bytes), then
 * blocks: a 3-byte little-endian header (last flag, type, size) each.
 */
/** zstd data that cannot be decoded. */
export class ZstdError extends Error {}

const MAGIC = 0xfd2fb528;
const MAX_BLOCK = 128 * 1024;

/** The content size a frame declares, or null when it has none. */
export function zstdContentSize(frame: Buffer): number | null {
  if (frame.length < 6 || frame.readUInt32LE(0) !== MAGIC) throw new ZstdError('not a zstd frame');
  const descriptor = frame[4]!;
  const fcsFlag = descriptor >> 6;
  const single = (descriptor >> 5) & 1;
  const dictBytes = [0, 1, 2, 4][descriptor & 3]!;
  const at = 5 + (single ? 0 : 1) + dictBytes;
  const width = [single ? 1 : 0, 2, 4, 8][fcsFlag]!;
  if (width === 0) return null;
  if (frame.length < at + width) throw new ZstdError('truncated zstd frame header');
  if (width === 1) return frame[at]!;
  if (width === 2) return frame.readUInt16LE(at) + 256;
  if (width === 4) return frame.readUInt32LE(at);
  return Number(frame.readBigUInt64LE(at));
}

/** Decompresses one frame into at most `limit` bytes (fzstd is loaded on first use). */
export async function zstdDecompress(frame: Buffer, limit: number): Promise<Buffer> {
  const size = zstdContentSize(frame);
  if (size === null) throw new ZstdError('zstd frame without a content size');
  if (size > limit) throw new ZstdError(`zstd frame declares ${size} bytes, over the ${limit}-byte limit`);
  const { decompress } = await import('fzstd');
  let out: Uint8Array;
  try {
    out = decompress(frame, new Uint8Array(size));
  } catch (error) {
    throw new ZstdError(`zstd data does not decompress: ${(error as Error).message}`);
  }
  if (out.length !== size) throw new ZstdError(`zstd frame gave ${out.length} bytes, it declares ${size}`);
  return Buffer.from(out.buffer, out.byteOffset, out.length);
}

/** One frame of raw blocks, recording its content size. */
export function zstdStore(input: Buffer): Buffer {
  const header = Buffer.alloc(4 + 1 + 8);
  header.writeUInt32LE(MAGIC, 0);
  header[4] = (3 << 6) | (1 << 5); // 8-byte content size, single segment (no window byte)
  header.writeBigUInt64LE(BigInt(input.length), 5);
  const blocks: Buffer[] = [header];
  let at = 0;
  do {
    const size = Math.min(MAX_BLOCK, input.length - at);
    const last = at + size >= input.length ? 1 : 0;
    const blockHeader = Buffer.alloc(3);
    blockHeader.writeUIntLE((size << 3) | last, 0, 3); // type 0: raw
    blocks.push(blockHeader, input.subarray(at, at + size));
    at += size;
  } while (at < input.length);
  return Buffer.concat(blocks);
}
