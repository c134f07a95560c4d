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
// where the dataset estimate sums, per key, the key and value sizes plus a fixed per-entry
// overhead similar to what Redis pays (dict entry, object header, expiry). Databases of at most
// EXACT_KEYS keys are measured exactly (containers are themselves sampled); larger ones are
// sampled (average entry size × key count), re-sampled every RESAMPLE_MS or once keys created
// since the sample reach an eighth of the sampled count (new keys are counted at the sample's
// average, evicted ones at their own size: with churn the two drift apart), and corrected
// immediately for every key evicted. INFO's used_memory reports this figure; the process's real
// footprint is reported next to it (used_memory_rss, node_heap_used).
import v8 from 'node:v8';
import { Database, idleMsOf, lfuCounter, type Entry } from './database.js';
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
 * Per key, as V8 on x64 pays it (measured with bench/memory.mjs and heap snapshots): the Map slot,
 * the key string's header, the entry object with its boxed access time, the SCAN order slots.
 */
const ENTRY_OVERHEAD = 128; // 136 until the entry lost its type field (KeyEntry: 48 bytes, not 56)
/** Extra per key with a TTL (entry in the expires table). */
const EXPIRE_OVERHEAD = 24;
const EXACT_KEYS = 256;
const SAMPLE_KEYS = 64;
/** Keys created since a sample that make it stale: an eighth of the keys sampled, at least this. */
const CHURN_MIN_KEYS = 64;
const RESAMPLE_MS = 100;
/** Container elements looked at per key when estimating (MEMORY USAGE's default is 5). */
const ELEMENT_SAMPLES = 16;

/** The estimated size of one stored value; containers are sampled up to `samples` elements. */
export function valueBytes(entry: Entry, samples = ELEMENT_SAMPLES): number {
  switch (entry.type) {
    case 'string':
      // A latin1 string: a 16-byte header, 8-byte aligned; a Buffer: its heap object (~96 bytes).
      return typeof entry.value === 'string' ? 24 + entry.value.length : 96 + entry.value.length;
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

export function entryBytes(db: Database, key: string, entry: Entry, samples = ELEMENT_SAMPLES): number {
  const ttl = db.getExpire(key) === undefined ? 0 : EXPIRE_OVERHEAD;
  return ENTRY_OVERHEAD + key.length + ttl + valueBytes(entry, samples);
}

interface Meter {
  at: number;
  /** Estimated bytes of the db when sampled, minus what was evicted since. */
  bytes: number;
  /** Key count the estimate covers (decremented with each eviction). */
  size: number;
  /** Average bytes per key, for keys added since the sample. */
  avg: number;
  /** Database.keysCreated when sampled: how many keys were created since. */
  seq: number;
}

const meters = new WeakMap<Database, Meter>();

function measure(db: Database, now: number): Meter {
  let bytes = 0;
  let counted = 0;
  if (db.size <= EXACT_KEYS) {
    for (const [key, entry] of db.entries()) {
      bytes += entryBytes(db, key, entry);
      counted++;
    }
  } else {
    for (let i = 0; i < SAMPLE_KEYS; i++) {
      const key = db.sampleKey();
      if (key === undefined) break;
      const entry = db.peekNoExpire(key);
      if (entry === undefined) continue;
      bytes += entryBytes(db, key, entry);
      counted++;
    }
    bytes = counted === 0 ? 0 : (bytes / counted) * db.size;
    counted = db.size;
  }
  const meter = { at: now, bytes, size: db.size, avg: counted === 0 ? 0 : bytes / counted, seq: Database.keysCreated };
  meters.set(db, meter);
  return meter;
}

function dbBytes(db: Database, now: number): number {
  if (db.size === 0) return 0;
  let meter = meters.get(db);
  if (
    meter === undefined ||
    now - meter.at > RESAMPLE_MS ||
    (db.size <= EXACT_KEYS && meter.size !== db.size) ||
    Database.keysCreated - meter.seq > Math.max(CHURN_MIN_KEYS, meter.size / 8)
  ) {
    meter = measure(db, now);
  }
  return Math.max(0, meter.bytes + (db.size - meter.size) * meter.avg);
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
    const bytes = entryBytes(db, key, entry);
    const meter = meters.get(db);
    if (meter !== undefined) {
      meter.bytes -= bytes;
      meter.size -= 1;
    }
    evictedBytes += bytes;
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
