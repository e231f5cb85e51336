/**
 * Points on a 32-bit hash circle, each owned by a node index: the part every
 * consistent-hashing ring shares (memcached's ketama placement, the
 * distributed store's ring). Each ring decides how it makes its points.
 */
export class PointRing {
  private readonly points: Uint32Array;
  private readonly owners: Uint16Array;

  /** `entries` are [point, owner index] pairs, in any order. */
  constructor(entries: Array<[number, number]>) {
    entries.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    this.points = Uint32Array.from(entries, (e) => e[0]);
    this.owners = Uint16Array.from(entries, (e) => e[1]);
  }

  get size(): number {
    return this.points.length;
  }

  /** Position of the first point at or after `hash`, wrapping to 0. */
  first(hash: number): number {
    let low = 0;
    let high = this.points.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.points[mid]! < hash) low = mid + 1;
      else high = mid;
    }
    return low === this.points.length ? 0 : low;
  }

  /** The owner of the point at `position` (taken modulo the ring size). */
  ownerAt(position: number): number {
    return this.owners[position % this.points.length]!;
  }

  /** The point at `position`. */
  pointAt(position: number): number {
    return this.points[position]!;
  }
}
