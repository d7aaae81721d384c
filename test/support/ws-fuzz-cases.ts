import { seededRandom } from '../unit/media/support/prng';
import { sdpBomb } from './sdp-bombs';
import WebSocket from 'ws';
import { nestedArrayText, SignallingClient, type ServerFrame } from './signalling-client';

/** One fuzz case: frames sent on one WebSocket, optionally after a valid `connection`. */
export interface SignallingFuzzCase {
  /** What the case is made of, for failure messages. */
  readonly label: string;
  /** Send a valid `connection` and wait for getUserData first, so the frames reach an established session. */
  readonly establish: boolean;
  /** Text frames (strings) and binary frames (Buffers), in order. */
  readonly frames: ReadonlyArray<string | Buffer>;
}

/** After its last frame, a case waits this long for answers before it hangs up, ms. */
const LINGER_MS = 150;

/** Largest frame generated, bytes: under the signalling's 256 KiB frame limit, except for the 'oversized frame' case. */
const MAX_FRAME = 250 * 1024;
const MESSAGE_NAMES = [
  'connection', 'publishStream', 'unPublishStream', 'stopStream', 'ping', 'pong', 'playStream', 'snapshot', 'availableStream',
  'sendStreamEvent', 'sendData', 'getUserData', 'setRemoteSDP', 'fail', '', '__proto__', 'constructor', 'toString', 'hasOwnProperty',
];

type Random = () => number;

/**
 * Builds `count` reproducible cases from `seed`: every message type of the WCS protocol
 * and unknown ones; nested and oversized JSON in every place; malformed envelopes and binary frames;
 * SDP bombs and broken offers derived from `offer` (a real browser offer), some of which reach werift.
 * Meant for any fuzz suite of the signalling: the cases carry no expectation beyond "answered or
 * ignored, and the server lives".
 */
export function signallingFuzzCases(seed: number, count: number, offer: string): SignallingFuzzCase[] {
  const random = seededRandom(seed);
  const cases: SignallingFuzzCase[] = [];
  for (let i = 0; i < count; i++) {
    const kinds: string[] = [];
    const frames: Array<string | Buffer> = [];
    const frameCount = 1 + Math.floor(random() * 3);
    for (let f = 0; f < frameCount; f++) {
      const [kind, frame] = pick(random, FRAME_MAKERS)(random, offer);
      kinds.push(kind);
      frames.push(frame);
    }
    cases.push({ label: `#${i} (seed ${seed}): ${kinds.join(', ')}`, establish: random() < 0.7, frames });
  }
  return cases;
}

/** Each maker returns a label and one frame. */
const FRAME_MAKERS: Array<(random: Random, offer: string) => [string, string | Buffer]> = [
  (random) => {
    const name = pick(random, MESSAGE_NAMES);
    return [`${name || "''"} with a random value`, envelope(name, value(random))];
  },
  (random) => ['publishStream with a mutated descriptor', envelope('publishStream', descriptor(random, value(random)))],
  (random, offer) => {
    const [kind, sdp] = pick(random, SDP_MAKERS)(random, offer);
    return [`publishStream with ${kind}`, envelope('publishStream', descriptor(random, JSON.stringify(sdp)))];
  },
  (random) => ['unPublishStream of a random id', envelope(pick(random, ['unPublishStream', 'stopStream']), `{"mediaSessionId":${JSON.stringify(pick(random, ['id-0', 'id-1', '', 'x'.repeat(300)]))}}`)],
  (random) => ['connection with nested fields', envelope('connection', `{"appKey":${value(random)},"authToken":${value(random)},"custom":${value(random)},"mediaProviders":${value(random)}}`)],
  (random) => ['a malformed envelope', pick(random, [
    '', '{', 'null', '[]', '"ping"', '{"message":1,"data":[]}', '{"data":[]}', '{"message":"ping","data":{}}', '{"message":"ping","data":7}',
    `{"message":"ping","data":${nestedArrayText(20_000)}}`, `{"message":${nestedArrayText(10_000)}}`, '{"message":"ping","data":[1e999]}',
    '{"message":"ping","data":["\\ud800"]}', `{"message":"ping","data":["${'\\u0000'.repeat(1000)}"]}`,
  ])],
  (random) => ['a binary frame', Buffer.from(Array.from({ length: Math.floor(random() * 2000) }, () => Math.floor(random() * 256)))],
  () => ['an oversized frame', `{"message":"ping","data":["${'x'.repeat(300 * 1024)}"]}`],
];

