// Save points: `save "<seconds> <changes> ..."` — snapshot when at least <changes> keys changed
// and <seconds> passed since the last successful save (or, after a failed one, after a pause).

import { parseSavePoints, type SavePoint } from '../config/values.js';

export type { SavePoint };
export { parseSavePoints, formatSavePoints } from '../config/values.js';

/** The points of a value the parameter table already validated (config/values.ts parseSave). */
export function savePointsOf(text: string): SavePoint[] {
  return parseSavePoints(text);
}

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
