/**
 * Consistent hashing for several memcached servers, libketama's way, so that
 * adding or removing one of N servers moves about 1/N of the keys (memjs's
 * default `hash % N` moves almost all of them).
 *
 * For a server `host:port` of weight w among servers of total weight W:
 * n = floor(40 * count * w / W) MD5 digests of "host:port-i" (i = 0..n-1),
 * each giving 4 points (its bytes 4j..4j+3 read as little-endian uint32).
 * A key goes to the first point at or after the first 4 bytes of md5(key)
 * (little-endian), wrapping around. Other clients configured for
 * libketama-style weighted hashing over the same "host:port" names agree.
 */
import { md5 } from '../../core/md5.js';
import { PointRing } from '../../core/point-ring.js';

/** A server on the ring. */
export interface RingServer {
  /** "host:port", hashed as is. */
  id: string;
  weight: number;
}

/** The memcached servers' ring. */
export class KetamaRing {
  private readonly ring: PointRing;

  constructor(servers: readonly RingServer[]) {
    const total = servers.reduce((sum, s) => sum + s.weight, 0);
    const entries: Array<[number, number]> = [];
    servers.forEach((server, index) => {
      const digests = Math.floor((40 * servers.length * server.weight) / total);
      for (let i = 0; i < digests; i++) {
        const digest = md5(`${server.id}-${i}`);
        for (let j = 0; j < 4; j++) entries.push([digest.readUInt32LE(j * 4), index]);
      }
    });
    this.ring = new PointRing(entries);
  }

  /** The index of the server that owns `key`. */
  serverFor(key: string): number {
    return this.ring.ownerAt(this.ring.first(md5(key).readUInt32LE(0)));
  }
}
