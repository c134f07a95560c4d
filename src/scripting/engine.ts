// ScriptEngine: one Lua VM per server. Scripts are compiled once and kept by the SHA1 of their
// body; running a script is synchronous, and every redis.call goes back to the server through the
// ScriptHost the caller passes in. Values cross the boundary as bytes, never as decoded text.
import { createHash } from 'node:crypto';
import {
  BigNumber,
  BoolReply,
  Double,
  MapReply,
  NULL_ARRAY,
  PushReply,
  RawReply,
  Latin1,
  ReplyError,
  SetReply,
  Status,
  Verbatim,
  type Reply,
} from '../protocol/reply.js';
import { Errors } from '../protocol/errors.js';
import { formatDouble } from '../protocol/numbers.js';
import {
  lua as m,
  luaLoaded,
  LUA_ERRMEM,
  LUA_ERRRUN,
  LUA_HOOKLINE,
  LUA_MASKCOUNT,
  LUA_MASKLINE,
  LUA_OK,
  LUA_REGISTRYINDEX,
  LuaType,
  newLuaAllocator,
  type LuaAllocator,
} from './lua.js';
import { LIBRARIES, PRELUDE } from './prelude.js';
import { parseRespValue } from './resp.js';
import { formatG, quoteBytes, type DebugTarget, type LuaDebugger } from './ldb.js';

export const LOG_DEBUG = 0;
export const LOG_VERBOSE = 1;
export const LOG_NOTICE = 2;
export const LOG_WARNING = 3;

export interface ScriptHost {
  /**
   * Run one Redis command for the script; errors come back as ReplyError values. `protocol` is
   * the RESP version the script chose with redis.setresp (commands that shape replies by protocol).
   */
  call(argv: Buffer[], protocol: 2 | 3): Reply;
  /**
   * redis.acl_check_cmd(...): may the script's user run this command with these arguments (no
   * ACL LOG entry)? An error for an unknown command.
   */
  aclCheck?(argv: Buffer[]): boolean | ReplyError;
  /** redis.log(level, ...) with the arguments already joined by spaces. */
  log(level: number, message: string): void;
  /** redis.set_repl(flags): where the script's next writes propagate (1 AOF, 2 replicas, 3 both, 0 neither). */
  setRepl?(flags: number): void;
}

export interface RunOptions {
  /** The calling client's protocol: decides how Lua booleans and RESP3 tables are returned. */
  protocol?: 2 | 3;
  /** Override the engine's time limit for this run (milliseconds; 0 = none). */
  timeLimitMs?: number;
  /** When the caller took the run's start time (Date.now()), so the engine need not read the clock again. */
  startedAt?: number;
  /**
   * Let the run be suspended instead of aborted: once it has run this long (milliseconds; Redis's
   * busy-reply-threshold, 0 = from the first check) it gives control back at each hook check, and
   * run*() returns SUSPENDED; the caller continues it with resume(). The time limit does not apply.
   */
  yieldAfterMs?: number;
  /**
   * Run under the Lua debugger (SCRIPT DEBUG SYNC): the script stops where the debugger says
   * (run*() and resume() return SUSPENDED), with no time limit.
   */
  debugger?: LuaDebugger;
}

/**
 * An error redis.call reports without running the command (unknown command, arity, not allowed,
 * ACL): the debugger logs it as an error rather than as the command's reply.
 */
export class CallRefused extends ReplyError {
  /** `counted`: the host counted it in the error statistics (a known command refused). */
  constructor(message: string, counted = false) {
    super(message);
    this.statsCounted = counted;
  }
}

/** What run*() and resume() return when the script was suspended and must be resumed later. */
export const SUSPENDED: unique symbol = Symbol('suspended');
export type RunResult = Reply | typeof SUSPENDED;

export interface ScriptEngineOptions {
  /** Bytes the Lua heap may use before allocations fail with "not enough memory". */
  memoryLimit?: number;
  /** A script running longer than this (ms) is aborted; 0 disables. Redis's busy-reply-threshold. */
  timeLimitMs?: number;
}

/** A function registered by a FUNCTION library (redis.register_function). */
export interface LuaFunction {
  name: string;
  flags: string[];
  description: string | null;
  ref: number;
}

interface CompiledScript {
  ref: number;
  body: Buffer;
  /** It may run for long (see mayRunLong): it runs under the count hook. */
  hooked: boolean;
}

export function sha1hex(data: Buffer | string): string {
  return createHash('sha1').update(data).digest('hex');
}

// C strings in the WebAssembly heap, allocated once by the first ScriptEngine (the module is
// loaded lazily, so they cannot be made at import time).
let CHUNK_NAME = 0;
let MODE_TEXT = 0;
let PRELUDE_NAME = 0;
let LDB_EVAL_NAME = 0;
let INFO_SL = 0;
let INFO_SNL = 0;
/** A lua_Debug record for the debugger (wasm32 layout: source at 16, currentline at 24, name at 4, what at 12). */
let debugRecord = 0;
/** Field names as C strings. */
const K = { ignore_error_stats_update: 0, err: 0, ok: 0, double: 0, big_number: 0, map: 0, set: 0, verbatim_string: 0, format: 0, string: 0, KEYS: 0, ARGV: 0 };
let HOST_FAILURE = 0;
/** Where lua_tolstring stores a length. */
let lengthSlot = 0;

function allocateStatics(): void {
  if (lengthSlot !== 0) return;
  CHUNK_NAME = cstring('@user_script');
  MODE_TEXT = cstring('t');
  PRELUDE_NAME = cstring('=tidings');
  LDB_EVAL_NAME = cstring('@ldb_eval');
  INFO_SL = cstring('Sl');
  INFO_SNL = cstring('Snl');
  debugRecord = m._malloc(256);
  for (const name of Object.keys(K) as (keyof typeof K)[]) K[name] = cstring(name);
  HOST_FAILURE = cstring('internal error in a Tidings scripting host function');
  lengthSlot = m._malloc(8);
}
/** Small lua_Integer values, so hot paths do not convert with BigInt() on every call. */
const SMALL_INTS: bigint[] = Array.from({ length: 1025 }, (_, i) => BigInt(i));
const big = (n: number): bigint => (n <= 1024 && n >= 0 ? SMALL_INTS[n]! : BigInt(n));
const INT64_MIN = -9223372036854775808n;
const MAX_NESTING = 1000;
const EMPTY = Buffer.alloc(0);
/** KEYS and ARGV strings a run remembers for redis.call (see argBuffers): the first this many. */
const MAX_REMEMBERED_ARGUMENTS = 16;
const HOOK_INSTRUCTIONS = 100_000;
const LUA_YIELD = 1;
/**
 * A suspendable script that cannot be suspended (it is inside a comparator of table.sort, a gsub
 * callback or a coroutine of its own) for this long past its last slice is aborted as before.
 */
const UNYIELDABLE_LIMIT_MS = 5000;
const SCRIPT_TIMEOUT = 'ERR Script killed by Tidings: it ran longer than busy-reply-threshold (lua-time-limit)';
/** Redis gives a library's code 500 ms to register its functions. */
const LOAD_TIMEOUT_MS = 500;

function cstring(text: string): number {
  return m.stringToNewUTF8(text);
}

/**
 * A Buffer over the whole WebAssembly memory, for copying bytes in and out without creating typed
 * array views per string. Growing the memory detaches the old ArrayBuffer (its length drops to 0):
 * `heap()` notices and wraps the new one. Never keep the result across a call into Lua.
 */
let heapBuf: Buffer = Buffer.alloc(0);

function heap(): Buffer {
  if (heapBuf.byteLength === 0) {
    const u8 = m.HEAPU8;
    heapBuf = Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
  }
  return heapBuf;
}

/** Scratch space in the WebAssembly heap for moving bytes into Lua. */
let scratch = 0;
let scratchSize = 0;

/** Push the bytes as a Lua string; returns the address of Lua's copy (valid while the string lives). */
function pushBytes(L: number, bytes: Uint8Array): number {
  const n = bytes.length;
  if (n > scratchSize) {
    if (scratch) m._free(scratch);
    scratchSize = Math.max(n, 4096);
    scratch = m._malloc(scratchSize);
    if (!scratch) {
      scratchSize = 0;
      throw new ReplyError('ERR not enough memory for a Lua string');
    }
  }
  const h = heap();
  if (n <= 16) {
    for (let i = 0; i < n; i++) h[scratch + i] = bytes[i]!;
  } else {
    h.set(bytes, scratch);
  }
  const at = m._lua_pushlstring(L, scratch, n);
  if (scratchSize > 1 << 20) {
    m._free(scratch);
    scratch = 0;
    scratchSize = 0;
  }
  return at;
}

/**
 * Short texts pushed often (status replies such as OK, error texts) are kept as C strings in the
 * heap, so pushing them is one call with no encoding. Bounded: cleared when it fills up.
 */
const textCache = new Map<string, { ptr: number; len: number }>();
const TEXT_CACHE_MAX = 256;

/**
 * Protocol text (error and status messages) carries user bytes as latin1 characters: turn it back
 * into those bytes. Only text of our own with wider characters is encoded as UTF-8.
 */
function textBytes(text: string): Buffer {
  return /[^\u0000-\u00ff]/.test(text) ? Buffer.from(text) : Buffer.from(text, 'latin1');
}

function pushText(L: number, text: string): void {
  if (text.length <= 64) {
    let cached = textCache.get(text);
    if (cached === undefined) {
      const bytes = textBytes(text);
      const ptr = m._malloc(bytes.length + 1);
      if (!ptr) {
        pushBytes(L, bytes);
        return;
      }
      heap().set(bytes, ptr);
      if (textCache.size >= TEXT_CACHE_MAX) {
        for (const entry of textCache.values()) m._free(entry.ptr);
        textCache.clear();
      }
      cached = { ptr, len: bytes.length };
      textCache.set(text, cached);
    }
    m._lua_pushlstring(L, cached.ptr, cached.len);
    return;
  }
  pushBytes(L, textBytes(text));
}

/** The length lua_tolstring stored in lengthSlot. */
function slotLength(h: Buffer): number {
  const at = lengthSlot;
  return h[at]! | (h[at + 1]! << 8) | (h[at + 2]! << 16) | (h[at + 3]! * 0x1000000);
}

/** A copy of n heap bytes at ptr. */
function copyOut(h: Buffer, ptr: number, len: number): Buffer {
  const out = Buffer.allocUnsafe(len);
  if (len <= 32) {
    for (let i = 0; i < len; i++) out[i] = h[ptr + i]!;
  } else {
    h.copy(out, 0, ptr, ptr + len);
  }
  return out;
}

