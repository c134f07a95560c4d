// List value: a deque of Buffers. (Stub: filled in by the lists work.)
export class List {
  length = 0;
}
