// MIGRATE: move (or copy) keys to another Redis-compatible server — Redis, Valkey or another
// Tidings — as DUMP payloads sent with RESTORE over a cached connection (src/net/outbound.ts).
//
// Redis does the exchange with blocking I/O while the whole server waits, so nothing can touch the
// keys in between. Tidings cannot stop its event loop for network I/O, so the calling client waits
// (as a blocked client) while everyone else goes on; to keep Redis's guarantee that a migrated key
// is never lost, a key is deleted here only if it is still exactly what was sent (same payload and
// TTL). A key written meanwhile stays, and the reply says so.
import { Errors } from '../protocol/errors.js';
import { parseBigInt } from '../protocol/numbers.js';
import { BLOCKED, OK, ReplyError, Status, type HandlerResult, type Reply } from '../protocol/reply.js';
import { dumpValue } from '../persistence/rdb/index.js';
import type { OutboundFailure } from './host.js';
import type { CommandContext, CommandSpec } from './types.js';

const NOKEY = new Status('NOKEY');

function bulk(parts: Buffer[], arg: Buffer | string): void {
  const b = typeof arg === 'string' ? Buffer.from(arg, 'latin1') : arg;
  parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
}

function command(parts: Buffer[], args: (Buffer | string)[]): void {
  parts.push(Buffer.from(`*${args.length}\r\n`));
  for (const a of args) bulk(parts, a);
}

const ioError = (stage: string) => new ReplyError(`IOERR error or timeout ${stage} to target instance`);