/** Whether the len bytes at ptr in the heap are those of `bytes` (len = bytes.length). */
function sameBytes(h: Buffer, ptr: number, bytes: Buffer): boolean {
  const len = bytes.length;
  if (len > 64) return bytes.compare(h, ptr, ptr + len) === 0;
  for (let i = 0; i < len; i++) if (bytes[i] !== h[ptr + i]) return false;
  return true;
}

/** The bytes of the string at idx (copied out of the heap). The value must be a string. */
function readBytes(L: number, idx: number): Buffer {
  const ptr = m._lua_tolstring(L, idx, lengthSlot);
  const h = heap();
  return copyOut(h, ptr, slotLength(h));
}

/** Lua 5.1 turned numbers into command arguments as integers or with 17 significant digits. */
function numberArgument(L: number, idx: number): Buffer {
  if (m._lua_isinteger(L, idx)) return Buffer.from(String(m._lua_tointegerx(L, idx, 0)));
  return Buffer.from(formatDouble(m._lua_tonumberx(L, idx, 0)));
}

function pushInteger(L: number, n: number | bigint): void {
  m._lua_pushinteger(L, typeof n === 'bigint' ? n : big(n));
}

function setField(L: number, tableIdx: number, key: number): void {
  // Stack: ... table ... value  →  table[key] = value
  m._lua_pushstring(L, key);
  m._lua_pushvalue(L, -2);
  m._lua_rawset(L, tableIdx < 0 ? tableIdx - 2 : tableIdx);
  m._lua_settop(L, -2);
}

/** Push t[key] (raw) for the table at idx. */
function rawGetField(L: number, idx: number, key: number): number {
  const abs = idx < 0 ? m._lua_gettop(L) + idx + 1 : idx;
  m._lua_pushstring(L, key);
  return m._lua_rawget(L, abs);
}

// cmsgpack.unpack's decoder, in JS ------------------------------------------------------------

/**
 * host_mp_unpack(s, limit, offset) for the prelude's cmsgpack: decodes up to `limit` values (0 =
 * all) of the MessagePack string s from byte `offset` and returns (results, n, next position), the
 * same tables the Lua decoder builds (empty tables filled key by key, as `t[k] = v` does). It
 * returns nil for anything it leaves to the Lua decoder, which then raises the error: truncated or
 * malformed input, a NaN map key, deep nesting. Strings are pushed straight from the input's bytes.
 */
const MP_MAX_DEPTH = 32;
/** Set by mpDecode: the value it pushed was nil (map entries with a nil key are dropped). */
let mpPushedNil = false;

function msgpackUnpack(L: number): number {
  const base = m._lua_gettop(L);
  const src = m._lua_tolstring(L, 1, lengthSlot);
  const len = slotLength(heap());
  const limit = Number(m._lua_tointegerx(L, 2, 0));
  let pos = Number(m._lua_tointegerx(L, 3, 0));
  if (pos > len) {
    m._lua_pushnil(L);
    return 1;
  }
  m._lua_createtable(L, 0, 0);
  let n = 0;
  while (pos < len && (limit === 0 || n < limit)) {
    pos = mpDecode(L, src, len, pos, 0);
    if (pos < 0) {
      m._lua_settop(L, base);
      m._lua_pushnil(L);
      return 1;
    }
    n++;
    m._lua_rawseti(L, -2, big(n));
  }
  pushInteger(L, n);
  pushInteger(L, pos + 1);
  return 3;
}

/** Push the value at pos; returns the position after it, or -1 to leave the input to Lua. */
function mpDecode(L: number, src: number, len: number, pos: number, depth: number): number {
  if (pos >= len || !m._lua_checkstack(L, 3)) return -1;
  // Re-read the heap view each time: pushing values can grow the memory (addresses stay valid).
  const h = heap();
  const at = src + pos;
  const b = h[at]!;
  pos++;
  mpPushedNil = false;
  if (b < 0x80) {
    m._lua_pushinteger(L, big(b));
    return pos;
  }
  if (b >= 0xe0) {
    m._lua_pushinteger(L, BigInt(b - 0x100));
    return pos;
  }
  if (b < 0x90) return mpMap(L, src, len, pos, b & 0x0f, depth);
  if (b < 0xa0) return mpArray(L, src, len, pos, b & 0x0f, depth);
  if (b < 0xc0) return mpString(L, src, len, pos, b & 0x1f);
  const need = (k: number) => pos + k <= len;
  switch (b) {
    case 0xc0:
      m._lua_pushnil(L);
      mpPushedNil = true;
      return pos;
    case 0xc2:
      m._lua_pushboolean(L, 0);
      return pos;
    case 0xc3:
      m._lua_pushboolean(L, 1);
      return pos;
    case 0xc4:
    case 0xd9:
      if (!need(1)) return -1;
      return mpString(L, src, len, pos + 1, h[at + 1]!);
    case 0xc5:
    case 0xda:
      if (!need(2)) return -1;
      return mpString(L, src, len, pos + 2, h.readUInt16BE(at + 1));
    case 0xc6:
    case 0xdb:
      if (!need(4)) return -1;
      return mpString(L, src, len, pos + 4, h.readUInt32BE(at + 1));
    case 0xca:
      if (!need(4)) return -1;
      m._lua_pushnumber(L, h.readFloatBE(at + 1));
      return pos + 4;
    case 0xcb:
      if (!need(8)) return -1;
      m._lua_pushnumber(L, h.readDoubleBE(at + 1));
      return pos + 8;
    case 0xcc:
      if (!need(1)) return -1;
      m._lua_pushinteger(L, big(h[at + 1]!));
      return pos + 1;
    case 0xcd:
      if (!need(2)) return -1;
      pushInteger(L, h.readUInt16BE(at + 1));
      return pos + 2;
    case 0xce:
      if (!need(4)) return -1;
      pushInteger(L, h.readUInt32BE(at + 1));
      return pos + 4;
    case 0xcf: {
      if (!need(8)) return -1;
      const v = h.readBigInt64BE(at + 1);
      // As the Lua decoder: a uint64 above INT64_MAX becomes a float.
      if (v < 0n) m._lua_pushnumber(L, Number(v) + 18446744073709551616.0);
      else m._lua_pushinteger(L, v);
      return pos + 8;
    }
    case 0xd0:
      if (!need(1)) return -1;
      pushInteger(L, h.readInt8(at + 1));
      return pos + 1;
    case 0xd1:
      if (!need(2)) return -1;
      pushInteger(L, h.readInt16BE(at + 1));
      return pos + 2;
    case 0xd2:
      if (!need(4)) return -1;
      pushInteger(L, h.readInt32BE(at + 1));
      return pos + 4;
    case 0xd3:
      if (!need(8)) return -1;
      m._lua_pushinteger(L, h.readBigInt64BE(at + 1));
      return pos + 8;
    case 0xdc:
      if (!need(2)) return -1;
      return mpArray(L, src, len, pos + 2, h.readUInt16BE(at + 1), depth);
    case 0xdd:
      if (!need(4)) return -1;
      return mpArray(L, src, len, pos + 4, h.readUInt32BE(at + 1), depth);
    case 0xde:
      if (!need(2)) return -1;
      return mpMap(L, src, len, pos + 2, h.readUInt16BE(at + 1), depth);
    case 0xdf:
      if (!need(4)) return -1;
      return mpMap(L, src, len, pos + 4, h.readUInt32BE(at + 1), depth);
    default:
      return -1;
  }
}

function mpString(L: number, src: number, len: number, pos: number, n: number): number {
  if (pos + n > len) return -1;
  m._lua_pushlstring(L, src + pos, n);
  return pos + n;
}

function mpArray(L: number, src: number, len: number, pos: number, n: number, depth: number): number {
  if (depth >= MP_MAX_DEPTH) return -1;
  m._lua_createtable(L, 0, 0);
  for (let i = 1; i <= n; i++) {
    pos = mpDecode(L, src, len, pos, depth + 1);
    if (pos < 0) return -1;
    m._lua_rawseti(L, -2, big(i));
  }
  mpPushedNil = false;
  return pos;
}

function mpMap(L: number, src: number, len: number, pos: number, n: number, depth: number): number {
  if (depth >= MP_MAX_DEPTH) return -1;
  m._lua_createtable(L, 0, 0);
  for (let i = 0; i < n; i++) {
    pos = mpDecode(L, src, len, pos, depth + 1);
    if (pos < 0) return -1;
    const nilKey = mpPushedNil;
    // A NaN key makes `t[k] = v` raise: leave that to the Lua decoder.
    if (!nilKey && m._lua_type(L, -1) === LuaType.Number && !m._lua_isinteger(L, -1) && Number.isNaN(m._lua_tonumberx(L, -1, 0))) {
      return -1;
    }
    pos = mpDecode(L, src, len, pos, depth + 1);
    if (pos < 0) return -1;
    if (nilKey) m._lua_settop(L, -3);
    else m._lua_rawset(L, -3);
  }
  mpPushedNil = false;
  return pos;
}

/**
 * Redis's LUA_GC_CYCLE_PERIOD: scripts between two collection steps. Lua 5.4 reads a step's size
 * as extra debt (KB) to pay at once, which with Redis's size of 50 finished a whole cycle every
 * time (marking the live heap again every 50 scripts); one basic step keeps used_memory_lua as
 * near the live heap for scripts that make little garbage, and Lua's own pace handles the rest.
 */
const GC_CYCLE_PERIOD = 50;
/**
 * The periodic step is taken only once the heap has grown this much since the last collection:
 * a basic step marks the whole live heap (about 48 KB for a fresh VM, 12 us), while a script such
 * as `return redis.call('INCR', KEYS[1])` leaves 80 bytes of garbage, so stepping every 50 scripts
 * cost more than the script. used_memory_lua stays within this of the live heap (plus 50 scripts'
 * garbage), under the 100 KB Redis's suite allows after 10000 scripts.
 */
const GC_STEP_GROWTH = 32 * 1024;
/** The `ud` each engine's allocator is created with: how unseedStrings() finds the global state. */
const ALLOC_TAG = 0x5eed7a95;
/** Offsets in Lua 5.4's global_State (wasm32): frealloc, ud, totalbytes, ..., seed. */
const G_UD = 4;
const G_TOTALBYTES = 8;
const G_SEED = 72;

