// The Lua 5.4 VM (wasmoon's WebAssembly build of the reference C implementation) and the few
// byte-level helpers the engine needs. wasmoon's own high-level API converts Lua strings through
// UTF-8, which would corrupt binary values, so the engine talks to the raw C API exports and copies
// bytes in and out of the WebAssembly heap itself.
import { createRequire } from 'node:module';
import type * as Wasmoon from 'wasmoon';

export const LUA_REGISTRYINDEX = -1001000;
export const LUA_OK = 0;
export const LUA_ERRRUN = 2;
export const LUA_ERRSYNTAX = 3;
export const LUA_ERRMEM = 4;
export const LUA_MASKCOUNT = 8;
export const LUA_MASKLINE = 4;
export const LUA_HOOKLINE = 2;

export const enum LuaType {
  None = -1,
  Nil = 0,
  Boolean = 1,
  LightUserdata = 2,
  Number = 3,
  String = 4,
  Table = 5,
  Function = 6,
  Userdata = 7,
  Thread = 8,
}

/** The raw C exports we use (pointers and lua_State are plain numbers, lua_Integer is bigint). */
export interface LuaExports {
  HEAPU8: Uint8Array;
  HEAPU32: Uint32Array;
  _malloc(size: number): number;
  _free(ptr: number): void;
  _realloc(ptr: number, size: number): number;
  addFunction(fn: (...args: number[]) => number | void, signature: string): number;
  removeFunction(ptr: number): void;
  stringToNewUTF8(text: string): number;
  _lua_newstate(alloc: number, ud: number): number;
  _lua_setallocf(L: number, alloc: number, ud: number): void;
  _lua_close(L: number): void;
  _luaL_openlibs(L: number): void;
  _luaL_loadbufferx(L: number, buf: number, size: number, name: number, mode: number): number;
  _lua_pcallk(L: number, nargs: number, nresults: number, msgh: number, ctx: number, k: number): number;
  _lua_error(L: number): number;
  _lua_gettop(L: number): number;
  _lua_settop(L: number, idx: number): void;
  _lua_type(L: number, idx: number): number;
  _lua_isinteger(L: number, idx: number): number;
  _lua_tointegerx(L: number, idx: number, isnum: number): bigint;
  _lua_tonumberx(L: number, idx: number, isnum: number): number;
  _lua_toboolean(L: number, idx: number): number;
  _lua_tolstring(L: number, idx: number, len: number): number;
  _lua_pushnil(L: number): void;
  _lua_pushinteger(L: number, n: bigint): void;
  _lua_pushnumber(L: number, n: number): void;
  _lua_pushboolean(L: number, b: number): void;
  _lua_pushlstring(L: number, s: number, len: number): number;
  _lua_pushstring(L: number, s: number): number;
  _lua_pushlightuserdata(L: number, p: number): void;
  _lua_pushcclosure(L: number, fn: number, n: number): void;
  _lua_pushvalue(L: number, idx: number): void;
  _lua_createtable(L: number, narr: number, nrec: number): void;
  _lua_rawget(L: number, idx: number): number;
  _lua_rawset(L: number, idx: number): void;
  _lua_rawgeti(L: number, idx: number, n: bigint): number;
  _lua_rawseti(L: number, idx: number, n: bigint): void;
  _lua_next(L: number, idx: number): number;
  _lua_setupvalue(L: number, funcindex: number, n: number): number;
  _lua_checkstack(L: number, n: number): number;
  _lua_sethook(L: number, fn: number, mask: number, count: number): void;
  _lua_getstack(L: number, level: number, ar: number): number;
  _lua_getinfo(L: number, what: number, ar: number): number;
  /** The local's name (a C string, 0 when there is none) and its value pushed. */
  _lua_getlocal(L: number, ar: number, n: number): number;
  _lua_topointer(L: number, idx: number): number;
  _lua_newthread(L: number): number;
  /** Lua 5.4: (L, from, nargs, nresults*). */
  _lua_resume(L: number, from: number, nargs: number, nres: number): number;
  _lua_yieldk(L: number, nresults: number, ctx: number, k: number): number;
  _lua_isyieldable(L: number): number;
  _lua_status(L: number): number;
  _luaL_ref(L: number, t: number): number;
  _luaL_unref(L: number, t: number, ref: number): void;
}

