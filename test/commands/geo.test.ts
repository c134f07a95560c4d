// Geo commands over TCP. Expected values and error texts were checked on redis-server 7.0.15.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTidings, type TestServer } from '../helpers/servers.js';
import { plain, type RespClient } from '../helpers/resp.js';

let srv: TestServer;
let c: RespClient;

before(async () => {
  srv = await startTidings();
  c = await srv.connect();
});
after(async () => {
  c.close();
  await srv.close();
});

const WRONGTYPE = { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' };
const SYNTAX = { error: 'ERR syntax error' };
const NOT_FLOAT = { error: 'ERR value is not a valid float' };
const NOT_INT = { error: 'ERR value is not an integer or out of range' };
const UNIT = { error: 'ERR unsupported unit provided. please use M, KM, FT, MI' };
const NO_MEMBER = { error: 'ERR could not decode requested zset member' };
const arity = (name: string) => ({ error: `ERR wrong number of arguments for '${name}' command` });

const PALERMO = ['13.36138933897018433', '38.11555639549629859'];
const CATANIA = ['15.08726745843887329', '37.50266842333162032'];

/** An empty database with Sicily's two cities and a string key `str`. */
async function sicily(): Promise<void> {
  await c.call('FLUSHALL');
  assert.equal(await c.call('GEOADD', 'Sicily', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania'), 2);
  assert.equal(await c.call('SET', 'str', 'x'), 'OK');
}

test('GEOADD: scores, NX/XX/CH, and errors', async () => {
  await sicily();
  assert.equal(await c.call('ZSCORE', 'Sicily', 'Palermo'), '3479099956230698');
  assert.equal(await c.call('GEOADD', 'Sicily', 'NX', '13', '38', 'Palermo', '14', '37', 'Agrigento'), 1);
  assert.equal(await c.call('ZSCORE', 'Sicily', 'Palermo'), '3479099956230698');
  assert.equal(await c.call('GEOADD', 'Sicily', 'XX', 'CH', '13', '38', 'Palermo', '14', '37', 'Enna'), 1);
  assert.equal(await c.call('ZSCORE', 'Sicily', 'Enna'), null);
  assert.equal(await c.call('GEOADD', 'Sicily', 'CH', '13', '38', 'Palermo'), 0);
  // The extremes are valid; the hash of (180, 85.05112878) is beyond 52 bits, as in Redis.
  assert.equal(await c.call('GEOADD', 'edge', '180', '85.05112878', 'ne', '-180', '-85.05112878', 'sw'), 2);
  assert.equal(await c.call('ZSCORE', 'edge', 'ne'), '13510798882111488');
  assert.deepEqual(await c.call('GEOADD', 'g', '200', '100', 'm'), { error: 'ERR invalid longitude,latitude pair 200.000000,100.000000' });
  assert.deepEqual(await c.call('GEOADD', 'g', 'inf', '0', 'm'), { error: 'ERR invalid longitude,latitude pair inf,0.000000' });
  assert.deepEqual(await c.call('GEOADD', 'g', '1e30', '0', 'm'), {
    error: 'ERR invalid longitude,latitude pair 1000000000000000019884624838656.000000,0.000000',
  });
  assert.deepEqual(await c.call('GEOADD', 'g', '0', '-85.06', 'm'), { error: 'ERR invalid longitude,latitude pair 0.000000,-85.060000' });
  assert.deepEqual(await c.call('GEOADD', 'g', 'x', '0', 'm'), NOT_FLOAT);
  assert.deepEqual(await c.call('GEOADD', 'g', 'GT', '1', 'm'), NOT_FLOAT);
  assert.deepEqual(await c.call('GEOADD', 'g', 'GT', '1', '1', 'm'), SYNTAX);
  assert.deepEqual(await c.call('GEOADD', 'g', 'NX', 'XX', '1', '1', 'm'), SYNTAX);
  assert.deepEqual(await c.call('GEOADD', 'g', '1', '1', 'm', '2'), SYNTAX);
  assert.deepEqual(await c.call('GEOADD', 'g', 'NX', 'CH', 'CH'), SYNTAX);
  assert.deepEqual(await c.call('GEOADD', 'g', '1', '1'), arity('geoadd'));
  // A bad pair anywhere leaves the set untouched.
  assert.deepEqual(await c.call('GEOADD', 'g', '1', '1', 'a', '1', '100', 'b'), { error: 'ERR invalid longitude,latitude pair 1.000000,100.000000' });
  assert.equal(await c.call('EXISTS', 'g'), 0);
  assert.deepEqual(await c.call('GEOADD', 'str', '1', '1', 'a'), WRONGTYPE);
});

test('GEODIST, GEOHASH and GEOPOS', async () => {
  await sicily();
  assert.equal(await c.call('GEODIST', 'Sicily', 'Palermo', 'Catania'), '166274.1516');
  assert.equal(await c.call('GEODIST', 'Sicily', 'Palermo', 'Catania', 'km'), '166.2742');
  assert.equal(await c.call('GEODIST', 'Sicily', 'Palermo', 'Catania', 'MI'), '103.3182');
  assert.equal(await c.call('GEODIST', 'Sicily', 'Palermo', 'Catania', 'ft'), '545518.8700');
  assert.equal(await c.call('GEODIST', 'Sicily', 'Palermo', 'Palermo'), '0.0000');
  assert.equal(await c.call('GEODIST', 'Sicily', 'Palermo', 'nope'), null);
  assert.equal(await c.call('GEODIST', 'nokey', 'a', 'b'), null);
  assert.deepEqual(await c.call('GEODIST', 'Sicily', 'Palermo', 'Catania', 'parsec'), UNIT);
  assert.deepEqual(await c.call('GEODIST', 'Sicily', 'a', 'b', 'km', 'x'), SYNTAX);
  assert.deepEqual(await c.call('GEODIST', 'str', 'a', 'b'), WRONGTYPE);
  // The unit is checked before the key's type.
  assert.deepEqual(await c.call('GEODIST', 'str', 'a', 'b', 'parsec'), UNIT);
  assert.deepEqual(await c.call('GEODIST', 'Sicily', 'a'), arity('geodist'));

  assert.deepEqual(await c.call('GEOHASH', 'Sicily', 'Palermo', 'Catania', 'nope'), ['sqc8b49rny0', 'sqdtr74hyu0', null]);
  assert.deepEqual(await c.call('GEOHASH', 'nokey', 'a'), [null]);
  assert.deepEqual(await c.call('GEOHASH', 'Sicily'), []);
  assert.deepEqual(await c.call('GEOHASH', 'str', 'a'), WRONGTYPE);
  assert.deepEqual(await c.call('GEOHASH'), arity('geohash'));

  assert.deepEqual(await c.call('GEOPOS', 'Sicily', 'Palermo', 'nope', 'Catania'), [PALERMO, null, CATANIA]);
  assert.deepEqual(await c.call('GEOPOS', 'nokey', 'a'), [null]);
  assert.deepEqual(await c.call('GEOPOS', 'str', 'a'), WRONGTYPE);
  assert.deepEqual(await c.call('GEOPOS'), arity('geopos'));
  // Missing members are null arrays in RESP2; coordinates are doubles in RESP3.
  const raw = await c.callFrame('GEOPOS', 'Sicily', 'nope');
  assert.equal(raw.raw.toString(), '*1\r\n*-1\r\n');
  const r3 = await srv.connect();
  await r3.call('HELLO', '3');
  const frame = await r3.callFrame('GEOPOS', 'Sicily', 'Palermo', 'nope');
  assert.equal(frame.raw.toString(), '*2\r\n*2\r\n,13.36138933897018433\r\n,38.11555639549629859\r\n_\r\n');
  r3.close();

  // Scores that GEOADD did not write still decode to some point, as in Redis.
  await c.call('GEOADD', 'Sicily', '180', '85.05112878', 'edge', '-180', '-85.05112878', 'edge2');
  await c.call('ZADD', 'Sicily', '-5', 'neg', '1e30', 'big', '0.5', 'half', 'inf', 'pinf');
  assert.deepEqual(await c.call('GEOPOS', 'Sicily', 'edge', 'edge2', 'neg', 'half'), [
    ['180', '85.0511287799999991'],
    ['-179.99999731779098511', '-85.05112751263942528'],
    ['180', '85.0511287799999991'],
    ['-179.99999731779098511', '-85.05112751263942528'],
  ]);
  assert.deepEqual(await c.call('GEOHASH', 'Sicily', 'edge', 'edge2', 'big', 'pinf'), ['bp05b5048p0', '00bh0hbj200', '00bh0hbj200', '00bh0hbj200']);
});

test('GEORADIUS and GEORADIUSBYMEMBER: options, ordering, replies', async () => {
  await sicily();
  assert.deepEqual(await c.call('GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'WITHDIST', 'WITHCOORD', 'WITHHASH'), [
    ['Palermo', '190.4424', 3479099956230698, PALERMO],
    ['Catania', '56.4413', 3479447370796909, CATANIA],
  ]);
  assert.deepEqual(await c.call('GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'ASC'), ['Catania', 'Palermo']);
  assert.deepEqual(await c.call('GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'DESC', 'COUNT', '1'), ['Palermo']);
  // COUNT alone implies ASC; with ANY it takes the first found.
  assert.deepEqual(await c.call('GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'COUNT', '1'), ['Catania']);
  assert.deepEqual(await c.call('GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'COUNT', '1', 'ANY'), ['Palermo']);
  assert.deepEqual(await c.call('GEORADIUS', 'Sicily', '15', '37', '100', 'km'), ['Catania']);
  assert.deepEqual(await c.call('GEORADIUS', 'Sicily', '15', '37', '1', 'm'), []);
  assert.deepEqual(await c.call('GEORADIUS', 'nokey', '15', '37', '1', 'm'), []);
  assert.deepEqual(await c.call('GEORADIUS_RO', 'Sicily', '15', '37', '200', 'km', 'WITHDIST', 'ASC'), [
    ['Catania', '56.4413'],
    ['Palermo', '190.4424'],
  ]);
  assert.deepEqual(await c.call('GEORADIUSBYMEMBER', 'Sicily', 'Palermo', '200', 'km', 'WITHDIST'), [
    ['Palermo', '0.0000'],
    ['Catania', '166.2742'],
  ]);
  assert.deepEqual(await c.call('GEORADIUSBYMEMBER_RO', 'Sicily', 'Catania', '100', 'km'), ['Catania']);

  // Errors, in Redis's order: type first, then the center, the radius, the options.
  assert.deepEqual(await c.call('GEORADIUS', 'str', '0', '0', 'x', 'm'), WRONGTYPE);
  assert.deepEqual(await c.call('GEORADIUS', 'Sicily', '0', '0', '-1', 'm'), { error: 'ERR radius cannot be negative' });
  assert.deepEqual(await c.call('GEORADIUS', 'Sicily', '0', '0', 'x', 'm'), { error: 'ERR need numeric radius' });
  assert.deepEqual(await c.call('GEORADIUS', 'Sicily', '0', '0', '1', 'zz'), UNIT);
  assert.deepEqual(await c.call('GEORADIUS', 'Sicily', '0', '99', '1', 'm'), { error: 'ERR invalid longitude,latitude pair 0.000000,99.000000' });
  assert.deepEqual(await c.call('GEORADIUS', 'Sicily', '0', '0', '1', 'm', 'COUNT', '0'), { error: 'ERR COUNT must be > 0' });
  assert.deepEqual(await c.call('GEORADIUS', 'Sicily', '0', '0', '1', 'm', 'COUNT', 'x'), NOT_INT);
  assert.deepEqual(await c.call('GEORADIUS', 'Sicily', '0', '0', '1', 'm', 'ANY'), { error: 'ERR the ANY argument requires COUNT argument' });
  assert.deepEqual(await c.call('GEORADIUS', 'Sicily', '0', '0', '1', 'm', 'COUNT'), SYNTAX);
  assert.deepEqual(await c.call('GEORADIUS', 'Sicily', '0', '0', '1', 'm', 'FROMMEMBER', 'x'), SYNTAX);
  assert.deepEqual(await c.call('GEORADIUS', 'Sicily', '0', '0', '1', 'm', 'STORE', 'x', 'WITHDIST'), {
    error: 'ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options',
  });
  assert.deepEqual(await c.call('GEORADIUS_RO', 'Sicily', '0', '0', '1', 'm', 'STORE', 'x'), SYNTAX);
  assert.deepEqual(await c.call('GEORADIUSBYMEMBER_RO', 'Sicily', 'Palermo', '1', 'm', 'STOREDIST', 'x'), SYNTAX);
  assert.deepEqual(await c.call('GEORADIUSBYMEMBER', 'Sicily', 'nope', '1', 'm'), NO_MEMBER);
  // Without the key Redis does not look at the member or the radius.
  assert.deepEqual(await c.call('GEORADIUSBYMEMBER', 'nokey', 'nope', 'x', 'zz'), []);
  assert.deepEqual(await c.call('GEORADIUS', 'Sicily', '0', '0', '1'), arity('georadius'));
  assert.deepEqual(await c.call('GEORADIUSBYMEMBER', 'Sicily', 'a', '1'), arity('georadiusbymember'));
});

test('GEORADIUS STORE / STOREDIST and GEOSEARCHSTORE', async () => {
  await sicily();
  assert.equal(await c.call('GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STORE', 'd'), 2);
  assert.deepEqual(await c.call('ZRANGE', 'd', '0', '-1', 'WITHSCORES'), ['Palermo', '3479099956230698', 'Catania', '3479447370796909']);
  assert.equal(await c.call('OBJECT', 'ENCODING', 'd'), 'listpack');
  assert.equal(await c.call('GEORADIUSBYMEMBER', 'Sicily', 'Catania', '200', 'km', 'STOREDIST', 'd', 'COUNT', '1'), 1);
  assert.deepEqual(await c.call('ZRANGE', 'd', '0', '-1', 'WITHSCORES'), ['Catania', '0']);
  assert.equal(await c.call('GEOSEARCHSTORE', 'd', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'STOREDIST'), 2);
  assert.deepEqual(await c.call('ZRANGE', 'd', '0', '-1', 'WITHSCORES'), ['Catania', '56.441257870158204', 'Palermo', '190.44242984775784']);
  // An empty result deletes the destination.
  assert.equal(await c.call('GEOSEARCHSTORE', 'd', 'Sicily', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km'), 0);
  assert.equal(await c.call('EXISTS', 'd'), 0);
  await c.call('SET', 'd', 'x');
  assert.equal(await c.call('GEORADIUS', 'nokey', '0', '0', '1', 'm', 'STORE', 'd'), 0);
  assert.equal(await c.call('EXISTS', 'd'), 0);
  assert.deepEqual(await c.call('GEOSEARCHSTORE', 'd', 'Sicily', 'FROMLONLAT', '0', '0', 'BYBOX', '1', '1', 'm', 'WITHDIST'), {
    error: 'ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options',
  });
  assert.deepEqual(await c.call('GEOSEARCHSTORE', 'd', 'Sicily', 'FROMLONLAT', '0', '0', 'BYBOX', '1', '1', 'm', 'STORE', 'x'), SYNTAX);
  assert.deepEqual(await c.call('GEOSEARCHSTORE', 'd', 'str', 'FROMLONLAT', '0', '0', 'BYBOX', '1', '1', 'm'), WRONGTYPE);
  assert.deepEqual(await c.call('GEOSEARCHSTORE', 'd', 'Sicily', 'FROMLONLAT', '0', '0'), arity('geosearchstore'));
});

test('GEOSEARCH: FROMMEMBER/FROMLONLAT, BYRADIUS/BYBOX and their errors', async () => {
  await sicily();
  assert.deepEqual(await c.call('GEOSEARCH', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYBOX', '400', '400', 'km', 'WITHDIST', 'WITHCOORD'), [
    ['Palermo', '0.0000', PALERMO],
    ['Catania', '166.2742', CATANIA],
  ]);
  assert.deepEqual(await c.call('GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'DESC'), ['Palermo', 'Catania']);
  assert.deepEqual(await c.call('GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYBOX', '200', '200', 'km', 'ASC', 'WITHHASH'), [['Catania', 3479447370796909]]);
  assert.deepEqual(await c.call('GEOSEARCH', 'nokey', 'FROMMEMBER', 'x', 'BYBOX', '1', '1', 'm'), []);
  assert.deepEqual(await c.call('GEOSEARCH', 'Sicily', 'FROMMEMBER', 'nope', 'BYBOX', '1', '1', 'm'), NO_MEMBER);
  assert.deepEqual(await c.call('GEOSEARCH', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYBOX', '1', 'x', 'm'), { error: 'ERR need numeric height' });
  assert.deepEqual(await c.call('GEOSEARCH', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYBOX', 'x', '1', 'm'), { error: 'ERR need numeric width' });
  assert.deepEqual(await c.call('GEOSEARCH', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYBOX', '-1', '1', 'm'), {
    error: 'ERR height or width cannot be negative',
  });
  assert.deepEqual(await c.call('GEOSEARCH', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYBOX', '1', '1', 'au'), UNIT);
  assert.deepEqual(await c.call('GEOSEARCH', 'Sicily', 'BYBOX', '1', '1', 'm', 'ASC'), {
    error: 'ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for GEOSEARCH',
  });
  assert.deepEqual(await c.call('geosearch', 'Sicily', 'FROMLONLAT', '0', '0', 'COUNT', '1'), {
    error: 'ERR exactly one of BYRADIUS and BYBOX can be specified for geosearch',
  });
  assert.deepEqual(await c.call('GEOSEARCH', 'Sicily', 'FROMLONLAT', '0', '0', 'FROMMEMBER', 'Palermo', 'BYBOX', '1', '1', 'm'), SYNTAX);
  assert.deepEqual(await c.call('GEOSEARCH', 'Sicily', 'FROMLONLAT', '0', '0', 'BYBOX', '1', '1', 'm', 'BYRADIUS', '1', 'm'), SYNTAX);
  assert.deepEqual(await c.call('GEOSEARCH', 'Sicily', 'FROMLONLAT', '0', '0', 'BYBOX', '1', '1', 'm', 'STOREDIST'), SYNTAX);
  assert.deepEqual(await c.call('GEOSEARCH', 'Sicily', 'FROMLONLAT', '0', '0', 'BYBOX', '1', '1', 'm', 'ANY'), {
    error: 'ERR the ANY argument requires COUNT argument',
  });
  assert.deepEqual(await c.call('GEOSEARCH', 'str', 'FROMLONLAT', '0', '0', 'BYBOX', '1', '1', 'm'), WRONGTYPE);
  assert.deepEqual(await c.call('GEOSEARCH', 'Sicily', 'FROMLONLAT', '0', '0'), arity('geosearch'));
});

test('COMMAND GETKEYS for GEORADIUS STORE/STOREDIST and GEOSEARCHSTORE', async () => {
  assert.deepEqual(await c.call('COMMAND', 'GETKEYS', 'GEORADIUS', 'k', '0', '0', '10', 'm', 'STORE', 'a', 'STOREDIST', 'b'), ['k', 'a', 'b']);
  assert.deepEqual(await c.call('COMMAND', 'GETKEYS', 'GEORADIUS', 'k', '0', '0', '10', 'm', 'store', 'a', 'store', 'c'), ['k', 'a']);
  assert.deepEqual(await c.call('COMMAND', 'GETKEYS', 'GEORADIUSBYMEMBER', 'k', 'm', '10', 'm', 'STOREDIST', 'a'), ['k', 'a']);
  assert.deepEqual(await c.call('COMMAND', 'GETKEYS', 'GEORADIUS', 'k', '0', '0', '10', 'STORE', 'm'), ['k']);
  assert.deepEqual(await c.call('COMMAND', 'GETKEYS', 'GEOSEARCHSTORE', 'd', 's', 'FROMMEMBER', 'm', 'BYRADIUS', '1', 'm'), ['d', 's']);
});

test('keyspace notifications', async () => {
  await sicily();
  const sub = await srv.connect();
  await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
  await sub.call('PSUBSCRIBE', '__keyevent@0__:*');
  const expect = async (cmd: string[], expected: string[]) => {
    await c.call(...cmd);
    const events: string[] = [];
    for (let i = 0; i < expected.length; i++) {
      const msg = plain(await sub.read()) as string[];
      events.push(`${msg[2]!.split(':')[1]} ${msg[3]}`);
    }
    assert.deepEqual(events, expected, cmd.join(' '));
    assert.ok(await sub.silentFor(20), `no extra events after ${cmd.join(' ')}`);
  };
  await expect(['GEOADD', 'g', '1', '1', 'a'], ['zadd g']);
  await expect(['GEOADD', 'g', 'NX', '1', '1', 'a'], []);
  await expect(['GEORADIUS', 'g', '1', '1', '1', 'km', 'STORE', 'd'], ['georadiusstore d']);
  await expect(['GEOSEARCHSTORE', 'd', 'g', 'FROMMEMBER', 'a', 'BYRADIUS', '1', 'km'], ['geosearchstore d']);
  await expect(['GEOSEARCHSTORE', 'd', 'g', 'FROMLONLAT', '50', '50', 'BYRADIUS', '1', 'km'], ['del d']);
  await expect(['GEOSEARCHSTORE', 'd', 'g', 'FROMLONLAT', '50', '50', 'BYRADIUS', '1', 'km'], []);
  await c.call('CONFIG', 'SET', 'notify-keyspace-events', '');
  sub.close();
});
