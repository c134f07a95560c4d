// Keys are latin1 strings (a char per byte). Buffer#toString('latin1') dispatches on the encoding
// name and checks its range arguments on every call; the hot paths decode a whole argument, so
// they call Buffer's own latin1 decoder directly (present on Buffer.prototype in every Node
// release, though not in the type declarations).

interface Latin1Sliceable {
  latin1Slice(start: number, end: number): string;
}

/** The whole buffer as a latin1 string: the same result as buf.toString('latin1'). */
export function latin1String(buf: Buffer): string {
  return (buf as unknown as Latin1Sliceable).latin1Slice(0, buf.length);
}
