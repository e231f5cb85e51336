/**
 * TTLs as operators write them: `3600`, `90s`, `15m`, `1h30m`, `2d`, `1w`.
 */
import { UsageError } from './errors.js';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
const PART = /(\d+)([smhdw])/gy;
/** Longest TTL accepted: ten years, far past anything a cache needs. */
export const MAX_TTL_SECONDS = 10 * 365 * 86400;

/** Parses a duration into whole seconds (> 0). Throws UsageError with the reason. */
export function parseDuration(input: string, what = 'TTL'): number {
  const text = input.trim().toLowerCase();
  let seconds: number;
  if (/^\d+$/.test(text)) {
    seconds = Number(text);
  } else {
    seconds = 0;
    PART.lastIndex = 0;
    let match: RegExpExecArray | null;
    let consumed = 0;
    while ((match = PART.exec(text)) !== null) {
      seconds += Number(match[1]) * UNIT_SECONDS[match[2]!]!;
      consumed = PART.lastIndex;
    }
    if (text === '' || consumed !== text.length) {
      throw new UsageError(`invalid ${what} '${input}': use seconds or a duration like 90s, 15m, 1h30m, 2d`);
    }
  }
  if (seconds < 1) throw new UsageError(`invalid ${what} '${input}': must be at least 1 second`);
  if (seconds > MAX_TTL_SECONDS) throw new UsageError(`invalid ${what} '${input}': longer than 10 years`);
  return seconds;
}
