// lists command group. (Stub: filled in by the lists work.)
import type { CommandSpec } from './types.js';

export const specs: CommandSpec[] = [];
