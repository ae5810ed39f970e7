/**
 * How long this process's event loop was held: a timer every 10 ms, its worst lateness. For tests that check that
 * work runs off the thread (calls, traces on worker threads).
 */
export function watchEventLoopLag(): { maxLagMs(): number; stop(): void } {
  let lag = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    lag = Math.max(lag, now - last - 10);
    last = now;
  }, 10);
  return { maxLagMs: () => lag, stop: () => clearInterval(timer) };
}
