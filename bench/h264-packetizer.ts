/** FU-A payload type (RFC 6184 5.8). */
const FU_A = 28;
/** FU indicator and FU header, bytes. */
const FU_A_OVERHEAD = 2;

/**
 * RTP payloads for one H.264 NAL unit (header byte included) in packetization mode 1 (RFC 6184):
 * the NAL unit itself when it fits in `maxPayloadBytes`, else FU-A fragments.
 */
export function packetizeNal(nal: Buffer, maxPayloadBytes: number): Buffer[] {
  if (nal.length <= maxPayloadBytes) return [nal];
  const indicator = (nal[0]! & 0xe0) | FU_A;
  const type = nal[0]! & 0x1f;
  const fragmentBytes = maxPayloadBytes - FU_A_OVERHEAD;
  const payloads: Buffer[] = [];
  for (let offset = 1; offset < nal.length; offset += fragmentBytes) {
    const end = Math.min(offset + fragmentBytes, nal.length);
    const payload = Buffer.allocUnsafe(FU_A_OVERHEAD + end - offset);
    payload[0] = indicator;
    payload[1] = (offset === 1 ? 0x80 : 0) | (end === nal.length ? 0x40 : 0) | type;
    nal.copy(payload, FU_A_OVERHEAD, offset, end);
    payloads.push(payload);
  }
  return payloads;
}
