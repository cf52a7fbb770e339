import cliProgress from 'cli-progress';

export interface Progress {
  tick(n?: number): void;
  /** Replaces the label (e.g. the current scenario). */
  label(text: string): void;
  stop(): void;
}

/**
 * A progress bar on a terminal; on a pipe or in CI, a line every ~10% so logs stay readable.
 * Writes to stderr so stdout stays clean for tables and JSON.
 */
export function progress(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  let done = 0;
  let name = label;
  if (stream.isTTY && !process.env.CI) {
    const bar = new cliProgress.SingleBar(
      { format: '{name} [{bar}] {percentage}% {value}/{total} eta {eta_formatted}', hideCursor: true, stream, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { name });
    return {
      tick: (n = 1) => bar.increment(n, { name }),
      label: (t) => {
        name = t;
        bar.update(done, { name });
      },
      stop: () => bar.stop(),
    };
  }
  let lastDecile = -1;
  const report = () => {
    const decile = total > 0 ? Math.floor((done / total) * 10) : 10;
    if (decile !== lastDecile) {
      lastDecile = decile;
      stream.write(`${name}: ${done}/${total} (${Math.min(100, decile * 10)}%)\n`);
    }
  };
  return {
    tick: (n = 1) => {
      done += n;
      report();
    },
    label: (t) => {
      name = t;
    },
    stop: () => {
      if (done < total) stream.write(`${name}: stopped at ${done}/${total}\n`);
    },
  };
}
