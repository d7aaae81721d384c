/**
 * Signed distance from RTP sequence number `from` to `to`, taking the 16-bit wrap into account:
 * in -32768..32767, positive when `to` is later (seqDistance(65535, 0) === 1).
 */
export function seqDistance(from: number, to: number): number {
  return ((((to - from) & 0xffff) + 0x8000) & 0xffff) - 0x8000;
}

/** The sequence number `n` steps after `seq`, wrapped to 16 bits. */
export function seqAdd(seq: number, n: number): number {
  return (seq + n) & 0xffff;
}
