// The dataset as commands: the base file of a rewritten AOF (when it is not an RDB preamble).
// Like Redis's rewriteAppendOnlyFileRio: one SELECT per non-empty database, then per key the
// fewest commands that rebuild it (batched, 64 items per command), then its PEXPIREAT. A huge key
// (more than STEPPED_VALUE_MIN elements) goes out in steps across the snapshot's slices.
import type { PersistenceHost } from './host.js';
import type { Config } from '../config/config.js';
import { stringBytes, type Entry } from '../store/database.js';
import type { ImageWriter } from './snapshot.js';
import { formatDouble } from '../protocol/numbers.js';
import { StreamId, decodeFields, type Stream } from '../types/stream.js';
import type { List } from '../types/list.js';
import type { SortedSet } from '../types/zset.js';
import { iteratorSteps, STEPPED_VALUE_MIN, type ValueSteps } from './rdb/encoder.js';

const ITEMS_PER_COMMAND = 64;
/** Commands a stepped key writes between two reads of the clock (256 elements). */
const COMMANDS_PER_STEP = 4;

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
    for (const argv of keyCommands(b(key), entry, expireAt)) this.add(argv);
  }

  /**
   * A key of more than STEPPED_VALUE_MIN elements as steps (the snapshot runs them across its
   * slices, and all at once before a write to the key): the same commands key() writes, a few
   * hundred elements between two reads of the clock.
   */
  keyInSteps(key: string, entry: Entry, expireAt: number | undefined, _config: Config): ValueSteps | undefined {
    if (expireAt !== undefined && expireAt <= this.startedAt) return undefined;
    if (elementCount(entry) <= STEPPED_VALUE_MIN) return undefined;
    return iteratorSteps(keyCommands(b(key), entry, expireAt), (argv) => this.add(argv), COMMANDS_PER_STEP);
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

/** Elements in a container value (0 for a string): what decides whether it is written in steps. */
function elementCount(entry: Entry): number {
  switch (entry.type) {
    case 'string':
      return 0;
    case 'list':
    case 'stream':
      return entry.value.length;
    default:
      return entry.value.size;
  }
}

/** `head` followed by ITEMS_PER_COMMAND items' arguments a command. */
function* batched(head: Buffer[], items: Iterable<Buffer[]>): Generator<Buffer[]> {
  let args: Buffer[] = [];
  let n = 0;
  for (const item of items) {
    args.push(...item);
    if (++n === ITEMS_PER_COMMAND) {
      yield [...head, ...args];
      args = [];
      n = 0;
    }
  }
  if (n > 0) yield [...head, ...args];
}

/**
 * The commands that rebuild one key, then its PEXPIREAT, made as they are taken: a huge value is
 * read a batch at a time, so that its commands can go out over several slices. The value must not
 * change until the last one is taken (the snapshot's copy-on-write finishes an open key before a
 * write to it).
 */
function* keyCommands(key: Buffer, entry: Entry, expireAt: number | undefined): Generator<Buffer[]> {
  yield* valueCommands(key, entry);
  if (expireAt !== undefined) yield [b('PEXPIREAT'), key, b(String(expireAt))];
}

function* valueCommands(key: Buffer, entry: Entry): Generator<Buffer[]> {
  switch (entry.type) {
    case 'string':
      yield [b('SET'), key, stringBytes(entry.value)];
      return;
    case 'list':
      yield* batched([b('RPUSH'), key], listItems(entry.value));
      return;
    case 'set':
      yield* batched([b('SADD'), key], (function* (members) {
        for (const m of members) yield [b(m)];
      })(entry.value));
      return;
    case 'hash':
      yield* batched([b('HMSET'), key], (function* (fields) {
        for (const [f, v] of fields) yield [b(f), b(v)];
      })(entry.value));
      return;
    case 'zset':
      yield* batched([b('ZADD'), key], zsetItems(entry.value));
      return;
    case 'stream':
      yield* streamCommands(key, entry.value);
      return;
  }
}

/** A list's elements, ITEMS_PER_COMMAND copied at a time. */
function* listItems(list: List): Generator<Buffer[]> {
  const pos = { chunk: 0, at: -1 };
  const batch: Buffer[][] = [];
  const element = (buf: Buffer, start: number, end: number): void => {
    batch.push([Buffer.from(buf.subarray(start, end))]);
  };
  for (;;) {
    const done = list.scanRangesFrom(pos, ITEMS_PER_COMMAND, element);
    yield* batch;
    batch.length = 0;
    if (done) return;
  }
}

/** A sorted set's score and member pairs, lowest rank first, ITEMS_PER_COMMAND at a time. */
function* zsetItems(zset: SortedSet): Generator<Buffer[]> {
  const batch: Buffer[][] = [];
  const visit = (member: string, score: number): boolean => {
    batch.push([b(formatDouble(score)), b(member)]);
    return batch.length < ITEMS_PER_COMMAND;
  };
  for (let rank = 0; rank < zset.size; ) {
    zset.walk(rank, false, visit);
    rank += batch.length;
    yield* batch;
    batch.length = 0;
  }
}

function* streamCommands(key: Buffer, stream: Stream): Generator<Buffer[]> {
  if (stream.length === 0) {
    // An empty stream still exists: create it with a throwaway entry, then restore its state.
    // A stream that never had an entry (XGROUP CREATE ... MKSTREAM) has last ID 0-0, which XADD
    // refuses: the throwaway entry then takes 0-1, and XSETID below puts 0-0 back (as Redis does).
    const id = stream.lastId.compare(StreamId.MIN) === 0 ? '0-1' : stream.lastId.toString();
    yield [b('XADD'), key, b('MAXLEN'), b('0'), b(id), b('x'), b('y')];
  } else {
    const batch: Buffer[][] = [];
    let last = StreamId.MIN;
    const visit = (id: StreamId, fields: Buffer): void => {
      batch.push([b('XADD'), key, b(id.toString()), ...decodeFields(fields)]);
      last = id;
    };
    for (let from: StreamId | undefined = StreamId.MIN; from !== undefined; ) {
      const n = stream.range(from, StreamId.MAX, ITEMS_PER_COMMAND, false, visit);
      yield* batch;
      batch.length = 0;
      from = n === ITEMS_PER_COMMAND ? last.next() : undefined;
    }
  }
  yield [
    b('XSETID'),
    key,
    b(stream.lastId.toString()),
    b('ENTRIESADDED'),
    b(stream.entriesAdded.toString()),
    b('MAXDELETEDID'),
    b(stream.maxDeletedId.toString()),
  ];
  for (const group of stream.groups.values()) {
    const read = group.entriesRead < 0n ? '-1' : group.entriesRead.toString();
    yield [b('XGROUP'), b('CREATE'), key, group.name, b(group.lastId.toString()), b('ENTRIESREAD'), b(read)];
    for (const pending of group.pending.values()) {
      yield [
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
      ];
    }
    // Consumers with nothing pending still exist.
    for (const consumer of group.consumers.values()) {
      if (consumer.pending.size === 0) yield [b('XGROUP'), b('CREATECONSUMER'), key, group.name, consumer.name];
    }
  }
}
