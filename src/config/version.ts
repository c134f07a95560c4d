// Versions, read by INFO, HELLO, LOLWUT and the RDB header: a leaf module every layer may import.
export const TIDINGS_VERSION = '0.1.0';
/** The Redis release whose behaviour Tidings matches (clients pick commands by it). */
export const REDIS_VERSION = '7.0.15';
