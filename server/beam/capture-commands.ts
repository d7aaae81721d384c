/**
 * Page capture ("beam"): the commands that show a meeting URL in a headful Chromium on a private
 * Xvfb display, with its sound going to a private PulseAudio null sink, and the script Chromium
 * runs in the page (as an unpacked extension's content script) to capture the screen
 * (getDisplayMedia) and that sink (getUserMedia) and publish them to the gateway over WebRTC.
 *
 * Chosen by measurement (1280×720, 60 s, twice each) over ffmpeg x11grab + pulse → x264/AAC:
 * 65–68 % of one core for everything (Xvfb, pulseaudio, all of Chromium, encoding included) against
 * 72–74 %, 510 MB PSS against 760, audio 26–34 ms ahead of video (p10–p90 spread ≈ 40 ms) against
 * 550–600 ms behind with ffmpeg's pulse input timestamps. The gateway then pays its usual WebRTC
 * publisher cost (Opus → AAC included).
 *
 * Pure functions: they only build argument lists, environments and file contents; the caller
 * writes the files and spawns. Order: Xvfb (wait for its display number on `-displayfd`) and
 * PulseAudio (wait for `pulseSocket`), then Chromium, then (page loaded) `pointerNudgeCommand`. Spawn each with `detached: true` (its own
 * process group: `kill(-pid)` also ends Chromium's zygote, renderer, GPU and utility processes) and
 * through `withParentDeathSignal`, so that nothing outlives a gateway killed with SIGKILL.
 */

/** A process to spawn. */
export interface BeamCommand {
  readonly command: string;
  readonly args: readonly string[];
  /** Variables to add to (not replace) the gateway's environment. */
  readonly env: Readonly<Record<string, string>>;
}

/** A file the caller writes before spawning. */
export interface BeamFile {
  readonly path: string;
  readonly content: string;
}

export interface BeamCaptureOptions {
  /** Page to show. */
  readonly url: string;
  /** Capture size, px: the screen, the window and the captured video. */
  readonly width: number;
  readonly height: number;
  /** Directory owned by this beam (created empty, mode 0700, by the caller; removed afterwards). */
  readonly runtimeDir: string;
  /** X display number, once Xvfb has written it on `-displayfd`. */
  readonly display: number;
  readonly framerate?: number;
  /** Video bit/s asked of Chromium's encoder. */
  readonly videoBitrate?: number;
}

/** The page's sound goes to this sink. */
export const BEAM_SINK = 'beam';
/** Chromium hides monitor sources from getUserMedia, so the sink's monitor is re-exposed as this source. */
export const BEAM_SOURCE = 'beam_in';
/** Rate of the sink and of Chromium's output and input (via daemon.conf): nothing resampled. */
export const BEAM_SAMPLE_RATE = 48000;

const pulseDir = (o: Pick<BeamCaptureOptions, 'runtimeDir'>): string => `${o.runtimeDir}/pulse`;
export const pulseSocket = (o: Pick<BeamCaptureOptions, 'runtimeDir'>): string => `${pulseDir(o)}/native`;
const extensionDir = (o: Pick<BeamCaptureOptions, 'runtimeDir'>): string => `${o.runtimeDir}/extension`;

/**
 * Xvfb on a free display number that it picks itself and writes to `fd` once it accepts clients
 * (no guessed :N, no race on /tmp/.X<N>-lock, and a readiness signal). Spawn with
 * `stdio: ['ignore', 'ignore', 'pipe', 'pipe']` for fd 3.
 */
export function xvfbCommand(o: Pick<BeamCaptureOptions, 'width' | 'height'>, fd = 3): BeamCommand {
  return {
    command: 'Xvfb',
    args: [
      '-displayfd', String(fd),
      '-screen', '0', `${o.width}x${o.height}x24`, // one screen of exactly the capture size
      '-nolisten', 'tcp', // local Unix socket only
      '-noreset', // no server reset when the last client disconnects
      // Chromium's X11 screen capturer takes "Entire screen" as monitor id 0, which Xvfb's RandR
      // monitor list does not contain (getDisplayMedia: NotReadableError); without RandR it captures the whole root window.
      '-extension', 'RANDR',
      // (`-nocursor` is of no use: Chromium sets its own pointer on its window; see HIDE_CURSOR_CSS.)
    ],
    env: {},
  };
}

/** PulseAudio's environment: everything it reads or writes stays in `runtimeDir`. */
function pulseEnv(o: Pick<BeamCaptureOptions, 'runtimeDir'>): Record<string, string> {
  return { HOME: o.runtimeDir, XDG_RUNTIME_DIR: pulseDir(o), PULSE_RUNTIME_PATH: pulseDir(o), PULSE_STATE_PATH: pulseDir(o) };
}

