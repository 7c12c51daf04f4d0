/** A progress reporter: `say(step)` emits "[certscrape-cluster +1.2s] step" to `sink`, timed from creation (or `start`). */
export function progressReporter(sink: (line: string) => void = () => undefined, start = Date.now(), now: () => number = Date.now): (step: string) => void {
  return (step) => sink(`[certscrape-cluster +${((now() - start) / 1000).toFixed(1)}s] ${step}`);
}
