// Lazy freeing, as far as it shows. Redis hands a big value (or a whole flushed database) to a
// background thread instead of freeing it in the command, and counts it: INFO memory's
// lazyfree_pending_objects while the thread works, INFO stats' lazyfreed_objects when it is done.
// Tidings frees everything at once (V8 collects later), so nothing is ever pending; what Redis
// would have freed lazily is counted as freed lazily, so the statistics read as Redis's do.
import type { Entry } from './database.js';
import { encodingOf as hashEncoding, type NumericSettings } from '../types/hash.js';

/** Redis frees a value lazily only when freeing it costs more than this many allocations. */
export const LAZYFREE_THRESHOLD = 64;
/** Bytes per list node (list-max-listpack-size -2: 8 KB), to count a list's nodes. */
const LIST_NODE_BYTES = 8192;

/**
 * Roughly how many allocations freeing the value takes, as Redis estimates it: the elements of a
 * hashtable or skiplist encoding, the nodes of a list, a stream's nodes plus its consumer groups
 * with their pending entries (the first group's PEL standing for every group's); 1 for compact
 * encodings and strings.
 */
export function freeEffort(entry: Entry, settings: NumericSettings): number {
  switch (entry.type) {
    case 'list':
      return Math.max(1, Math.ceil(entry.value.packedBytes / LIST_NODE_BYTES));
    case 'set':
      return entry.value.encoding(settings.number('set-max-intset-entries')) === 'hashtable' ? entry.value.size : 1;
    case 'hash':
      return hashEncoding(entry.value, settings) === 'hashtable' ? entry.value.size : 1;
    case 'zset':
      return entry.value.encoding === 'skiplist' ? entry.value.size : 1;
    case 'stream': {
      const s = entry.value;
      const first = s.groups.values().next();
      return s.nodeCount + (first.done === true ? 0 : s.groups.size * (1 + first.value.pending.size));
    }
    default:
      return 1;
  }
}

/** The counter Redis's background thread keeps (INFO stats lazyfreed_objects). */
export interface LazyFreeStats {
  lazyfreedObjects: number;
}

/** A value deleted the way Redis frees lazily (UNLINK, a lazyfree-lazy-* deletion): count it if Redis would have. */
export function freedLazily(stats: LazyFreeStats, entry: Entry, settings: NumericSettings): void {
  if (freeEffort(entry, settings) > LAZYFREE_THRESHOLD) stats.lazyfreedObjects++;
}
