// Versions, in a module of their own so command groups can import them without a cycle.
export const TIDINGS_VERSION = '0.1.0';
/** The Redis release whose behaviour Tidings matches (clients pick commands by it). */
export const REDIS_VERSION = '7.0.15';
