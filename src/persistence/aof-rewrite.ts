// The dataset as commands: the base file of a rewritten AOF (when it is not an RDB preamble).
// Like Redis's rewriteAppendOnlyFileRio: one SELECT per non-empty database, then per key the
// fewest commands that rebuild it (batched, 64 items per command), then its PEXPIREAT.
import type { PersistenceHost } from './host.js';
import { stringBytes, type Entry } from '../store/database.js';
import { formatDouble } from '../protocol/numbers.js';
import { StreamId, decodeFields, type Stream } from '../types/stream.js';

const ITEMS_PER_COMMAND = 64;

/** RESP multibulk encoding of one command, as the AOF stores it. */
export function encodeCommand(argv: readonly Buffer[]): Buffer {
  let size = 1 + String(argv.length).length + 2;
  for (const a of argv) size += 1 + String(a.length).length + 2 + a.length + 2;
  const out = Buffer.allocUnsafe(size);
  let at = out.write(`*${argv.length}\r\n`, 0, 'latin1');
  for (const a of argv) {
    at += out.write(`$${a.length}\r\n`, at, 'latin1');
    at += a.copy(out, at);
    out[at++] = 13;
    out[at++] = 10;
  }
  return out;
}

const b = (s: string) => Buffer.from(s, 'latin1');

/** Collects encoded commands into chunks. */
class CommandSink {
  readonly chunks: Buffer[] = [];
  size = 0;
  add(argv: readonly Buffer[]): void {
    const enc = encodeCommand(argv);
    this.chunks.push(enc);
    this.size += enc.length;
  }
}

/** Serialise every database (and the function libraries) as AOF commands. */
export function datasetAsCommands(server: PersistenceHost): Buffer {
  const sink = new CommandSink();
  const scripting = server.extensions.get('scripting') as { libraries?: Map<string, { code: Buffer }> } | undefined;
  if (scripting?.libraries !== undefined) {
    for (const library of scripting.libraries.values()) sink.add([b('FUNCTION'), b('LOAD'), library.code]);
  }
  for (const db of server.dbs) {
    if (db.size === 0) continue;
    sink.add([b('SELECT'), b(String(db.index))]);
    const now = Date.now();
    for (const [key, entry] of db.entries()) {
      const expireAt = db.getExpire(key);
      if (expireAt !== undefined && expireAt <= now) continue;
      writeKey(sink, b(key), entry);
      if (expireAt !== undefined) sink.add([b('PEXPIREAT'), b(key), b(String(expireAt))]);
    }
  }
  return Buffer.concat(sink.chunks, sink.size);
}

function batched(sink: CommandSink, head: Buffer[], items: Iterable<Buffer[]>): void {
  let args: Buffer[] = [];
  let n = 0;
  for (const item of items) {
    args.push(...item);
    if (++n === ITEMS_PER_COMMAND) {
      sink.add([...head, ...args]);
      args = [];
      n = 0;
    }
  }
  if (n > 0) sink.add([...head, ...args]);
}

function writeKey(sink: CommandSink, key: Buffer, entry: Entry): void {
  switch (entry.type) {
    case 'string':
      sink.add([b('SET'), key, stringBytes(entry.value)]);
      return;
    case 'list':
      batched(sink, [b('RPUSH'), key], (function* (items) {
        for (const item of items) yield [item];
      })(entry.value.toArray()));
      return;
    case 'set':
      batched(sink, [b('SADD'), key], (function* (members) {
        for (const m of members) yield [b(m)];
      })(entry.value));
      return;
    case 'hash':
      batched(sink, [b('HMSET'), key], (function* (fields) {
        for (const [f, v] of fields) yield [b(f), b(v)];
      })(entry.value));
      return;
    case 'zset': {
      const items: Buffer[][] = [];
      entry.value.walk(0, false, (member, score) => {
        items.push([b(formatDouble(score)), b(member)]);
        return true;
      });
      batched(sink, [b('ZADD'), key], items);
      return;
    }
    case 'stream':
      writeStream(sink, key, entry.value);
      return;
  }
}

function writeStream(sink: CommandSink, key: Buffer, stream: Stream): void {
  const entries = stream.entries(StreamId.MIN, StreamId.MAX);
  if (entries.length === 0) {
    // An empty stream still exists: create it with a throwaway entry, then restore its state.
    // A stream that never had an entry (XGROUP CREATE ... MKSTREAM) has last ID 0-0, which XADD
    // refuses: the throwaway entry then takes 0-1, and XSETID below puts 0-0 back (as Redis does).
    const id = stream.lastId.compare(StreamId.MIN) === 0 ? '0-1' : stream.lastId.toString();
    sink.add([b('XADD'), key, b('MAXLEN'), b('0'), b(id), b('x'), b('y')]);
  } else {
    for (const e of entries) sink.add([b('XADD'), key, b(e.id.toString()), ...decodeFields(e.fields)]);
  }
  sink.add([
    b('XSETID'),
    key,
    b(stream.lastId.toString()),
    b('ENTRIESADDED'),
    b(stream.entriesAdded.toString()),
    b('MAXDELETEDID'),
    b(stream.maxDeletedId.toString()),
  ]);
  for (const group of stream.groups.values()) {
    const read = group.entriesRead < 0n ? '-1' : group.entriesRead.toString();
    sink.add([b('XGROUP'), b('CREATE'), key, group.name, b(group.lastId.toString()), b('ENTRIESREAD'), b(read)]);
    for (const pending of group.pending.values()) {
      sink.add([
        b('XCLAIM'),
        key,
        group.name,
        pending.consumer.name,
        b('0'),
        b(pending.id.toString()),
        b('TIME'),
        b(String(pending.deliveryTime)),
        b('RETRYCOUNT'),
        b(String(pending.deliveryCount)),
        b('JUSTID'),
        b('FORCE'),
      ]);
    }
    // Consumers with nothing pending still exist.
    for (const consumer of group.consumers.values()) {
      if (consumer.pending.size === 0) sink.add([b('XGROUP'), b('CREATECONSUMER'), key, group.name, consumer.name]);
    }
  }
}
