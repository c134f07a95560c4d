// maxmemory: estimating the memory the dataset uses, and evicting keys by maxmemory-policy.
//
// Why an estimate and not process.memoryUsage(): V8 frees memory only when its garbage collector
// runs, so heapUsed stays high for a while after keys are deleted. Eviction driven by heapUsed
// keeps deleting keys that were already gone as far as the data is concerned, and may empty the
// whole database before a GC happens. Instead "used memory" is
//
//   BASE_BYTES + estimated dataset bytes + bytes held in client query and output buffers
//   + the replication buffer (the backlog and what replicas have not received yet)
//
// where the dataset is what the keyspace costs in V8's heap (issue #12), in two parts:
//  - exact, kept as keys are written: per key a fixed overhead (KEY_OVERHEAD: entry object, Map
//    slot, SCAN order slot) and one per TTL, plus the heap bytes of every key string and string
//    value (Database.stringHeapBytes, counted as writes happen);
//  - sampled: container values (lists, hashes, sets, sorted sets, streams) change in place, so
//    their average size is sampled (all of them in a database of at most EXACT_KEYS keys) and
//    multiplied by the number of keys holding one, re-sampled every RESAMPLE_MS or once keys
//    created since the sample reach an eighth of the containers sampled.
// INFO's used_memory reports this figure; the process's real footprint is reported next to it
// (used_memory_rss, node_heap_used).
import v8 from 'node:v8';
import { Database, heapStringBytes, idleMsOf, lfuCounter, storedStringBytes, type Entry } from './database.js';
import { freedLazily, type LazyFreeStats } from './lazyfree.js';

/** A connection as memory accounting sees it: replies not yet written, requests not yet run. */
interface MemoryClient {
  readonly outputBytes: number;
  readonly parser: { readonly heldBytes: number };
}

/** What memory accounting and eviction need of the server (Server is one); store/ names no more. */
export interface MemoryHost {
  readonly dbs: readonly Database[];
  readonly clients: { readonly size: number; values(): Iterable<MemoryClient> };
  /** The replication backlog (its bytes kept), and the replicas attached (their clients are among `clients`). */
  readonly repl: { readonly histlen: number };
  readonly replicaFeeds: { connected(): readonly { readonly client: MemoryClient }[] };
  readonly config: { number(name: string): number; string(name: string): string; bool(name: string): boolean };
  readonly effects: { deleted(db: number, key: string): void };
  readonly stats: { evictedKeys: number } & LazyFreeStats;
  notifyKeyspaceEvent(flag: string, event: string, key: string, db: number): void;
}

/** What an empty server accounts for (Redis 7.0 reports about 0.9 MB when idle). */
export const BASE_BYTES = 1024 * 1024;
/**
 * A Map slot as V8 (x64, Node 20) pays it: 28 bytes (three pointers of entry, half a bucket) for
 * each unit of the table's capacity, a power of two between the key count and twice it; averaged
 * over a doubling, 28 × 2 ln 2 ≈ 39 bytes a key. (Counting the table's real capacity would make
 * used_memory jump by half the table when a key crosses a power of two, and a server at its
 * maxmemory evict that much at once.)
 */
const MAP_SLOT = 39;
/**
 * Per key besides its key string and value (measured in-process with node --expose-gc, heap after
 * two full collections, 10,000 and 1,000,000 keys: 101 and 87 bytes a key, the Map's table 61% and
 * 95% full): the entry object (KeyEntry: header and three fields, 48 bytes), the Map slot, and the
 * SCAN order slot (8 bytes and the array's growth slack, ~10).
 */
const KEY_OVERHEAD = 48 + MAP_SLOT + 10;
/** Extra per key with a TTL: its slot in the expires Map and the time (a 16-byte heap number). */
const EXPIRE_OVERHEAD = MAP_SLOT + 16;
const EXACT_KEYS = 256;
/** Containers whose values a sample averages; random keys drawn to find them, at most. */
const SAMPLE_KEYS = 64;
const SAMPLE_DRAWS = SAMPLE_KEYS * 16;
/** Taken for a container's value when a sample finds none (they are rare in the database). */
const CONTAINER_GUESS = 256;
/** Keys created since a sample that make it stale: an eighth of the containers sampled, at least this. */
const CHURN_MIN_KEYS = 64;
const RESAMPLE_MS = 100;
/** Container elements looked at per key when estimating (MEMORY USAGE's default is 5). */
const ELEMENT_SAMPLES = 16;

