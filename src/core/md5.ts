/**
 * MD5 in plain JavaScript, for naming cache files the way Glueful does
 * (`md5(key)`), not for security. node:crypto would do the same, but loading
 * it costs ~4 ms of a ~20 ms command on a machine without extra CA
 * certificates; a CLI run thousands of times by cron notices.
 */

const S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
const K = Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) >>> 0);

function pad(message: Uint8Array): DataView {
  const length = ((message.length + 8) >>> 6) * 64 + 64;
  const bytes = new Uint8Array(length);
  bytes.set(message);
  bytes[message.length] = 0x80;
  const view = new DataView(bytes.buffer);
  const bits = message.length * 8;
  view.setUint32(length - 8, bits >>> 0, true);
  view.setUint32(length - 4, Math.floor(bits / 2 ** 32), true);
  return view;
}

/** The MD5 digest of a UTF-8 string (or bytes), as 32 lowercase hex characters. */
export function md5Hex(input: string | Uint8Array): string {
  return md5(input).toString('hex');
}

/** The MD5 digest of a UTF-8 string (or bytes), as 16 bytes. */
export function md5(input: string | Uint8Array): Buffer {
  const view = pad(typeof input === 'string' ? Buffer.from(input, 'utf8') : input);
  let a0 = 0x67452301;
  let b0 = 0xefcdab89;
  let c0 = 0x98badcfe;
  let d0 = 0x10325476;
  const m = new Uint32Array(16);
  for (let offset = 0; offset < view.byteLength; offset += 64) {
    for (let i = 0; i < 16; i++) m[i] = view.getUint32(offset + i * 4, true);
    let a = a0;
    let b = b0;
    let c = c0;
    let d = d0;
    for (let i = 0; i < 64; i++) {
      const round = i >>> 4;
      let f: number;
      let g: number;
      if (round === 0) [f, g] = [(b & c) | (~b & d), i];
      else if (round === 1) [f, g] = [(d & b) | (~d & c), (5 * i + 1) & 15];
      else if (round === 2) [f, g] = [b ^ c ^ d, (3 * i + 5) & 15];
      else [f, g] = [c ^ (b | ~d), (7 * i) & 15];
      const shift = S[round * 4 + (i & 3)]!;
      const sum = (a + f + K[i]! + m[g]!) >>> 0;
      [a, d, c] = [d, c, b];
      b = (b + ((sum << shift) | (sum >>> (32 - shift)))) >>> 0;
    }
    a0 = (a0 + a) >>> 0;
    b0 = (b0 + b) >>> 0;
    c0 = (c0 + c) >>> 0;
    d0 = (d0 + d) >>> 0;
  }
  const out = Buffer.alloc(16);
  [a0, b0, c0, d0].forEach((word, i) => out.writeUInt32LE(word, i * 4));
  return out;
}