/**
 * Lua 5.4 seeds its string hash per state (time and addresses), so pairs() walks string keys in
 * an order that changes from run to run; Lua 5.1 (Redis's) hashes with no seed. With the seed at 0
 * both hash short strings alike, so tables iterate in Redis's order (cjson.encode, cmsgpack.pack,
 * a map reply built from a table). lua_newstate's first allocation is the state block; it sets
 * the seed before its second one (the stack), which comes before the first string is made: the
 * allocator clears the seed there. The global state is found by the allocator tag in g->ud and
 * checked by g->totalbytes; if the layout is not the one expected the seed is left alone.
 */
function clearStringSeed(block: number, blockSize: number): void {
  const heap = m.HEAPU32;
  for (let p = block; p + G_SEED + 4 <= block + blockSize; p += 4) {
    if (heap[(p + G_UD) >> 2] === ALLOC_TAG && heap[(p + G_TOTALBYTES) >> 2] === blockSize) {
      heap[(p + G_SEED) >> 2] = 0;
      return;
    }
  }
}

/**
 * Whether a compiled script (its string.dump) could run for long. Lua 5.4 checks a count hook on
 * every instruction (a call into luaG_traceexec, where Lua 5.1 decrements a counter), which more
 * than doubles the cost of a loop, so a script that cannot run long runs without it. Its main
 * function cannot loop or recurse when it has no backward jump (while, repeat, for, goto back)
 * and defines no function; nor reach code that can when none of its constants names a way to run
 * new code or a coroutine (or _G, for lookups by computed names). The library functions it may
 * call then run bounded work, as Redis's C libraries do (uninterruptible there too). Anything
 * else, or a dump not understood, keeps the hook.
 */
const RUNS_CODE = new Set(['_G', 'load', 'loadstring', 'coroutine', 'getfenv', 'setfenv', 'dofile', 'loadfile', 'require', 'debug']);
/** Lua 5.4 opcodes (lopcodes.h) and the offset of a signed jump (sJ, 25 bits). */
const OP_JMP = 56;
const OP_FORLOOP = 73;
const OP_TFORLOOP = 77;
const OP_CLOSURE = 79;
const OFFSET_SJ = ((1 << 25) - 1) >> 1;

export function mayRunLong(d: Buffer): boolean {
  // Header: "\x1bLua", version 0x54, format 0, LUAC_DATA (6), sizes of Instruction, lua_Integer
  // and lua_Number, LUAC_INT (8), LUAC_NUM (8), the main function's upvalue count (1).
  if (d.length < 32 || d[0] !== 0x1b || d[4] !== 0x54 || d[5] !== 0 || d[12] !== 4 || d[13] !== 8 || d[14] !== 8) return true;
  let pos = 32;
  const size = (): number => {
    let x = 0;
    for (;;) {
      if (pos >= d.length) throw new RangeError('truncated dump');
      const b = d[pos++]!;
      x = x * 128 + (b & 0x7f);
      if (b & 0x80) return x;
    }
  };
  try {
    pos += Math.max(0, size() - 1); // source
    size(); // linedefined
    size(); // lastlinedefined
    pos += 3; // numparams, is_vararg, maxstacksize
    const code = size();
    if (pos + code * 4 > d.length) return true;
    for (let i = 0; i < code; i++, pos += 4) {
      const ins = d.readUInt32LE(pos);
      const op = ins & 0x7f;
      if (op === OP_CLOSURE || op === OP_FORLOOP || op === OP_TFORLOOP) return true;
      if (op === OP_JMP && ins >>> 7 < OFFSET_SJ) return true;
    }
    const constants = size();
    for (let i = 0; i < constants; i++) {
      const tag = d[pos++];
      if (tag === 3 || tag === 19) {
        pos += 8; // integer, float
      } else if (tag === 4 || tag === 20) {
        const n = size() - 1;
        if (n >= 0) {
          if (n <= 10 && RUNS_CODE.has(d.toString('latin1', pos, pos + n))) return true;
          pos += n;
        }
      } else if (tag !== 0 && tag !== 1 && tag !== 17) {
        return true; // not nil, false or true
      }
    }
    return false;
  } catch {
    return true;
  }
}

export class ScriptEngine {
  private readonly L: number;
  private readonly scripts = new Map<string, CompiledScript>();
  private readonly envRef: number;
  private readonly handlerRef: number;
  private readonly globalsRef: number;
  private readonly newLibraryRef: number;
  /** The prelude's forget_libraries: drops the libraries it built on first use (SCRIPT FLUSH). */
  private readonly forgetLibrariesRef: number;
  private readonly functionRefs: number[] = [];
  /** Command-name Buffers by the address of their Lua string (see commandName). */
  private readonly names = new Map<number, Buffer>();
  private readonly memory = { used: 0, limit: 0 };
  /** The WebAssembly allocator the state switches to once created (it keeps used/limit itself). */
  private readonly allocator: LuaAllocator | undefined;
  private host: ScriptHost | undefined;
  private protocol: 2 | 3 = 2;
  /** RESP version redis.setresp() selected for the replies of redis.call in the current run. */
  private callProtocol: 2 | 3 = 2;
  private raised: string | undefined;
  /** The raised error was already counted in the error statistics (see ReplyError.statsCounted). */
  private raisedCounted = false;
  private deadline = 0;
  /** The error a run stopped at its deadline gets. */
  private deadlineMessage = SCRIPT_TIMEOUT;
  private timeLimitMs: number;
  private killRequested = false;
  private closed = false;
  /** The coroutine scripts run in (kept in the registry by threadRef; replaced after an error). */
  private thread = 0;
  private threadRef = 0;
  private readonly runnerRef: number;
  /** The prelude's adopt_thread: tells the sandbox which coroutine scripts run in. */
  private readonly adoptThreadRef: number;
  private readonly gcRef: number;
  /** Scripts run since the last garbage collection step (Redis steps every GC_CYCLE_PERIOD). */
  private runsSinceGc = 0;
  /** memoryUsed after the last collection (full or step): see GC_STEP_GROWTH. */
  private usedAfterGc = 0;
  /** Where lua_resume stores its result count. */
  private readonly nresSlot: number;
  /** A suspendable run: when it may yield (0 = never), and the start of the current slice. */
  private yieldAt = 0;
  private sliceStart = 0;
  /** Set by the hook just before it yields: a yield the script made itself is told apart. */
  private hookYielded = false;
  /** The run in progress (while suspended too): how to finish it. */
  private currentLabel: string | undefined;
  private currentChunk: 'user_script' | 'user_function' = 'user_script';
  /**
   * The run's KEYS and ARGV as the caller passed them and the addresses of their Lua copies:
   * redis.call given one of those strings back (KEYS[1], the usual case) reuses the caller's
   * Buffer instead of copying the bytes out (see argumentBytes).
   */
  private readonly argBuffers: Buffer[] = [];
  private readonly argAddresses: number[] = [];
  /** How many entries of argBuffers/argAddresses belong to the current run (arrays are reused). */
  private argCount = 0;
  /** The text of the last redis.call error raised into Lua (recognised when it escapes the script). */
  private running = false;
  /** The debugger of the run in progress (SCRIPT DEBUG SYNC), if any. */
  private ldb: LuaDebugger | undefined;
  private readonly hookPtr: number;
  /** The script coroutine has the count hook (a new one inherits it from the main state). */
  private threadHooked = true;
  /** string.dump, kept in the registry (0 when the sandbox left it out: every script is hooked). */
  private readonly dumpRef: number;
  /** The stopped script's locals (names, and their values in a registry table) and call frames. */
  private stopLocals: string[] = [];
  private stopLocalsRef = 0;
  private stopFrames: { name: string | undefined; line: number }[] = [];

