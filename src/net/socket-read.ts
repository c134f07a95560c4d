// A connection's input, read through net.Socket's `onread` option: the kernel's bytes land in one
// buffer shared by every connection and are copied once into a chunk of their own size. The
// 'data' path allocates a 64 KiB ArrayBuffer for every read (shrunk to the bytes read afterwards)
// and takes each chunk through Readable's push machinery to a 'data' event: at one request per
// read (a client waiting for each reply, the common case) that was about 1.5 µs of the server's
// CPU per request (bench/cpu-per-op.mjs with BENCH_PIPELINE=1; a bare PING server: 10 → 8.5 µs).
//
// Node offers `onread` only to sockets it builds from a handle, so the accepted socket (created
// paused: the listener's pauseOnConnect, so that it has read nothing) gives its libuv handle to a
// new Socket built with `onread`, which takes over the server's connection count too. This reaches
// into Node's internals (socket._handle, the `handle` constructor option net.Server itself uses),
// so anything unexpected falls back to the accepted socket and its 'data' events. TLS sockets keep
// the 'data' path (their handle yields ciphertext).
import net from 'node:net';

/** The read buffer every adopted connection shares (libuv reads into it, one socket at a time). */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

interface AcceptedSocket {
  _handle: unknown;
  server: net.Server | null;
  _server: net.Server | null;
}

/**
 * The socket to use for an accepted connection, reading into the shared buffer and calling
 * `onData` with a copy of each read; or undefined (then read the accepted one with 'data' events).
 */
export function adoptForSharedReads(socket: net.Socket, onData: (chunk: Buffer) => void): net.Socket | undefined {
  const accepted = socket as unknown as AcceptedSocket;
  const handle = accepted._handle;
  if (handle === null || typeof handle !== 'object' || 'encrypted' in socket) return undefined;
  let adopted: net.Socket;
  try {
    adopted = new net.Socket({
      handle,
      readable: true,
      writable: true,
      onread: {
        buffer: READ_BUFFER,
        callback: (bytes: number, buffer: Uint8Array) => {
          onData(Buffer.from(buffer.subarray(0, bytes)));
        },
      },
    } as net.SocketConstructorOpts);
  } catch {
    return undefined;
  }
  // The new socket answers for the connection from here: the server counts it (server.close()
  // waits for it), and the accepted one, left without a handle, counts for nothing.
  const taken = adopted as unknown as AcceptedSocket;
  taken.server = accepted.server;
  taken._server = accepted._server;
  accepted._handle = null;
  accepted.server = null;
  accepted._server = null;
  return adopted;
}
