// Replaying AOF files at start: each command runs through the dispatcher as a client with no
// socket, MULTI/EXEC included, so the dataset is rebuilt by the same code that built it.
import fs from 'node:fs';
import type { PersistenceHost } from './host.js';
import { ReplyError } from '../protocol/reply.js';
import { loadRdbPreamble } from './aof-preamble.js';
import type { LoadPace } from './loading.js';

export type LoadOutcome = 'ok' | 'empty' | 'truncated';

/** Start-up must stop: the message says why (file and offset included). */
export class AofLoadError extends Error {}

const fixHint = (manifest: string) => `make a backup of your AOF file, then use ./redis-check-aof --fix <${manifest}>`;

/**
 * A replay in steps: it pauses (yields) while a script from the file runs past
 * busy-reply-threshold, between two slices of that script, and, given a LoadPace, where the pace
 * says (loading across turns), so that a driver may let the event loop answer other clients
 * (-LOADING) meanwhile (loading.ts's drive()).
 */
export type ReplaySteps<T> = Generator<void, T, void>;

/**
 * Replay one file, in steps (see ReplaySteps). `last` allows a truncated tail (aof-load-truncated
 * decides what happens); a truncation anywhere else, or a malformed command, stops start-up.
 */
export function* aofFileSteps(server: PersistenceHost, file: string, displayName: string, last: boolean, manifestName: string, pace?: LoadPace): ReplaySteps<LoadOutcome> {
  // While replaying, nothing expires: an EXPIRE whose time has passed sets the TTL instead of
  // deleting, and later commands in the file see the key, as they did when it was written.
  for (const db of server.dbs) db.loading = true;
  try {
    return yield* replayAofFile(server, file, displayName, last, manifestName, pace);
  } finally {
    for (const db of server.dbs) db.loading = false;
  }
}

