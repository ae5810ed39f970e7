/** stdout and stderr streams that keep what a command writes, for commands that take their streams as arguments. */
import { Writable } from 'node:stream';

export type CapturedIo = {
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };
  stdout(): string;
  stderr(): string;
};

export function captureIo(): CapturedIo {
  const text = { stdout: '', stderr: '' };
  const sink = (k: 'stdout' | 'stderr') =>
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        text[k] += chunk.toString();
        cb();
      },
    });
  return {
    io: { stdout: sink('stdout'), stderr: sink('stderr') },
    stdout: () => text.stdout,
    stderr: () => text.stderr,
  };
}