/** Written before PulseAudio starts; `${runtimeDir}/pulse/` (mode 0700) must exist too. */
export function pulseaudioFiles(o: Pick<BeamCaptureOptions, 'runtimeDir'>): BeamFile[] {
  // $HOME/.config/pulse/daemon.conf: the server's default rate is the rate Chromium opens streams at (44.1 kHz otherwise).
  return [{ path: `${o.runtimeDir}/.config/pulse/daemon.conf`, content: `default-sample-rate = ${BEAM_SAMPLE_RATE}\n` }];
}

/**
 * A PulseAudio daemon for this beam only. As root it needs no `--system` (it only warns "not
 * intended to be run as root"). Ready when `pulseSocket(o)` exists.
 */
export function pulseaudioCommand(o: Pick<BeamCaptureOptions, 'runtimeDir'>): BeamCommand {
  return {
    command: 'pulseaudio',
    args: [
      '-n', // no default.pa: no hardware, no other sinks, no X11/D-Bus modules
      '--daemonize=no', // stay our child, in the process group we kill
      '--use-pid-file=no', // several daemons side by side
      '--exit-idle-time=-1', // never exit while the beam lives, even without clients
      '--disallow-exit', // clients cannot stop it
      '--disable-shm=yes', // socket transport only: nothing left in /dev/shm
      '--log-target=stderr',
      '-L', `module-native-protocol-unix socket=${pulseSocket(o)} auth-anonymous=1`, // our own socket, no cookie
      '-L', `module-null-sink sink_name=${BEAM_SINK} rate=${BEAM_SAMPLE_RATE} channels=2`, // the only sink, so Chromium's default output
      '-L', `module-remap-source master=${BEAM_SINK}.monitor source_name=${BEAM_SOURCE}`, // the monitor as a source getUserMedia lists
    ],
    env: pulseEnv(o),
  };
}

/**
 * Hides the pointer, which Chromium's screen capture draws (Xvfb's `-nocursor` and getDisplayMedia's
 * `cursor: 'never'` do not remove it). Chromium applies it at the next pointer event only: see `pointerNudgeCommand`.
 */
export const HIDE_CURSOR_CSS = '*, *::before, *::after { cursor: none !important; }\n';

/**
 * The content script: captures the screen and the beam's sink as soon as the page starts and hands
 * the stream to `publishBeam(stream)`, which `publish.js` (listed before it in the manifest, see
 * `publishScript`) defines. It runs in
 * the extension's isolated world: the page can neither see nor replace it.
 */
export function captureScript(o: Pick<BeamCaptureOptions, 'width' | 'height' | 'framerate'>): string {
  const video = { width: o.width, height: o.height, frameRate: o.framerate ?? 25 };
  return `(async () => {
  if (window.top !== window) return;
  const screen = await navigator.mediaDevices.getDisplayMedia({ video: ${JSON.stringify(video)}, audio: false });
  // 'detail': under CPU pressure WebRTC lowers the frame rate, never the requested size.
  for (const track of screen.getVideoTracks()) track.contentHint = 'detail';
  const sound = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false, channelCount: 2 } });
  await publishBeam(new MediaStream([...screen.getVideoTracks(), ...sound.getAudioTracks()]));
})().catch((e) => console.error('beam capture failed', e));
`;
}

/** Where the captured page publishes: the gateway's WebSocket signalling and the stream name. */
export interface BeamPublishTarget {
  readonly wsUrl: string;
  readonly streamName: string;
}

/**
 * `publish.js`: the gateway's web SDK bundle (which defines `Flashphoner`), then `publishBeam`,
 * which publishes a MediaStream as `streamName` like any browser publisher. A refused publish (the
 * stream of a browser that just died may hold the name for a moment) is tried again every second,
 * up to a minute; each failure is logged to the console, where the gateway reads it (stderr).
 */
export function publishScript(sdkBundle: string, target: BeamPublishTarget): string {
  return `${sdkBundle}
var publishBeam = (stream) => new Promise((resolve, reject) => {
  Flashphoner.init({});
  const S = Flashphoner.constants.SESSION_STATUS, T = Flashphoner.constants.STREAM_STATUS;
  const session = Flashphoner.createSession({ urlServer: ${JSON.stringify(target.wsUrl)} });
  let tries = 0;
  const publish = () => {
    const published = session.createStream({ name: ${JSON.stringify(target.streamName)}, mediaStream: stream });
    published.on(T.PUBLISHING, () => resolve());
    published.on(T.FAILED, () => {
      console.error('beam publish failed: ' + published.getInfo());
      if (++tries < 60) setTimeout(publish, 1000);
      else reject(new Error('beam publish failed: ' + published.getInfo()));
    });
    published.publish();
  };
  session.on(S.ESTABLISHED, publish).on(S.FAILED, () => reject(new Error('beam signalling failed')));
});
`;
}

