// zsets command group. (Stub: filled in by the zsets work.)
import type { CommandSpec } from './types.js';

export const specs: CommandSpec[] = [];
