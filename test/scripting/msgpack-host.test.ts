// cmsgpack.unpack decodes in JS (host_mp_unpack) and falls back to the prelude's Lua decoder for
// anything unusual. The two must build the same values: compare them on many generated inputs
// (the Lua decoder is reached with a float limit, which the host path leaves alone).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScriptEngine, type ScriptHost } from '../../src/scripting/engine.js';
import { ReplyError } from '../../src/protocol/reply.js';
import { loadLua } from '../../src/scripting/lua.js';

await loadLua();

const host: ScriptHost = {
  call: () => new ReplyError('ERR no commands here'),
  log: () => undefined,
};

const engine = new ScriptEngine();

// Serialise values with their Lua types, table entries in pairs() order, and #t of every table.
const DUMP = `
local function dump(v, out)
  local t = type(v)
  if t == 'table' then
    -- pairs() order, except when a key is a table: tables hash by address, so that order is
    -- arbitrary (sorted then).
    local entries, tableKey = {}, false
    for k, x in pairs(v) do
      local e = {}
      dump(k, e) e[#e + 1] = '=' dump(x, e) e[#e + 1] = ','
      entries[#entries + 1] = table.concat(e)
      if type(k) == 'table' then tableKey = true end
    end
    if tableKey then table.sort(entries) end
    out[#out + 1] = '{#' .. #v .. ':' .. table.concat(entries) .. '}'
  elseif t == 'number' then
    out[#out + 1] = math.type(v) .. ':' .. string.format('%.17g', v)
  elseif t == 'string' then
    out[#out + 1] = 's' .. #v .. ':' .. v
  else
    out[#out + 1] = tostring(v)
  end
end
local function all(...)
  local out = { select('#', ...) .. '|' }
  for i = 1, select('#', ...) do dump((select(i, ...)), out) out[#out + 1] = ';' end
  return table.concat(out)
end
`;

function run(body: string, args: Buffer[]): string {
  const sha = engine.load(Buffer.from(DUMP + body));
  const reply = engine.run(sha, [], args, host, {});
  if (reply instanceof ReplyError) return `error: ${reply.message.replace(/ script: [0-9a-f]{40},/, ' script: <sha>,')}`;
  return Buffer.isBuffer(reply) ? reply.toString('latin1') : String(reply);
}

const viaHost = (s: Buffer, limit = '0', offset = '0') =>
  run(`return all(cmsgpack.unpack_limit(ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])))`, [s, Buffer.from(limit), Buffer.from(offset)]);
const viaLua = (s: Buffer, limit = '0', offset = '0') =>
  run(`return all(cmsgpack.unpack_limit(ARGV[1], tonumber(ARGV[2]) + 0.0, tonumber(ARGV[3])))`, [s, Buffer.from(limit), Buffer.from(offset)]);

/** Deterministic pseudo-random generator (tests must be reproducible). */
function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

function be(bytes: number, value: number | bigint, kind: 'u' | 'i' | 'f'): Buffer {
  const b = Buffer.alloc(bytes);
  if (kind === 'f') {
    if (bytes === 4) b.writeFloatBE(Number(value));
    else b.writeDoubleBE(Number(value));
  } else if (bytes === 8) {
    if (kind === 'u') b.writeBigUInt64BE(BigInt(value));
    else b.writeBigInt64BE(BigInt(value));
  } else if (kind === 'u') b.writeUIntBE(Number(value), 0, bytes);
  else b.writeIntBE(Number(value), 0, bytes);
  return b;
}

