// Save points: `save "<seconds> <changes> ..."` — snapshot when at least <changes> keys changed
// and <seconds> passed since the last successful save (or, after a failed one, after a pause).
import { findParam } from '../config/config.js';

export interface SavePoint {
  seconds: number;
  changes: number;
}

const INVALID = 'Invalid save parameters';

/**
 * Parse a `save` value as Redis 7.0 does: words separated by single spaces (so stray spaces make
 * empty words, which are refused), an even count, seconds >= 1 and changes >= 0. "" means none.
 */
export function parseSavePoints(text: string): SavePoint[] {
  if (text === '') return [];
  const words = text.split(' ');
  if (words.length % 2 !== 0) throw new Error(INVALID);
  const points: SavePoint[] = [];
  for (let i = 0; i < words.length; i += 2) {
    const seconds = parseWord(words[i]!);
    const changes = parseWord(words[i + 1]!);
    if (seconds === undefined || seconds < 1 || changes === undefined || changes < 0) throw new Error(INVALID);
    points.push({ seconds, changes });
  }
  return points;
}

function parseWord(word: string): number | undefined {
  // strtoll with nothing after the number: an empty word reads as 0.
  if (word === '') return 0;
  if (!/^\s*[+-]?\d+$/.test(word)) return undefined;
  const n = Number(word);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** The value CONFIG GET shows: the parsed points, normalised. */
export function formatSavePoints(points: SavePoint[]): string {
  return points.map((p) => `${p.seconds} ${p.changes}`).join(' ');
}

/** Validation and normalisation for the `save` parameter (CONFIG SET, config file, flags). */
export function normaliseSaveParam(text: string): string {
  return formatSavePoints(parseSavePoints(text));
}

// The parameter table (config.ts) predates save points; give its `save` entry this parser so
// CONFIG SET refuses what Redis refuses. TODO(lead): move into the table as `parse: normaliseSaveParam`.
const saveParam = findParam('save');
if (saveParam !== undefined && saveParam.type === 'string' && saveParam.parse === undefined) saveParam.parse = normaliseSaveParam;

/** Redis's rule (serverCron): a point fires when enough changes and time have accumulated. */
export function savePointReached(
  points: readonly SavePoint[],
  dirty: number,
  nowMs: number,
  lastSaveMs: number,
  lastAttemptMs: number,
  lastFailed: boolean,
): SavePoint | undefined {
  for (const p of points) {
    // After a failure, retry only once CONFIG_BGSAVE_RETRY_DELAY (5 s) has passed.
    if (dirty >= p.changes && nowMs - lastSaveMs > p.seconds * 1000 && (!lastFailed || nowMs - lastAttemptMs > 5000)) return p;
  }
  return undefined;
}
