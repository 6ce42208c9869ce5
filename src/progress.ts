/**
 * Progress on stderr for long runs, only on a TTY: one bar for all bytes read (compressed, of the
 * total size of the archives) and one bar per archive being read.
 */
import cliProgress from 'cli-progress';
import { basename } from 'node:path';
import type { ProgressSink } from './bundle/load-inputs.js';

const MB = 1024 * 1024;

export function createProgress(stream: NodeJS.WritableStream): ProgressSink & { stop(): void } {
  const multi = new cliProgress.MultiBar(
    {
      stream: stream as NodeJS.WriteStream,
      format: '{label} {bar} {valueMB}/{totalMB} MB',
      hideCursor: true,
      clearOnComplete: true,
      autopadding: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const sizes = new Map<string, number>();
  const seen = new Map<string, number>();
  const bars = new Map<string, cliProgress.SingleBar>();
  let total: cliProgress.SingleBar | undefined;
  let totalBytes = 0;
  let readBytes = 0;
  const mb = (n: number) => (n / MB).toFixed(0);
  return {
    start(archives) {
      totalBytes = archives.reduce((a, x) => a + x.bytes, 0);
      for (const a of archives) sizes.set(a.path, a.bytes);
      total = multi.create(Math.max(1, totalBytes), 0, { label: `all ${archives.length} archives`, valueMB: '0', totalMB: mb(totalBytes) });
    },
    read(path, bytesRead) {
      readBytes += bytesRead - (seen.get(path) ?? 0);
      seen.set(path, bytesRead);
      total?.update(readBytes, { valueMB: mb(readBytes) });
      let bar = bars.get(path);
      const size = sizes.get(path) ?? bytesRead;
      if (bar === undefined) {
        const name = basename(path);
        const dir = basename(path.slice(0, path.length - name.length - 1));
        bar = multi.create(Math.max(1, size), 0, { label: `  ${dir}/${name}`.slice(-48), valueMB: '0', totalMB: mb(size) });
        bars.set(path, bar);
      }
      bar.update(bytesRead, { valueMB: mb(bytesRead) });
    },
    done(path) {
      const bar = bars.get(path);
      if (bar !== undefined) {
        multi.remove(bar);
        bars.delete(path);
      }
    },
    stop() {
      multi.stop();
    },
  };
}