function migrate(ctx: CommandContext, argv: Buffer[]): HandlerResult {
  let copy = false;
  let replace = false;
  let username: Buffer | undefined;
  let password: Buffer | undefined;
  let keyArgs = [argv[3]!];
  for (let j = 6; j < argv.length; j++) {
    const opt = argv[j]!.toString('latin1').toLowerCase();
    const more = argv.length - 1 - j;
    if (opt === 'copy') copy = true;
    else if (opt === 'replace') replace = true;
    else if (opt === 'auth') {
      if (more < 1) throw Errors.syntax();
      password = argv[++j];
    } else if (opt === 'auth2') {
      if (more < 2) throw Errors.syntax();
      username = argv[++j];
      password = argv[++j];
    } else if (opt === 'keys') {
      if (argv[3]!.length !== 0) throw new ReplyError('ERR When using MIGRATE KEYS option, the key argument must be set to the empty string');
      keyArgs = argv.slice(j + 1);
      break;
    } else throw Errors.syntax();
  }
  const timeoutArg = parseBigInt(argv[5]!);
  const dbArg = parseBigInt(argv[4]!);
  const timeoutMs = timeoutArg <= 0n ? 1000 : Number(timeoutArg > 2n ** 31n ? 2n ** 31n : timeoutArg);
  const targetDb = Number(dbArg);

  // The keys that exist, with what is sent for each: payload and remaining TTL.
  const now = Date.now();
  const sent: { key: string; name: Buffer; payload: Buffer; ttl: number }[] = [];
  for (const name of keyArgs) {
    const key = name.toString('latin1');
    const entry = ctx.db.lookupRead(key);
    if (entry === undefined) continue;
    const expireAt = ctx.db.getExpire(key);
    let ttl = 0;
    if (expireAt !== undefined) {
      ttl = expireAt - now;
      if (ttl < 0) continue;
      if (ttl < 1) ttl = 1;
    }
    sent.push({ key, name, payload: dumpValue(entry, ctx.server.config), ttl });
  }
  if (sent.length === 0) return NOKEY;

  const host = argv[1]!.toString('latin1');
  const port = Number.parseInt(argv[2]!.toString('latin1'), 10);
  const waiting = ctx.block({
    keys: [],
    timeoutMs: 0,
    timeoutReply: new ReplyError('ERR MIGRATE cannot run inside MULTI or a script in Tidings (it waits for the target server)'),
    retry: () => undefined,
  });
  if (waiting !== BLOCKED) return waiting;

  const { server, client, db } = ctx;
  const pool = server.outbound;
  const attempt = async (mayRetry: boolean): Promise<Reply> => {
    let conn;
    try {
      conn = await pool.get(host, port, timeoutMs);
    } catch (err) {
      const e = err as OutboundFailure;
      if (e.stage === 'connecting') return new ReplyError('IOERR error or timeout connecting to the client');
      if (mayRetry) return attempt(false);
      return ioError(e.stage);
    }
    const parts: Buffer[] = [];
    let replies = 0;
    if (password !== undefined) {
      command(parts, username !== undefined ? ['AUTH', username, password] : ['AUTH', password]);
      replies++;
    }
    const select = conn.lastDb !== targetDb;
    if (select) {
      command(parts, ['SELECT', String(targetDb)]);
      replies++;
    }
    for (const k of sent) {
      command(parts, replace ? ['RESTORE', k.name, String(k.ttl), k.payload, 'REPLACE'] : ['RESTORE', k.name, String(k.ttl), k.payload]);
      replies++;
    }
    let lines: string[];
    try {
      lines = await conn.exchange(Buffer.concat(parts), replies, timeoutMs);
    } catch (err) {
      const e = err as OutboundFailure;
      // As Redis: one retry on a fresh connection, unless the failure was a timeout.
      if (mayRetry && !e.timedOut) return attempt(false);
      return ioError(e.stage);
    }
    let i = 0;
    const authReply = password !== undefined ? lines[i++]! : '+OK';
    const selectReply = select ? lines[i++]! : '+OK';
    if (select && !selectReply.startsWith('-')) conn.lastDb = targetDb;
    let failure: ReplyError | undefined;
    const fail = (line: string) => {
      if (failure !== undefined) return;
      conn.lastDb = -1; // as Redis: after an error the selected database is no longer trusted
      failure = new ReplyError(`ERR Target instance replied with error: ${line.slice(1)}`);
    };
    if (authReply.startsWith('-')) fail(authReply);
    else if (selectReply.startsWith('-')) fail(selectReply);
    const deleted: Buffer[] = [];
    let changed = 0;
    for (const k of sent) {
      const line = lines[i++]!;
      // A failed AUTH or SELECT fails every key (the RESTOREs may have gone elsewhere).
      if (line.startsWith('-') || authReply.startsWith('-') || selectReply.startsWith('-')) {
        fail(line);
        continue;
      }
      if (copy) continue;
      // Delete only what was sent: a key written while MIGRATE waited is kept.
      const entry = db.lookupRead(k.key);
      if (entry === undefined) continue;
      const expireAt = db.getExpire(k.key);
      const sameTtl = (expireAt === undefined) === (k.ttl === 0);
      if (!sameTtl || !dumpValue(entry, server.config).equals(k.payload)) {
        changed++;
        continue;
      }
      deleted.push(k.name);
    }
    if (!server.blocking.timeoutReplyOf(client)) return OK; // the client left or was unblocked
    if (deleted.length > 0) {
      for (const name of deleted) {
        const key = name.toString('latin1');
        db.delete(key);
        server.notifyKeyspaceEvent('g', 'del', key, db.index);
      }
      server.dirty += deleted.length;
      server.effects.add(db.index, [Buffer.from('DEL'), ...deleted]);
    }
    if (failure !== undefined) return failure;
    if (changed > 0) return new ReplyError(`ERR ${changed} key(s) changed while MIGRATE waited for the target: copied, and kept here`);
    return OK;
  };
  attempt(true).then(
    (reply) => server.blocking.unblock(client, reply),
    (err: Error) => server.blocking.unblock(client, new ReplyError(`ERR ${err.message}`)),
  );
  return BLOCKED;
}

export const specs: CommandSpec[] = [
  {
    name: 'migrate',
    arity: -6,
    flags: ['write', 'movablekeys'],
    firstKey: 3,
    lastKey: 3,
    step: 1,
    categories: ['@keyspace', '@write', '@slow', '@dangerous'],
    handler: migrate,
  },
];
