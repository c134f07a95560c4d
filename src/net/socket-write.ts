// A connection's output, written straight through the socket's libuv handle when the stream is
// idle. socket.write() takes a reply through Writable's machinery (state, callbacks, a write
// request object, a nextTick after every write) before the same native writeBuffer call: about
// 2,400 instructions per write under callgrind, paid once per client per event-loop turn, which is
// once per request for PING, PUBLISH replies and BRPOP deliveries. The handle's own writeBuffer
// tries the kernel first and queues the rest in libuv; nothing in Writable needs to know.
//
// This reaches into Node's internals (process.binding('stream_wrap'), socket._handle), so it is
// feature-checked once and falls back to socket.write() whenever the stream is not idle: bytes
// buffered or in flight in Writable, corked, ended or destroyed, a TLS socket (its handle encrypts),
// or one of our own writes still in libuv's queue. libuv keeps its queue in order and refuses a
// direct try-write while anything is queued, so mixing the two paths keeps the bytes in order.
import type { Socket } from 'node:net';
import { getSystemErrorName } from 'node:util';

interface WriteRequest {
  handle: StreamHandle;
  oncomplete: (status: number) => void;
  async: boolean;
  buffer: Buffer | null;
}

interface StreamHandle {
  writeBuffer(req: WriteRequest, data: Buffer): number;
}

interface StreamBinding {
  WriteWrap: new () => WriteRequest;
  streamBaseState: Int32Array;
  kLastWriteWasAsync: number;
}

function loadBinding(): StreamBinding | undefined {
  // process.binding is a pending deprecation: with --pending-deprecation it would print a warning.
  if (process.execArgv.includes('--pending-deprecation') || /--pending-deprecation/.test(process.env.NODE_OPTIONS ?? '')) return undefined;
  try {
    const binding = (process as unknown as { binding?: (name: string) => unknown }).binding?.('stream_wrap') as Partial<StreamBinding> | undefined;
    if (
      binding !== undefined &&
      typeof binding.WriteWrap === 'function' &&
      binding.streamBaseState instanceof Int32Array &&
      typeof binding.kLastWriteWasAsync === 'number'
    ) {
      return binding as StreamBinding;
    }
  } catch {
    // Not available in this Node: socket.write() it is.
  }
  return undefined;
}

const binding = loadBinding();
let directEnabled = binding !== undefined;

/** Whether new connections write through their handle (false: this Node lacks the internals). */
export function directSocketWrites(): boolean {
  return directEnabled;
}

/** Tests: make new connections use socket.write() only (true restores the default). */
export function setDirectSocketWrites(on: boolean): void {
  directEnabled = on && binding !== undefined;
}

function writeError(status: number): Error {
  const code = getSystemErrorName(status);
  return Object.assign(new Error(`write ${code}`), { code, errno: status, syscall: 'write' });
}

export class SocketWriter {
  /** Bytes of direct writes libuv still holds (the kernel did not take them at once). */
  private pendingDirect = 0;
  private readonly handle: StreamHandle | undefined;

  constructor(
    private readonly socket: Socket,
    /** Called when a direct write that had to wait is done (as 'drain' is for socket.write). */
    private readonly onWritten: () => void,
  ) {
    const handle = (socket as unknown as { _handle?: Partial<StreamHandle> | null })._handle;
    this.handle =
      directEnabled && !('encrypted' in socket) && handle != null && typeof handle.writeBuffer === 'function' ? (handle as StreamHandle) : undefined;
  }

  /** Bytes handed to the socket that the kernel has not taken yet. */
  get unsent(): number {
    return this.socket.writableLength + this.pendingDirect;
  }

  write(data: Buffer): void {
    const socket = this.socket;
    const handle = this.handle;
    if (
      handle === undefined ||
      this.pendingDirect !== 0 ||
      socket.writableLength !== 0 ||
      socket.writableCorked !== 0 ||
      !socket.writable ||
      (socket as unknown as { _handle: unknown })._handle !== handle
    ) {
      socket.write(data);
      return;
    }
    const { WriteWrap, streamBaseState, kLastWriteWasAsync } = binding!;
    const req = new WriteWrap();
    req.handle = handle;
    req.oncomplete = noop;
    req.async = false;
    req.buffer = null;
    const status = handle.writeBuffer(req, data);
    if (status !== 0) {
      socket.destroy(writeError(status));
      return;
    }
    if (streamBaseState[kLastWriteWasAsync] === 0) return;
    // The kernel took part of it: libuv writes the rest when the socket is writable again. The
    // request keeps the bytes alive until then; they count as output still pending.
    const length = data.length;
    req.async = true;
    req.buffer = data;
    this.pendingDirect += length;
    req.oncomplete = (result: number) => {
      this.pendingDirect -= length;
      req.buffer = null;
      if (result < 0) {
        if (!socket.destroyed) socket.destroy(writeError(result));
        return;
      }
      this.onWritten();
    };
  }
}

function noop(): void {}
