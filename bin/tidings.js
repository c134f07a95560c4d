#!/usr/bin/env node
// The Lua VM's WebAssembly compiles off the main thread: start it before the rest of the server
// loads so that the two overlap. Server.listen() awaits this same load (and reports its failure).
import { loadLua } from '../dist/scripting/lua.js';

loadLua().catch(() => {});
const { main } = await import('../dist/cli.js');
await main(process.argv.slice(2));
