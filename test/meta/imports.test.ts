// Keeps the module graph honest (issue #9): dependencies point down the layers, there are no
// runtime import cycles in src/, and every built module can be the first one a process imports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ROOT } from '../helpers/servers.js';

const SRC = path.join(ROOT, 'src');
const DIST = path.join(ROOT, 'dist');

/**
 * The layers, top (0) to bottom. A module may import its own layer or any layer below it, never
 * one above. Directories the target design does not place in the chain sit where their imports
 * put them: observe/ watches the server; persistence/ and security/ serve both the server and the
 * commands; config/ is read by everything above the value types.
 */
const LAYER: Record<string, number> = {
  entry: 0, // index.ts, cli.ts
  net: 1,
  server: 2,
  observe: 2,
  commands: 3,
  persistence: 4,
  security: 4,
  store: 5,
  pubsub: 5,
  scripting: 5,
  config: 5,
  types: 6,
  protocol: 7,
};

/**
 * Upward imports allowed, `from -> to` (paths under src/). Empty since issue #9's last items: keep
 * it so. A lower layer that needs an upper one names an interface of its own, or is handed a
 * function (as the ACL table its key finder). `type` marks an `import type` (no runtime edge, but
 * still a dependency on the layer above).
 */
const UPWARD_ALLOWED = new Set<string>([]);

interface Edge {
  from: string;
  to: string;
  /** `import type` / `export type`, or every named binding marked `type`: erased from the output. */
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out.sort();
}

// `import ... from '...'`, `export ... from '...'` (possibly over several lines), `import '...'`,
// and dynamic `import('...')`.
const STATIC = /^[ \t]*(?:import|export)\s+(type\s+)?([^;'"]*?)\s*from\s*['"]([^'"]+)['"]/gm;
const BARE = /^[ \t]*import\s*['"]([^'"]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

function resolveSpecifier(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined; // node: built-ins and packages are outside the graph
  const target = path.resolve(path.dirname(path.join(SRC, from)), spec).replace(/\.js$/, '.ts');
  return path.relative(SRC, target).split(path.sep).join('/');
}

function parseImports(): { files: string[]; edges: Edge[] } {
  const files = sourceFiles(SRC).map((f) => path.relative(SRC, f).split(path.sep).join('/'));
  const edges: Edge[] = [];
  for (const from of files) {
    const text = fs.readFileSync(path.join(SRC, from), 'utf8');
    for (const m of text.matchAll(STATIC)) {
      const to = resolveSpecifier(from, m[3]!);
      if (to === undefined) continue;
      let typeOnly = m[1] !== undefined;
      const clause = m[2]!.trim();
      if (!typeOnly && clause.startsWith('{')) {
        const names = clause.replace(/[{}]/g, '').split(',').map((s) => s.trim()).filter(Boolean);
        typeOnly = names.length > 0 && names.every((n) => n.startsWith('type '));
      }
      edges.push({ from, to, typeOnly });
    }
    for (const m of text.matchAll(BARE)) {
      const to = resolveSpecifier(from, m[1]!);
      if (to !== undefined) edges.push({ from, to, typeOnly: false });
    }
    for (const m of text.matchAll(DYNAMIC)) {
      const to = resolveSpecifier(from, m[1]!);
      if (to !== undefined) edges.push({ from, to, typeOnly: false });
    }
  }
  return { files, edges };
}

function layerOf(file: string): string {
  return file.includes('/') ? file.slice(0, file.indexOf('/')) : 'entry';
}

function edgeName(e: Edge): string {
  return `${e.typeOnly ? 'type ' : ''}${e.from} -> ${e.to}`;
}

/** Strongly connected components with more than one module (or a module importing itself). */
function cycles(files: string[], edges: Edge[]): string[][] {
  const adj = new Map<string, string[]>(files.map((f) => [f, []]));
  for (const e of edges) adj.get(e.from)?.push(e.to);
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of adj.get(v) ?? []) {
      if (!adj.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || adj.get(v)!.includes(v)) found.push(component.sort());
    }
  };
  for (const f of files) if (!index.has(f)) visit(f);
  return found;
}