  constructor(options: ScriptEngineOptions = {}) {
    if (!luaLoaded()) throw new Error('the Lua VM is not loaded: await loadLua() (Server.listen() does) first');
    allocateStatics();
    this.memory.limit = options.memoryLimit ?? 512 * 1024 * 1024;
    this.timeLimitMs = options.timeLimitMs ?? 5000;
    const memory = this.memory;
    // The state block while lua_newstate runs (see clearStringSeed), then 0.
    let stateBlock = -1;
    let stateSize = 0;
    const alloc = m.addFunction((_ud: number, ptr: number, oldSize: number, newSize: number) => {
      if (stateBlock > 0) {
        clearStringSeed(stateBlock, stateSize);
        stateBlock = 0;
      }
      if (newSize === 0) {
        if (ptr) {
          m._free(ptr);
          memory.used -= oldSize;
        }
        return 0;
      }
      const delta = ptr ? newSize - oldSize : newSize;
      if (delta > 0 && memory.limit > 0 && memory.used + delta > memory.limit) return 0;
      const next = m._realloc(ptr, newSize);
      if (next) memory.used += delta;
      if (stateBlock === -1) {
        stateBlock = next;
        stateSize = newSize;
      }
      return next;
    }, 'iiiii');
    this.functionRefs.push(alloc);
    const L = m._lua_newstate(alloc, ALLOC_TAG);
    if (!L) throw new Error('cannot create a Lua state');
    this.L = L;
    this.allocator = newLuaAllocator();
    if (this.allocator !== undefined) {
      // The string seed is cleared (the JS allocator's one job left): switch to the allocator
      // that runs inside WebAssembly, carrying the count over.
      this.allocator.used.value = BigInt(memory.used);
      this.allocator.limit.value = BigInt(Math.max(0, Math.floor(memory.limit)));
      const ptr = m.addFunction(this.allocator.fn as (...args: number[]) => number, 'iiiii');
      this.functionRefs.push(ptr);
      m._lua_setallocf(L, ptr, ALLOC_TAG);
    }
    m._luaL_openlibs(L);

    const fn = (f: (L: number) => number) => {
      const ptr = m.addFunction((Lc: number) => {
        try {
          return f(Lc);
        } catch (error) {
          // Lua errors travel through JS frames as a thrown number (emscripten's longjmp): let
          // them pass. Any other exception must not unwind the C stack behind Lua's back.
          if (typeof error === 'number') throw error;
          m._lua_settop(Lc, 0);
          m._lua_pushstring(Lc, HOST_FAILURE);
          return m._lua_error(Lc);
        }
      }, 'ii');
      this.functionRefs.push(ptr);
      return ptr;
    };
    const hook = m.addFunction((Lh: number, ar: number) => {
      try {
        this.onHook(Lh, ar);
      } catch (error) {
        if (typeof error === 'number') throw error;
      }
    }, 'vii');
    this.functionRefs.push(hook);
    this.hookPtr = hook;
    m._lua_sethook(L, hook, LUA_MASKCOUNT, HOOK_INSTRUCTIONS);

    const prelude = Buffer.from(PRELUDE);
    const buf = m._malloc(prelude.length);
    heap().set(prelude, buf);
    let status = m._luaL_loadbufferx(L, buf, prelude.length, PRELUDE_NAME, MODE_TEXT);
    m._free(buf);
    if (status !== LUA_OK) throw new Error(`Lua prelude: ${readBytes(L, -1).toString()}`);
    m._lua_pushcclosure(L, fn((Lc) => this.redisCall(Lc, true)), 0);
    m._lua_pushcclosure(L, fn((Lc) => this.redisCall(Lc, false)), 0);
    m._lua_pushcclosure(L, fn((Lc) => this.redisLog(Lc)), 0);
    m._lua_pushcclosure(L, fn((Lc) => this.redisSetResp(Lc)), 0);
    m._lua_pushcclosure(L, fn((Lc) => this.redisSha1(Lc)), 0);
    m._lua_pushlightuserdata(L, 0);
    m._lua_pushcclosure(L, fn((Lc) => {
      this.host?.setRepl?.(Number(m._lua_tonumberx(Lc, 1, 0)));
      return 0;
    }), 0);
    m._lua_pushcclosure(L, fn((Lc) => {
      m._lua_pushboolean(Lc, this.running && (this.killRequested || (this.deadline !== 0 && Date.now() > this.deadline) || this.stuck()) ? 1 : 0);
      return 1;
    }), 0);
    m._lua_pushcclosure(L, fn((Lc) => msgpackUnpack(Lc)), 0);
    m._lua_pushcclosure(L, fn((Lc) => this.redisBreakpoint(Lc)), 0);
    m._lua_pushcclosure(L, fn((Lc) => this.redisDebug(Lc)), 0);
    m._lua_pushcclosure(L, fn((Lc) => this.redisAclCheck(Lc)), 0);
    m._lua_pushcclosure(L, fn((Lc) => {
      pushBytes(Lc, Buffer.from(LIBRARIES[readBytes(Lc, 1).toString('latin1')] ?? ''));
      return 1;
    }), 0);
    status = m._lua_pcallk(L, 13, 7, 0, 0, 0);
    if (status !== LUA_OK) throw new Error(`Lua prelude: ${readBytes(L, -1).toString()}`);
    this.adoptThreadRef = m._luaL_ref(L, LUA_REGISTRYINDEX);
    this.forgetLibrariesRef = m._luaL_ref(L, LUA_REGISTRYINDEX);
    this.runnerRef = m._luaL_ref(L, LUA_REGISTRYINDEX);
    this.newLibraryRef = m._luaL_ref(L, LUA_REGISTRYINDEX);
    this.globalsRef = m._luaL_ref(L, LUA_REGISTRYINDEX);
    this.handlerRef = m._luaL_ref(L, LUA_REGISTRYINDEX);
    this.envRef = m._luaL_ref(L, LUA_REGISTRYINDEX);
    m._lua_settop(L, 0);
    this.gcRef = this.loadGcFunction();
    this.dumpRef = this.loadHelper('return string.dump');
    this.nresSlot = m._malloc(4);
    this.newThread();
    // The prelude's compilation leaves garbage: start from the live heap, as Redis's new VM does.
    this.collectGarbage(true);
  }

  /** A value computed by a chunk of our own, kept in the registry (0 if it is nil or fails). */
  private loadHelper(source: string): number {
    const L = this.L;
    const code = Buffer.from(source);
    const buf = m._malloc(code.length);
    heap().set(code, buf);
    let status = m._luaL_loadbufferx(L, buf, code.length, PRELUDE_NAME, MODE_TEXT);
    m._free(buf);
    if (status === LUA_OK) status = m._lua_pcallk(L, 0, 1, 0, 0, 0);
    const ok = status === LUA_OK && m._lua_type(L, -1) === LuaType.Function;
    if (!ok) {
      m._lua_settop(L, 0);
      return 0;
    }
    return m._luaL_ref(L, LUA_REGISTRYINDEX);
  }

  /** mayRunLong for a compiled script (by its registry reference). */
  private compiledMayRunLong(ref: number): boolean {
    const L = this.L;
    if (this.dumpRef === 0) return true;
    const top = m._lua_gettop(L);
    m._lua_rawgeti(L, LUA_REGISTRYINDEX, big(this.dumpRef));
    m._lua_rawgeti(L, LUA_REGISTRYINDEX, big(ref));
    const ok = m._lua_pcallk(L, 1, 1, 0, 0, 0) === LUA_OK && m._lua_type(L, -1) === LuaType.String;
    const result = ok ? mayRunLong(readBytes(L, -1)) : true;
    m._lua_settop(L, top);
    return result;
  }

  /** gc(full): a full collection, or the periodic step (one basic step, see GC_CYCLE_PERIOD). */
  private loadGcFunction(): number {
    const L = this.L;
    const code = Buffer.from(`local collect = collectgarbage
return function(full) if full then collect('collect') else collect('step', 0) end end`);
    const buf = m._malloc(code.length);
    heap().set(code, buf);
    let status = m._luaL_loadbufferx(L, buf, code.length, PRELUDE_NAME, MODE_TEXT);
    m._free(buf);
    if (status === LUA_OK) status = m._lua_pcallk(L, 0, 1, 0, 0, 0);
    if (status !== LUA_OK) throw new Error(`Lua prelude: ${readBytes(L, -1).toString()}`);
    return m._luaL_ref(L, LUA_REGISTRYINDEX);
  }

  /** Run the garbage collector: all of it, or one step. A failure (out of memory) is ignored. */
  private collectGarbage(full: boolean): void {
    const L = this.L;
    const top = m._lua_gettop(L);
    m._lua_rawgeti(L, LUA_REGISTRYINDEX, big(this.gcRef));
    m._lua_pushboolean(L, full ? 1 : 0);
    m._lua_pcallk(L, 1, 0, 0, 0, 0);
    m._lua_settop(L, top);
    this.usedAfterGc = this.memoryUsed;
  }

  /** Call a function kept in the registry with no arguments; its results and any error are dropped. */
  private callRef(ref: number): void {
    const L = this.L;
    const top = m._lua_gettop(L);
    m._lua_rawgeti(L, LUA_REGISTRYINDEX, big(ref));
    m._lua_pcallk(L, 0, 0, 0, 0, 0);
    m._lua_settop(L, top);
  }

  /** A fresh script coroutine (it inherits the count hook from the main state). */
  private newThread(): void {
    const L = this.L;
    if (this.threadRef !== 0) m._luaL_unref(L, LUA_REGISTRYINDEX, this.threadRef);
    const top = m._lua_gettop(L);
    this.thread = m._lua_newthread(L);
    this.threadHooked = true;
    m._lua_rawgeti(L, LUA_REGISTRYINDEX, big(this.adoptThreadRef));
    m._lua_pushvalue(L, -2);
    m._lua_pcallk(L, 1, 0, 0, 0, 0);
    m._lua_settop(L, top + 1);
    this.threadRef = m._luaL_ref(L, LUA_REGISTRYINDEX);
  }

  /** Bytes currently used by the Lua heap. */
  get memoryUsed(): number {
    return this.allocator !== undefined ? Number(this.allocator.used.value) : this.memory.used;
  }

  get scriptCount(): number {
    return this.scripts.size;
  }

  /** Total bytes of the cached script bodies. */
  get scriptBytes(): number {
    let total = 0;
    for (const script of this.scripts.values()) total += script.body.length;
    return total;
  }

  setTimeLimit(ms: number): void {
    this.timeLimitMs = ms;
  }

  setMemoryLimit(bytes: number): void {
    this.memory.limit = bytes;
    if (this.allocator !== undefined) this.allocator.limit.value = BigInt(Math.max(0, Math.floor(bytes)));
  }

  /** True while a script runs or is suspended (redis.call re-enters the server during that time). */
  get busy(): boolean {
    return this.running;
  }

  /** Ask the running script (if any) to stop at its next hook check. */
  kill(): void {
    if (this.running) this.killRequested = true;
  }

  /**
   * Continue a suspended run for one more slice: its reply, or SUSPENDED again. A killed script
   * (kill()) ends with Redis's "Script killed by user" error.
   */
  resume(): RunResult {
    if (!this.running || this.currentLabel === undefined) throw new Error('no suspended script to resume');
    if (this.closed) throw new Error('the script engine is closed');
    this.sliceStart = Date.now();
    return this.settle(m._lua_resume(this.thread, this.L, 0, this.nresSlot));
  }

  has(sha: string): boolean {
    return this.scripts.has(sha.toLowerCase());
  }

  /**
   * Compile a script body and cache it by SHA1. Throws a ReplyError with Redis's compile error text.
   */
  load(body: Buffer): string {
    const sha = sha1hex(body);
    if (this.scripts.has(sha)) return sha;
    const ref = this.compile(body, '@user_script');
    this.scripts.set(sha, { ref, body: Buffer.from(body), hooked: this.compiledMayRunLong(ref) });
    return sha;
  }

  /**
   * Forget every cached script (SCRIPT FLUSH). Redis starts a new Lua VM there; Tidings keeps its
   * state but drops the libraries scripts built (cjson and the others start afresh, settings too)
   * and collects what the scripts held, so used_memory_lua falls back as Redis's does.
   */
  flush(): void {
    for (const script of this.scripts.values()) m._luaL_unref(this.L, LUA_REGISTRYINDEX, script.ref);
    this.scripts.clear();
    if (!this.running) {
      this.callRef(this.forgetLibrariesRef);
      this.collectGarbage(true);
    }
  }

  /** Run a cached script. Throws NOSCRIPT when the sha is unknown. */
  run(sha: string, keys: Buffer[], args: Buffer[], host: ScriptHost, options: RunOptions = {}): RunResult {
    const script = this.scripts.get(sha.length === 40 ? sha.toLowerCase() : sha);
    if (!script) throw Errors.noScript();
    return this.runRef(script.ref, sha, keys.concat(args), 0, keys.length, host, options, 'user_script', script.hooked);
  }

  /**
   * As run(), for a SHA1 already in lower case (callers that cache the normalised name), with
   * KEYS and ARGV read from a command's arguments: argv[keysFrom, keysFrom + numkeys) and the
   * rest after them (the command needs no arrays of its own per call).
   */
  runCommand(sha: string, argv: Buffer[], keysFrom: number, numkeys: number, host: ScriptHost, options: RunOptions): RunResult {
    const script = this.scripts.get(sha);
    if (!script) throw Errors.noScript();
    return this.runRef(script.ref, sha, argv, keysFrom, numkeys, host, options, 'user_script', script.hooked);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    m._lua_close(this.L);
    // Free this engine's slots in the shared function table (servers come and go in tests).
    for (const ptr of this.functionRefs) m.removeFunction(ptr);
    this.functionRefs.length = 0;
  }

