// hashes command group. (Stub: filled in by the hashes work.)
import type { CommandSpec } from './types.js';

export const specs: CommandSpec[] = [];
