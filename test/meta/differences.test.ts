// Keeps the list of deliberate differences one list: every test of Redis's suite that a
// test/redis-suite/*.txt file marks `deliberate:` is named in docs/DIFFERENCES.md, and the README
// links to that page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers/servers.js';

const listsDir = path.join(ROOT, 'test/redis-suite');

/** `unit :: name` of every line whose reason starts with `deliberate:`, with the file it is in. */
function deliberateLines(): { file: string; unit: string; name: string }[] {
  const out: { file: string; unit: string; name: string }[] = [];
  for (const file of fs.readdirSync(listsDir).filter((f) => f.endsWith('.txt'))) {
    for (const raw of fs.readFileSync(path.join(listsDir, file), 'utf8').split('\n')) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const hash = line.lastIndexOf('  # ');
      if (hash < 0 || !line.slice(hash + 4).trim().startsWith('deliberate:')) continue;
      const [unit, name] = line.slice(0, hash).split(' :: ').map((s) => s.trim());
      out.push({ file, unit: unit!, name: name! });
    }
  }
  return out;
}

test('every deliberate line of the Redis-suite lists is in docs/DIFFERENCES.md, which the README links', () => {
  const page = fs.readFileSync(path.join(ROOT, 'docs/DIFFERENCES.md'), 'utf8');
  const lines = deliberateLines();
  assert.ok(lines.length > 0, 'no deliberate: lines found');
  // A unit's tests may be named together ("the integration/corrupt-dump tests that ..."): the
  // unit must be named, and the test too unless the page covers the unit as a whole.
  const missing = lines.filter(({ unit, name }) => !page.includes(`${unit} :: ${name}`) && !page.includes(`the \`${unit}\` tests`));
  assert.deepEqual(missing, [], 'deliberate: lines not in docs/DIFFERENCES.md');
  assert.match(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'), /\]\(docs\/DIFFERENCES\.md\)/);
});
