// Descriptor I/O on a socket fd without Node's stream machinery on the hot path. Reads land in
// one preallocated buffer (net.Socket `onread`: no Buffer per read, no 'data' event); writes go
// straight to the fd with write(2) while nothing waits in the stream's queue, and fall back to
// the stream (which then keeps order and reports errors) on EAGAIN or a short write. Measured
// in the ebpf bench: this is what brings a Node round trip close to the C ping-pong.
import { writeSync } from 'node:fs';
import net from 'node:net';
import { DESCRIPTOR_SIZE } from './layout.ts';

/** Called with whole descriptors: `buf[start, end)`, a multiple of 16 bytes. The buffer is
 *  reused by the next read: copy what must outlive the call. */
export type UnitsHandler = (buf: Buffer, start: number, end: number) => void;

export interface DescriptorIoOptions {
  /** Bytes read per syscall at most (default 64 KiB = 4096 descriptors). */
  readBuffer?: number;
}

export class DescriptorIo {
  /** The underlying socket: events ('close', 'error', 'drain'), destroy(), setNoDelay(). */
  readonly socket: net.Socket;
  private readonly fd: number;
  private readonly carry = Buffer.alloc(DESCRIPTOR_SIZE);
  private carried = 0;
  private handler: UnitsHandler = () => {};
  /** write(2) calls that went straight to the fd / writes that had to go through the stream. */
  readonly stats = { direct: 0, streamed: 0 };

  private constructor(socket: net.Socket, fd: number) {
    this.socket = socket;
    this.fd = fd;
  }

  /** Opens an inherited or passed socket fd with a static read buffer. */
  static fromFd(fd: number, opts: DescriptorIoOptions = {}): DescriptorIo {
    const buffer = Buffer.alloc(opts.readBuffer ?? 64 << 10);
    const io: DescriptorIo = new DescriptorIo(
      new net.Socket({ fd, readable: true, writable: true, onread: { buffer, callback: (n: number, b: Buffer) => void io.frame(b, n) } } as net.SocketConstructorOpts),
      fd,
    );
    io.socket.setNoDelay(true);
    return io;
  }

  /** Wraps a socket Node already reads (e.g. from net.connect): reads stay on 'data',
   *  writes still take the direct path when the socket has an fd. */
  static fromSocket(socket: net.Socket): DescriptorIo {
    const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1;
    const io = new DescriptorIo(socket, fd);
    socket.setNoDelay(true);
    socket.on('data', (b: Buffer) => io.frame(b, b.length));
    socket.resume();
    return io;
  }

  /** Sets the receiver of whole descriptors (one call per read, plus one for a unit that a
   *  read completed from the previous read's tail). */
  onUnits(handler: UnitsHandler): this {
    this.handler = handler;
    return this;
  }

  /** Writes `buf` (whole descriptors) in order with everything written before. What cannot be
   *  written now is copied into the stream's queue, so `buf` may be reused (e.g. a view of the
   *  read buffer, echoed) as soon as this returns. */
  write(buf: Buffer): void {
    let off = 0;
    if (this.fd >= 0 && this.socket.writableLength === 0 && !this.socket.destroyed) {
      try {
        off = writeSync(this.fd, buf);
        this.stats.direct++;
      } catch {
        off = 0; // EAGAIN, or an error the stream will report on its own write
      }
    }
    if (off < buf.length) {
      this.stats.streamed++;
      this.socket.write(Buffer.from(buf.subarray(off)));
    }
  }

  destroy(): void {
    this.socket.destroy();
  }

  private frame(b: Buffer, n: number): void {
    let start = 0;
    if (this.carried > 0) {
      const take = Math.min(DESCRIPTOR_SIZE - this.carried, n);
      b.copy(this.carry, this.carried, 0, take);
      this.carried += take;
      start = take;
      if (this.carried < DESCRIPTOR_SIZE) return;
      this.carried = 0;
      this.handler(this.carry, 0, DESCRIPTOR_SIZE);
    }
    const end = start + Math.floor((n - start) / DESCRIPTOR_SIZE) * DESCRIPTOR_SIZE;
    if (end > start) this.handler(b, start, end);
    if (end < n) {
      b.copy(this.carry, 0, end, n);
      this.carried = n - end;
    }
  }
}
