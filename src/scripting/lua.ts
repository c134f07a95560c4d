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
// raw WebAssembly exports while the module instantiates and call those directly.
async function instantiateLua(): Promise<LuaExports> {
  let rawExports: Record<string, unknown> | undefined;
  const originalInstantiate = WebAssembly.instantiate;
  WebAssembly.instantiate = (async (...args: Parameters<typeof WebAssembly.instantiate>) => {
    const result = await (originalInstantiate as (...a: unknown[]) => Promise<unknown>)(...args);
    const instance = result instanceof WebAssembly.Instance ? result : (result as { instance: WebAssembly.Instance }).instance;
    // Only Lua's module: other code (undici's HTTP parser, loaded by fetch) may instantiate its own
    // WebAssembly module while this one loads.
    if (instance && rawExports === undefined && 'lua_checkstack' in instance.exports) {
      rawExports = instance.exports as Record<string, unknown>;
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

function bindExports(module: Record<string, unknown>, raw: Record<string, unknown> | undefined): LuaExports {
  const bound: Record<string, unknown> = {};
  for (const key of Object.keys(module)) {
    if (!key.startsWith('_') || typeof module[key] !== 'function') continue;
    const direct = raw?.[key.slice(1)];
    bound[key] = typeof direct === 'function' ? direct : module[key];
  }
  bound.addFunction = (module.addFunction as (...a: unknown[]) => unknown).bind(module);
  bound.removeFunction = (module.removeFunction as (...a: unknown[]) => unknown).bind(module);
  bound.stringToNewUTF8 = (module.stringToNewUTF8 as (...a: unknown[]) => unknown).bind(module);
  // The heap views are replaced when memory grows: always read them from the module.
  Object.defineProperty(bound, 'HEAPU8', { get: () => module.HEAPU8 });
  Object.defineProperty(bound, 'HEAPU32', { get: () => module.HEAPU32 });
  return bound as unknown as LuaExports;
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
