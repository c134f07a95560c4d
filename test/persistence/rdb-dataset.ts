// A dataset with every type in every encoding Redis 7.0 saves, built with ordinary commands so
// the same commands give the same data in Tidings and redis-server; and the read commands that
// compare a key's contents between the two.
import { render, type Arg } from '../diff/harness.js';
import type { RespValue } from '../helpers/resp.js';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Keys whose DUMP payload Redis produces deterministically (no hash-table order, no clock). */
export const DETERMINISTIC = new Set<string>();

export function datasetCommands(): Arg[][] {
  const cmds: Arg[][] = [];
  const det = (key: string, ...cmd: Arg[][]) => {
    DETERMINISTIC.add(key);
    cmds.push(...cmd);
  };
  // Strings: integer encodings, raw, LZF-compressible, incompressible, binary, large.
  det('s:int8', ['SET', 's:int8', '12']);
  det('s:int16', ['SET', 's:int16', '-3000']);
  det('s:int32', ['SET', 's:int32', '70000000']);
  det('s:int64', ['SET', 's:int64', '5000000000']);
  det('s:zeros', ['SET', 's:zeros', '007']);
  det('s:short', ['SET', 's:short', 'hello']);
  det('s:empty', ['SET', 's:empty', '']);
  det('s:run', ['SET', 's:run', 'a'.repeat(100)]);
  det('s:21', ['SET', 's:21', 'x'.repeat(21)]);
  det('s:text', ['SET', 's:text', 'The quick brown fox jumps over the lazy dog. '.repeat(40)]);
  det('s:noise', ['SET', 's:noise', Buffer.from(range(300).map((i) => (i * 7919 + 13) % 256))]);
  det('s:binary', ['SET', 's:binary', Buffer.from([0, 255, 13, 10, 0, 1, 2])]);
  det('s:big', ['SET', 's:big', Buffer.from(range(20000).map((i) => (i % 97) + (i % 13)))]);
  // Lists: one listpack node, many nodes, a large element, integers of every width.
  det('l:small', ['RPUSH', 'l:small', 'a', 'b', '1', '-200', '70000', '5000000000', '-0', 'hello']);
  det('l:big', ['RPUSH', 'l:big', ...range(1500).map((i) => (i % 3 === 0 ? String(i * 1000) : `item-${i}-${'z'.repeat(i % 40)}`))]);
  det('l:huge', ['RPUSH', 'l:huge', 'a', 'y'.repeat(10000), 'b', 'c'.repeat(300)]);
  det('l:mixed', ['LPUSH', 'l:mixed', 'x', 'y', 'z'], ['RPUSH', 'l:mixed', '1', '2']);
  // Hashes: listpack, hash table by count and by value length.
  det('h:small', ['HSET', 'h:small', 'f1', 'v1', 'n', '123', 'neg', '-5', 'big', '9223372036854775807', 'e', '']);
  cmds.push(['HSET', 'h:big', ...range(600).flatMap((i) => [`field:${i}`, `value:${i * 3}`])]);
  cmds.push(['HSET', 'h:long', 'f', 'v'.repeat(100), 'g', 'w']);
  // Sets: intsets of 16, 32 and 64-bit width, hash tables.
  det('set:i16', ['SADD', 'set:i16', '1', '2', '3', '-7', '300']);
  det('set:i32', ['SADD', 'set:i32', '1', '70000', '-70000']);
  det('set:i64', ['SADD', 'set:i64', '1', '9223372036854775807', '-9223372036854775808']);
  cmds.push(['SADD', 'set:str', 'a', 'b', 'c', '1']);
  cmds.push(['SADD', 'set:manyints', ...range(600).map(String)]);
  // Sorted sets: listpack (special scores included) and skip list by count and by member length.
  det('z:small', ['ZADD', 'z:small', '1', 'a', '2.5', 'b', '-inf', 'c', 'inf', 'd', '0', 'e', '1e20', 'f', '3.14159', 'g', '-17', 'h', '0.1', 'i']);
  det('z:big', ['ZADD', 'z:big', ...range(200).flatMap((i) => [String((i * 37) % 101) + '.25', `member-${i}`])]);
  det('z:long', ['ZADD', 'z:long', '1', 'm'.repeat(100), '-0', 'zero', '2', 'two']);
  // Streams: no groups, tombstones, several nodes, empty, and groups with PEL and consumers.
  det('x:plain', ['XADD', 'x:plain', '1-1', 'f', 'v', 'g', '1'], ['XADD', 'x:plain', '1-2', 'f', 'w', 'g', '2'], ['XADD', 'x:plain', '2-0', 'other', 'x']);
  // Redis keeps XDEL tombstones inside its nodes; we write only live entries, so no byte match.
  cmds.push(...range(10).map((i): Arg[] => ['XADD', 'x:deleted', `5-${i}`, 'k', String(i)]), ['XDEL', 'x:deleted', '5-3', '5-4']);
  // A group whose entries-read is unknown (past a tombstone): saved as a 64-bit length of -1.
  cmds.push(['XGROUP', 'CREATE', 'x:deleted', 'mid', '5-5']);
  det('x:many', ...range(350).map((i): Arg[] => ['XADD', 'x:many', `${1000 + i}-0`, 'field', `value-${i}`, 'n', String(i)]));
  det('x:empty', ['XGROUP', 'CREATE', 'x:empty', 'g', '$', 'MKSTREAM']);
  cmds.push(
    ...range(6).map((i): Arg[] => ['XADD', 'x:groups', `${10 + i}-0`, 'job', `j${i}`]),
    ['XGROUP', 'CREATE', 'x:groups', 'workers', '0'],
    ['XGROUP', 'CREATE', 'x:groups', 'idle', '$'],
    ['XREADGROUP', 'GROUP', 'workers', 'alice', 'COUNT', '2', 'STREAMS', 'x:groups', '>'],
    ['XREADGROUP', 'GROUP', 'workers', 'bob', 'COUNT', '3', 'STREAMS', 'x:groups', '>'],
    ['XACK', 'x:groups', 'workers', '12-0'],
    ['XCLAIM', 'x:groups', 'workers', 'carol', '0', '10-0'],
    ['XGROUP', 'CREATECONSUMER', 'x:groups', 'workers', 'dave'],
    ['XDEL', 'x:groups', '15-0'],
  );
  return cmds;
}

