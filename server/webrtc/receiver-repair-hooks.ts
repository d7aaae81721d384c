import type { RTCRtpReceiver, RtpPacket } from 'werift';

/** The parts of werift 0.25's RTCRtpReceiver (private in its typings) this module touches. */
interface WeriftReceiverInternals {
  nack?: { addPacket?: unknown; close?: unknown };
  handleRTP?: unknown;
  codecs?: Record<number, { name?: unknown } | undefined>;
}

type HandleRtp = (this: unknown, packet: RtpPacket, ...rest: unknown[]) => void;

/** What the hooks report about the packet werift is handing to the track's subscribers right now. */
export interface ReceiverRepairHooks {
  /** True while werift delivers a packet it unwrapped from RTX (a retransmission), false otherwise. */
  readonly deliveringRetransmission: boolean;
}

/**
 * Takes loss repair away from one werift receiver, so the gateway does it (RtpLossRepair):
 *
 * - werift's own NackHandler is neutralised: it sends a NACK every 5 ms for ~10 tries (≈ 50 ms)
 *   and then forgets the packet, so on any link with a round trip above that its NACKs are only
 *   noise; it also sorts sequence numbers as strings and misses gaps across the 16-bit wrap.
 * - packets werift unwraps from RTX are marked while it delivers them (`deliveringRetransmission`,
 *   read synchronously from the track's onReceiveRtp, which werift calls synchronously), since the
 *   unwrapped packet looks like any other: retransmissions must not count as network arrivals
 *   (jitter), and their delay times the round trip.
 *
 * Both are per-receiver own properties over werift's prototype methods; werift itself is left
 * unchanged. When its internals are not what this expects (another werift version), nothing is
 * touched and undefined is returned: werift's handler then keeps NACKing, as before.
 */
export function hookReceiverRepair(receiver: RTCRtpReceiver): ReceiverRepairHooks | undefined {
  const internals = receiver as unknown as WeriftReceiverInternals;
  const { nack, codecs } = internals;
  const handleRtp = internals.handleRTP;
  if (typeof nack?.addPacket !== 'function' || typeof handleRtp !== 'function' || typeof codecs !== 'object' || codecs === null) return undefined;
  const hooks = { deliveringRetransmission: false };
  nack.addPacket = () => {};
  internals.handleRTP = function handleRtpMarkingRtx(this: unknown, packet: RtpPacket, ...rest: unknown[]): void {
    const codec = codecs[packet.header.payloadType];
    hooks.deliveringRetransmission = typeof codec?.name === 'string' && codec.name.toLowerCase() === 'rtx';
    try {
      (handleRtp as HandleRtp).call(this, packet, ...rest);
    } finally {
      hooks.deliveringRetransmission = false;
    }
  };
  return hooks;
}
