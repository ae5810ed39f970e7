/**
 * Progress of a long replay (`lev replay --rebuild`) on stderr: a bar redrawn in place on a terminal, plain lines
 * at most once per interval otherwise (logs, CI).
 */

export type Progress = {
  /** The position reached so far. */
  update(position: bigint): void;
  /** Draws the final state and ends the bar's line. */
  done(position: bigint): void;
};

export type ProgressOptions = {
  write: (s: string) => void;
  /** A terminal: redraw one line with `\r`. */
  tty: boolean;
  total: bigint;
  label: string;
  /** Terminal columns for the bar. @default 80 */
  columns?: number;
  /** Minimum time between two plain lines (and between two redraws on a terminal: a tenth of it). @default 1000 */
  intervalMs?: number;
  now?: () => number;
};

/** `[=====>    ]  45%  12345/27000  3456/s`. Pure. */
export function renderBar(position: bigint, total: bigint, width: number, ratePerSec: number): string {
  const frac = total > 0n ? Math.min(1, Number((position * 10_000n) / total) / 10_000) : 1;
  const inner = Math.max(10, width);
  const filled = Math.round(frac * inner);
  const bar = filled >= inner ? '='.repeat(inner) : `${'='.repeat(filled)}>${' '.repeat(inner - filled - 1)}`;
  const pct = `${Math.floor(frac * 100)}`.padStart(3);
  return `[${bar}] ${pct}%  ${position}/${total}  ${Math.round(ratePerSec)}/s`;
}

export function createProgress(o: ProgressOptions): Progress {
  const now = o.now ?? Date.now;
  const started = now();
  const interval = o.intervalMs ?? 1000;
  let last = Number.NEGATIVE_INFINITY;
  let drawn: bigint | undefined;
  const rate = (position: bigint) => {
    const s = (now() - started) / 1000;
    return s > 0 ? Number(position) / s : 0;
  };
  const draw = (position: bigint, final: boolean) => {
    drawn = position;
    if (o.tty) {
      const width = Math.max(10, (o.columns ?? 80) - o.label.length - 40);
      o.write(
        `\r${o.label} ${renderBar(position, o.total, width, rate(position))}\u001b[K${final ? '\n' : ''}`,
      );
    } else {
      const pct = o.total > 0n ? Number((position * 100n) / o.total) : 100;
      o.write(`${o.label}: ${position}/${o.total} (${pct}%)\n`);
    }
  };
  return {
    update(position) {
      const t = now();
      if (t - last < (o.tty ? interval / 10 : interval)) return;
      last = t;
      draw(position, false);
    },
    done(position) {
      // A plain line for the same position was already printed; a bar always ends its line.
      if (o.tty || drawn !== position) draw(position, true);
    },
  };
}