/** The unpacked extension loaded by `chromiumCommand`: manifest, script and style. */
export function extensionFiles(o: Pick<BeamCaptureOptions, 'runtimeDir' | 'width' | 'height' | 'framerate'>, publish: string): BeamFile[] {
  const manifest = {
    manifest_version: 3,
    name: 'beam capture',
    version: '1.0',
    content_scripts: [{ matches: ['<all_urls>'], js: ['publish.js', 'capture.js'], css: ['hide-cursor.css'], run_at: 'document_start' }],
  };
  return [
    { path: `${extensionDir(o)}/manifest.json`, content: JSON.stringify(manifest, null, 2) },
    { path: `${extensionDir(o)}/publish.js`, content: publish },
    { path: `${extensionDir(o)}/capture.js`, content: captureScript(o) },
    { path: `${extensionDir(o)}/hide-cursor.css`, content: HIDE_CURSOR_CSS },
  ];
}

/**
 * One synthetic pointer move (XTest) once the page has loaded, so that Chromium applies
 * HIDE_CURSOR_CSS: until a pointer event it keeps showing the arrow in the captured screen.
 */
export function pointerNudgeCommand(o: Pick<BeamCaptureOptions, 'display' | 'width' | 'height'>): BeamCommand {
  return {
    command: 'xdotool', // Debian package xdotool
    args: ['mousemove', '--sync', String(Math.floor(o.width / 2) + 1), String(Math.floor(o.height / 2) + 1)],
    env: { DISPLAY: `:${o.display}` },
  };
}

/** Headful Chromium (Debian's binary, not the /usr/bin shell wrapper that adds its own flags), full screen, playing to the beam's sink. */
export function chromiumCommand(o: BeamCaptureOptions): BeamCommand {
  return {
    command: '/usr/lib/chromium/chromium',
    args: [
      '--no-sandbox', // required as root (the sandbox refuses to start)
      '--test-type', // no "unsupported command-line flag: --no-sandbox" bar
      '--kiosk', // full screen: no tabs, address bar, scrollbar-free window
      `--window-size=${o.width},${o.height}`,
      '--window-position=0,0',
      `--user-data-dir=${o.runtimeDir}/chrome`, // private profile: no profile lock shared with another beam
      '--no-first-run',
      '--no-default-browser-check',
      '--password-store=basic', // no keyring prompt
      '--autoplay-policy=no-user-gesture-required', // the page's audio starts without a click
      '--hide-scrollbars',
      '--noerrdialogs',
      '--enable-logging=stderr', // the page's console on stderr ("CONSOLE(…)" lines): the gateway watches for join failures
      '--log-level=0',
      '--disable-gpu', // no GPU under Xvfb: software compositing
      '--disable-dev-shm-usage', // containers often have a small /dev/shm
      '--disable-background-timer-throttling', // nobody looks at the window: keep timers,
      '--disable-renderer-backgrounding', // rendering and capture at full rate
      '--disable-backgrounding-occluded-windows',
      // DisableLoadExtensionCommandLineSwitch: keeps --load-extension working in newer Chromium.
      '--disable-features=Translate,MediaRouter,DialMediaRouteProvider,DisableLoadExtensionCommandLineSwitch',
      '--disable-component-update',
      '--disable-sync',
      '--no-pings',
      '--auto-select-desktop-capture-source=Entire screen', // getDisplayMedia picks the screen, no picker
      '--use-fake-ui-for-media-stream', // camera/microphone (our sink's source) granted without a prompt
      `--load-extension=${extensionDir(o)}`, // the capture script, see extensionFiles
      o.url,
    ],
    env: {
      ...pulseEnv(o),
      DISPLAY: `:${o.display}`,
      PULSE_SERVER: `unix:${pulseSocket(o)}`,
      PULSE_SOURCE: BEAM_SOURCE, // getUserMedia's "default" device
      PULSE_SINK: BEAM_SINK,
    },
  };
}

/**
 * The same command, killed by the kernel (SIGKILL) when the thread that spawned it dies — for
 * Node's child_process, the main thread — so a crashed gateway leaves no Xvfb, PulseAudio or
 * Chromium browser process behind. Not inherited across fork: Chromium's own children exit by
 * themselves when their browser process dies.
 */
export function withParentDeathSignal(c: BeamCommand): BeamCommand {
  return { command: 'setpriv', args: ['--pdeathsig', 'KILL', '--', c.command, ...c.args], env: c.env };
}
