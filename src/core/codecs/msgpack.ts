/**
 * MessagePack read for display (the msgpack spec; php-msgpack as
 * php-memcached uses it with SERIALIZER_MSGPACK, item type 7).
 *
 * Format: one value; its first byte gives the type and often the length:
 * 00-7f / e0-ff fixint; 80-8f fixmap (n pairs); 90-9f fixarray; a0-bf
 * fixstr; c0 nil; c2/c3 false/true; c4-c6 bin 8/16/32; c7-c9 ext 8/16/32
 * and d4-d8 fixext (shown as {__ext: type, data: base64}); ca/cb float
 * 32/64; cc-cf uint 8-64; d0-d3 int 8-64; d9-db str 8/16/32; dc/dd array
 * 16/32; de/df map 16/32. All lengths and numbers are big-endian.
 * php-msgpack writes PHP objects as maps with a marker pair; they show as
 * maps here. Every length is checked, nesting bounded.
 */

/** Bytes that are not MessagePack, or not whole. */
export class MsgpackError extends Error {}

const MAX_DEPTH = 128;

/** Decodes one MessagePack value that must fill `bytes`. */
export function msgpackDecode(bytes: Buffer): unknown {
  let pos = 0;
  const need = (n: number) => {
    if (n < 0 || pos + n > bytes.length) throw new MsgpackError(`truncated msgpack data at byte ${pos}`);
  };
  const uint = (width: 1 | 2 | 4 | 8): number => {
    need(width);
    const at = pos;
    pos += width;
    return width === 1 ? bytes[at]! : width === 2 ? bytes.readUInt16BE(at) : width === 4 ? bytes.readUInt32BE(at) : Number(bytes.readBigUInt64BE(at));
  };
  const int = (width: 1 | 2 | 4 | 8): number => {
    need(width);
    const at = pos;
    pos += width;
    return width === 1 ? bytes.readInt8(at) : width === 2 ? bytes.readInt16BE(at) : width === 4 ? bytes.readInt32BE(at) : Number(bytes.readBigInt64BE(at));
  };
  const raw = (n: number): Buffer => {
    need(n);
    pos += n;
    return bytes.subarray(pos - n, pos);
  };
  const list = (n: number, depth: number): unknown[] => {
    need(n);
    return Array.from({ length: n }, () => value(depth + 1));
  };
  const map = (n: number, depth: number): Record<string, unknown> => {
    need(n * 2);
    const out: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) out[String(value(depth + 1))] = value(depth + 1);
    return out;
  };
  const ext = (n: number) => {
    const type = int(1);
    return { __ext: type, data: raw(n).toString('base64') };
  };
  const value = (depth: number): unknown => {
    if (depth > MAX_DEPTH) throw new MsgpackError('msgpack data nested too deep');
    const b = uint(1);
    if (b <= 0x7f) return b;
    if (b >= 0xe0) return b - 0x100;
    if (b <= 0x8f) return map(b & 0x0f, depth);
    if (b <= 0x9f) return list(b & 0x0f, depth);
    if (b <= 0xbf) return raw(b & 0x1f).toString('utf8');
    switch (b) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xc4: return raw(uint(1)).toString('base64');
      case 0xc5: return raw(uint(2)).toString('base64');
      case 0xc6: return raw(uint(4)).toString('base64');
      case 0xc7: return ext(uint(1));
      case 0xc8: return ext(uint(2));
      case 0xc9: return ext(uint(4));
      case 0xca: need(4); pos += 4; return bytes.readFloatBE(pos - 4);
      case 0xcb: need(8); pos += 8; return bytes.readDoubleBE(pos - 8);
      case 0xcc: return uint(1);
      case 0xcd: return uint(2);
      case 0xce: return uint(4);
      case 0xcf: return uint(8);
      case 0xd0: return int(1);
      case 0xd1: return int(2);
      case 0xd2: return int(4);
      case 0xd3: return int(8);
      case 0xd4: return ext(1);
      case 0xd5: return ext(2);
      case 0xd6: return ext(4);
      case 0xd7: return ext(8);
      case 0xd8: return ext(16);
      case 0xd9: return raw(uint(1)).toString('utf8');
      case 0xda: return raw(uint(2)).toString('utf8');
      case 0xdb: return raw(uint(4)).toString('utf8');
      case 0xdc: return list(uint(2), depth);
      case 0xdd: return list(uint(4), depth);
      case 0xde: return map(uint(2), depth);
      case 0xdf: return map(uint(4), depth);
      default: throw new MsgpackError(`msgpack: unknown type byte 0x${b.toString(16)} at byte ${pos - 1}`);
    }
  };
  const result = value(0);
  if (pos !== bytes.length) throw new MsgpackError(`msgpack: ${bytes.length - pos} bytes after the value`);
  return result;
}