function* replayAofFile(server: PersistenceHost, file: string, displayName: string, last: boolean, manifestName: string, pace: LoadPace | undefined): ReplaySteps<LoadOutcome> {
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch (err) {
    throw new AofLoadError(`Fatal error: can't open the append log file ${displayName} for reading: ${(err as Error).message}`);
  }
  if (data.length === 0) return 'empty';
  let start = 0;
  if (data.length >= 5 && data.subarray(0, 5).toString('latin1') === 'REDIS') {
    server.log('notice', 'Reading RDB base file on AOF loading...');
    try {
      start = yield* loadRdbPreamble(server, data, displayName, pace);
    } catch (err) {
      throw new AofLoadError((err as Error).message);
    }
    if (start < data.length) server.log('notice', 'Reading the remaining AOF tail...');
  }

  const client = server.createLoaderClient();
  let pos = start;
  let validUpTo = start;
  let validBeforeMulti = start;
  let inMulti = false;
  let truncated = false;
  let corruptAt = -1;

  const readLine = (from: number): { text: string; next: number } | undefined => {
    const cr = data.indexOf(13, from);
    if (cr < 0 || cr + 1 >= data.length) return undefined;
    if (data[cr + 1] !== 10) return undefined;
    return { text: data.toString('latin1', from, cr), next: cr + 2 };
  };

  parse: while (pos < data.length) {
    const c = data[pos]!;
    if (c === 0x23) {
      // An annotation (#TS:...): skipped.
      const nl = data.indexOf(10, pos);
      if (nl < 0) {
        truncated = true;
        break;
      }
      pos = nl + 1;
      if (!inMulti) validUpTo = pos;
      continue;
    }
    if (c !== 0x2a) {
      corruptAt = pos;
      break;
    }
    const head = readLine(pos + 1);
    if (head === undefined) {
      truncated = true;
      break;
    }
    const argc = Number(head.text);
    if (!Number.isInteger(argc) || argc < 1) {
      corruptAt = pos;
      break;
    }
    let p = head.next;
    const argv: Buffer[] = [];
    for (let i = 0; i < argc; i++) {
      if (p >= data.length) {
        truncated = true;
        break parse;
      }
      if (data[p] !== 0x24) {
        corruptAt = p;
        break parse;
      }
      const lenLine = readLine(p + 1);
      if (lenLine === undefined) {
        truncated = true;
        break parse;
      }
      const len = Number(lenLine.text);
      if (!Number.isInteger(len) || len < 0) {
        corruptAt = p;
        break parse;
      }
      if (lenLine.next + len + 2 > data.length) {
        truncated = true;
        break parse;
      }
      if (data[lenLine.next + len] !== 13 || data[lenLine.next + len + 1] !== 10) {
        corruptAt = lenLine.next + len;
        break parse;
      }
      argv.push(data.subarray(lenLine.next, lenLine.next + len));
      p = lenLine.next + len + 2;
    }
    const resolved = server.resolveCommand(argv);
    if (resolved instanceof ReplyError) {
      throw new AofLoadError(`Unknown command '${argv[0]!.toString('latin1')}' reading the append only file ${displayName}`);
    }
    const name = resolved.name;
    if (name === 'multi') {
      inMulti = true;
      validBeforeMulti = pos;
    }
    // Never block while loading (an old AOF may hold a BLPOP): run as inside EXEC.
    // A script: as in Redis, it runs to its end, whatever busy-reply-threshold says; a slow one
    // at the top level (not inside MULTI/EXEC) runs in slices, and the replay pauses between them.
    const script = name === 'eval' || name === 'evalsha' || name === 'fcall' || name === 'eval_ro' || name === 'evalsha_ro' || name === 'fcall_ro';
    const scripting = script && !inMulti ? server.scripting : undefined;
    if (scripting !== undefined) scripting.loaderMayYield = true;
    try {
      server.call(client, argv, { inExec: true });
    } finally {
      if (scripting !== undefined) scripting.loaderMayYield = false;
    }
    while (scripting?.loaderSuspended === true) {
      yield;
      scripting.resumeForLoader();
    }
    pos = p;
    if (name === 'exec') inMulti = false;
    if (!inMulti) validUpTo = pos;
    if (pace !== undefined && pace.command(pos)) yield;
  }

  if (corruptAt >= 0) {
    server.log('warning', `Bad file format reading the append only file ${displayName}: ${fixHint(manifestName)}`);
    throw new AofLoadError(`Bad file format reading the append only file ${displayName} at offset ${corruptAt}: ${fixHint(manifestName)}`);
  }
  if (!truncated && inMulti) {
    server.log('warning', `Revert incomplete MULTI/EXEC transaction in AOF file ${displayName}`);
    validUpTo = validBeforeMulti;
    truncated = true;
  }
  if (inMulti) {
    // The queued commands of the unfinished transaction are dropped, never applied.
    client.multi = undefined;
    client.multiDirty = false;
    validUpTo = Math.min(validUpTo, validBeforeMulti);
  }
  if (!truncated) return 'ok';

  if (!last) {
    throw new AofLoadError(`Fatal error: the truncated file is not the last file: ${displayName} (offset ${validUpTo})`);
  }
  if (!server.config.bool('aof-load-truncated')) {
    const message =
      `Unexpected end of file reading the append only file ${displayName}. You can: ` +
      `1) Make a backup of your AOF file, then use ./redis-check-aof --fix <${manifestName}>. ` +
      `2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.`;
    server.log('warning', message);
    throw new AofLoadError(message);
  }
  server.log('warning', `!!! Warning: short read while loading the AOF file ${displayName}!!!`);
  server.log('warning', `!!! Truncating the AOF ${displayName} at offset ${validUpTo} !!!`);
  try {
    fs.truncateSync(file, validUpTo);
  } catch (err) {
    throw new AofLoadError(`Error truncating the AOF file ${displayName}: ${(err as Error).message}`);
  }
  server.log('warning', `AOF ${displayName} loaded anyway because aof-load-truncated is enabled`);
  return 'truncated';
}