export interface ContentCheck {
  args: Arg[];
  unordered?: boolean;
}

/** Commands that read everything observable about a key of `type`. */
export function contentCommands(key: string, type: string): ContentCheck[] {
  const enc: ContentCheck = { args: ['OBJECT', 'ENCODING', key] };
  switch (type) {
    case 'string':
      return [{ args: ['GET', key] }, enc];
    case 'list':
      return [{ args: ['LRANGE', key, '0', '-1'] }, enc];
    case 'hash':
      return [{ args: ['HGETALL', key], unordered: true }, { args: ['HLEN', key] }, enc];
    case 'set':
      return [{ args: ['SMEMBERS', key], unordered: true }, { args: ['SCARD', key] }, enc];
    case 'zset':
      return [{ args: ['ZRANGE', key, '0', '-1', 'WITHSCORES'] }, enc];
    case 'stream':
      return [
        { args: ['XRANGE', key, '-', '+'] },
        { args: ['XLEN', key] },
        { args: ['XINFO', 'GROUPS', key] },
        { args: ['XINFO', 'STREAM', key, 'FULL'] },
      ];
    default:
      throw new Error(`no content commands for ${type}`);
  }
}

/** XINFO STREAM FULL without the radix tree sizes (an implementation detail of the node layout). */
export function withoutRadixTree(v: RespValue): unknown {
  const r = render(v) as { array?: unknown[] };
  if (!Array.isArray(r.array)) return r;
  const out: unknown[] = [];
  for (let i = 0; i < r.array.length; i += 2) {
    const name = r.array[i];
    if (name === '$radix-tree-keys' || name === '$radix-tree-nodes') continue;
    out.push(name, r.array[i + 1]);
  }
  return out;
}
