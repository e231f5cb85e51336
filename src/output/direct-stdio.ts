/**
 * stdout and stderr written with write(2), for the short commands that
 * start and end in a blink (cache:get). Creating process.stdout on a pipe
 * builds a net.Socket over a libuv pipe handle (net, stream and the pipe
 * binding loaded first): a few ms of a ~60 ms run, for one line of output.
 *
 * Only pipes, files and sockets are written directly. A character device
 * (a terminal, /dev/null) gets the real process stream, which knows the
 * terminal's width and isTTY. Whenever a direct write fails — EAGAIN on a
 * pipe someone left non-blocking and full, EPIPE when the reader went away,
 * anything else — the real stream takes over from the first unwritten byte,
 * for that write and every later one (so bytes stay in order), and reports
 * the failure the way it always has (its 'error' event).
 */
import { fstatSync, writeSync } from 'node:fs';

/** What Output needs of a standard stream: write, and whether it is a terminal. */
export interface DirectWriter {
  readonly isTTY: boolean;
  write(chunk: string | Uint8Array): boolean;
}

class FdWriter implements DirectWriter {
  readonly isTTY = false;
  private stream?: NodeJS.WriteStream;

  constructor(
    private readonly fd: number,
    private readonly real: () => NodeJS.WriteStream,
  ) {}

  write(chunk: string | Uint8Array): boolean {
    if (this.stream) return this.stream.write(chunk);
    let bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    try {
      // A blocking descriptor may still take part of a large write (a signal): write the rest.
      while (bytes.length > 0) bytes = bytes.subarray(writeSync(this.fd, bytes));
      return true;
    } catch {
      this.stream = this.real();
      return this.stream.write(bytes);
    }
  }
}

/** True for a character device (a terminal, /dev/null) or a descriptor that cannot be examined. */
function isCharacterDevice(fd: number): boolean {
  try {
    return fstatSync(fd).isCharacterDevice();
  } catch {
    return true;
  }
}

/**
 * A writer for `fd` (1 or 2): direct for a pipe, file or socket; else
 * `real()`, the process stream. `real` is called at most once, when the
 * stream is first needed; it is where the caller attaches its handlers.
 */
export function directStdio(fd: 1 | 2, real: () => NodeJS.WriteStream): DirectWriter | NodeJS.WriteStream {
  return isCharacterDevice(fd) ? real() : new FdWriter(fd, real);
}
