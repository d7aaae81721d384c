/**
 * The publishers process (`node dist/bench/publishers.js '<PublishersConfig JSON>'`, forked by the
 * harness with an IPC channel): N werift publishers sending the clip in real time to one system
 * under test. It runs apart from the harness and from the system under test so that neither's CPU
 * figures include the load generator.
 */
import { installFastRtpPackets } from '../server/webrtc/fast-rtp-packet';
import { installFastSrtp } from '../server/webrtc/fast-srtp';
import { installSenderReportClock } from '../server/webrtc/sender-report-clock';
import { loadClipMedia } from './clip-media';
import { MediaPacer } from './media-pacer';
import type { PublishersCommand, PublishersConfig, PublishersMessage } from './publisher-messages';
import { PublisherPeer } from './publisher-peer';

/** Largest RTP payload sent, bytes (Chromium's packets carry at most ~1200 bytes of payload). */
const MAX_PAYLOAD_BYTES = 1200;

async function main(): Promise<void> {
  installSenderReportClock();
  // The load generator encrypts and copies every packet: the gateway's werift speed-ups keep it out of the way.
  installFastSrtp();
  installFastRtpPackets();
  const config = JSON.parse(process.argv[2] ?? '') as PublishersConfig;
  const media = await loadClipMedia({ h264Path: config.h264Path, opusPath: config.opusPath }, MAX_PAYLOAD_BYTES);
  const pacer = new MediaPacer(media);
  const peers: PublisherPeer[] = [];
  let stopping = false;

  process.on('message', (command: PublishersCommand) => {
    if (command.kind === 'lag') {
      send({ kind: 'lag', maxLagMs: pacer.takeLag() });
      return;
    }
    if (stopping) return;
    stopping = true;
    const stats = pacer.stop();
    void Promise.allSettled(peers.map((peer) => peer.close())).then(() => {
      // Disconnect only once the stats are out; exiting then is the 'disconnect' handler's job.
      send({ kind: 'stats', stats }, () => process.disconnect());
    });
  });
  // Without the harness there is nobody to stop us: never outlive it.
  process.on('disconnect', () => process.exit(0));

  const queue = [...config.streamNames];
  const connectNext = async (): Promise<void> => {
    for (let name = queue.shift(); name !== undefined && !stopping; name = queue.shift()) {
      try {
        const peer = await PublisherPeer.connect(config.wsUrl, name, { timeoutMs: config.connectTimeoutMs, onlyAnnouncedPaths: config.onlyAnnouncedPaths });
        peers.push(peer);
        pacer.add(peer);
        send({ kind: 'publishing', streamName: name });
      } catch (err) {
        send({ kind: 'failed', streamName: name, reason: (err as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, config.connectConcurrency) }, connectNext));
  send({ kind: 'ready' });
}

function send(message: PublishersMessage, sent?: () => void): void {
  process.send?.(message, undefined, undefined, sent);
}

main().catch((err: unknown) => {
  process.stderr.write(`publishers: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
