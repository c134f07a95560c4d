// Lua source run once per VM before any script. It builds the environment Redis gives scripts on
// top of Lua 5.4: Lua 5.1 compatibility shims, the redis.* table and the read-only sandbox. Host
// functions (implemented in JS) arrive as the chunk's arguments.
//
// cjson, cmsgpack, bit and struct, and the FUNCTION library support, are separate chunks
// (LIBRARIES) that the prelude compiles on first use: a VM that never uses them does not hold them.
//
// Everything here is written against Lua 5.4's own facilities (string.pack, 64-bit integers), so
// the libraries are small; they follow the observable behaviour of the C libraries Redis bundles.

/** The prelude's locals a library chunk sees: it receives them as its arguments, in this order. */
const SHARED = [
  'host_null', 'host_mp_unpack', 'type', 'pairs', 'ipairs', 'select', 'tostring', 'tonumber',
  'setmetatable', 'rawget', 'rawequal', 'sfmt', 'schar', 'sbyte', 'ssub', 'sfind', 'spack', 'sunpack',
  'sgsub', 'tconcat', 'tunpack', 'floor', 'huge', 'mtype', 'tointeger', 'fmod', 'lib_error',
  'raw_error', 'redis', 'readonly_tables', 'readonly_error', 'G', 'global_meta', 'library_global',
].join(', ');

