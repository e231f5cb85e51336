/**
 * The consistent-hashing ring of the distributed store: `virtualNodes` per
 * node scaled by weight, each the MD5 of "id#n" giving four points (its four
 * 32-bit words read big-endian — ketama reads the same words little-endian;
 * this ring keeps big-endian so that existing placements never move), from
 * identities that are the same
 * in every process and on every machine (the configured id, else
 * driver://host:port), so two hosts running the CLI place a key on the same
 * node. A key goes to the first point at or after the first word of md5(key).
 */
import { md5 } from '../../core/md5.js';
import { PointRing } from '../../core/point-ring.js';

/** A node on the ring. */
export interface RingNode {
  id: string;
  weight: number;
}

/** The distributed store's ring. */
export class HashRing {
  private readonly ring: PointRing;

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
    this.ring = new PointRing(entries);
  }

  /**
   * Node indexes for `key` in ring order, distinct, skipping those `usable`
   * rejects: the first is the owner, the next ones its replicas / failovers.
   */
  walk(key: string, count: number, usable: (index: number) => boolean = () => true): number[] {
    const found: number[] = [];
    const begin = this.ring.first(md5(key).readUInt32BE(0));
    for (let i = 0; i < this.ring.size && found.length < count; i++) {
      const owner = this.ring.ownerAt(begin + i);
      if (!found.includes(owner) && usable(owner)) found.push(owner);
    }
    return found;
  }

  /** Share of the hash space each node owns (0..1), for cache:status. */
  shares(): number[] {
    const shares = this.nodes.map(() => 0);
    const size = this.ring.size;
    for (let i = 0; i < size; i++) {
      const previous = i === 0 ? this.ring.pointAt(size - 1) - 2 ** 32 : this.ring.pointAt(i - 1);
      shares[this.ring.ownerAt(i)]! += (this.ring.pointAt(i) - previous) / 2 ** 32;
    }
    return shares;
  }
}