  // ------------------------------------------------------------------------------------------

  private compile(body: Buffer, chunkName: string, envRef = this.envRef, compileError = 'ERR Error compiling script (new function): '): number {
    const L = this.L;
    const text = stripShebang(body);
    const buf = m._malloc(Math.max(text.length, 1));
    if (!buf) throw new ReplyError('ERR Error compiling script (new function): not enough memory');
    heap().set(text, buf);
    const name = chunkName === '@user_script' ? CHUNK_NAME : cstring(chunkName);
    const status = m._luaL_loadbufferx(L, buf, text.length, name, MODE_TEXT);
    m._free(buf);
    if (name !== CHUNK_NAME) m._free(name);
    if (status !== LUA_OK) {
      // Lua 5.4 writes `near <eof>` where the Lua 5.1 inside Redis writes `near '<eof>'` (and `'<eof>' expected`).
      const message = (m._lua_type(L, -1) === LuaType.String ? readBytes(L, -1).toString('latin1') : 'not enough memory').replace(
        /(?<!')<eof>(?!')/g,
        "'<eof>'",
      );
      m._lua_settop(L, 0);
      throw new ReplyError(`${compileError}${message}`);
    }
    m._lua_rawgeti(L, LUA_REGISTRYINDEX, big(envRef));
    m._lua_setupvalue(L, -2, 1);
    const ref = m._luaL_ref(L, LUA_REGISTRYINDEX);
    m._lua_settop(L, 0);
    return ref;
  }

  /** Run a function registered by a library: callback(KEYS, ARGV), read from argv as runCommand does. */
  runFunction(fn: LuaFunction, argv: Buffer[], keysFrom: number, numkeys: number, host: ScriptHost, options: RunOptions = {}): RunResult {
    return this.runRef(fn.ref, fn.name, argv, keysFrom, numkeys, host, options, 'user_function');
  }

  /**
   * Run a library's code (its `#!lua` first line already validated) and return the functions it
   * registered. Throws a ReplyError with Redis's texts.
   */
  loadLibrary(code: Buffer): LuaFunction[] {
    if (this.running) throw new ReplyError('ERR a script is already running');
    const L = this.L;
    m._lua_settop(L, 0);
    m._lua_rawgeti(L, LUA_REGISTRYINDEX, big(this.newLibraryRef));
    if (m._lua_pcallk(L, 0, 2, 0, 0, 0) !== LUA_OK) {
      m._lua_settop(L, 0);
      throw new ReplyError('ERR not enough memory');
    }
    const finishRef = m._luaL_ref(L, LUA_REGISTRYINDEX);
    const envRef = m._luaL_ref(L, LUA_REGISTRYINDEX);
    try {
      const chunkRef = this.compile(code, '@user_function', envRef, 'ERR Error compiling function: ');
      m._lua_rawgeti(L, LUA_REGISTRYINDEX, big(this.handlerRef));
      m._lua_rawgeti(L, LUA_REGISTRYINDEX, big(chunkRef));
      m._luaL_unref(L, LUA_REGISTRYINDEX, chunkRef);
      this.raised = undefined;
      this.killRequested = false;
      this.deadline = Date.now() + LOAD_TIMEOUT_MS;
      this.deadlineMessage = 'FUNCTION LOAD timeout';
      this.running = true;
      let status: number;
      try {
        status = m._lua_pcallk(L, 0, 0, 1, 0, 0);
      } finally {
        this.running = false;
        this.deadlineMessage = SCRIPT_TIMEOUT;
      }
      if (status !== LUA_OK) {
        let message = 'not enough memory';
        if (status !== LUA_ERRMEM && m._lua_type(L, -1) === LuaType.Table) {
          m._lua_rawgeti(L, -1, 1n);
          if (m._lua_type(L, -1) === LuaType.String) message = readBytes(L, -1).toString('latin1');
        }
        throw new ReplyError(`ERR Error registering functions: ERR ${message.replace(/[\r\n]+/g, ' ')}`);
      }
      m._lua_settop(L, 0);
      m._lua_rawgeti(L, LUA_REGISTRYINDEX, big(finishRef));
      m._lua_pcallk(L, 0, 1, 0, 0, 0);
      const functions: LuaFunction[] = [];
      for (let i = 1; ; i++) {
        if (m._lua_rawgeti(L, 1, big(i)) !== LuaType.Table) break;
        const entry = m._lua_gettop(L);
        m._lua_rawgeti(L, entry, 1n);
        const name = readBytes(L, -1).toString('latin1');
        m._lua_rawgeti(L, entry, 3n);
        const flags = readBytes(L, -1).toString('latin1');
        const hasDescription = m._lua_rawgeti(L, entry, 4n) === LuaType.String;
        const description = hasDescription ? readBytes(L, -1).toString() : null;
        m._lua_rawgeti(L, entry, 2n);
        const ref = m._luaL_ref(L, LUA_REGISTRYINDEX);
        functions.push({ name, flags: flags === '' ? [] : flags.split(','), description, ref });
        m._lua_settop(L, 1);
      }
      return functions;
    } finally {
      m._luaL_unref(L, LUA_REGISTRYINDEX, finishRef);
      m._luaL_unref(L, LUA_REGISTRYINDEX, envRef);
      m._lua_settop(L, 0);
    }
  }

  /** Drop functions of a deleted or replaced library. */
  releaseFunctions(functions: readonly LuaFunction[]): void {
    for (const fn of functions) m._luaL_unref(this.L, LUA_REGISTRYINDEX, fn.ref);
  }

  private runRef(
    ref: number,
    label: string,
    argv: Buffer[],
    keysFrom: number,
    numkeys: number,
    host: ScriptHost,
    options: RunOptions,
    chunk: 'user_script' | 'user_function' = 'user_script',
    hooked = true,
  ): RunResult {
    if (this.running) throw new ReplyError('ERR a script is already running');
    const L = this.L;
    m._lua_settop(L, 0);
    // As Redis: a step of incremental collection every GC_CYCLE_PERIOD scripts (here only once
    // the heap grew GC_STEP_GROWTH) keeps it near its live size when scripts make garbage faster
    // than the collector's pace.
    if (++this.runsSinceGc === GC_CYCLE_PERIOD) {
      this.runsSinceGc = 0;
      if (this.memoryUsed - this.usedAfterGc >= GC_STEP_GROWTH) this.collectGarbage(false);
    }
    // The script runs in the engine's coroutine: run_script(f, KEYS, ARGV, is_script) sets the
    // globals for a script, passes the arguments to a function.
    if (m._lua_status(this.thread) !== LUA_OK) this.newThread();
    const T = this.thread;
    m._lua_settop(T, 0);
    if (!m._lua_checkstack(T, 20)) throw new ReplyError('ERR too many arguments for a script');
    m._lua_rawgeti(T, LUA_REGISTRYINDEX, big(this.runnerRef));
    m._lua_rawgeti(T, LUA_REGISTRYINDEX, big(ref));
    this.argCount = 0;
    const argsFrom = keysFrom + numkeys;
    this.pushArguments(T, argv, keysFrom, argsFrom);
    this.pushArguments(T, argv, argsFrom, argv.length);
    m._lua_pushboolean(T, chunk === 'user_script' ? 1 : 0);
    const nargs = 4;
    this.host = host;
    this.protocol = options.protocol ?? 2;
    this.callProtocol = 2;
    this.raised = undefined;
    this.killRequested = false;
    this.currentLabel = label;
    this.currentChunk = chunk;
    const now = options.startedAt ?? Date.now();
    this.sliceStart = now;
    this.ldb = options.debugger;
    if (this.ldb !== undefined) {
      // A debugging session waits for its client between lines: no time limit applies.
      this.yieldAt = 0;
      this.deadline = 0;
      m._lua_sethook(T, this.hookPtr, LUA_MASKCOUNT | LUA_MASKLINE, HOOK_INSTRUCTIONS);
      this.threadHooked = true;
    } else {
      if (options.yieldAfterMs !== undefined) {
        this.yieldAt = now + Math.max(0, options.yieldAfterMs);
        this.deadline = 0;
      } else {
        this.yieldAt = 0;
        const limit = options.timeLimitMs ?? this.timeLimitMs;
        this.deadline = limit > 0 ? now + limit : 0;
      }
      // A script that cannot run long (mayRunLong) runs without the count hook.
      if (hooked !== this.threadHooked) {
        m._lua_sethook(T, hooked ? this.hookPtr : 0, hooked ? LUA_MASKCOUNT : 0, hooked ? HOOK_INSTRUCTIONS : 0);
        this.threadHooked = hooked;
      }
    }
    this.running = true;
    return this.settle(m._lua_resume(T, L, nargs, this.nresSlot));
  }

  /** After lua_resume: SUSPENDED, or the run's reply (and the engine is free again). */
  private settle(status: number): RunResult {
    const T = this.thread;
    // A yield the script made itself (coroutine.yield at its top level is refused by the prelude,
    // but be safe): continue at once.
    while (status === LUA_YIELD && !this.hookYielded) status = m._lua_resume(T, this.L, 0, this.nresSlot);
    if (status === LUA_YIELD) {
      // A yield from a hook leaves no values, and the stack top protects the registers of the
      // function it stopped in (lua_settop would expose them to the collector): leave it as is.
      this.hookYielded = false;
      return SUSPENDED;
    }
    const label = this.currentLabel!;
    const chunk = this.currentChunk;
    this.running = false;
    this.host = undefined;
    this.currentLabel = undefined;
    this.forgetArguments();
    this.yieldAt = 0;
    if (this.ldb !== undefined) {
      this.ldb = undefined;
      this.releaseStop();
      m._lua_sethook(T, this.hookPtr, LUA_MASKCOUNT, HOOK_INSTRUCTIONS);
      this.threadHooked = true;
    }
    try {
      // run_script returned the script's result.
      if (status === LUA_OK) return this.toReply(T, 1, 0);
      // An error ended the coroutine (it is replaced below); its stack shows where.
      const memory = status === LUA_ERRMEM || (m._lua_type(T, -1) === LuaType.String && readBytes(T, -1).toString('latin1') === 'not enough memory');
      return this.scriptError(T, memory ? LUA_ERRMEM : LUA_ERRRUN, label, chunk);
    } finally {
      m._lua_settop(T, 0);
      if (status !== LUA_OK) this.newThread();
    }
  }