export const PRELUDE = String.raw`
local host_call, host_pcall, host_log, host_setresp, host_sha1, host_null, host_setrepl, host_killed, host_mp_unpack,
      host_breakpoint, host_debug, host_acl_check, host_library = ...

local type, pairs, ipairs, next, select, error, tostring, tonumber, setmetatable, getmetatable =
      type, pairs, ipairs, next, select, error, tostring, tonumber, setmetatable, getmetatable
local rawget, rawset, rawequal, pcall = rawget, rawset, rawequal, pcall
local sfmt, schar, sbyte, ssub, sfind, srep, spack, sunpack, sgsub =
      string.format, string.char, string.byte, string.sub, string.find, string.rep, string.pack, string.unpack, string.gsub
local tconcat, tinsert, tunpack = table.concat, table.insert, table.unpack
local floor, huge, mtype, tointeger, fmod = math.floor, math.huge, math.type, math.tointeger, math.fmod
local getinfo = debug.getinfo
local raw_load, raw_collectgarbage = load, collectgarbage

-- Errors raised inside the bundled libraries carry the position of the script line that called
-- them, as errors from Redis's C libraries do (a tail call hides that line: fall back to 1).
local function script_line()
  for level = 3, 200 do
    local info = getinfo(level, 'Sl')
    if info == nil then break end
    if (info.short_src == 'user_script' or info.short_src == 'user_function') and info.currentline > 0 then
      return info.short_src, info.currentline
    end
  end
  return 'user_script', 1
end
local function lib_error(msg)
  -- As luaL_error in a C library: a library function called directly by pcall (a C function, not
  -- the script) reports no position.
  for level = 2, 200 do
    local info = getinfo(level, 'St')
    if info == nil then break end
    if info.what == 'C' then error(msg, 0) end
    -- The script's own frame (or a tail call that replaced it) ends the walk.
    if info.short_src ~= 'tidings' or info.istailcall then break end
  end
  local src, line = script_line()
  error(src .. ':' .. line .. ': ' .. msg, 0)
end

-- Lua 5.1 prints every number with "%.14g"; 5.4 would print 3.0 as "3.0".
local raw_tostring = tostring
_G.tostring = function(v)
  if mtype(v) == 'float' then return sfmt('%.14g', v) end
  return raw_tostring(v)
end
local tostring = _G.tostring

-- error(42) carries a position in Lua 5.1 because numbers count as strings there.
local raw_error = error
_G.error = function(msg, level)
  if type(msg) == 'number' then msg = tostring(msg) end
  level = level or 1
  if level > 0 then level = level + 1 end
  return raw_error(msg, level)
end

-- A script stopped for running too long must not catch that error and go on: pcall, xpcall and
-- coroutine.resume re-raise any error once the script has been told to stop.
local raw_pcall, raw_xpcall, raw_resume = pcall, xpcall, coroutine.resume
local function reraise_if_killed(ok, ...)
  if not ok and host_killed() then raw_error((...), 0) end
  return ok, ...
end
_G.pcall = function(f, ...) return reraise_if_killed(raw_pcall(f, ...)) end
_G.xpcall = function(f, handler, ...) return reraise_if_killed(raw_xpcall(f, handler, ...)) end
coroutine.resume = function(co, ...) return reraise_if_killed(raw_resume(co, ...)) end

-- Scripts run inside a coroutine of the engine's own (so that a long script can be suspended
-- between slices and the server can answer other clients -BUSY). To the script that coroutine is
-- the main thread, as in Redis: nothing can yield out of it, and coroutine.running() is nil there.
local script_thread = nil
local raw_yield, raw_running = coroutine.yield, coroutine.running
coroutine.yield = function(...)
  local co, main = raw_running()
  if main or co == script_thread then raw_error('attempt to yield across metamethod/C-call boundary', 0) end
  return raw_yield(...)
end
coroutine.running = function()
  local co, main = raw_running()
  if main or co == script_thread then return nil end
  return co
end

-- Lua 5.1 compatibility.
unpack = tunpack
table.getn = function(t) return #t end
table.setn = function() raw_error('setn is obsolete', 2) end
table.maxn = function(t)
  local max = 0
  for k in pairs(t) do
    if type(k) == 'number' and k > max then max = k end
  end
  return max
end
table.foreach = function(t, f)
  for k, v in pairs(t) do local r = f(k, v); if r ~= nil then return r end end
end
table.foreachi = function(t, f)
  for i = 1, #t do local r = f(i, t[i]); if r ~= nil then return r end end
end
math.pow = function(a, b) return a ^ b end
math.mod = math.fmod
math.log10 = function(x) return math.log(x, 10) end
math.ldexp = function(m, e) return m * 2.0 ^ e end
math.frexp = function(x)
  if x == 0 or x ~= x or x == huge or x == -huge then return x, 0 end
  local e = floor(math.log(math.abs(x), 2)) + 1
  local m = x / 2.0 ^ e
  if math.abs(m) >= 1 then m = m / 2; e = e + 1 elseif math.abs(m) < 0.5 then m = m * 2; e = e - 1 end
  return m, e
end
math.cosh = function(x) return (math.exp(x) + math.exp(-x)) / 2 end
math.sinh = function(x) return (math.exp(x) - math.exp(-x)) / 2 end
math.tanh = function(x) local a, b = math.exp(x), math.exp(-x); return (a - b) / (a + b) end
string.gfind = string.gmatch
-- string.format as in Lua 5.1: integer conversions truncate floats, %u exists, and numbers given
-- to %s and %q are written the 5.1 way ("%.14g").
local raw_format = string.format
local integer_conversions = { d = true, i = true, o = true, u = true, x = true, X = true, c = true }
string.format = function(fmt, ...)
  local n = select('#', ...)
  if n == 0 or type(fmt) ~= 'string' then return raw_format(fmt, ...) end
  local args = { ... }
  local pieces, index, pos = {}, 0, 1
  while true do
    local s = sfind(fmt, '%', pos, true)
    if s == nil then break end
    if ssub(fmt, s + 1, s + 1) == '%' then
      pieces[#pieces + 1] = ssub(fmt, pos, s + 1)
      pos = s + 2
    else
      local _, e, conv = sfind(fmt, '^[-+ #0]*%d*%.?%d*(%a)', s + 1)
      if e == nil then break end
      index = index + 1
      local v = args[index]
      local spec = ssub(fmt, s, e)
      if integer_conversions[conv] then
        if mtype(v) == 'float' and v == v and v ~= huge and v ~= -huge then
          args[index] = tointeger(v >= 0 and floor(v) or -floor(-v)) or v
        end
        if conv == 'u' then spec = ssub(spec, 1, -2) .. 'd' end
      elseif (conv == 's' or conv == 'q') and type(v) == 'number' then
        args[index] = tostring(v)
      end
      pieces[#pieces + 1] = ssub(fmt, pos, s - 1) .. spec
      pos = e + 1
    end
  end
  pieces[#pieces + 1] = ssub(fmt, pos)
  return raw_format(tconcat(pieces), tunpack(args, 1, n))
end

-- table.concat writes numbers the 5.1 way too (5.4 would write 2.0 as "2.0").
local raw_tconcat = tconcat
table.concat = function(t, sep, i, j)
  if type(t) == 'table' then
    i = i or 1
    j = j or #t
    for k = i, j do
      if mtype(t[k]) == 'float' then
        local copy = {}
        for m = i, j do
          local v = t[m]
          copy[m - i + 1] = mtype(v) == 'float' and tostring(v) or v
        end
        return raw_tconcat(copy, sep or '')
      end
    end
  end
  return raw_tconcat(t, sep, i, j)
end

-- Lua 5.1's string.rep has no separator argument.
string.rep = function(s, n) return srep(s, n) end

-- math.random: the rand48 generator Redis uses, from its initial state when the VM starts.
local rand_state = 0x1234ABCD330E
local function lrand48()
  rand_state = (rand_state * 0x5DEECE66D + 0xB) & 0xFFFFFFFFFFFF
  return rand_state >> 17
end
math.random = function(m, n)
  local r = (lrand48() % 2147483647) / 2147483647
  if m == nil then return r end
  if n == nil then
    if m < 1 then lib_error("bad argument #1 to 'random' (interval is empty)") end
    return floor(r * m) + 1
  end
  if m > n then lib_error("bad argument #2 to 'random' (interval is empty)") end
  return floor(r * (n - m + 1)) + m
end
math.randomseed = function(seed)
  rand_state = ((floor(tonumber(seed) or 0) & 0xFFFFFFFF) << 16) | 0x330E
end

-- redis.* -------------------------------------------------------------------------------------

local redis = {}
redis.call = host_call
redis.pcall = host_pcall
redis.sha1hex = host_sha1
redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING = 0, 1, 2, 3
redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL = 0, 1, 2, 2, 3
redis.REDIS_VERSION = '7.0.15'
redis.REDIS_VERSION_NUM = 0x07000f

redis.error_reply = function(msg)
  if type(msg) ~= 'string' and type(msg) ~= 'number' then
    raw_error('wrong number or type of arguments', 2)
  end
  msg = tostring(msg)
  if ssub(msg, 1, 1) == '-' then msg = ssub(msg, 2) end
  if not sfind(msg, ' ', 1, true) then msg = 'ERR ' .. msg end
  return { err = msg }
end
redis.status_reply = function(msg)
  if type(msg) ~= 'string' and type(msg) ~= 'number' then
    raw_error('wrong number or type of arguments', 2)
  end
  return { ok = tostring(msg) }
end
redis.log = function(level, ...)
  local n = select('#', ...)
  if n < 1 then raw_error('redis.log() requires two arguments or more.', 2) end
  if type(level) ~= 'number' then raw_error('First argument must be a number (log level).', 2) end
  if level < 0 or level > 3 then raw_error('Invalid debug level.', 2) end
  local parts = {}
  for i = 1, n do
    local v = select(i, ...)
    if type(v) == 'number' then v = tostring(v) end
    if type(v) == 'string' then parts[#parts + 1] = v end
  end
  host_log(level, tconcat(parts, ' '))
end
redis.setresp = function(v)
  if v ~= 2 and v ~= 3 then raw_error('RESP version must be 2 or 3.', 0) end
  host_setresp(v)
end
redis.set_repl = function(flags)
  if type(flags) ~= 'number' or flags < 0 or flags > 3 then
    raw_error('Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.', 2)
  end
  host_setrepl(flags)
end
redis.replicate_commands = function() return true end
redis.acl_check_cmd = function(...) return host_acl_check(...) end
-- The Lua debugger's (SCRIPT DEBUG): no-ops outside a debugging session.
redis.breakpoint = function() return host_breakpoint() end
redis.debug = function(...) host_debug(...) end

-- sandbox --------------------------------------------------------------------------------------

local readonly_tables = setmetatable({}, { __mode = 'k' })
local function readonly_error() raw_error('Attempt to modify a readonly table', 2) end
local function protect(t, meta, before_pairs)
  local proxy = setmetatable({}, {
    __index = t,
    __newindex = readonly_error,
    __pairs = function()
      if before_pairs then before_pairs() end
      return next, t, nil
    end,
    __len = function() return #t end,
    __metatable = meta or false,
  })
  readonly_tables[proxy] = true
  return proxy
end

_G.rawset = function(t, k, v)
  if readonly_tables[t] then raw_error('Attempt to modify a readonly table', 0) end
  return rawset(t, k, v)
end
_G.setmetatable = function(t, mt)
  if readonly_tables[t] then raw_error('Attempt to modify a readonly table', 0) end
  return setmetatable(t, mt)
end
-- Redis's readonly tables have no metatable to show (but _G's, itself readonly, below).
_G.getmetatable = function(t)
  local mt = getmetatable(t)
  if mt == false and readonly_tables[t] then return nil end
  return mt
end

local G = _G
G.redis = protect(redis)
G.string = protect(string)
G.table = protect(table)
G.math = protect(math)

-- What Redis leaves out of the script environment (and what Lua 5.1 does not have).
for _, name in ipairs({ 'io', 'os', 'require', 'dofile', 'loadfile', 'load', 'loadstring', 'package',
  'debug', 'print', 'utf8', 'warn', 'module', 'setfenv', 'getfenv', 'rawlen' }) do
  G[name] = nil
end
G.gcinfo = function() return floor(raw_collectgarbage('count')) end

-- Redis's _G shows a metatable (with __index) that is itself read-only.
local global_meta = protect({ __index = function() end })

-- cjson, cmsgpack, bit and struct are compiled from their source (the host keeps it, see LIBRARIES
-- below) when a script first reads their global, and forgotten on SCRIPT FLUSH, where Redis starts
-- a new VM: a fresh heap holds only what scripts use, near the size of Redis's. Scripts cannot tell:
-- the global reads as always, and pairs(_G) builds them all first.
local lazy_libraries = { bit = true, struct = true, cjson = true, cmsgpack = true }
local library_global
local function load_library(name)
  local chunk, err = raw_load(host_library(name), '=tidings', 't', G)
  if chunk == nil then raw_error(err, 0) end
  return chunk(${SHARED})
end
-- A global as a script reads it (nil when there is none), building a library on first use.
library_global = function(k)
  local v = rawget(G, k)
  if v == nil and lazy_libraries[k] then
    v = protect(load_library(k))
    rawset(G, k, v)
  end
  return v
end
local function load_all_libraries()
  for name in pairs(lazy_libraries) do library_global(name) end
end
-- The FUNCTION library support is compiled on the first FUNCTION LOAD (after a flush, again: the
-- libraries loaded before keep what they use).
local new_library_impl
local function new_library()
  new_library_impl = new_library_impl or load_library('functions')
  return new_library_impl()
end
local function forget_libraries()
  for name in pairs(lazy_libraries) do rawset(G, name, nil) end
  new_library_impl = nil
end

local env = protect(G, global_meta, load_all_libraries)

-- Lua 5.1's loaders as Redis keeps them: loadstring compiles text only (never bytecode) into the
-- script environment; load takes a reader function only.
G.loadstring = function(s, chunkname)
  if type(s) ~= 'string' and type(s) ~= 'number' then
    lib_error("bad argument #1 to 'loadstring' (string expected, got " .. type(s) .. ')')
  end
  s = tostring(s)
  return raw_load(s, chunkname or s, 't', env)
end
G.load = function(f, chunkname)
  if type(f) ~= 'function' then
    lib_error("bad argument #1 to 'load' (function expected, got " .. (f == nil and 'no value' or type(f)) .. ')')
  end
  return raw_load(f, chunkname or '=(load)', 't', env)
end
G._G = env
setmetatable(G, {
  __index = function(_, k)
    -- Redis removed loadstring but reading the name still gives nil.
    if k == 'loadstring' then return nil end
    local lib = lazy_libraries[k] and library_global(k)
    if lib then return lib end
    raw_error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2)
  end,
})

-- The message handler run for an uncaught error: the error value and the script line it came from.
local function message_handler(err)
  local line = 1
  for level = 2, 200 do
    local info = getinfo(level, 'Sl')
    if info == nil then break end
    if (info.short_src == 'user_script' or info.short_src == 'user_function') and info.currentline > 0 then
      line = info.currentline
      break
    end
  end
  return { err, line }
end

-- The body of the engine's script coroutine: the script (KEYS and ARGV as globals) or function
-- (KEYS and ARGV as arguments), its first result being the reply. An error ends the coroutine,
-- whose stack stays for the engine to find the script line (as message_handler does): no xpcall
-- per run. A tail call, so that nothing is left above the script: an error raised at level 2 from
-- a function the script tail-calls (return redis.log(99, 'x')) carries no position, as in Redis.
local function run_script(f, keys, argv, is_script)
  if is_script then
    rawset(G, 'KEYS', keys)
    rawset(G, 'ARGV', argv)
    return f()
  end
  return f(keys, argv)
end

-- The engine's new script coroutine: to scripts it is the main thread.
local function adopt_thread(co)
  script_thread = co
end

return env, message_handler, G, new_library, run_script, forget_libraries, adopt_thread
`;

