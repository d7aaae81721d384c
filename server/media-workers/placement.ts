/** The main process's share: node 0. */
export const MAIN_NODE = 0;

/** What placement needs to know of the main process's own paths. */
export interface LocalNode {
  /** True when the main process has a path (publication, grace period or push) under `name`. */
  has(name: string): boolean;
  /** Paths the main process carries now. */
  load(): number;
}

/**
 * Which node carries each stream name: node 0 is the main process, nodes 1..N-1 the media worker
 * children. A name stays on its node while anything lives under it there, so a publisher, its
 * players and its pushes always meet; a new name goes to the node carrying the fewest.
 */
export class Placement {
  readonly #nodes: number;
  readonly #local: LocalNode;
  /**
   * Names on worker nodes; `awaiting`: a connection was handed over for the name and the worker has
   * not published it since, so a removal the worker reported before it got the connection is stale.
   */
  readonly #remote = new Map<string, { node: number; awaiting: boolean }>();
  /** Worker nodes not running now (restarting): nothing new goes there. */
  readonly #down = new Set<number>();

  constructor(nodes: number, local: LocalNode) {
    this.#nodes = nodes;
    this.#local = local;
  }

  /** The node carrying `name`, if any does. */
  nodeOf(name: string): number | undefined {
    return this.#remote.get(name)?.node ?? (this.#local.has(name) ? MAIN_NODE : undefined);
  }

  /** The node of `name`, choosing the least loaded one (the main process on a tie) for a new name. */
  place(name: string): number {
    const placed = this.nodeOf(name);
    if (placed !== undefined) return placed;
    const loads = new Array<number>(this.#nodes).fill(0);
    loads[MAIN_NODE] = this.#local.load();
    for (const { node } of this.#remote.values()) loads[node]!++;
    let best = MAIN_NODE;
    for (let node = 1; node < this.#nodes; node++) {
      if (!this.#down.has(node) && loads[node]! < loads[best]!) best = node;
    }
    if (best !== MAIN_NODE) this.#remote.set(name, { node: best, awaiting: false });
    return best;
  }

  /** A connection for `name` is on its way to its worker: keep the name there until the worker publishes it. */
  handingOver(name: string): void {
    const entry = this.#remote.get(name);
    if (entry) entry.awaiting = true;
  }

  /** A worker published `name`; one that was not asked to (a hook renamed the stream) now carries it. */
  published(name: string, node: number): void {
    const entry = this.#remote.get(name);
    if (entry?.node === node) entry.awaiting = false;
    else if (node !== MAIN_NODE && this.nodeOf(name) === undefined) this.#remote.set(name, { node, awaiting: false });
  }

  /** A handed-over connection ended, having published `name` or not: nothing is on its way any more. */
  handOverEnded(name: string, node: number): void {
    const entry = this.#remote.get(name);
    if (entry?.node === node) entry.awaiting = false;
  }

  /** The worker has nothing left under `name`: a later publisher may go elsewhere. */
  removed(name: string, node: number): void {
    const entry = this.#remote.get(name);
    if (entry?.node === node && !entry.awaiting) this.#remote.delete(name);
  }

  /** The worker is gone: its names are forgotten (returned), and nothing new goes there until it is back. */
  nodeDown(node: number): string[] {
    this.#down.add(node);
    const names = [...this.#remote].filter(([, entry]) => entry.node === node).map(([name]) => name);
    for (const name of names) this.#remote.delete(name);
    return names;
  }

  nodeUp(node: number): void {
    this.#down.delete(node);
  }
}
