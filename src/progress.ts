/** Progress on stderr for long runs (TTY only): inputs read of inputs total. */
import cliProgress from 'cli-progress';

export function createProgress(stream: NodeJS.WritableStream) {
  const bar = new cliProgress.SingleBar(
    { stream: stream as NodeJS.WriteStream, format: 'reading {bar} {value}/{total} inputs  {path}', hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done: number, total: number, path: string) {
      if (!started) {
        bar.start(total, 0, { path: '' });
        started = true;
      }
      bar.update(done, { path: path.length > 50 ? '…' + path.slice(-49) : path });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
