/** The per-packet IVs of the two SRTP profiles WebRTC uses, written into a reused buffer (ciphers copy their IV). */

/** AES-128-GCM, 12 bytes: (0x0000 || SSRC || ROC || SEQ) XOR salt (RFC 7714 8.1). */
export function writeGcmIv(iv: Buffer, salt: Buffer, ssrc: number, roc: number, sequence: number): Buffer {
  iv.writeUInt16BE(0, 0);
  iv.writeUInt32BE(ssrc, 2);
  iv.writeUInt32BE(roc >>> 0, 6);
  iv.writeUInt16BE(sequence, 10);
  xorInto(iv, salt);
  return iv;
}

/** AES-128-CM, 16 bytes: (salt << 16) XOR (SSRC << 64) XOR (index << 16) (RFC 3711 4.1.1). */
export function writeCmIv(iv: Buffer, salt: Buffer, ssrc: number, roc: number, sequence: number): Buffer {
  iv.fill(0);
  iv.writeUInt32BE(ssrc, 4);
  iv.writeUInt32BE(roc >>> 0, 8);
  iv.writeUInt16BE(sequence, 12);
  xorInto(iv, salt);
  return iv;
}

function xorInto(target: Buffer, mask: Buffer): void {
  for (let i = 0; i < mask.length && i < target.length; i++) target[i]! ^= mask[i]!;
}