function gen(r: () => number, depth: number, scalar = false): Buffer {
  // Map keys are scalars (though a truncated string can shift what follows into key position).
  const pick = Math.floor(r() * (depth > 3 || scalar ? 20 : 26));
  const small = () => Math.floor(r() * 5);
  switch (pick) {
    case 0: return Buffer.from([Math.floor(r() * 128)]);
    case 1: return Buffer.from([0xe0 + Math.floor(r() * 32)]);
    case 2: return Buffer.from([0xc0]);
    case 3: return Buffer.from([r() < 0.5 ? 0xc2 : 0xc3]);
    case 4: {
      const s = Buffer.from('x'.repeat(Math.floor(r() * 40)) + '\u00e9');
      return Buffer.concat([Buffer.from([0xa0 | Math.min(s.length, 31)]), s.subarray(0, Math.min(s.length, 31))]);
    }
    case 5: { const s = Buffer.alloc(Math.floor(r() * 300), 0x61); return Buffer.concat([Buffer.from([0xd9]), be(1, Math.min(s.length, 255), 'u'), s.subarray(0, 255)]); }
    case 6: { const s = Buffer.from([0, 1, 2, 255]); return Buffer.concat([Buffer.from([0xc4, 4]), s]); }
    case 7: return Buffer.concat([Buffer.from([0xda]), be(2, 3, 'u'), Buffer.from('abc')]);
    case 8: return Buffer.concat([Buffer.from([0xca]), be(4, [1.5, -0.25, NaN, Infinity, 3.1][small()]!, 'f')]);
    case 9: return Buffer.concat([Buffer.from([0xcb]), be(8, [1.5, -0, NaN, 2 ** 60, 1e300][small()]!, 'f')]);
    case 10: return Buffer.concat([Buffer.from([0xcc]), be(1, 200, 'u')]);
    case 11: return Buffer.concat([Buffer.from([0xcd]), be(2, 65000, 'u')]);
    case 12: return Buffer.concat([Buffer.from([0xce]), be(4, 4000000000, 'u')]);
    case 13: return Buffer.concat([Buffer.from([0xcf]), be(8, [1n, 2n ** 63n + 5n, 2n ** 64n - 1n, 2n ** 62n, 0n][small()]!, 'u')]);
    case 14: return Buffer.concat([Buffer.from([0xd0]), be(1, -100, 'i')]);
    case 15: return Buffer.concat([Buffer.from([0xd1]), be(2, -30000, 'i')]);
    case 16: return Buffer.concat([Buffer.from([0xd2]), be(4, -2000000000, 'i')]);
    case 17: return Buffer.concat([Buffer.from([0xd3]), be(8, [-(2n ** 63n), -1n, 2n ** 63n - 1n, 5n, -(2n ** 40n)][small()]!, 'i')]);
    case 18: return Buffer.from([[0xc1, 0xd4, 0xc7, 0xd8][small() % 4]!]); // not handled by either: error
    case 19: return Buffer.from([0xa5, 0x61]); // truncated string
    case 20: case 21: {
      const n = Math.floor(r() * 6);
      const items = Array.from({ length: n }, () => gen(r, depth + 1));
      return Buffer.concat([Buffer.from([0x90 | n]), ...items]);
    }
    case 22: {
      const n = Math.floor(r() * 20);
      const items = Array.from({ length: n }, () => gen(r, depth + 1));
      return Buffer.concat([Buffer.from([0xdc]), be(2, n, 'u'), ...items]);
    }
    case 23: case 24: {
      const n = Math.floor(r() * 6);
      const items = Array.from({ length: 2 * n }, (_, j) => gen(r, depth + 1, j % 2 === 0));
      return Buffer.concat([Buffer.from([0x80 | n]), ...items]);
    }
    default: {
      const n = Math.floor(r() * 20);
      const items = Array.from({ length: 2 * n }, (_, j) => gen(r, depth + 1, j % 2 === 0));
      return Buffer.concat([Buffer.from([0xde]), be(2, n, 'u'), ...items]);
    }
  }
}

test('the host msgpack decoder builds what the Lua decoder builds', () => {
  const r = rng(12345);
  let errors = 0;
  for (let i = 0; i < 1500; i++) {
    const parts = Array.from({ length: 1 + Math.floor(r() * 3) }, () => gen(r, 0));
    let input = Buffer.concat(parts);
    if (r() < 0.1) input = input.subarray(0, Math.floor(r() * input.length));
    const limit = String(Math.floor(r() * 3));
    const offset = String(r() < 0.8 ? 0 : Math.floor(r() * (input.length + 2)));
    const expected = viaLua(input, limit, offset);
    if (expected.startsWith('error')) errors++;
    assert.equal(viaHost(input, limit, offset), expected, `input ${input.toString('hex')} limit ${limit} offset ${offset}`);
  }
  // Both outcomes were exercised.
  assert.ok(errors > 10 && errors < 1400, `errors: ${errors}`);
});

test('cmsgpack.unpack: nesting, nil keys, NaN keys and errors keep the Lua decoder behaviour', () => {
  const cases = [
    Buffer.concat([Buffer.alloc(40, 0x91), Buffer.from([1])]), // 40 nested arrays: left to Lua
    Buffer.from([0x82, 0xc0, 0x01, 0x01, 0x02]), // nil key dropped
    Buffer.concat([Buffer.from([0x81, 0xcb]), be(8, NaN, 'f'), Buffer.from([1])]), // NaN key: error
    Buffer.concat([Buffer.from([0x81, 0xcb]), be(8, 2, 'f'), Buffer.from([1])]), // float key 2.0 → integer 2
    Buffer.from([0x93, 0x01, 0xc0, 0x03]), // array with a hole
    Buffer.from([0x92, 0x01]), // truncated array
  ];
  for (const input of cases) {
    assert.equal(viaHost(input), viaLua(input), input.toString('hex'));
  }
  assert.match(run('return cmsgpack.unpack(ARGV[1])', [Buffer.from([0x92, 0x01])]), /Missing bytes in input/);
  assert.equal(run('local t = cmsgpack.unpack(ARGV[1]) return t.a .. t.b', [Buffer.from([0x82, 0xa1, 0x61, 0xa1, 0x78, 0xa1, 0x62, 0xa1, 0x79])]), 'xy');
});
