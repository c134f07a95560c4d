// The RDB preamble of an AOF base (aof-use-rdb-preamble yes): the dataset as an RDB image at the
// start of the base file, written and read with the RDB codec.
import type { PersistenceHost } from './host.js';
import { crc64, readRdbSteps, RdbError } from './rdb/index.js';
import { KeyLoader, type LoadPace } from './loading.js';
import { serverSnapshot } from './rdbfile.js';
import type { ImageWriter } from './snapshot.js';

/**
 * The whole dataset as an RDB image (or in `writer`'s form: commands), taken in one go (a
 * consistent point in time).
 */
export function datasetNow(server: PersistenceHost, writer?: ImageWriter): Buffer {
  // A BGSAVE may be running with its copy-on-write hook on every database: this image is taken
  // within one synchronous step, so the hooks are set back exactly as they were afterwards.
  const hooks = server.dbs.map((db) => db.cow);
  try {
    const snapshot = serverSnapshot(server, true, writer);
    const parts: Buffer[] = [];
    while (!snapshot.step()) parts.push(snapshot.take());
    parts.push(snapshot.take());
    return Buffer.concat(parts);
  } finally {
    server.dbs.forEach((db, i) => (db.cow = hooks[i]));
  }
}

/**
 * Where the RDB image at the start of `buf` ends: after the EOF opcode (0xFF) and the 8-byte
 * checksum, where the file ends or the AOF tail (`*`) begins. The checksum confirms the place.
 */
function rdbEnd(buf: Buffer): number {
  for (let p = buf.indexOf(0xff, 9); p >= 0; p = buf.indexOf(0xff, p + 1)) {
    const end = p + 9;
    if (end > buf.length) break;
    if (end !== buf.length && buf[end] !== 0x2a && buf[end] !== 0x23) continue;
    const stored = buf.readBigUInt64LE(p + 1);
    if (stored === 0n || crc64(buf, 0, p + 1) === stored) return end;
  }
  return buf.length;
}

/**
 * Load the RDB preamble of an AOF file into the server; returns the offset of the AOF tail. With a
 * pace, it pauses between keys as the pace says (loading across turns).
 */
export function* loadRdbPreamble(server: PersistenceHost, buf: Buffer, displayName: string, pace?: LoadPace): Generator<void, number, void> {
  const end = rdbEnd(buf);
  // Keys go in as an RDB file's do (loading.ts): expired ones skipped, IDLE/FREQ kept, no signals.
  const keys = new KeyLoader(server.dbs);
  try {
    yield* readRdbSteps(
      buf.subarray(0, end),
      {
        aux(name, value) {
          if (name === 'used-mem' && pace !== undefined) pace.rdbUsedMem = Number(value.toString('latin1'));
        },
        functionLibrary(code) {
          // The scripting state only when there is a library (as the dump file's load, rdbfile.ts).
          server.scripting.loadLibrary(code, true);
        },
        key(dbIndex, key, _type, value, expireAt, idleMs, freq) {
          keys.key(dbIndex, key, value, expireAt, idleMs, freq);
        },
        emptyKey(_dbIndex, key) {
          server.log('warning', `rdbLoadObject skipping empty key: ${key}`);
        },
        pauseAt: pace === undefined ? undefined : (offset) => pace.at(offset),
      },
      server.config,
      { checksum: server.config.bool('rdbchecksum') },
    );
  } catch (err) {
    const offset = err instanceof RdbError ? err.offset : 0;
    throw new Error(`Bad file format reading the append only file ${displayName}: RDB preamble unreadable at offset ${offset}: ${(err as Error).message}`);
  }
  return end;
}
