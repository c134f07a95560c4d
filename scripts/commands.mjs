#!/usr/bin/env node
// Prints the supported-command list for README.md from the command table itself (after a build),
// so the README cannot drift from what the server actually dispatches.
const groups = ['connection', 'acl', 'server', 'pubsub', 'transactions', 'keys', 'dump', 'migrate', 'strings', 'bitmaps', 'hyperloglog', 'lists', 'hashes', 'sets', 'zsets', 'geo', 'sort', 'streams', 'scripting', 'replication', 'cluster', 'tidings'];
const titles = {
  connection: 'Connection',
  acl: 'Access control',
  dump: 'Serialization',
  migrate: 'Moving keys to another server',
  bitmaps: 'Bitmaps',
  hyperloglog: 'HyperLogLog',
  geo: 'Geo',
  sort: 'Sorting',
  server: 'Server',
  pubsub: 'Pub/sub',
  transactions: 'Transactions',
  keys: 'Keys and expiry',
  strings: 'Strings',
  lists: 'Lists',
  hashes: 'Hashes',
  sets: 'Sets',
  zsets: 'Sorted sets',
  streams: 'Streams',
  scripting: 'Scripting and functions',
  replication: 'Replication',
  cluster: 'Cluster (no cluster mode: each answers as Redis with cluster-enabled no)',
  tidings: 'Tidings introspection',
};
let total = 0;
for (const group of groups) {
  const { specs } = await import(`../dist/commands/${group}.js`);
  const names = specs.map((s) => {
    const up = s.name.toUpperCase();
    total++;
    if (!s.subcommands?.length) return up;
    const subs = s.subcommands.map((x) => x.name.split('|')[1].toUpperCase()).filter((x) => x !== 'HELP');
    return `${up} (${subs.join(', ')})`;
  });
  console.log(`- **${titles[group]}**: ${names.join(', ')}`);
}
console.error(`${total} commands`);
