// The dataset as commands: the base file of a rewritten AOF (when it is not an RDB preamble).
// Like Redis's rewriteAppendOnlyFileRio: one SELECT per non-empty database, then per key the
// fewest commands that rebuild it (batched, 64 items per command), then its PEXPIREAT.
import type { PersistenceHost } from './host.js';
import type { Config } from '../config/config.js';
import { stringBytes, type Entry } from '../store/database.js';
import type { ImageWriter } from './snapshot.js';
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

/**
 * The dataset as AOF commands, for a Snapshot (snapshot.ts): FUNCTION LOAD per library, SELECT
 * whenever the keys that follow belong to another database, then per key the commands that
 * rebuild it and its PEXPIREAT. Keys already expired when the image started are left out.
 */
export class CommandImageWriter implements ImageWriter {
  compress = false;
  private chunks: Buffer[] = [];
  private size = 0;
  private readonly sink = { add: (argv: readonly Buffer[]) => this.add(argv) };
  private readonly startedAt = Date.now();

  /** `header`: lines before the first command (aof-timestamp-enabled's #TS), if any. */
  constructor(private readonly prefix?: Buffer) {}

  get pending(): number {
    return this.size;
  }

  header(): void {
    if (this.prefix !== undefined) this.push(this.prefix);
  }

  functionLibrary(code: Buffer): void {
    this.add([b('FUNCTION'), b('LOAD'), code]);
  }

  selectDb(index: number): void {
    this.add([b('SELECT'), b(String(index))]);
  }

  key(key: string, entry: Entry, expireAt: number | undefined, _config: Config): void {
    if (expireAt !== undefined && expireAt <= this.startedAt) return;
    const name = b(key);
    writeKey(this.sink, name, entry);
    if (expireAt !== undefined) this.add([b('PEXPIREAT'), name, b(String(expireAt))]);
  }

  end(): void {}

  take(): Buffer {
    const out = Buffer.concat(this.chunks, this.size);
    this.chunks = [];
    this.size = 0;
    return out;
  }

  takeView(): Buffer {
    return this.take();
  }

  private add(argv: readonly Buffer[]): void {
    this.push(encodeCommand(argv));
  }

  private push(bytes: Buffer): void {
    this.chunks.push(bytes);
    this.size += bytes.length;
  }
}

/** What writeKey writes commands into. */
interface CommandSink {
  add(argv: readonly Buffer[]): void;
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