// wasmoon's build wraps every C export in a JS function that re-checks (and formats messages for)
// runtime assertions on each call, which costs more than many of the calls themselves. Capture the
// raw WebAssembly exports while the module instantiates and call those directly. The same goes for
// the one import Lua's protected calls go through (emscripten's setjmp emulation, invoke_vii: every
// lua_pcall and lua_resume): it is replaced by one that calls the raw exports.
async function instantiateLua(): Promise<LuaExports> {
  let rawExports: Record<string, unknown> | undefined;
  const originalInstantiate = WebAssembly.instantiate;
  WebAssembly.instantiate = (async (source: unknown, imports?: WebAssembly.Imports) => {
    const env = imports?.env;
    const ours = rawExports === undefined && env !== undefined && typeof env.invoke_vii === 'function';
    const result = await (originalInstantiate as (...a: unknown[]) => Promise<unknown>)(
      source,
      ours ? { ...imports, env: { ...env, invoke_vii: protectedCall.invoke } } : imports,
    );
    const instance = result instanceof WebAssembly.Instance ? result : (result as { instance: WebAssembly.Instance }).instance;
    // Only Lua's module: other code (undici's HTTP parser, loaded by fetch) may instantiate its own
    // WebAssembly module while this one loads.
    if (ours && instance && 'lua_checkstack' in instance.exports) {
      rawExports = instance.exports as Record<string, unknown>;
      protectedCall.bind(instance.exports);
    }
    return result;
  }) as typeof WebAssembly.instantiate;
  try {
    // wasmoon is CommonJS: require() compiles it without the ESM loader's scan of its 150 KB for
    // named exports, which took longer than the rest of the Lua start-up (issue 10).
    const { LuaWasm } = createRequire(import.meta.url)('wasmoon') as typeof Wasmoon;
    const wasm = await LuaWasm.initialize();
    return bindExports(wasm.module as unknown as Record<string, unknown>, rawExports);
  } finally {
    WebAssembly.instantiate = originalInstantiate;
  }
}

/**
 * invoke_vii(fn, a, b): call table[fn](a, b); a longjmp (a thrown number) unwinds to here, restores
 * the C stack pointer and is recorded with setThrew, as emscripten's own version does. Until the
 * raw exports are known it is never called (Lua runs no protected call while it instantiates).
 */
const protectedCall = {
  table: undefined as unknown as WebAssembly.Table,
  stackSave: undefined as unknown as () => number,
  stackRestore: undefined as unknown as (sp: number) => void,
  setThrew: undefined as unknown as (threw: number, value: number) => void,
  /** table entries by index; cleared whenever addFunction/removeFunction change the table. */
  functions: [] as (((a: number, b: number) => void) | undefined)[],
  bind(exports: WebAssembly.Exports): void {
    this.table = exports.__indirect_function_table as WebAssembly.Table;
    this.stackSave = exports.stackSave as () => number;
    this.stackRestore = exports.stackRestore as (sp: number) => void;
    this.setThrew = exports.setThrew as (threw: number, value: number) => void;
  },
  invoke(index: number, a: number, b: number): void {
    const self = protectedCall;
    const sp = self.stackSave();
    try {
      let fn = self.functions[index];
      if (fn === undefined) {
        fn = self.table.get(index) as (a: number, b: number) => void;
        self.functions[index] = fn;
      }
      fn(a, b);
    } catch (error) {
      self.stackRestore(sp);
      if (typeof error !== 'number' || Number.isNaN(error)) throw error;
      self.setThrew(1, 0);
    }
  },
};

function bindExports(module: Record<string, unknown>, raw: Record<string, unknown> | undefined): LuaExports {
  const entries: [string, unknown][] = [];
  for (const key of Object.keys(module)) {
    if (!key.startsWith('_') || typeof module[key] !== 'function') continue;
    const direct = raw?.[key.slice(1)];
    entries.push([key, typeof direct === 'function' ? direct : module[key]]);
  }
  const addFunction = (module.addFunction as (...a: unknown[]) => number).bind(module);
  const removeFunction = (module.removeFunction as (...a: unknown[]) => void).bind(module);
  entries.push(
    [
      'addFunction',
      (...args: unknown[]) => {
        protectedCall.functions.length = 0;
        return addFunction(...args);
      },
    ],
    [
      'removeFunction',
      (ptr: number) => {
        protectedCall.functions.length = 0;
        removeFunction(ptr);
      },
    ],
    ['stringToNewUTF8', (module.stringToNewUTF8 as (...a: unknown[]) => unknown).bind(module)],
  );
  // Every engine call loads its function from this object (`m._lua_settop(...)`): it must keep
  // V8's fast properties. Filled key by key (`bound[key] = ...`, 150 keys) it became a dictionary,
  // and each such load went through the generic LoadIC, about 1,400 instructions per script run;
  // Object.fromEntries builds it with fast properties.
  const bound = Object.fromEntries(entries);
  // The heap views are replaced when memory grows: always read them from the module.
  Object.defineProperty(bound, 'HEAPU8', { get: () => module.HEAPU8 });
  Object.defineProperty(bound, 'HEAPU32', { get: () => module.HEAPU32 });
  if (raw !== undefined && typeof raw.realloc === 'function' && typeof raw.free === 'function') {
    allocatorImports = { realloc: raw.realloc, free: raw.free };
  }
  return bound as unknown as LuaExports;
}