/** The estimated size of one stored value; containers are sampled up to `samples` elements. */
export function valueBytes(entry: Entry, samples = ELEMENT_SAMPLES): number {
  switch (entry.type) {
    case 'string':
      return storedStringBytes(entry.value);
    case 'hash': {
      // Packed: one string. A Map, per field: its slot and two latin1 strings (16-byte headers,
      // 8-byte alignment).
      return entry.value.storedBytes((map) => sampled(map.size, samples, map.entries(), ([f, v]) => 72 + f.length + v.length));
    }
    case 'set': {
      return entry.value.storedBytes((set) => sampled(set.size, samples, set.values(), (m) => 48 + m.length));
    }
    case 'zset': {
      const z = entry.value;
      let n = z.first;
      const members: string[] = [];
      while (n !== null && members.length < samples) {
        members.push(n.member);
        n = n.successor;
      }
      return 64 + sampled(z.size, samples, members.values(), (m) => 112 + m.length);
    }
    case 'list':
      return 32 + entry.value.packedBytes;
    case 'stream': {
      // Entries are packed in nodes (their bytes are counted as they are added), plus each node's
      // objects.
      const s = entry.value;
      return 256 + s.storedBytes + s.nodeCount * 200 + s.groups.size * 128;
    }
  }
}

/** Average of `measure` over the first `samples` items, times `size`. */
function sampled<T>(size: number, samples: number, items: Iterator<T>, measure: (item: T) => number): number {
  if (size === 0) return 0;
  let seen = 0;
  let total = 0;
  for (let r = items.next(); !r.done && seen < samples; r = items.next()) {
    total += measure(r.value);
    seen++;
  }
  return seen === 0 ? 0 : Math.round((total / seen) * size);
}

/** What a key costs in all (MEMORY USAGE, and what evicting it frees). */
export function entryBytes(db: Database, key: string, entry: Entry, samples = ELEMENT_SAMPLES): number {
  const ttl = db.getExpire(key) === undefined ? 0 : EXPIRE_OVERHEAD;
  return KEY_OVERHEAD + heapStringBytes(key.length) + ttl + valueBytes(entry, samples);
}

/** The sampled part of a database's size: its container values. */
interface Meter {
  at: number;
  /** Average bytes of a container value when sampled. */
  avg: number;
  /** Key count when sampled (a small database is measured again when it changes). */
  size: number;
  /** Database.keysCreated when sampled: how many keys were created since. */
  seq: number;
}

const meters = new WeakMap<Database, Meter>();

function measure(db: Database, now: number, last: Meter | undefined): Meter {
  let bytes = 0;
  let counted = 0;
  if (db.size <= EXACT_KEYS) {
    for (const [, entry] of db.entries()) {
      if (entry.type === 'string') continue;
      bytes += valueBytes(entry);
      counted++;
    }
  } else {
    for (let i = 0; i < SAMPLE_DRAWS && counted < SAMPLE_KEYS; i++) {
      const key = db.sampleKey();
      if (key === undefined) break;
      const entry = db.peekNoExpire(key);
      if (entry === undefined || entry.type === 'string') continue;
      bytes += valueBytes(entry);
      counted++;
    }
  }
  const avg = counted > 0 ? bytes / counted : (last?.avg ?? CONTAINER_GUESS);
  const meter = { at: now, avg, size: db.size, seq: Database.keysCreated };
  meters.set(db, meter);
  return meter;
}

function containerBytes(db: Database, now: number): number {
  const containers = db.containerKeys;
  if (containers === 0) return 0;
  let meter = meters.get(db);
  if (
    meter === undefined ||
    now - meter.at > RESAMPLE_MS ||
    (db.size <= EXACT_KEYS && meter.size !== db.size) ||
    Database.keysCreated - meter.seq > Math.max(CHURN_MIN_KEYS, containers / 8)
  ) {
    meter = measure(db, now, meter);
  }
  return meter.avg * containers;
}

function dbBytes(db: Database, now: number): number {
  if (db.size === 0) return 0;
  return db.size * KEY_OVERHEAD + db.expiresCount * EXPIRE_OVERHEAD + db.stringHeapBytes + containerBytes(db, now);
}

/** Estimated dataset bytes over all databases. */
export function datasetBytes(server: MemoryHost): number {
  const now = Date.now();
  let total = 0;
  for (const db of server.dbs) total += dbBytes(db, now);
  return Math.round(total);
}

