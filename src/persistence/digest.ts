// DEBUG DIGEST and DEBUG DIGEST-VALUE: a fingerprint of the dataset (or of single values) that is
// the same whenever the data is the same — whatever the encoding, the insertion order of unordered
// types, or a save and reload in between. Redis's tests compare digests taken before and after
// DEBUG RELOAD, DEBUG LOADAOF or a restart; they never compare them across servers, so the
// construction is Tidings' own: SHA-1 per element, XOR where order does not matter.
import { createHash } from 'node:crypto';
import type { Config } from '../config/config.js';
import type { Database, Entry } from '../store/database.js';
import { dumpValue } from './rdb/index.js';

const ZERO = '0'.repeat(40);

function sha1(...parts: (Buffer | string)[]): Buffer {
  const h = createHash('sha1');
  for (const p of parts) {
    // Length-prefix every part so that ("ab","c") and ("a","bc") differ.
    const bytes = typeof p === 'string' ? Buffer.from(p, 'latin1') : p;
    const len = Buffer.alloc(4);
    len.writeUInt32LE(bytes.length);
    h.update(len);
    h.update(bytes);
  }
  return h.digest();
}

function xorInto(acc: Buffer, d: Buffer): void {
  for (let i = 0; i < acc.length; i++) acc[i]! ^= d[i]!;
}

/** The digest of one value: ordered types hash their sequence, unordered ones XOR their elements. */
export function valueDigest(entry: Entry, config: Config): Buffer {
  switch (entry.type) {
    case 'string':
      return sha1('string', entry.value);
    case 'list': {
      const h = createHash('sha1').update('list');
      for (const item of entry.value.toArray()) h.update(sha1(item));
      return h.digest();
    }
    case 'set': {
      const acc = sha1('set');
      for (const member of entry.value) xorInto(acc, sha1(member));
      return acc;
    }
    case 'hash': {
      const acc = sha1('hash');
      for (const [field, value] of entry.value) xorInto(acc, sha1(field, value));
      return acc;
    }
    case 'zset': {
      const h = createHash('sha1').update('zset');
      entry.value.walk(0, false, (member, score) => {
        h.update(sha1(member, String(score)));
        return true;
      });
      return h.digest();
    }
    case 'stream':
      // The stream's serialized form (entries, groups, PELs, consumers) in Redis's format.
      return sha1('stream', dumpValue(entry, config));
  }
}

/** DEBUG DIGEST: 40 hex digits, all zeros for an empty dataset (as Redis). */
export function datasetDigest(dbs: readonly Database[], config: Config): string {
  const acc = Buffer.alloc(20);
  let any = false;
  for (const db of dbs) {
    if (db.size === 0) continue;
    for (const [key, entry] of db.entries()) {
      const expireAt = db.getExpire(key);
      xorInto(acc, sha1(String(db.index), key, valueDigest(entry, config), expireAt === undefined ? '' : String(expireAt)));
      any = true;
    }
  }
  return any ? acc.toString('hex') : ZERO;
}

/** DEBUG DIGEST-VALUE key ...: one digest per key, zeros for a missing key (as Redis). */
export function keyDigest(db: Database, key: string, config: Config): string {
  const entry = db.peek(key);
  return entry === undefined ? ZERO : valueDigest(entry, config).toString('hex');
}
