// maxmemory: measuring used memory and evicting keys by maxmemory-policy.
import type { Server } from '../server/server.js';

let cachedAt = 0;
let cachedBytes = 0;

/** Bytes in use by this process's JS heap and buffers, re-measured at most every 10 ms. */
export function usedMemory(): number {
  const now = Date.now();
  if (now - cachedAt > 10) {
    const m = process.memoryUsage();
    cachedBytes = m.heapUsed + m.external;
    cachedAt = now;
  }
  return cachedBytes;
}

/**
 * Evict keys until used memory is under maxmemory (or nothing evictable is left).
 * Returns false when the write must be refused with OOM.
 */
export function makeRoom(server: Server): boolean {
  const max = server.config.number('maxmemory');
  if (max <= 0 || usedMemory() <= max) return true;
  const policy = server.config.string('maxmemory-policy');
  if (policy === 'noeviction') return false;
  const volatile = policy.startsWith('volatile-');
  const samples = server.config.number('maxmemory-samples');
  // Evict a bounded batch per write; memory is only re-measured after the GC frees it.
  for (let round = 0; round < 16; round++) {
    let best: { dbIndex: number; key: string; score: number } | undefined;
    for (const db of server.dbs) {
      let seen = 0;
      for (const [key, entry] of db.entries()) {
        const expireAt = db.getExpire(key);
        if (volatile && expireAt === undefined) continue;
        const score =
          policy.endsWith('-ttl') ? -(expireAt ?? Infinity) : policy.endsWith('-random') ? Math.random() : -entry.lru;
        if (best === undefined || score > best.score) best = { dbIndex: db.index, key, score };
        if (++seen >= samples) break;
      }
    }
    if (best === undefined) return false;
    const db = server.dbs[best.dbIndex]!;
    db.delete(best.key);
    server.stats.evictedKeys++;
    server.notifyKeyspaceEvent('e', 'evicted', best.key, best.dbIndex);
  }
  return true;
}