/** What connections hold, as INFO memory splits it. */
export interface ClientMemory {
  /** Query and output buffers of every client but replicas (mem_clients_normal). */
  readonly normal: number;
  /** Replicas' pending output and query buffers (mem_clients_slaves). */
  readonly replicas: number;
  /** Replicas' query buffers (their ACKs), counted apart from the stream they are sent. */
  readonly replicaInput: number;
  /**
   * The replication stream held in memory (mem_total_replication_buffers): the backlog and what
   * replicas have not received yet. They share the bytes (each replica's pending output is the
   * stream's newest part, the backlog its last repl-backlog-size bytes), so the larger of the two.
   */
  readonly replicationBuffer: number;
  /** The part of it beyond repl-backlog-size, held only for slow replicas (mem_not_counted_for_evict). */
  readonly notCountedForEvict: number;
}

const clientTotals = new WeakMap<MemoryHost, { at: number; count: number; memory: ClientMemory }>();

/**
 * Bytes connections hold: replies not yet written and requests not yet run (query buffers, a
 * partial command's arguments), as Redis counts client buffers in used_memory; replicas' output
 * as the replication buffer. Re-counted at most every 10 ms (many clients), and at once when a
 * client came or went (a replica killed leaves the figures at once, as in Redis).
 */
export function clientMemory(server: MemoryHost): ClientMemory {
  const now = Date.now();
  const cached = clientTotals.get(server);
  if (cached !== undefined && now - cached.at <= 10 && cached.count === server.clients.size) return cached.memory;
  const attached = server.replicaFeeds.connected();
  const replicaClients = attached.length === 0 ? undefined : new Set(attached.map((r) => r.client));
  let normal = 0;
  let replicas = 0;
  let replicaInput = 0;
  let replicaPending = 0;
  for (const client of server.clients.values()) {
    if (replicaClients?.has(client) === true) {
      const pending = client.outputBytes;
      replicas += pending + client.parser.heldBytes;
      replicaInput += client.parser.heldBytes;
      if (pending > replicaPending) replicaPending = pending;
    } else {
      normal += client.outputBytes + client.parser.heldBytes;
    }
  }
  const replicationBuffer = Math.max(server.repl.histlen, replicaPending);
  const notCountedForEvict = Math.max(0, replicationBuffer - server.config.number('repl-backlog-size'));
  const memory = { normal, replicas, replicaInput, replicationBuffer, notCountedForEvict };
  clientTotals.set(server, { at: now, count: server.clients.size, memory });
  return memory;
}

let heapAt = 0;
let heapBytes = 0;

/**
 * Used memory as INFO and maxmemory see it (see the top of this file). Without a server it
 * falls back to the process heap, re-measured at most every 10 ms.
 */
let peakBytes = 0;

/** The highest used memory seen so far (INFO used_memory_peak): it never goes down. */
export function usedMemoryPeak(server?: MemoryHost): number {
  return Math.max(peakBytes, usedMemory(server));
}

export function usedMemory(server?: MemoryHost): number {
  if (server !== undefined) {
    const clients = clientMemory(server);
    const used = BASE_BYTES + datasetBytes(server) + clients.normal + clients.replicaInput + clients.replicationBuffer;
    if (used > peakBytes) peakBytes = used;
    return used;
  }
  const now = Date.now();
  if (now - heapAt > 10) {
    const m = process.memoryUsage();
    heapBytes = m.heapUsed + m.external;
    heapAt = now;
  }
  return heapBytes;
}

/**
 * Used memory as maxmemory compares it: as Redis, without the replication buffer held beyond the
 * backlog for slow replicas, so a replica that falls behind cannot make the master evict its keys
 * (and with them send the replica yet more DELs).
 */
function usedForEviction(server: MemoryHost): number {
  return usedMemory(server) - clientMemory(server).notCountedForEvict;
}

/**
 * Rotating iterators over keys with a TTL, so volatile sampling does not always see the same keys.
 * FLUSHDB/FLUSHALL and SWAPDB give a database another expires table; an iterator still walking
 * the old one yields keys without a TTL here, and is replaced at the first such key (else every
 * write would find nothing to evict until the stale walk ran out, and be refused for OOM).
 */
const volatileCursors = new WeakMap<Database, Iterator<string>>();

function sampleVolatile(db: Database, count: number): string[] {
  const out: string[] = [];
  if (db.expiresCount === 0) return out;
  let it = volatileCursors.get(db);
  for (let tries = 0; out.length < count && tries < count * 2; tries++) {
    if (it === undefined) it = db.volatileKeys();
    const r = it.next();
    if (r.done || db.getExpire(r.value) === undefined) {
      it = undefined;
      continue;
    }
    out.push(r.value);
  }
  if (it !== undefined) volatileCursors.set(db, it);
  else volatileCursors.delete(db);
  return out;
}

