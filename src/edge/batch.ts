/**
 * Splitting a purge into requests that stay within a provider's limits:
 * a count of items per request, and for headers and bodies a byte budget.
 */

/**
 * Consecutive groups of at most `maxCount` items whose summed `size` (plus
 * `separator` bytes between items) stays within `maxBytes`. An item larger
 * than the budget on its own travels alone: the provider names the problem.
 */
export function batches(items: readonly string[], maxCount: number, maxBytes = Number.POSITIVE_INFINITY, separator = 1): string[][] {
  const out: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = Buffer.byteLength(item) + (current.length ? separator : 0);
    if (current.length && (current.length >= maxCount || bytes + size > maxBytes)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    bytes += current.length ? size : Buffer.byteLength(item);
    current.push(item);
  }
  if (current.length) out.push(current);
  return out;
}

/** The distinct non-empty entries, in first-seen order. */
export function distinct(items: readonly string[]): string[] {
  return [...new Set(items.map((i) => i.trim()).filter((i) => i !== ''))];
}
