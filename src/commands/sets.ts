// sets command group. (Stub: filled in by the sets work.)
import type { CommandSpec } from './types.js';

export const specs: CommandSpec[] = [];
