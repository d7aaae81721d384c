/**
 * The baseline process (`node dist/bench/baseline.js '<BaselineConfig JSON>'`): what users build
 * instead of the gateway — werift receiving each publish and one `ffmpeg -c:v copy -c:a aac` per
 * push (see BaselineStream) — behind the same WCS signalling and `/rest-api/push/startup` call, so
 * the harness drives both systems identically. Stops on SIGTERM.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { BaselineStream } from './baseline-stream';
import { serveBaselineSignalling } from './baseline-signalling';

/** Settings of the baseline process. */
export interface BaselineConfig {
  /** Port of its HTTP API and WebSocket signalling (127.0.0.1). */
  readonly httpPort: number;
  /** First UDP port handed to ffmpeg; each push takes four from there on. */
  readonly rtpBasePort: number;
  /** Directory for SDP files. */
  readonly workDir: string;
  readonly ffmpegPath: string;
  /** AAC bitrate, bit/s. */
  readonly aacBitrateBps: number;
}

const PORTS_PER_PUSH = 4;

function main(): void {
  const config = JSON.parse(process.argv[2] ?? '') as BaselineConfig;
  const streams = new Map<string, BaselineStream>();
  let nextPort = config.rtpBasePort;

  const server = http.createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/rest-api/push/startup') {
      res.writeHead(404).end();
      return;
    }
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const { streamName = '', rtmpUrl = '' } = JSON.parse(body || '{}') as { streamName?: string; rtmpUrl?: string };
      const stream = streams.get(streamName);
      if (!stream) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: `Stream '${streamName}' is not published` }));
        return;
      }
      stream.startPush({ rtmpUrl, videoPort: nextPort, audioPort: nextPort + 2, workDir: config.workDir, ffmpegPath: config.ffmpegPath, aacBitrateBps: config.aacBitrateBps });
      nextPort += PORTS_PER_PUSH;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ mediaSessionId: randomUUID(), streamName, rtmpUrl }));
    });
  });

  serveBaselineSignalling(server, {
    async publish(name, offerSdp, onConnected) {
      const { stream, answerSdp } = await BaselineStream.answer(name, offerSdp, onConnected);
      streams.set(name, stream);
      return answerSdp;
    },
    unpublish(name) {
      void streams.get(name)?.close();
      streams.delete(name);
    },
  });
  server.listen(config.httpPort, '127.0.0.1');

  process.on('SIGTERM', () => {
    void Promise.allSettled([...streams.values()].map((stream) => stream.close())).then(() => process.exit(0));
  });
}

main();
