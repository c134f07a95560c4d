// streams command group. (Stub: filled in by the streams work.)
import type { CommandSpec } from './types.js';

export const specs: CommandSpec[] = [];
