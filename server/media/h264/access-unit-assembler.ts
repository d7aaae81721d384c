/** One NAL unit being collected: its header byte and the payload pieces that follow it. */
interface PendingNal {
  readonly header: number;
  readonly parts: Buffer[];
  /** Header byte plus all parts, bytes. */
  length: number;
}

/**
 * Collects the NAL units of one access unit, whole or in fragments (zero-copy views of the RTP
 * payloads), and writes them out as AVCC in a single allocation, so an access unit made of many
 * FU-A fragments costs one copy instead of one concatenation per fragment.
 */
export class AccessUnitAssembler {
  #nals: PendingNal[] = [];
  /** The NAL unit still receiving fragments, if any. */
  #open: PendingNal | undefined;

  /** True when nothing was added since the last build/reset. */
  get isEmpty(): boolean {
    return this.#nals.length === 0;
  }

  /** nal_unit_type of each NAL unit, in order. */
  nalTypes(): number[] {
    return this.#nals.map((nal) => nal.header & 0x1f);
  }

  /** Adds a complete NAL unit (header byte included). */
  addNal(nal: Buffer): void {
    this.#nals.push({ header: nal[0], parts: [nal.subarray(1)], length: nal.length });
  }

  /** Starts a fragmented NAL unit with its reconstructed header byte. */
  startNal(header: number): void {
    this.#open = { header, parts: [], length: 1 };
    this.#nals.push(this.#open);
  }

  /** Appends a fragment to the open NAL unit (no-op when none is open). */
  appendToNal(fragment: Buffer): void {
    if (this.#open === undefined) return;
    this.#open.parts.push(fragment);
    this.#open.length += fragment.length;
  }

  /** Marks the open NAL unit complete. */
  endNal(): void {
    this.#open = undefined;
  }

  /** Writes the collected NAL units as AVCC (4-byte big-endian lengths) and starts over. */
  build(): Buffer {
    let total = 0;
    for (const nal of this.#nals) total += 4 + nal.length;
    const out = Buffer.allocUnsafe(total);
    let offset = 0;
    for (const nal of this.#nals) {
      out.writeUInt32BE(nal.length, offset);
      out[offset + 4] = nal.header;
      offset += 5;
      for (const part of nal.parts) offset += part.copy(out, offset);
    }
    this.reset();
    return out;
  }

  /** Forgets everything collected. */
  reset(): void {
    this.#nals = [];
    this.#open = undefined;
  }
}
