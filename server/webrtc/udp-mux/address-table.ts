/**
 * A map keyed by a remote (address, port), nested by port then address so that the lookup every
 * received packet makes allocates nothing (no "address:port" string per packet).
 */
export class AddressTable<V> {
  readonly #byPort = new Map<number, Map<string, V>>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get(address: string, port: number): V | undefined {
    return this.#byPort.get(port)?.get(address);
  }

  set(address: string, port: number, value: V): void {
    let byAddress = this.#byPort.get(port);
    if (byAddress === undefined) {
      byAddress = new Map();
      this.#byPort.set(port, byAddress);
    }
    if (!byAddress.has(address)) this.#size++;
    byAddress.set(address, value);
  }

  delete(address: string, port: number): void {
    const byAddress = this.#byPort.get(port);
    if (byAddress === undefined || !byAddress.delete(address)) return;
    this.#size--;
    if (byAddress.size === 0) this.#byPort.delete(port);
  }
}
