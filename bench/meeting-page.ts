import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The "meeting" a beam captures: a black page with a frame counter that turns white for 100 ms
 * once a second, with a 440 Hz beep (WebAudio) at each flash; `/broken` answers 500. Both the
 * flash and the beep are scheduled on the audio clock, so the page itself keeps them together.
 * `/hang` never answers; `/join-fails` logs a failed join on the console.
 */
const PAGE = `<!doctype html><html><head><style>
html, body { margin: 0; height: 100%; background: #000; color: #888; font: 48px sans-serif; overflow: hidden; }
body.flash { background: #fff; }
</style></head><body><div id="n">0</div><script>
const audio = new AudioContext();
const osc = audio.createOscillator();
const gain = audio.createGain();
osc.frequency.value = 440;
gain.gain.value = 0;
osc.connect(gain).connect(audio.destination);
osc.start();
let frames = 0;
(function tick() {
  document.getElementById('n').textContent = String(frames++);
  const t = audio.currentTime;
  const phase = t % 1;
  document.body.classList.toggle('flash', phase < 0.1);
  requestAnimationFrame(tick);
})();
(async function schedule() {
  if (audio.state !== 'running') await audio.resume();
  const start = Math.ceil(audio.currentTime);
  for (let s = 0; s < 600; s++) {
    gain.gain.setValueAtTime(0.5, start + s);
    gain.gain.setValueAtTime(0, start + s + 0.1);
  }
})();
</script></body></html>`;

/** A meeting whose SDK cannot join: it says so on the console, as 100ms's SDK logs a failed join. */
const JOIN_FAILS = `<!doctype html><html><body><script>setTimeout(() => console.error('HMS join failed: room is locked'), 500);</script></body></html>`;

export class MeetingPage {
  private constructor(private readonly server: http.Server, readonly url: string) {}

  static async start(): Promise<MeetingPage> {
    const server = http.createServer((req, res) => {
      if (req.url === '/broken') res.writeHead(500, { 'content-type': 'text/plain' }).end('meeting service down');
      else if (req.url === '/hang') return; // never answers
      else if (req.url === '/join-fails') res.writeHead(200, { 'content-type': 'text/html' }).end(JOIN_FAILS);
      else res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new MeetingPage(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/meeting`);
  }

  /** A URL of the same server that answers 500. */
  get brokenUrl(): string {
    return this.url.replace('/meeting', '/broken');
  }

  /** A URL of the same server whose page logs a failed join. */
  get joinFailsUrl(): string {
    return this.url.replace('/meeting', '/join-fails');
  }

  /** A URL of the same server that never answers. */
  get hangingUrl(): string {
    return this.url.replace('/meeting', '/hang');
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