  /**
   * The error a run ended with (on top of the dead coroutine's stack): Redis's text, with the
   * script line where it was raised (as the prelude's message_handler finds it for FUNCTION LOAD).
   */
  private scriptError(L: number, status: number, label: string, chunk: string): ReplyError {
    let text: string;
    let line = 0;
    let counted = false;
    if (status === LUA_ERRMEM) {
      text = `ERR ${chunk}: not enough memory (Lua heap limit reached)`;
    } else {
      line = errorLine(L);
      const type = m._lua_type(L, -1);
      if (type === LuaType.String) {
        const message = readBytes(L, -1).toString('latin1');
        if (this.raised !== undefined && message === this.raised) {
          text = message;
          counted = this.raisedCounted;
        } else {
          text = `ERR ${message}`;
        }
      } else if (type === LuaType.Table && rawGetField(L, -1, K.err) === LuaType.String) {
        text = readBytes(L, -1).toString('latin1');
        counted = rawGetField(L, -2, K.ignore_error_stats_update) === LuaType.Boolean && m._lua_toboolean(L, -1) !== 0;
      } else {
        text = 'ERR unknown error';
      }
    }
    // An error raised by C code called from one of our Lua wrappers carries the wrapper's position.
    text = text.replace(/^ERR tidings:\d+:/, `ERR ${chunk}:${line}:`);
    const error = new ReplyError(`${lua51Message(text).replace(/[\r\n]+/g, ' ')} script: ${label}, on @${chunk}:${line}.`);
    error.statsCounted = counted;
    return error;
  }

  private onHook(L: number, ar: number): void {
    if (!this.running) return;
    if (this.ldb !== undefined) {
      if ((m.HEAPU32[ar >> 2]! | 0) === LUA_HOOKLINE) this.onLine(L, ar, this.ldb);
      return;
    }
    if (this.killRequested) {
      this.raiseRedisError(L, 'ERR Script killed by user with SCRIPT KILL...');
    }
    if (this.yieldAt !== 0) {
      const now = Date.now();
      if (now < this.yieldAt) return;
      if (L === this.thread && m._lua_isyieldable(L)) {
        this.hookYielded = true;
        m._lua_yieldk(L, 0, 0, 0);
        return;
      }
      if (now - this.sliceStart < Math.max(UNYIELDABLE_LIMIT_MS, this.yieldAt - this.sliceStart)) return;
      this.raiseRedisError(
        L,
        'ERR Script killed by Tidings: it ran longer than busy-reply-threshold (lua-time-limit) where it could not be suspended',
      );
    }
    if (this.deadline !== 0 && Date.now() > this.deadline) this.raiseRedisError(L, this.deadlineMessage);
  }

  // The Lua debugger ---------------------------------------------------------------------------

  /** A line event under the debugger: stop there (suspend the coroutine) when it says so. */
  private onLine(L: number, ar: number, ldb: LuaDebugger): void {
    m._lua_getinfo(L, INFO_SL, ar);
    if (!isUserScript(m.HEAPU32[(ar + 16) >> 2]!)) return;
    const line = m.HEAPU32[(ar + 24) >> 2]! | 0;
    const reason = ldb.shouldStop(line);
    // Code called back from C (a table.sort comparator, a gsub callback) cannot be suspended.
    if (reason === undefined || L !== this.thread || !m._lua_isyieldable(L)) return;
    ldb.stopped(line, reason);
    this.captureStop(L);
    this.hookYielded = true;
    m._lua_yieldk(L, 0, 0, 0);
  }

  /**
   * What the debugger shows of the stopped script, taken in the hook: once the coroutine has
   * yielded, Lua reports its position one instruction back (the one it will run again), where
   * the line's new locals are not yet active.
   */
  private captureStop(L: number): void {
    this.releaseStop();
    const ar = debugRecord;
    m._lua_checkstack(L, 4);
    m._lua_createtable(L, 0, 0);
    const table = m._lua_gettop(L);
    if (m._lua_getstack(L, 0, ar)) {
      for (let n = 1; ; n++) {
        const name = m._lua_getlocal(L, ar, n);
        if (name === 0) break;
        const text = readCString(name);
        // Lua's own temporaries ("(for state)", "(temporary)") are not the script's variables.
        if (text.startsWith('(')) {
          m._lua_settop(L, -2);
          continue;
        }
        this.stopLocals.push(text);
        m._lua_rawseti(L, table, big(this.stopLocals.length));
      }
    }
    this.stopLocalsRef = m._luaL_ref(L, LUA_REGISTRYINDEX);
    for (let level = 0; m._lua_getstack(L, level, ar); level++) {
      m._lua_getinfo(L, INFO_SNL, ar);
      if (!isUserScript(m.HEAPU32[(ar + 16) >> 2]!)) continue;
      const what = readCString(m.HEAPU32[(ar + 12) >> 2]!);
      const name = m.HEAPU32[(ar + 4) >> 2]!;
      this.stopFrames.push({
        name: what === 'main' ? undefined : name === 0 ? '?' : readCString(name),
        line: m.HEAPU32[(ar + 24) >> 2]! | 0,
      });
    }
  }

  private releaseStop(): void {
    if (this.stopLocalsRef !== 0) m._luaL_unref(this.L, LUA_REGISTRYINDEX, this.stopLocalsRef);
    this.stopLocalsRef = 0;
    this.stopLocals = [];
    this.stopFrames = [];
  }

  private redisBreakpoint(L: number): number {
    this.ldb?.breakpoint();
    m._lua_pushboolean(L, this.ldb !== undefined ? 1 : 0);
    return 1;
  }

  private redisDebug(L: number): number {
    const ldb = this.ldb;
    if (ldb === undefined) return 0;
    const values: string[] = [];
    const n = m._lua_gettop(L);
    for (let i = 1; i <= n; i++) values.push(this.luaRepr(L, i, 0));
    ldb.logDebug(values);
    return 0;
  }

  /** The session's view of the stopped script (valid while the run is suspended). */
  debugTarget(): DebugTarget {
    return {
      locals: () => {
        const L = this.L;
        const out: { name: string; value: string }[] = [];
        if (this.stopLocalsRef === 0) return out;
        m._lua_rawgeti(L, LUA_REGISTRYINDEX, big(this.stopLocalsRef));
        const table = m._lua_gettop(L);
        this.stopLocals.forEach((name, i) => {
          m._lua_rawgeti(L, table, big(i + 1));
          out.push({ name, value: this.luaRepr(L, m._lua_gettop(L), 0) });
          m._lua_settop(L, table);
        });
        m._lua_settop(L, table - 1);
        return out;
      },
      global: (name) => {
        const L = this.L;
        m._lua_rawgeti(L, LUA_REGISTRYINDEX, big(this.globalsRef));
        rawGetField(L, -1, name === 'KEYS' ? K.KEYS : K.ARGV);
        const text = m._lua_type(L, -1) === LuaType.Nil ? undefined : this.luaRepr(L, m._lua_gettop(L), 0);
        m._lua_settop(L, -3);
        return text;
      },
      frames: () => this.stopFrames,
      evaluate: (code) => this.ldbEvaluate(code),
      redis: (argv) => {
        const ldb = this.ldb;
        const host = this.host;
        if (ldb === undefined || host === undefined) return;
        ldb.logRedisCommand(argv);
        let reply: Reply;
        try {
          reply = host.call(argv, this.callProtocol);
          if (reply instanceof RawReply) reply = parseRespValue(reply.bytes);
        } catch (error) {
          reply = error instanceof ReplyError ? error : new ReplyError(`ERR ${String(error)}`);
        }
        if (reply instanceof CallRefused) ldb.logRefused(reply.message);
        else ldb.logReply(reply, this.callProtocol);
      },
    };
  }

  /** The debugger's eval: the code in a frame of its own, with the scripts' globals. */
  private ldbEvaluate(code: Buffer): { value: string } | { error: string } {
    const L = this.L;
    const top = m._lua_gettop(L);
    try {
      const buf = m._malloc(Math.max(code.length, 1));
      if (!buf) return { error: 'not enough memory' };
      heap().set(code, buf);
      const status = m._luaL_loadbufferx(L, buf, code.length, LDB_EVAL_NAME, MODE_TEXT);
      m._free(buf);
      if (status !== LUA_OK) return { error: luaErrorText(L).replace(/(?<!')<eof>(?!')/g, "'<eof>'") };
      m._lua_rawgeti(L, LUA_REGISTRYINDEX, big(this.envRef));
      m._lua_setupvalue(L, -2, 1);
      if (m._lua_pcallk(L, 0, 1, 0, 0, 0) !== LUA_OK) return { error: luaErrorText(L) };
      return { value: this.luaRepr(L, m._lua_gettop(L), 0) };
    } finally {
      m._lua_settop(L, top);
    }
  }

  /**
   * Stop a suspended debugging run for good (the user's abort, or the client left): the error it
   * ends with. The coroutine is dropped unfinished; what the script already wrote stays.
   */
  abortDebugging(message = 'ERR script aborted for user request'): ReplyError {
    const line = this.ldb?.currentLine ?? 0;
    const label = this.currentLabel ?? '';
    this.running = false;
    this.host = undefined;
    this.currentLabel = undefined;
    this.forgetArguments();
    this.ldb = undefined;
    this.releaseStop();
    this.newThread();
    return new ReplyError(`${message} script: ${label}, on @user_script:${line}.`);
  }

  /** A Lua value as the debugger shows it (Redis's debugger format: Lua 5.1 numbers, quoted strings). */
  private luaRepr(L: number, idx: number, depth: number): string {
    switch (m._lua_type(L, idx)) {
      case LuaType.Nil:
      case LuaType.None:
        return 'nil';
      case LuaType.Boolean:
        return m._lua_toboolean(L, idx) ? 'true' : 'false';
      case LuaType.Number:
        return formatG(m._lua_isinteger(L, idx) ? Number(m._lua_tointegerx(L, idx, 0)) : m._lua_tonumberx(L, idx, 0));
      case LuaType.String:
        return quoteBytes(readBytes(L, idx));
      case LuaType.Table:
        return this.tableRepr(L, idx, depth);
      default: {
        const type = ['nil', 'boolean', 'userdata', 'number', 'string', 'table', 'function', 'userdata', 'thread'][m._lua_type(L, idx)];
        return quoteBytes(`${type}@0x${(m._lua_topointer(L, idx) >>> 0).toString(16).padStart(8, '0')}`);
      }
    }
  }

