// scripting command group. (Stub: filled in by the scripting work.)
import type { CommandSpec } from './types.js';

export const specs: CommandSpec[] = [];
