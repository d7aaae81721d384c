import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { RepairWindowSetting } from '../server/media/rtp/repair-window';
import { freeUdpPort } from './free-port';
import type { GatewayBehindNat } from './gateway-process';
import { ImpairmentRelay, RELAY_PROFILES, type RelayProfileName } from './impairment-relay';
import { readIngestTotals, type IngestTotals } from './ingest-quality';
import { linkFigures, type LinkFigures, type RelayReading } from './link-figures';
import { runLoadPhase, type LoadPhaseOptions } from './load-phase';

/** Sampling interval of the event loop delay, ms: the histogram records each interval as it was, so the delay is what exceeds it. */
const LOOP_RESOLUTION_MS = 10;
/** Seed of every relay: each phase gets the same random draws (the same losses as far as the packets are the same). */
const RELAY_SEED = 11;

/** A relay waiting for its gateway, and how to start that gateway behind it. */
export interface LinkRelay {
  readonly relay: ImpairmentRelay;
  readonly gateway: GatewayBehindNat;
}

/**
 * Starts an impairment relay with `profile` on 127.0.0.1 in this process, forwarding to a free
 * UDP port the gateway is then to bind: the 1:1 NAT of the end-to-end test, with loopback on both
 * sides. The relay keeps the target port free only by chance; the gateway binds it at once.
 */
export async function startLinkRelay(profile: RelayProfileName, repairWindow: RepairWindowSetting): Promise<LinkRelay> {
  const udpPort = await freeUdpPort();
  const relay = await ImpairmentRelay.start({ listenAddress: '127.0.0.1', targetAddress: '127.0.0.1', targetPort: udpPort, profile: RELAY_PROFILES[profile], seed: RELAY_SEED });
  const { address, port } = relay.address;
  return { relay, gateway: { label: `gateway-link-${repairWindow}`, udpPort, announced: `${address}:${port}`, repairWindow } };
}

/** What one lossy-link phase needs: a load phase's, the relay in front of the gateway and the column's label. */
export type LinkPhaseOptions = Omit<LoadPhaseOptions<never>, 'onlyAnnouncedPaths' | 'probe' | 'readerQueues'> & {
  /** The relay `system` (the gateway) was started behind. */
  readonly relay: ImpairmentRelay;
  /** Column label: the profile and the repair window. */
  readonly label: string;
};

/**
 * A load phase whose publishers reach the gateway only through the relay: what the sink received,
 * and at both ends of the window the gateway's find_all totals, the relay's counters and the delay
 * of this process's event loop, which runs the relay (and the sink): a late loop would be jitter
 * the profile did not ask for.
 */
export async function runLinkPhase(options: LinkPhaseOptions): Promise<LinkFigures> {
  const { relay, label, ...load } = options;
  const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  const delayMs = (nanoseconds: number): number => Math.max(0, nanoseconds / 1e6 - LOOP_RESOLUTION_MS);
  loop.enable();
  try {
    const probe = async (): Promise<{ ingest: IngestTotals; relay: RelayReading }> => {
      const reading: RelayReading = { stats: relay.stats(), eventLoopDelayMs: { p99: delayMs(loop.percentile(99)), max: delayMs(loop.max) } };
      loop.reset();
      return { ingest: await readIngestTotals(load.system), relay: reading };
    };
    const phase = await runLoadPhase({ ...load, onlyAnnouncedPaths: true, probe });
    return linkFigures(label, phase);
  } finally {
    loop.disable();
  }
}