/** One concrete loop inside a component, for the failure message. */
function loopIn(component: string[], edges: Edge[]): string {
  const inside = new Set(component);
  const next = new Map<string, string[]>();
  for (const e of edges) if (inside.has(e.from) && inside.has(e.to)) (next.get(e.from) ?? next.set(e.from, []).get(e.from)!).push(e.to);
  const start = component[0]!;
  const prev = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of next.get(v) ?? []) {
      if (w === start) {
        const loop = [start];
        for (let u: string | undefined = v; u !== undefined && u !== start; u = prev.get(u)) loop.splice(1, 0, u);
        return [...loop, start].join(' -> ');
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return component.join(', ');
}

const graph = parseImports();

test('the import parser sees the modules it should', () => {
  // Guards the regexes: a parser that found nothing would let every other check pass.
  assert.ok(graph.files.includes('server/dispatch.ts'));
  const names = new Set(graph.edges.map(edgeName));
  assert.ok(names.has('server/table.ts -> commands/strings.ts'), 'a runtime import');
  assert.ok(names.has('type server/dispatch.ts -> server/session.ts'), 'an import type');
  assert.ok(graph.edges.some((e) => e.from === 'observe/http.ts' && e.to === 'observe/dashboard.ts'), 'a dynamic import');
  for (const file of graph.files) assert.ok(layerOf(file) in LAYER, `${file}: its directory has no layer in LAYER`);
});

test('no runtime import cycle in src/', () => {
  const runtime = graph.edges.filter((e) => !e.typeOnly);
  const found = cycles(graph.files, runtime);
  assert.deepEqual(
    found.map((c) => loopIn(c, runtime)),
    [],
    'runtime import cycles (make the lower module define an interface, or pass a function in)',
  );
});

test('no import points up a layer, except the listed ones still to remove', () => {
  const upward = graph.edges.filter((e) => LAYER[layerOf(e.to)]! < LAYER[layerOf(e.from)]!).map(edgeName);
  const unexpected = [...new Set(upward.filter((e) => !UPWARD_ALLOWED.has(e)))].sort();
  assert.deepEqual(unexpected, [], `upward imports (layers: ${Object.keys(LAYER).join(' > ')})`);
});

test('the allow-list holds no stale entries', () => {
  const names = new Set(graph.edges.map(edgeName));
  const upward = [...UPWARD_ALLOWED].filter((e) => !names.has(e));
  assert.deepEqual(upward, [], 'UPWARD_ALLOWED lists imports that are gone: delete those lines');
});

/** Import one module in a worker thread: a fresh module graph, much cheaper than a process. */
function importAlone(file: string): Promise<string | undefined> {
  const url = pathToFileURL(path.join(DIST, file)).href;
  return new Promise((resolve) => {
    const worker = new Worker(`import(${JSON.stringify(url)}).then(() => process.exit(0));`, {
      eval: true,
      execArgv: [],
      stdout: true,
      stderr: true,
    });
    let settled = false;
    const done = (failure: string | undefined): void => {
      if (settled) return;
      settled = true;
      resolve(failure);
      void worker.terminate();
    };
    worker.on('error', (err: Error) => done(`${file}: ${err.name}: ${err.message}`));
    worker.on('exit', (code) => done(code === 0 ? undefined : `${file}: exited with ${code}`));
  });
}

test('every built module can be imported first, in a fresh module graph', async () => {
  const modules = graph.files.map((f) => f.replace(/\.ts$/, '.js'));
  const missing = modules.filter((m) => !fs.existsSync(path.join(DIST, m)));
  assert.deepEqual(missing, [], 'dist/ is missing modules: run `npm run build` (npm test builds first)');
  const stale = graph.files.filter((f) => fs.statSync(path.join(SRC, f)).mtimeMs > fs.statSync(path.join(DIST, f.replace(/\.ts$/, '.js'))).mtimeMs + 1000);
  assert.deepEqual(stale, [], 'dist/ is older than src/: run `npm run build` (npm test builds first)');
  const failures: string[] = [];
  const queue = [...modules];
  const worker = async (): Promise<void> => {
    for (let m = queue.shift(); m !== undefined; m = queue.shift()) {
      const failure = await importAlone(m);
      if (failure !== undefined) failures.push(failure);
    }
  };
  await Promise.all([worker(), worker(), worker()]);
  assert.deepEqual(failures.sort(), [], 'modules that fail when imported first');
});
