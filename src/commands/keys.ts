// keys command group. (Stub: filled in by the keys work.)
import type { CommandSpec } from './types.js';

export const specs: CommandSpec[] = [];