/**
 * A lua_Alloc written in WebAssembly (a few instructions, below), imported by nothing but
 * realloc/free of Lua's own module: Lua calls it without leaving WebAssembly, where a JS allocator
 * costs two crossings per allocation. It keeps the bytes in use and refuses to grow past the
 * limit (0 = none), as ScriptEngine's memory limit needs; both are i64 globals.
 *
 *   alloc(ud, ptr, osize, nsize):
 *     if nsize == 0: if ptr: free(ptr); used -= osize   ; return 0
 *     delta = nsize - (ptr ? osize : 0)
 *     if limit != 0 and delta > 0 and used + delta > limit: return 0
 *     next = realloc(ptr, nsize); if next: used += delta; return next
 */
export interface LuaAllocator {
  /** Its slot in the function table (for lua_setallocf). */
  fn: WebAssembly.ExportValue;
  used: WebAssembly.Global;
  limit: WebAssembly.Global;
}

let allocatorImports: { realloc: unknown; free: unknown } | undefined;
let allocatorModule: WebAssembly.Module | undefined;

function allocatorBytes() {
  const section = (id: number, body: number[]) => [id, body.length, ...body];
  const name = (text: string) => [text.length, ...Buffer.from(text, 'latin1')];
  const I32 = 0x7f;
  const I64 = 0x7e;
  const code = [
    0x02, 0x01, I64, 0x01, I32, // locals: 4 delta (i64), 5 next (i32)
    0x20, 0x03, 0x45, 0x04, 0x40, // if nsize == 0
    0x20, 0x01, 0x04, 0x40, //   if ptr
    0x20, 0x01, 0x10, 0x01, //     free(ptr)
    0x23, 0x00, 0x20, 0x02, 0xad, 0x7d, 0x24, 0x00, //     used -= osize
    0x0b, //   end
    0x41, 0x00, 0x0f, //   return 0
    0x0b, // end
    0x20, 0x03, 0xad, // nsize
    0x20, 0x01, 0x04, I64, 0x20, 0x02, 0xad, 0x05, 0x42, 0x00, 0x0b, // ptr ? osize : 0
    0x7d, 0x21, 0x04, // delta = nsize - that
    0x23, 0x01, 0x50, 0x45, 0x20, 0x04, 0x42, 0x00, 0x55, 0x71, 0x04, 0x40, // if limit != 0 and delta > 0
    0x23, 0x00, 0x20, 0x04, 0x7c, 0x23, 0x01, 0x55, 0x04, 0x40, //   if used + delta > limit
    0x41, 0x00, 0x0f, //     return 0
    0x0b, 0x0b,
    0x20, 0x01, 0x20, 0x03, 0x10, 0x00, 0x22, 0x05, // next = realloc(ptr, nsize)
    0x04, 0x40, 0x23, 0x00, 0x20, 0x04, 0x7c, 0x24, 0x00, 0x0b, // if next: used += delta
    0x20, 0x05, // return next
    0x0b,
  ];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    // types: 0 realloc (i32 i32)->i32, 1 free (i32)->(), 2 alloc (i32 i32 i32 i32)->i32
    ...section(1, [0x03, 0x60, 0x02, I32, I32, 0x01, I32, 0x60, 0x01, I32, 0x00, 0x60, 0x04, I32, I32, I32, I32, 0x01, I32]),
    ...section(2, [0x02, ...name('m'), ...name('realloc'), 0x00, 0x00, ...name('m'), ...name('free'), 0x00, 0x01]),
    ...section(3, [0x01, 0x02]),
    // globals: 0 used, 1 limit (mutable i64, 0)
    ...section(6, [0x02, I64, 0x01, 0x42, 0x00, 0x0b, I64, 0x01, 0x42, 0x00, 0x0b]),
    ...section(7, [0x03, ...name('alloc'), 0x00, 0x02, ...name('used'), 0x03, 0x00, ...name('limit'), 0x03, 0x01]),
    ...section(10, [0x01, code.length, ...code]),
  ]);
}

/** A new allocator (one per lua_State: its own counters), or undefined when the raw exports are unknown. */
export function newLuaAllocator(): LuaAllocator | undefined {
  if (allocatorImports === undefined) return undefined;
  allocatorModule ??= new WebAssembly.Module(allocatorBytes());
  const instance = new WebAssembly.Instance(allocatorModule, { m: allocatorImports as WebAssembly.ModuleImports });
  const exports = instance.exports;
  return { fn: exports.alloc!, used: exports.used as WebAssembly.Global, limit: exports.limit as WebAssembly.Global };
}

/**
 * The WebAssembly module shared by every ScriptEngine in this process (each has its own
 * lua_State). It is instantiated by loadLua() — Server.listen() awaits it — rather than by a
 * top-level await, so that the package also loads with require() from CommonJS.
 */
export let lua: LuaExports = undefined as unknown as LuaExports;
let loading: Promise<void> | undefined;

export function luaLoaded(): boolean {
  return lua !== undefined;
}

export function loadLua(): Promise<void> {
  loading ??= instantiateLua().then((exports) => {
    lua = exports;
  });
  return loading;
}
