/**
 * The WHEP viewers process (`node dist/bench/whep-viewers-process.js '<WhepViewersConfig JSON>'`,
 * forked by the harness with an IPC channel, see whep-viewers.ts): werift viewers of one system
 * under test, started and ended one command at a time, each counting what it receives per window.
 * It runs apart from the harness and from the system under test so that neither's CPU figures
 * include the viewers.
 */
import { installFastRtpPackets } from '../server/webrtc/fast-rtp-packet';
import { installFastSrtp } from '../server/webrtc/fast-srtp';
import { WhepTally } from './whep-tally';
import type { WhepViewersCommand, WhepViewersConfig, WhepViewersMessage, WhepViewersReply } from './whep-viewer-messages';
import { WhepViewerPeer } from './whep-viewer-peer';

/** RTP clock of H.264, Hz. */
const VIDEO_CLOCK_HZ = 90_000;

interface Viewer {
  readonly peer: WhepViewerPeer;
  readonly tally: WhepTally;
}

function main(): void {
  // Every viewer decrypts and parses every packet: the gateway's werift speed-ups keep the load generator out of the way.
  installFastSrtp();
  installFastRtpPackets();
  const config = JSON.parse(process.argv[2] ?? '') as WhepViewersConfig;
  const viewers = new Map<string, Viewer>();

  const handle = async (command: WhepViewersCommand): Promise<WhepViewersReply> => {
    const { request } = command;
    switch (command.kind) {
      case 'play': {
        if (viewers.has(command.key)) throw new Error(`viewer ${command.key} is playing already`);
        const tally = new WhepTally(VIDEO_CLOCK_HZ / config.fps, () => send({ kind: 'first-video', key: command.key }));
        const peer = await WhepViewerPeer.play(command.endpointUrl, tally, config.requestTimeoutMs);
        viewers.set(command.key, { peer, tally });
        return { request, kind: 'playing', resourceUrl: peer.resourceUrl };
      }
      case 'end': {
        const viewer = viewers.get(command.key);
        if (!viewer) throw new Error(`no viewer ${command.key}`);
        viewers.delete(command.key);
        await viewer.peer.end();
        return { request, kind: 'done' };
      }
      case 'reset':
        for (const { tally } of viewers.values()) tally.resetWindow();
        return { request, kind: 'done' };
      case 'windows':
        return {
          request,
          kind: 'windows',
          windows: command.keys.map((key) => {
            const viewer = viewers.get(key);
            if (!viewer) throw new Error(`no viewer ${key}`);
            return viewer.tally.window();
          }),
        };
    }
  };

  process.on('message', (command: WhepViewersCommand) => {
    void handle(command).then(send, (err: unknown) => send({ request: command.request, kind: 'failed', reason: (err as Error).message }));
  });
  // Without the harness there is nobody to end the viewers: never outlive it (the gateway drops them when their ICE times out).
  process.on('disconnect', () => process.exit(0));
}

function send(message: WhepViewersMessage): void {
  process.send?.(message);
}

main();