/** The library chunks, by name: each gets SHARED as its arguments and returns the library. */
export const LIBRARIES: Readonly<Record<string, string>> = {
  bit: String.raw`local ${SHARED} = ...

-- bit (LuaBitOp): 32-bit operations, results are signed 32-bit numbers ------------------------

local function tobit(x)
  if mtype(x) ~= 'integer' then
    x = tonumber(x)
    if x == nil then raw_error('bad argument (number expected)', 3) end
    x = fmod(x, 4294967296.0)
    x = tointeger(floor(x + 0.5)) or 0
  end
  x = x & 0xFFFFFFFF
  if x >= 0x80000000 then x = x - 0x100000000 end
  return x
end
local bit = {}
bit.tobit = function(x) return tobit(x) end
bit.bnot = function(x) return tobit(~tobit(x)) end
bit.band = function(x, ...) local r = tobit(x); for i = 1, select('#', ...) do r = r & tobit(select(i, ...)) end; return tobit(r) end
bit.bor = function(x, ...) local r = tobit(x); for i = 1, select('#', ...) do r = r | tobit(select(i, ...)) end; return tobit(r) end
bit.bxor = function(x, ...) local r = tobit(x); for i = 1, select('#', ...) do r = r ~ tobit(select(i, ...)) end; return tobit(r) end
bit.lshift = function(x, n) return tobit((tobit(x) & 0xFFFFFFFF) << (tobit(n) & 31)) end
bit.rshift = function(x, n) return tobit((tobit(x) & 0xFFFFFFFF) >> (tobit(n) & 31)) end
bit.arshift = function(x, n) return tobit(tobit(x) >> (tobit(n) & 31) | ((tobit(x) < 0 and (tobit(n) & 31) > 0) and ~(0xFFFFFFFF >> (tobit(n) & 31)) or 0)) end
bit.rol = function(x, n) local u = tobit(x) & 0xFFFFFFFF; n = tobit(n) & 31; return tobit((u << n) | (u >> (32 - n))) end
bit.ror = function(x, n) local u = tobit(x) & 0xFFFFFFFF; n = tobit(n) & 31; return tobit((u >> n) | (u << (32 - n))) end
bit.bswap = function(x)
  local u = tobit(x) & 0xFFFFFFFF
  return tobit(((u & 0xFF) << 24) | ((u & 0xFF00) << 8) | ((u >> 8) & 0xFF00) | (u >> 24))
end
bit.tohex = function(x, n)
  n = n == nil and 8 or tobit(n)
  local upper = false
  if n < 0 then upper = true; n = -n end
  if n > 8 then n = 8 end
  local u = tobit(x) & 0xFFFFFFFF
  local s = sfmt(upper and '%08X' or '%08x', u)
  return ssub(s, 9 - n)
end
return bit
`,
  struct: String.raw`local ${SHARED} = ...

-- struct: translated onto string.pack, with Redis's 64-bit sizes for long and size_t ------------

local function struct_format(fmt)
  fmt = sgsub(fmt, 'l', 'i8')
  fmt = sgsub(fmt, 'L', 'I8')
  fmt = sgsub(fmt, 'T', 'I8')
  fmt = sgsub(fmt, 's', 'z')
  return fmt
end
local struct = {}
struct.pack = function(fmt, ...)
  local args = { ... }
  for i = 1, select('#', ...) do
    local v = args[i]
    if mtype(v) == 'float' and v == floor(v) then args[i] = tointeger(v) or v end
  end
  return spack(struct_format(fmt), tunpack(args, 1, select('#', ...)))
end
struct.unpack = function(fmt, s, pos) return sunpack(struct_format(fmt), s, pos) end
struct.size = function(fmt) return string.packsize(struct_format(fmt)) end
return struct
`,
  cjson: String.raw`local ${SHARED} = ...

-- cjson ----------------------------------------------------------------------------------------

local cjson = {}
cjson.null = host_null
local json_escapes = {
  ['"'] = '\\"', ['\\'] = '\\\\', ['/'] = '\\/',
  ['\b'] = '\\b', ['\f'] = '\\f', ['\n'] = '\\n', ['\r'] = '\\r', ['\t'] = '\\t',
}
for i = 0, 31 do
  local c = schar(i)
  if not json_escapes[c] then json_escapes[c] = sfmt('\\u%04x', i) end
end
json_escapes['\127'] = '\\u007f'
local function json_string(s)
  return '"' .. sgsub(s, '[%c\127"\\/]', json_escapes) .. '"'
end
-- cjson's settings: like Redis's, they last for the VM's life (a script's change is seen by the next).
local json_encode_max_depth, json_decode_max_depth, json_invalid_numbers = 1000, 1000, false
local function json_number(n)
  if n ~= n or n == huge or n == -huge then
    if json_invalid_numbers == 'null' then return 'null' end
    if not json_invalid_numbers then lib_error('Cannot serialise number: must not be NaN or Inf') end
    if n ~= n then return 'nan' end
    return n > 0 and 'inf' or '-inf'
  end
  if mtype(n) == 'integer' then return sfmt('%d', n) end
  return sfmt('%.14g', n)
end
local json_encode_value
local function json_encode_table(t, depth, out)
  if depth > json_encode_max_depth then lib_error('Cannot serialise, excessive nesting (' .. depth .. ')') end
  local max, count, is_array = 0, 0, true
  for k in pairs(t) do
    if type(k) == 'number' and k > 0 and k == floor(k) then
      if k > max then max = k end
      count = count + 1
    else
      is_array = false
      break
    end
  end
  if is_array and count > 0 then
    if max > count * 2 and max > 10 then
      lib_error('Cannot serialise table: excessively sparse array')
    end
    out[#out + 1] = '['
    for i = 1, max do
      if i > 1 then out[#out + 1] = ',' end
      json_encode_value(t[i], depth + 1, out)
    end
    out[#out + 1] = ']'
    return
  end
  out[#out + 1] = '{'
  local first = true
  for k, v in pairs(t) do
    local key
    if type(k) == 'string' then key = k
    elseif type(k) == 'number' then key = json_number(k)
    else lib_error('Cannot serialise ' .. type(k) .. ': table key must be a number or string') end
    if not first then out[#out + 1] = ',' end
    first = false
    out[#out + 1] = json_string(key)
    out[#out + 1] = ':'
    json_encode_value(v, depth + 1, out)
  end
  out[#out + 1] = '}'
end
json_encode_value = function(v, depth, out)
  local tv = type(v)
  if tv == 'string' then out[#out + 1] = json_string(v)
  elseif tv == 'number' then out[#out + 1] = json_number(v)
  elseif tv == 'boolean' then out[#out + 1] = v and 'true' or 'false'
  elseif tv == 'nil' then out[#out + 1] = 'null'
  elseif rawequal(v, host_null) then out[#out + 1] = 'null'
  elseif tv == 'table' then json_encode_table(v, depth, out)
  else lib_error('Cannot serialise ' .. tv .. ': type not supported') end
end
cjson.encode = function(v)
  local out = {}
  json_encode_value(v, 1, out)
  return tconcat(out)
end

local function utf8_char(cp)
  if cp < 0x80 then return schar(cp) end
  if cp < 0x800 then return schar(0xC0 | (cp >> 6), 0x80 | (cp & 0x3F)) end
  if cp < 0x10000 then return schar(0xE0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3F), 0x80 | (cp & 0x3F)) end
  return schar(0xF0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3F), 0x80 | ((cp >> 6) & 0x3F), 0x80 | (cp & 0x3F))
end
local json_unescape = { ['"'] = '"', ['\\'] = '\\', ['/'] = '/', b = '\b', f = '\f', n = '\n', r = '\r', t = '\t' }

local json_tokens = { ['{'] = 'T_OBJ_BEGIN', ['}'] = 'T_OBJ_END', ['['] = 'T_ARR_BEGIN', [']'] = 'T_ARR_END',
  [','] = 'T_COMMA', [':'] = 'T_COLON', ['"'] = 'T_STRING' }
local function json_fail(what, s, pos)
  local found
  local c = ssub(s, pos, pos)
  if pos > #s then found = 'T_END'
  elseif json_tokens[c] then found = json_tokens[c]
  elseif sfind(c, '^[-%d]') then found = 'T_NUMBER'
  elseif ssub(s, pos, pos + 3) == 'true' or ssub(s, pos, pos + 4) == 'false' then found = 'T_BOOLEAN'
  elseif ssub(s, pos, pos + 3) == 'null' then found = 'T_NULL'
  else found = 'invalid token' end
  lib_error('Expected ' .. what .. ' but found ' .. found .. ' at character ' .. pos)
end
local json_decode_value
local function skip_ws(s, pos)
  local _, e = sfind(s, '^[ \t\r\n]*', pos)
  return e + 1
end
local function json_decode_string(s, pos)
  -- pos is at the opening quote
  local parts, i = {}, pos + 1
  while true do
    local a, b = sfind(s, '^[^"\\%c]+', i)
    if a then parts[#parts + 1] = ssub(s, a, b); i = b + 1 end
    local c = ssub(s, i, i)
    if c == '"' then return tconcat(parts), i + 1 end
    if c == '\\' then
      local e = ssub(s, i + 1, i + 1)
      if e == 'u' then
        local hex = ssub(s, i + 2, i + 5)
        if not sfind(hex, '^%x%x%x%x$') then lib_error('Expected value but found invalid unicode escape code at character ' .. i) end
        local cp = tonumber(hex, 16)
        i = i + 6
        if cp >= 0xD800 and cp <= 0xDBFF and ssub(s, i, i + 1) == '\\u' then
          local lo = tonumber(ssub(s, i + 2, i + 5), 16)
          if lo and lo >= 0xDC00 and lo <= 0xDFFF then
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
            i = i + 6
          end
        end
        parts[#parts + 1] = utf8_char(cp)
      elseif json_unescape[e] then
        parts[#parts + 1] = json_unescape[e]
        i = i + 2
      else
        lib_error('Expected value but found invalid escape code at character ' .. i)
      end
    elseif c == '' then
      lib_error('Expected value but found unexpected end of string at character ' .. i)
    else
      -- a raw control character
      lib_error('Expected value but found invalid token at character ' .. pos)
    end
  end
end
json_decode_value = function(s, pos, depth)
  pos = skip_ws(s, pos)
  local c = ssub(s, pos, pos)
  if (c == '{' or c == '[') and depth > json_decode_max_depth then
    lib_error('Found too many nested data structures (' .. depth .. ') at character ' .. pos)
  end
  if c == '"' then return json_decode_string(s, pos) end
  if c == '{' then
    local obj = {}
    pos = skip_ws(s, pos + 1)
    if ssub(s, pos, pos) == '}' then return obj, pos + 1 end
    while true do
      pos = skip_ws(s, pos)
      if ssub(s, pos, pos) ~= '"' then json_fail('object key string', s, pos) end
      local key
      key, pos = json_decode_string(s, pos)
      pos = skip_ws(s, pos)
      if ssub(s, pos, pos) ~= ':' then json_fail('colon', s, pos) end
      local v
      v, pos = json_decode_value(s, pos + 1, depth + 1)
      obj[key] = v
      pos = skip_ws(s, pos)
      local d = ssub(s, pos, pos)
      if d == '}' then return obj, pos + 1 end
      if d ~= ',' then json_fail('comma or object end', s, pos) end
      pos = pos + 1
    end
  end
  if c == '[' then
    local arr, n = {}, 0
    pos = skip_ws(s, pos + 1)
    if ssub(s, pos, pos) == ']' then return arr, pos + 1 end
    while true do
      local v
      v, pos = json_decode_value(s, pos, depth + 1)
      n = n + 1
      arr[n] = v
      pos = skip_ws(s, pos)
      local d = ssub(s, pos, pos)
      if d == ']' then return arr, pos + 1 end
      if d ~= ',' then json_fail('comma or array end', s, pos) end
      pos = pos + 1
    end
  end
  if ssub(s, pos, pos + 3) == 'true' then return true, pos + 4 end
  if ssub(s, pos, pos + 4) == 'false' then return false, pos + 5 end
  if ssub(s, pos, pos + 3) == 'null' then return host_null, pos + 4 end
  local a, b = sfind(s, '^-?%d+%.?%d*[eE]?[-+]?%d*', pos)
  if a then
    local text = ssub(s, a, b)
    local num
    if sfind(text, '^-?%d+$') then num = tointeger(tonumber(text)) or tonumber(text) else num = tonumber(text) end
    if num == nil then json_fail('value', s, pos) end
    if mtype(num) == 'integer' and #text > 15 then num = num + 0.0 end
    return num, b + 1
  end
  json_fail('value', s, pos)
end
cjson.decode = function(s)
  if type(s) ~= 'string' then
    if type(s) == 'number' then s = tostring(s) else raw_error("bad argument #1 to 'decode' (string expected, got " .. type(s) .. ')', 2) end
  end
  local v, pos = json_decode_value(s, 1, 1)
  pos = skip_ws(s, pos)
  if pos <= #s then lib_error('Expected the end but found invalid token at character ' .. pos) end
  return v
end
cjson.encode_keep_buffer = function() end
local function json_depth_setting(n)
  if n == nil then return nil end
  n = tonumber(n)
  if n == nil or n < 1 or n > 2147483647 or n ~= floor(n) then
    raw_error("bad argument #1 to '?' (expected integer between 1 and 2147483647)", 2)
  end
  return tointeger(n)
end
cjson.encode_max_depth = function(n)
  json_encode_max_depth = json_depth_setting(n) or json_encode_max_depth
  return json_encode_max_depth
end
cjson.decode_max_depth = function(n)
  json_decode_max_depth = json_depth_setting(n) or json_decode_max_depth
  return json_decode_max_depth
end
cjson.encode_number_precision = function() return 14 end
cjson.encode_invalid_numbers = function(v)
  if v == true or v == 'on' then json_invalid_numbers = true
  elseif v == false or v == 'off' then json_invalid_numbers = false
  elseif v == 'null' then json_invalid_numbers = 'null'
  elseif v ~= nil then raw_error("bad argument #1 to '?' (invalid option '" .. tostring(v) .. "')", 2) end
  return json_invalid_numbers
end
cjson.decode_invalid_numbers = function() return true end
cjson.encode_sparse_array = function() return false, 2, 10 end
return cjson
`,
  cmsgpack: String.raw`local ${SHARED} = ...

-- cmsgpack -------------------------------------------------------------------------------------

local cmsgpack = {}
local mp_encode
local function mp_is_array(t)
  local count, max = 0, 0
  for k in pairs(t) do
    if mtype(k) == 'integer' and k > 0 then
      count = count + 1
      if k > max then max = k end
    elseif type(k) == 'number' and k > 0 and k == floor(k) then
      count = count + 1
      if k > max then max = floor(k) end
    else
      return false
    end
  end
  return max == count, max
end
mp_encode = function(v, out, depth)
  local tv = type(v)
  if tv == 'nil' then out[#out + 1] = '\xC0'
  elseif tv == 'boolean' then out[#out + 1] = v and '\xC3' or '\xC2'
  elseif tv == 'string' then
    local n = #v
    if n < 32 then out[#out + 1] = schar(0xA0 | n)
    elseif n < 0x100 then out[#out + 1] = spack('>BB', 0xD9, n)
    elseif n < 0x10000 then out[#out + 1] = spack('>BI2', 0xDA, n)
    else out[#out + 1] = spack('>BI4', 0xDB, n) end
    out[#out + 1] = v
  elseif tv == 'number' then
    local i = tointeger(v)
    if i and (mtype(v) == 'integer' or (v >= -9.2233720368547758e18 and v < 9.2233720368547758e18)) then
      if i >= 0 then
        if i < 128 then out[#out + 1] = schar(i)
        elseif i < 0x100 then out[#out + 1] = spack('>BB', 0xCC, i)
        elseif i < 0x10000 then out[#out + 1] = spack('>BI2', 0xCD, i)
        elseif i < 0x100000000 then out[#out + 1] = spack('>BI4', 0xCE, i)
        else out[#out + 1] = spack('>Bi8', 0xCF, i) end
      else
        if i >= -32 then out[#out + 1] = schar(i & 0xFF)
        elseif i >= -128 then out[#out + 1] = spack('>Bi1', 0xD0, i)
        elseif i >= -32768 then out[#out + 1] = spack('>Bi2', 0xD1, i)
        elseif i >= -2147483648 then out[#out + 1] = spack('>Bi4', 0xD2, i)
        else out[#out + 1] = spack('>Bi8', 0xD3, i) end
      end
    else
      local f = spack('>f', v)
      if sunpack('>f', f) == v then out[#out + 1] = '\xCA' .. f
      else out[#out + 1] = spack('>Bd', 0xCB, v) end
    end
  elseif tv == 'table' and depth < 16 then
    local is_array, n = mp_is_array(v)
    if is_array then
      if n < 16 then out[#out + 1] = schar(0x90 | n)
      elseif n < 0x10000 then out[#out + 1] = spack('>BI2', 0xDC, n)
      else out[#out + 1] = spack('>BI4', 0xDD, n) end
      for i = 1, n do mp_encode(v[i], out, depth + 1) end
    else
      local n = 0
      for _ in pairs(v) do n = n + 1 end
      if n < 16 then out[#out + 1] = schar(0x80 | n)
      elseif n < 0x10000 then out[#out + 1] = spack('>BI2', 0xDE, n)
      else out[#out + 1] = spack('>BI4', 0xDF, n) end
      for k, val in pairs(v) do
        mp_encode(k, out, depth + 1)
        mp_encode(val, out, depth + 1)
      end
    end
  else
    out[#out + 1] = '\xC0'
  end
end
cmsgpack.pack = function(...)
  local n = select('#', ...)
  if n == 0 then lib_error("bad argument #0 to 'pack' (MessagePack pack needs input.)") end
  local out = {}
  for i = 1, n do mp_encode((select(i, ...)), out, 0) end
  return tconcat(out)
end

local function mp_need(s, pos, n)
  if pos + n - 1 > #s then lib_error('Missing bytes in input.') end
end
local mp_decode
local function mp_decode_array(s, pos, n)
  local t = {}
  for i = 1, n do t[i], pos = mp_decode(s, pos) end
  return t, pos
end
local function mp_decode_map(s, pos, n)
  local t = {}
  for _ = 1, n do
    local k, v
    k, pos = mp_decode(s, pos)
    v, pos = mp_decode(s, pos)
    if k ~= nil then t[k] = v end
  end
  return t, pos
end
local function mp_str(s, pos, n)
  mp_need(s, pos, n)
  return ssub(s, pos, pos + n - 1), pos + n
end
mp_decode = function(s, pos)
  mp_need(s, pos, 1)
  local b = sbyte(s, pos)
  pos = pos + 1
  if b < 0x80 then return b, pos end
  if b >= 0xE0 then return b - 0x100, pos end
  if b < 0x90 then return mp_decode_map(s, pos, b & 0x0F) end
  if b < 0xA0 then return mp_decode_array(s, pos, b & 0x0F) end
  if b < 0xC0 then return mp_str(s, pos, b & 0x1F) end
  if b == 0xC0 then return nil, pos end
  if b == 0xC2 then return false, pos end
  if b == 0xC3 then return true, pos end
  if b == 0xC4 or b == 0xD9 then mp_need(s, pos, 1); return mp_str(s, pos + 1, sbyte(s, pos)) end
  if b == 0xC5 or b == 0xDA then mp_need(s, pos, 2); return mp_str(s, pos + 2, sunpack('>I2', s, pos)) end
  if b == 0xC6 or b == 0xDB then mp_need(s, pos, 4); return mp_str(s, pos + 4, sunpack('>I4', s, pos)) end
  if b == 0xCA then mp_need(s, pos, 4); return sunpack('>f', s, pos) end
  if b == 0xCB then mp_need(s, pos, 8); return sunpack('>d', s, pos) end
  if b == 0xCC then mp_need(s, pos, 1); return sunpack('>B', s, pos) end
  if b == 0xCD then mp_need(s, pos, 2); return sunpack('>I2', s, pos) end
  if b == 0xCE then mp_need(s, pos, 4); return sunpack('>I4', s, pos) end
  if b == 0xCF then
    mp_need(s, pos, 8)
    local v, p = sunpack('>i8', s, pos)
    if v < 0 then v = v + 18446744073709551616.0 end
    return v, p
  end
  if b == 0xD0 then mp_need(s, pos, 1); return sunpack('>i1', s, pos) end
  if b == 0xD1 then mp_need(s, pos, 2); return sunpack('>i2', s, pos) end
  if b == 0xD2 then mp_need(s, pos, 4); return sunpack('>i4', s, pos) end
  if b == 0xD3 then mp_need(s, pos, 8); return sunpack('>i8', s, pos) end
  if b == 0xDC then mp_need(s, pos, 2); return mp_decode_array(s, pos + 2, (sunpack('>I2', s, pos))) end
  if b == 0xDD then mp_need(s, pos, 4); return mp_decode_array(s, pos + 4, (sunpack('>I4', s, pos))) end
  if b == 0xDE then mp_need(s, pos, 2); return mp_decode_map(s, pos + 2, (sunpack('>I2', s, pos))) end
  if b == 0xDF then mp_need(s, pos, 4); return mp_decode_map(s, pos + 4, (sunpack('>I4', s, pos))) end
  lib_error('Bad data format in input.')
end
local function mp_unpack(s, limit, offset)
  if type(s) ~= 'string' then raw_error("bad argument #1 to 'unpack' (string expected, got " .. type(s) .. ')', 3) end
  offset = offset or 0
  if mtype(limit) == 'integer' and mtype(offset) == 'integer' and offset >= 0 then
    -- The host decoder builds the same tables; it returns nil for input it leaves to the code
    -- below (malformed data raises from there, with the script's line).
    local results, n, pos = host_mp_unpack(s, limit, offset)
    if results ~= nil then return results, n, pos end
  end
  local results, n, pos = {}, 0, offset + 1
  while pos <= #s and (limit == 0 or n < limit) do
    local v
    v, pos = mp_decode(s, pos)
    n = n + 1
    results[n] = v
  end
  return results, n, pos
end
cmsgpack.unpack = function(s)
  local results, n = mp_unpack(s, 0, 0)
  return tunpack(results, 1, n)
end
cmsgpack.unpack_limit = function(s, limit, offset)
  local results, n, pos = mp_unpack(s, limit or 0, offset or 0)
  local next_offset = pos - 1
  if next_offset >= #s then next_offset = -1 end
  return next_offset, tunpack(results, 1, n)
end
cmsgpack.unpack_one = function(s, offset)
  return cmsgpack.unpack_limit(s, 1, offset)
end
return cmsgpack
`,
  functions: String.raw`local ${SHARED} = ...

-- FUNCTION libraries ----------------------------------------------------------------------------
-- Each library gets its own environment. While its code loads, redis offers register_function
-- (and log); once loaded, the functions it registered see the same API as scripts.

local function_flags = { ['no-writes'] = true, ['allow-oom'] = true, ['allow-stale'] = true,
  ['no-cluster'] = true, ['allow-cross-slot-keys'] = true }
local name_pattern = '^[%w_]+$'
local script_redis = G.redis

local function new_library()
  local loading = true
  local registered, by_name = {}, {}
  local function register(name, callback, flags, description)
    if type(name) == 'number' then name = tostring(name) end
    if type(description) == 'number' then description = tostring(description) end
    if not sfind(type(name) == 'string' and name or '', name_pattern) then
      raw_error('Library names can only contain letters, numbers, or underscores(_) and must be at least one character long', 0)
    end
    if type(callback) ~= 'function' then
      raw_error('callback argument given to redis.register_function must be a function', 0)
    end
    if by_name[name] then raw_error('Function already exists in the library', 0) end
    local flag_list = {}
    if flags ~= nil then
      if type(flags) ~= 'table' then raw_error('flags argument to redis.register_function must be a table representing function flags', 0) end
      for _, f in ipairs(flags) do
        if not function_flags[f] then raw_error('unknown flag given', 0) end
        flag_list[#flag_list + 1] = f
      end
    end
    if description ~= nil and type(description) ~= 'string' then
      raw_error('description argument given to redis.register_function must be a string', 0)
    end
    by_name[name] = true
    registered[#registered + 1] = { name, callback, tconcat(flag_list, ','), description }
  end
  local lib_redis = {
    LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3,
    REDIS_VERSION = redis.REDIS_VERSION, REDIS_VERSION_NUM = redis.REDIS_VERSION_NUM,
    log = redis.log,
    register_function = function(...)
      -- A registration API smuggled out of the load run cannot register anything later.
      if not loading then raw_error('redis.register_function can only be called on FUNCTION LOAD command', 0) end
      local n = select('#', ...)
      local a, b = ...
      local function is_string(v) return type(v) == 'string' or type(v) == 'number' end
      if n == 1 then
        if type(a) ~= 'table' then
          raw_error('calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).', 0)
        end
        for k, v in pairs(a) do
          if k == 'function_name' then
            if not is_string(v) then raw_error('function_name argument given to redis.register_function must be a string', 0) end
          elseif k == 'callback' then
            if type(v) ~= 'function' then raw_error('callback argument given to redis.register_function must be a function', 0) end
          elseif k ~= 'flags' and k ~= 'description' then
            raw_error('unknown argument given to redis.register_function', 0)
          end
        end
        if a.function_name == nil then raw_error('redis.register_function must get a function name argument', 0) end
        if a.callback == nil then raw_error('redis.register_function must get a callback argument', 0) end
        return register(a.function_name, a.callback, a.flags, a.description)
      end
      if n ~= 2 then raw_error('wrong number of arguments to redis.register_function', 0) end
      if not is_string(a) then raw_error('first argument to redis.register_function must be a string', 0) end
      if type(b) ~= 'function' then raw_error('second argument to redis.register_function must be a function', 0) end
      return register(a, b, nil, nil)
    end,
  }
  local lib_redis_proxy = setmetatable({}, {
    __index = function(_, k)
      local v = lib_redis[k]
      if v == nil then raw_error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2) end
      return v
    end,
    __newindex = readonly_error,
    __metatable = false,
  })
  readonly_tables[lib_redis_proxy] = true
  local env
  env = setmetatable({}, {
    __index = function(_, k)
      if k == 'redis' then return loading and lib_redis_proxy or script_redis end
      -- A function's _G is its (read-only) environment.
      if k == '_G' and not loading then return env end
      local v = nil
      -- While the library loads only redis (the registration API) is there, as in Redis.
      if k ~= 'KEYS' and k ~= 'ARGV' and not loading then v = library_global(k) end
      if v == nil then raw_error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2) end
      return v
    end,
    __newindex = readonly_error,
    __metatable = global_meta,
  })
  readonly_tables[env] = true
  local function finish()
    loading = false
    return registered
  end
  return env, finish
end
return new_library
`,
};
