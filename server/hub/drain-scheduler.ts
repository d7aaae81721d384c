/** Something with queued work to run outside the writer's call stack. */
export interface Drainable {
  /** Runs the queued work; must not throw. */
  drain(): void;
}

const pending = new Set<Drainable>();
let scheduled = false;

function runPending(): void {
  scheduled = false;
  // Work scheduled while these run (a reader that writes into another stream) waits for the next turn.
  const batch = [...pending];
  pending.clear();
  for (const item of batch) item.drain();
}

/**
 * Runs `item.drain()` soon: once per event-loop turn, after the I/O callbacks of this turn, for
 * every item scheduled meanwhile. Ingest callbacks (a UDP packet, an RTMP message) only queue
 * frames; the readers' work runs here, out of their call stack, and frames that arrived in the same
 * turn leave together.
 */
export function scheduleDrain(item: Drainable): void {
  pending.add(item);
  if (scheduled) return;
  scheduled = true;
  setImmediate(runPending);
}