const SDP_MAKERS: Array<(random: Random, offer: string) => [string, string]> = [
  (_random, offer) => ['the real offer', offer],
  (random) => ['an unbundled 400-section bomb', sdpBomb({ sections: 400, bundle: random() < 0.3 })],
  (random) => ['a bundled 3-section offer', sdpBomb({ sections: 2 + Math.floor(random() * 3), bundle: true })],
  (_random, offer) => ['the offer without BUNDLE', offer.replace(/^a=group:BUNDLE.*\r\n/m, '')],
  (_random, offer) => ['the offer with a repeated mid', offer.replace('a=mid:1', 'a=mid:0')],
  (_random, offer) => ['the offer twice over', offer + offer.slice(offer.indexOf('m='))],
  (random, offer) => ['the offer with lines dropped', offer.split('\r\n').filter(() => random() > 0.2).join('\r\n')],
  (random, offer) => ['the offer with garbage lines', offer.split('\r\n').flatMap((line) => (random() < 0.1 ? [line, garbageLine(random)] : [line])).join('\r\n')],
  (random, offer) => ['the offer with a huge attribute', offer.replace('a=mid:0', `a=mid:0\r\na=x-${'y'.repeat(Math.floor(random() * 200_000))}`)],
  (_random, offer) => ['the offer with a data channel', `${offer}m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:2\r\n`],
  (_random, offer) => ['the offer with LF only', offer.replaceAll('\r\n', '\n')],
  (_random, offer) => ['the offer with 1000 payload types', offer.replace(/^(m=video \S+ \S+) .*$/m, (_m, head: string) => `${head} ${Array.from({ length: 1000 }, (_, i) => i % 128).join(' ')}`)],
  (random) => ['text that only starts like SDP', `v=0\r\n${'m=video 1 x\r\n'.repeat(Math.floor(random() * 50))}${'\u0000'.repeat(10)}`],
];

function descriptor(random: Random, sdpJson: string): string {
  const id = JSON.stringify(`id-${Math.floor(random() * 2)}`);
  const fields = [`"mediaSessionId":${random() < 0.9 ? id : value(random)}`, `"name":${random() < 0.8 ? JSON.stringify(`fuzz${Math.floor(random() * 3)}`) : value(random)}`, `"sdp":${sdpJson}`];
  if (random() < 0.3) fields.push(`"hasAudio":${value(random)}`, `"hasVideo":${value(random)}`);
  if (random() < 0.3) fields.push(`"rtmpUrl":${random() < 0.5 ? '"rtmp://127.0.0.1:1/live"' : value(random)}`);
  if (random() < 0.3) fields.push(`"custom":${value(random)}`, `"maxBitrate":${value(random)}`);
  return `{${fields.join(',')}}`;
}

/** A random JSON value as text: scalars, deep nesting, large strings, odd numbers. */
function value(random: Random): string {
  const roll = random();
  if (roll < 0.15) return nestedArrayText(1 + Math.floor(random() * 20_000));
  if (roll < 0.25) {
    const depth = 1 + Math.floor(random() * 10_000);
    return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  }
  if (roll < 0.35) return JSON.stringify('s'.repeat(Math.floor(random() * 200_000)));
  if (roll < 0.45) return pick(random, ['1e308', '-0', '1e-400', '123456789012345678901234567890', '-1']);
  if (roll < 0.55) return pick(random, ['true', 'false', 'null', '""', '"\\ud800"', '"\\u0000"', '"💥"']);
  if (roll < 0.7) return `{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"toString":${JSON.stringify('x')}}`;
  if (roll < 0.85) return `[${Array.from({ length: Math.floor(random() * 5000) }, () => '0').join(',')}]`;
  return JSON.stringify({ k: 's'.repeat(Math.floor(random() * 100)) });
}

/** `{"message": name, "data": [data]}` with `data` already JSON text, cut to MAX_FRAME bytes at most (then invalid JSON, which is a case too). */
function envelope(name: string, dataJson: string): string {
  const text = `{"message":${JSON.stringify(name)},"data":[${dataJson}]}`;
  return text.length > MAX_FRAME ? text.slice(0, MAX_FRAME) : text;
}

function garbageLine(random: Random): string {
  return pick(random, ['m=', 'a=', '=', 'a=rtpmap:x', 'a=fmtp:96 ' + ';'.repeat(1000), 'c=IN IP4 999.1.1.1', 'a=ssrc:1 cname:' + 'c'.repeat(500), 'a=extmap:1', 'a=rtcp-fb:*']);
}

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

/** Runs one case; resolves with every frame the server sent. Never rejects: a refused upgrade or a cut connection is an answer too. */
export async function runSignallingCase(url: string, fuzz: SignallingFuzzCase, localAddress: string): Promise<ServerFrame[]> {
  let client: SignallingClient;
  try {
    client = await SignallingClient.open(url, localAddress);
  } catch {
    return [];
  }
  try {
    if (fuzz.establish) await client.connect().catch(() => undefined);
    for (const frame of fuzz.frames) if (client.ws.readyState === WebSocket.OPEN) client.ws.send(frame);
    await Promise.race([client.closed, new Promise((resolve) => setTimeout(resolve, LINGER_MS))]);
  } finally {
    client.ws.terminate();
  }
  return client.frames;
}