  private tableRepr(L: number, idx: number, depth: number): string {
    if (depth >= 32 || !m._lua_checkstack(L, 4)) return '{...}';
    const keys: string[] = [];
    const values: string[] = [];
    let sequence = true;
    m._lua_pushnil(L);
    while (m._lua_next(L, idx)) {
      const top = m._lua_gettop(L);
      const isInteger = m._lua_type(L, top - 1) === LuaType.Number && m._lua_isinteger(L, top - 1);
      if (!isInteger || Number(m._lua_tointegerx(L, top - 1, 0)) !== keys.length + 1) sequence = false;
      keys.push(this.luaRepr(L, top - 1, depth + 1));
      values.push(this.luaRepr(L, top, depth + 1));
      m._lua_settop(L, top - 1);
    }
    const items = sequence ? values : values.map((v, i) => `[${keys[i]}]=${v}`);
    return `{${items.join('; ')}}`;
  }

  /** A suspendable run that could not be suspended for too long (see UNYIELDABLE_LIMIT_MS). */
  private stuck(): boolean {
    if (this.yieldAt === 0) return false;
    const now = Date.now();
    return now >= this.yieldAt && now - this.sliceStart >= Math.max(UNYIELDABLE_LIMIT_MS, this.yieldAt - this.sliceStart);
  }

  private raiseRedisError(L: number, message: string, counted = false): number {
    this.raised = message;
    this.raisedCounted = counted;
    pushText(L, message);
    return m._lua_error(L);
  }

  /** The run is over: its KEYS/ARGV Buffers are not kept (setting an array's length is a runtime call). */
  private forgetArguments(): void {
    for (let i = 0; i < this.argCount; i++) this.argBuffers[i] = EMPTY;
    this.argCount = 0;
  }

  /** A table of argv[from, to) (KEYS or ARGV), remembering where Lua keeps each string (argBuffers). */
  private pushArguments(L: number, argv: Buffer[], from: number, to: number): void {
    m._lua_createtable(L, to - from, 0);
    for (let i = from; i < to; i++) {
      const bytes = argv[i]!;
      const at = pushBytes(L, bytes);
      const n = this.argCount;
      if (n < MAX_REMEMBERED_ARGUMENTS) {
        this.argBuffers[n] = bytes;
        this.argAddresses[n] = at;
        this.argCount = n + 1;
      }
      m._lua_rawseti(L, -2, big(i - from + 1));
    }
  }

  // redis.call / redis.pcall ------------------------------------------------------------------

  private redisCall(L: number, raise: boolean): number {
    const n = m._lua_gettop(L);
    if (n === 0) return this.callFailed(L, raise, 'ERR Please specify at least one argument for this redis lib call');
    const argv: Buffer[] = new Array(n);
    for (let i = 1; i <= n; i++) {
      const type = m._lua_type(L, i);
      if (type === LuaType.String) {
        const ptr = m._lua_tolstring(L, i, lengthSlot);
        const h = heap();
        const len = slotLength(h);
        argv[i - 1] = i === 1 ? this.commandName(h, ptr, len) : this.argumentBytes(h, ptr, len);
      } else if (type === LuaType.Number) {
        if (m._lua_isinteger(L, i)) {
          // Lua writes integers as plain decimals, as the argument must be: convert in place
          // (this frame's copy of the value) and copy the text out, with no BigInt on the way.
          const ptr = m._lua_tolstring(L, i, lengthSlot);
          const h = heap();
          argv[i - 1] = copyOut(h, ptr, slotLength(h));
        } else {
          argv[i - 1] = numberArgument(L, i);
        }
      } else {
        return this.callFailed(L, raise, 'ERR Lua redis lib command arguments must be strings or integers');
      }
    }
    let reply: Reply;
    const ldb = this.ldb !== undefined && this.ldb.stepping ? this.ldb : undefined;
    if (ldb !== undefined) ldb.logRedisCommand(argv);
    try {
      const host = this.host;
      if (!host) throw new ReplyError('ERR redis.call is only available while a script runs');
      reply = host.call(argv, this.callProtocol);
      if (reply instanceof RawReply) reply = parseRespValue(reply.bytes);
    } catch (error) {
      reply = error instanceof ReplyError ? error : new ReplyError(`ERR ${String(error)}`);
    }
    if (ldb !== undefined) {
      if (reply instanceof CallRefused) ldb.logRefused(reply.message);
      else ldb.logReply(reply, this.callProtocol);
    }
    // A command's error was counted by the dispatcher; a refusal, by the host when it says so.
    if (reply instanceof ReplyError) return this.callFailed(L, raise, reply.message, reply instanceof CallRefused ? reply.statsCounted : true);
    m._lua_settop(L, 0);
    this.pushReply(L, reply, 0);
    return 1;
  }

  /**
   * The command name of a redis.call as a Buffer, shared between calls: scripts name the same few
   * commands over and over, and Lua keeps one copy of each short string, so the string's address
   * (checked against the bytes, as an address can be reused for another string) finds the Buffer
   * made last time. Hosts may key caches on the Buffer object. Nothing modifies argv.
   */
  private commandName(h: Buffer, ptr: number, len: number): Buffer {
    const cached = this.names.get(ptr);
    if (cached !== undefined && cached.length === len) {
      let same = true;
      for (let i = 0; i < len; i++) {
        if (cached[i] !== h[ptr + i]) {
          same = false;
          break;
        }
      }
      if (same) return cached;
    }
    const name = copyOut(h, ptr, len);
    if (len <= 64) {
      if (this.names.size >= 512) this.names.clear();
      this.names.set(ptr, name);
    }
    return name;
  }

  /**
   * A redis.call argument's bytes: the caller's Buffer when the string is one of the run's KEYS or
   * ARGV (the same address, checked against the bytes: a collected string's address may be
   * reused), otherwise a copy. Commands get the very Buffer they would get from the client.
   */
  private argumentBytes(h: Buffer, ptr: number, len: number): Buffer {
    const addresses = this.argAddresses;
    for (let j = 0; j < this.argCount; j++) {
      if (addresses[j] !== ptr) continue;
      const known = this.argBuffers[j]!;
      if (known.length === len && sameBytes(h, ptr, known)) return known;
      break;
    }
    return copyOut(h, ptr, len);
  }

  private redisAclCheck(L: number): number {
    const n = m._lua_gettop(L);
    if (n === 0) return this.raiseRedisError(L, 'ERR Please specify at least one argument for this redis lib call');
    const argv: Buffer[] = [];
    for (let i = 1; i <= n; i++) {
      const type = m._lua_type(L, i);
      if (type === LuaType.String) argv.push(readBytes(L, i));
      else if (type === LuaType.Number && m._lua_isinteger(L, i)) argv.push(Buffer.from(String(m._lua_tointegerx(L, i, 0))));
      else if (type === LuaType.Number) argv.push(numberArgument(L, i));
      else return this.raiseRedisError(L, 'ERR Lua redis lib command arguments must be strings or integers');
    }
    const allowed = this.host?.aclCheck?.(argv) ?? true;
    if (allowed instanceof ReplyError) return this.raiseRedisError(L, allowed.message);
    m._lua_settop(L, 0);
    m._lua_pushboolean(L, allowed ? 1 : 0);
    return 1;
  }

  private callFailed(L: number, raise: boolean, message: string, counted = false): number {
    m._lua_settop(L, 0);
    if (raise) return this.raiseRedisError(L, message, counted);
    this.pushErrorTable(L, message, counted);
    return 1;
  }

  /** redis.pcall's error table; Redis marks one already counted in the error statistics. */
  private pushErrorTable(L: number, message: string, counted = false): void {
    m._lua_createtable(L, 0, 2);
    pushText(L, message);
    setField(L, -2, K.err);
    if (counted) {
      m._lua_pushboolean(L, 1);
      setField(L, -2, K.ignore_error_stats_update);
    }
  }

  private redisLog(L: number): number {
    const level = Number(m._lua_tonumberx(L, 1, 0));
    const message = m._lua_type(L, 2) === LuaType.String ? readBytes(L, 2).toString() : '';
    this.host?.log(level, message);
    return 0;
  }

  private redisSetResp(L: number): number {
    this.callProtocol = Number(m._lua_tonumberx(L, 1, 0)) === 3 ? 3 : 2;
    return 0;
  }

  private redisSha1(L: number): number {
    if (m._lua_gettop(L) !== 1) {
      pushText(L, 'wrong number of arguments');
      return m._lua_error(L);
    }
    const type = m._lua_type(L, 1);
    const data = type === LuaType.String ? readBytes(L, 1) : type === LuaType.Number ? numberArgument(L, 1) : Buffer.alloc(0);
    pushText(L, sha1hex(data));
    return 1;
  }

  // Reply → Lua -------------------------------------------------------------------------------

