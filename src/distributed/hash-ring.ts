/**
 * The consistent-hashing ring of the distributed store: `virtualNodes` per
 * node scaled by weight, each the MD5 of "id#n" giving four points (its four
 * big-endian 32-bit words, as ketama does), from identities that are the same
 * in every process and on every machine (the configured id, else
 * driver://host:port), so two hosts running the CLI place a key on the same
 * node. A key goes to the first point at or after the first word of md5(key).
 */
import { md5 } from '../core/md5.js';

/** A node on the ring. */
export interface RingNode {
  id: string;
  weight: number;
}

/** Points sorted by hash, each naming a node index. */
export class HashRing {
  private readonly points: Uint32Array;
  private readonly owners: Uint16Array;

  constructor(
    readonly nodes: readonly RingNode[],
    virtualNodes = 150,
  ) {
    const entries: Array<[number, number]> = [];
    nodes.forEach((node, index) => {
      const count = Math.max(1, Math.round(virtualNodes * node.weight));
      for (let v = 0; v < count; v++) {
        const digest = md5(`${node.id}#${v}`);
        for (let w = 0; w < 4; w++) entries.push([digest.readUInt32BE(w * 4), index]);
      }
    });
    entries.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    this.points = Uint32Array.from(entries, (e) => e[0]);
    this.owners = Uint16Array.from(entries, (e) => e[1]);
  }

  private start(key: string): number {
    const hash = md5(key).readUInt32BE(0);
    let low = 0;
    let high = this.points.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.points[mid]! < hash) low = mid + 1;
      else high = mid;
    }
    return low === this.points.length ? 0 : low;
  }

  /**
   * Node indexes for `key` in ring order, distinct, skipping those `usable`
   * rejects: the first is the owner, the next ones its replicas / failovers.
   */
  walk(key: string, count: number, usable: (index: number) => boolean = () => true): number[] {
    const found: number[] = [];
    const begin = this.start(key);
    for (let i = 0; i < this.points.length && found.length < count; i++) {
      const owner = this.owners[(begin + i) % this.points.length]!;
      if (!found.includes(owner) && usable(owner)) found.push(owner);
    }
    return found;
  }

  /** Share of the hash space each node owns (0..1), for cache:status. */
  shares(): number[] {
    const shares = this.nodes.map(() => 0);
    for (let i = 0; i < this.points.length; i++) {
      const previous = i === 0 ? this.points[this.points.length - 1]! - 2 ** 32 : this.points[i - 1]!;
      shares[this.owners[i]!]! += (this.points[i]! - previous) / 2 ** 32;
    }
    return shares;
  }
}
