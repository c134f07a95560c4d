// strings command group. (Stub: filled in by the strings work.)
import type { CommandSpec } from './types.js';

export const specs: CommandSpec[] = [];