  private pushReply(L: number, reply: Reply, depth: number): void {
    // A C function starts with LUA_MINSTACK (20) free slots, and redisCall emptied its stack: a
    // reply's own value (at most a table, a key and a value) needs no check, its elements do.
    if (depth > MAX_NESTING || (depth > 0 && !m._lua_checkstack(L, 4))) {
      pushText(L, 'reached lua stack limit');
      m._lua_error(L);
      return;
    }
    const resp3 = this.callProtocol === 3;
    if (reply === null || reply === NULL_ARRAY) {
      if (resp3) m._lua_pushnil(L);
      else m._lua_pushboolean(L, 0);
      return;
    }
    switch (typeof reply) {
      case 'number':
        if (Number.isInteger(reply)) pushInteger(L, reply);
        else m._lua_pushnumber(L, reply);
        return;
      case 'bigint':
        pushInteger(L, reply);
        return;
      case 'string':
        pushText(L, reply);
        return;
    }
    if (Buffer.isBuffer(reply)) {
      pushBytes(L, reply);
      return;
    }
    if (reply instanceof Latin1) {
      pushBytes(L, Buffer.from(reply.text, 'latin1'));
      return;
    }
    if (Array.isArray(reply)) {
      this.pushList(L, reply, depth);
      return;
    }
    if (reply instanceof Status) {
      m._lua_createtable(L, 0, 1);
      pushText(L, reply.value);
      setField(L, -2, K.ok);
      return;
    }
    if (reply instanceof ReplyError) {
      this.pushErrorTable(L, reply.message);
      return;
    }
    if (reply instanceof Double) {
      if (resp3) {
        m._lua_createtable(L, 0, 1);
        m._lua_pushnumber(L, reply.value);
        setField(L, -2, K.double);
      } else {
        pushText(L, formatDouble(reply.value));
      }
      return;
    }
    if (reply instanceof MapReply) {
      if (!resp3) {
        this.pushList(L, reply.entries, depth);
        return;
      }
      m._lua_createtable(L, 0, 1);
      // Not presized, as Redis's: the table grows (and rehashes integer keys into its array part)
      // as Lua 5.1's does, so pairs() walks it in Redis's order.
      m._lua_createtable(L, 0, 0);
      for (let i = 0; i + 1 < reply.entries.length; i += 2) {
        this.pushReply(L, reply.entries[i]!, depth + 1);
        this.pushReply(L, reply.entries[i + 1]!, depth + 1);
        m._lua_rawset(L, -3);
      }
      setField(L, -2, K.map);
      return;
    }
    if (reply instanceof SetReply) {
      if (!resp3) {
        this.pushList(L, reply.items, depth);
        return;
      }
      m._lua_createtable(L, 0, 1);
      m._lua_createtable(L, 0, 0);
      for (const item of reply.items) {
        this.pushReply(L, item, depth + 1);
        m._lua_pushboolean(L, 1);
        m._lua_rawset(L, -3);
      }
      setField(L, -2, K.set);
      return;
    }
    if (reply instanceof PushReply) {
      this.pushList(L, reply.items, depth);
      return;
    }
    if (reply instanceof BoolReply) {
      if (resp3) m._lua_pushboolean(L, reply.value ? 1 : 0);
      else pushInteger(L, reply.value ? 1 : 0);
      return;
    }
    // RESP3 big numbers and verbatim strings reach a RESP3 script as Redis hands them over:
    // {big_number='digits'} and {verbatim_string={format='txt', string='...'}}.
    if (reply instanceof BigNumber) {
      if (resp3) {
        m._lua_createtable(L, 0, 1);
        pushText(L, reply.text);
        setField(L, -2, K.big_number);
      } else {
        pushText(L, reply.text);
      }
      return;
    }
    if (reply instanceof Verbatim) {
      if (resp3) {
        m._lua_createtable(L, 0, 1);
        m._lua_createtable(L, 0, 2);
        pushText(L, reply.format);
        setField(L, -2, K.format);
        pushText(L, reply.text);
        setField(L, -2, K.string);
        setField(L, -2, K.verbatim_string);
      } else {
        pushText(L, reply.text);
      }
      return;
    }
    if (reply instanceof RawReply) {
      this.pushReply(L, parseRespValue(reply.bytes), depth);
      return;
    }
    m._lua_pushnil(L);
  }

  private pushList(L: number, items: Reply[], depth: number): void {
    m._lua_createtable(L, items.length, 0);
    for (let i = 0; i < items.length; i++) {
      this.pushReply(L, items[i]!, depth + 1);
      m._lua_rawseti(L, -2, big(i + 1));
    }
  }

  // Lua → Reply -------------------------------------------------------------------------------

  private toReply(L: number, idx: number, depth: number): Reply {
    switch (m._lua_type(L, idx)) {
      case LuaType.Number: {
        if (m._lua_isinteger(L, idx)) {
          // As a double it is exact when it is a safe integer (no BigInt made for the usual case).
          const d = m._lua_tonumberx(L, idx, 0);
          if (Number.isSafeInteger(d)) return d;
          const n = m._lua_tointegerx(L, idx, 0);
          return n >= -9007199254740991n && n <= 9007199254740991n ? Number(n) : n;
        }
        const value = Math.trunc(m._lua_tonumberx(L, idx, 0));
        if (Number.isSafeInteger(value)) return value;
        if (!Number.isFinite(value) || Math.abs(value) >= 9223372036854775808) return INT64_MIN;
        return BigInt(value);
      }
      case LuaType.String:
        return readBytes(L, idx);
      case LuaType.Boolean: {
        const value = m._lua_toboolean(L, idx) !== 0;
        if (this.callProtocol === 3) return new BoolReply(value);
        return value ? 1 : null;
      }
      case LuaType.Table:
        return this.tableToReply(L, idx, depth);
      default:
        return null;
    }
  }

  private tableToReply(L: number, idx: number, depth: number): Reply {
    if (depth > MAX_NESTING || !m._lua_checkstack(L, 6)) {
      return new ReplyError('ERR reached lua stack limit');
    }
    const top = m._lua_gettop(L);
    try {
      if (rawGetField(L, idx, K.err) === LuaType.String) {
        const error = new ReplyError(readBytes(L, -1).toString('latin1').replace(/[\r\n]+/g, ' '));
        error.statsCounted = rawGetField(L, idx, K.ignore_error_stats_update) === LuaType.Boolean && m._lua_toboolean(L, -1) !== 0;
        return error;
      }
      m._lua_settop(L, top);
      if (rawGetField(L, idx, K.ok) === LuaType.String) return new Status(readBytes(L, -1).toString('latin1').replace(/[\r\n]+/g, ' '));
      m._lua_settop(L, top);
      if (rawGetField(L, idx, K.double) === LuaType.Number) return new Double(m._lua_tonumberx(L, -1, 0));
      m._lua_settop(L, top);
      if (rawGetField(L, idx, K.big_number) === LuaType.String) {
        return new BigNumber(readBytes(L, -1).toString('latin1').replace(/[\r\n]/g, ' '));
      }
      m._lua_settop(L, top);
      if (rawGetField(L, idx, K.map) === LuaType.Table) {
        const map = m._lua_gettop(L);
        const entries: Reply[] = [];
        m._lua_pushnil(L);
        while (m._lua_next(L, map)) {
          // Convert a copy of the key: converting the key itself could change its type for lua_next.
          m._lua_pushvalue(L, -2);
          entries.push(this.toReply(L, m._lua_gettop(L), depth + 1));
          m._lua_settop(L, -2);
          entries.push(this.toReply(L, m._lua_gettop(L), depth + 1));
          m._lua_settop(L, -2);
        }
        return new MapReply(entries);
      }
      m._lua_settop(L, top);
      if (rawGetField(L, idx, K.set) === LuaType.Table) {
        const set = m._lua_gettop(L);
        const items: Reply[] = [];
        m._lua_pushnil(L);
        while (m._lua_next(L, set)) {
          m._lua_pushvalue(L, -2);
          items.push(this.toReply(L, m._lua_gettop(L), depth + 1));
          m._lua_settop(L, -3);
        }
        return new SetReply(items);
      }
      m._lua_settop(L, top);
      if (rawGetField(L, idx, K.verbatim_string) === LuaType.Table) {
        const table = m._lua_gettop(L);
        if (rawGetField(L, table, K.format) === LuaType.String) {
          const format = readBytes(L, -1).toString('utf8');
          if (rawGetField(L, table, K.string) === LuaType.String) {
            return new Verbatim(format.padEnd(3, ' ').slice(0, 3), readBytes(L, -1).toString('utf8'));
          }
        }
      }
      m._lua_settop(L, top);
      const items: Reply[] = [];
      for (let i = 1; ; i++) {
        if (m._lua_rawgeti(L, idx, big(i)) === LuaType.Nil) break;
        items.push(this.toReply(L, m._lua_gettop(L), depth + 1));
        m._lua_settop(L, top);
      }
      return items;
    } finally {
      m._lua_settop(L, top);
    }
  }
}

/**
 * Lua 5.4 words runtime errors as "attempt to index a nil value (local 'x')"; the Lua 5.1 inside
 * Redis says "attempt to index local 'x' (a nil value)". Scripts and clients match on these texts.
 */
/** A NUL-terminated string in the WebAssembly heap. */
function readCString(ptr: number): string {
  const h = heap();
  let end = ptr;
  while (h[end] !== 0) end++;
  return h.toString('latin1', ptr, end);
}

/**
 * The line of the innermost script or function frame of a coroutine an error ended (1 when there
 * is none): what the prelude's message_handler reports.
 */
function errorLine(L: number): number {
  const ar = debugRecord;
  for (let level = 0; level < 200 && m._lua_getstack(L, level, ar); level++) {
    m._lua_getinfo(L, INFO_SL, ar);
    const line = m.HEAPU32[(ar + 24) >> 2]! | 0;
    if (line > 0 && isUserCode(m.HEAPU32[(ar + 16) >> 2]!)) return line;
  }
  return 1;
}

/** Whether a function's source is an EVAL script's or a FUNCTION library's. */
function isUserCode(source: number): boolean {
  if (source === 0) return false;
  const text = readCString(source);
  return text === '@user_script' || text === '@user_function';
}

/** Whether a function's source (a lua_Debug `source`) is an EVAL script's. */
function isUserScript(source: number): boolean {
  return source !== 0 && readCString(source) === '@user_script';
}

/** The message of the error on top of the stack. */
function luaErrorText(L: number): string {
  return m._lua_type(L, -1) === LuaType.String ? readBytes(L, -1).toString('latin1') : 'unknown error';
}

function lua51Message(text: string): string {
  return text.replace(/attempt to (.+?) an? (\w+) value \((\w+) '([^']*)'\)/, "attempt to $1 $3 '$4' (a $2 value)");
}

/** A `#!lua flags=...` first line is not Lua: blank it (keeping line numbers). */
function stripShebang(body: Buffer): Buffer {
  if (body.length < 2 || body[0] !== 0x23 || body[1] !== 0x21) return body;
  const end = body.indexOf(0x0a);
  return end === -1 ? Buffer.alloc(0) : body.subarray(end);
}

const SHEBANG_FLAGS = new Set(['no-writes', 'allow-oom', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys']);

/** Flags from a `#!lua flags=a,b` first line, or undefined when the script has no shebang. */
export function scriptShebangFlags(body: Buffer): string[] | undefined {
  if (body.length < 2 || body[0] !== 0x23 || body[1] !== 0x21) return undefined;
  const end = body.indexOf(0x0a);
  const line = body.toString('latin1', 0, end === -1 ? body.length : end);
  const parts = line.split(' ').filter((p) => p.length > 0);
  if (parts[0] !== '#!lua') throw new ReplyError(`ERR Unexpected engine in script shebang: ${parts[0] ?? ''}`);
  const flags: string[] = [];
  for (const part of parts.slice(1)) {
    if (!part.startsWith('flags=')) throw new ReplyError(`ERR Unknown lua shebang option: ${part}`);
    for (const flag of part.slice(6).split(',')) {
      if (flag === '') continue;
      if (!SHEBANG_FLAGS.has(flag)) throw new ReplyError(`ERR Unexpected flag in script shebang: ${flag}`);
      flags.push(flag);
    }
  }
  return flags;
}