/**
 * `count` random keys (with repetition). A database of at most `count` keys gives all of them, as
 * Redis's sampling does (it walks whole buckets): else a small database's best victim could be
 * missed by every draw (1 in 27 for 20 keys and 64 draws).
 */
function sampleAll(db: Database, count: number): string[] {
  const out: string[] = [];
  if (db.size <= count) {
    for (const key of db.keys()) out.push(key);
    return out;
  }
  for (let i = 0; i < count && db.size > 0; i++) {
    const key = db.sampleKey();
    if (key !== undefined) out.push(key);
  }
  return out;
}

/**
 * V8 frees evicted values only when its collector runs, and by default it lets the old generation
 * grow to several times what is live before the next full collection: a server at its maxmemory
 * could hold as much again in garbage. With a maxmemory set, the heap may grow only 10% past
 * what the last collection left live (V8's heap growing factor), so collections come early and
 * stay incremental and concurrent. (Forcing full collections instead, as before, kept the RSS a
 * little lower between them but stopped the server for a whole compacting collection each time:
 * writes at the limit ran 3-4x slower, with multi-second pauses on a loaded machine.)
 */
const HEAP_GROWING_PERCENT_AT_MAXMEMORY = 10;
let heapGrowingPercent = 0;

/** Apply the heap growth policy for this maxmemory (0: V8's own, dynamic factor). */
export function applyHeapTarget(maxmemory: number): void {
  const percent = maxmemory > 0 ? HEAP_GROWING_PERCENT_AT_MAXMEMORY : 0;
  if (percent === heapGrowingPercent) return;
  heapGrowingPercent = percent;
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}

/** Evict at most this many keys per write, so one command cannot stall the server. */
const MAX_EVICTIONS_PER_CALL = 512;

/**
 * Evict keys by maxmemory-policy until used memory is under maxmemory. Returns false when the
 * write must be refused with OOM: over the limit and nothing (more) can be evicted.
 */
export function makeRoom(server: MemoryHost): boolean {
  const max = server.config.number('maxmemory');
  if (max <= 0) return true;
  const used = usedForEviction(server);
  if (used <= max) return true;
  // As Redis, the amount to free is fixed before the first eviction and each eviction counts the
  // key's own bytes only: the invalidation messages, keyspace events and DELs for replicas an
  // eviction produces sit in output buffers until the next flush, and counting them here would
  // evict more keys for them, and so on until the database is empty.
  const toFree = used - max;
  const policy = server.config.string('maxmemory-policy');
  if (policy === 'noeviction') return false;
  const volatile = policy.startsWith('volatile-');
  const byTtl = policy.endsWith('-ttl');
  const random = policy.endsWith('-random');
  const lfuDecay = policy.endsWith('-lfu') ? server.config.number('lfu-decay-time') : -1;
  const samples = server.config.number('maxmemory-samples');
  const lazy = server.config.bool('lazyfree-lazy-eviction');
  const now = Date.now();
  let evicted = 0;
  let evictedBytes = 0;
  while (evictedBytes < toFree && evicted < MAX_EVICTIONS_PER_CALL) {
    let best: { db: Database; key: string; score: number } | undefined;
    for (const db of server.dbs) {
      if (db.size === 0) continue;
      const candidates = volatile ? sampleVolatile(db, samples) : sampleAll(db, random ? 1 : samples);
      for (const key of candidates) {
        const entry = db.peekNoExpire(key);
        if (entry === undefined) continue;
        // Higher score = better victim: oldest access (LRU), fewest accesses (LFU), soonest expiry (TTL).
        const score = random
          ? Math.random()
          : byTtl
            ? -(db.getExpire(key) ?? Infinity)
            : lfuDecay >= 0
              ? 255 - lfuCounter(entry.lru, lfuDecay, now)
              : idleMsOf(entry);
        if (best === undefined || score > best.score) best = { db, key, score };
      }
    }
    if (best === undefined) break;
    const { db, key } = best;
    const entry = db.peekNoExpire(key)!;
    evictedBytes += entryBytes(db, key, entry);
    if (lazy) freedLazily(server.stats, entry, server.config);
    if (db.delete(key, true)) server.effects.deleted(db.index, key);
    server.stats.evictedKeys++;
    server.notifyKeyspaceEvent('e', 'evicted', key, db.index);
    evicted++;
  }
  // Like Redis: freed enough, or still evicting (budget spent), lets the write through; having
  // run out of evictable keys while over the limit is an OOM, even after evicting some.
  return evictedBytes >= toFree || evicted >= MAX_EVICTIONS_PER_CALL;
}
