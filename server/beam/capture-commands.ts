/**
 * Page capture ("beam"): the commands that show a meeting URL in a headful Chromium on a private
 * Xvfb display, play its sound into a private PulseAudio null sink, and capture both with ffmpeg
 * (x11grab + pulse → H.264 + AAC in FLV on stdout, read by the gateway from the pipe).
 *
 * Pure functions: they only build argument lists, environments and file contents; the caller
 * spawns. Start order: Xvfb and PulseAudio (wait for the display number on `-displayfd` and for the
 * Pulse socket), then Chromium, then ffmpeg. Spawn each one with `detached: true` (its own process
 * group, so `kill(-pid)` also ends Chromium's zygote/renderer/GPU children) and under
 * `setpriv --pdeathsig KILL` (see `withParentDeathSignal`) so nothing outlives a crashed gateway.
 *
 * Chosen by measurement over the alternative (a script in the page capturing with getDisplayMedia
 * and getUserMedia and publishing over WebRTC): less CPU, no Opus → AAC transcode, no script to
 * inject into a third-party page, and A/V offsets as steady.
 */

/** A process to spawn. */
export interface BeamCommand {
  readonly command: string;
  readonly args: readonly string[];
  /** Variables to add to (not replace) the gateway's environment. */
  readonly env: Readonly<Record<string, string>>;
}

export interface BeamCaptureOptions {
  /** Page to show. */
  readonly url: string;
  /** Capture size, px; also the screen and the window size. */
  readonly width: number;
  readonly height: number;
  /** Directory owned by this beam (created empty by the caller, removed afterwards): Pulse socket and state, Chromium profile. */
  readonly runtimeDir: string;
  /** X display number once Xvfb has told it on `-displayfd`. */
  readonly display: number;
  readonly framerate?: number;
  /** H.264 bit/s. */
  readonly videoBitrate?: number;
  /** AAC bit/s. */
  readonly audioBitrate?: number;
}

/** Sound of the page goes to this sink; ffmpeg records its monitor. */
export const BEAM_SINK = 'beam';
/** Sample rate of the sink, of Chromium's output (via daemon.conf) and of the AAC: no resampling anywhere. */
export const BEAM_SAMPLE_RATE = 48000;

const pulseDir = (o: Pick<BeamCaptureOptions, 'runtimeDir'>): string => `${o.runtimeDir}/pulse`;
export const pulseSocket = (o: Pick<BeamCaptureOptions, 'runtimeDir'>): string => `${pulseDir(o)}/native`;

/**
 * Xvfb with a free display number chosen by the server itself and written to `fd` when it accepts
 * connections (no guessing of :N, no race on /tmp/.X<N>-lock, and a readiness signal). Spawn with
 * `stdio: ['ignore', 'ignore', 'pipe', 'pipe']` for fd 3.
 */
export function xvfbCommand(o: Pick<BeamCaptureOptions, 'width' | 'height'>, fd = 3): BeamCommand {
  return {
    command: 'Xvfb',
    args: [
      '-displayfd', String(fd), // pick a free :N, print it when ready
      '-screen', '0', `${o.width}x${o.height}x24`, // one screen of exactly the capture size
      '-nolisten', 'tcp', // local Unix socket only
      '-nocursor', // no root-window cursor (Chromium still sets its own: ffmpeg's -draw_mouse 0 hides it)
      '-noreset', // do not reset when the last client (ffmpeg, Chromium) disconnects
      '-extension', 'RANDR', // not used by x11grab; needed only if a page calls getDisplayMedia (Chromium's X11 capturer rejects Xvfb's RandR monitor id)
    ],
    env: {},
  };
}

/** Environment of PulseAudio and of its clients: everything it writes stays in `runtimeDir`. */
function pulseEnv(o: Pick<BeamCaptureOptions, 'runtimeDir'>): Record<string, string> {
  return { HOME: o.runtimeDir, XDG_RUNTIME_DIR: pulseDir(o), PULSE_RUNTIME_PATH: pulseDir(o), PULSE_STATE_PATH: pulseDir(o) };
}

/** Files to write before spawning PulseAudio: `${runtimeDir}/pulse/` must exist (mode 0700) too. */
export function pulseaudioFiles(o: Pick<BeamCaptureOptions, 'runtimeDir'>): Array<{ path: string; content: string }> {
  // Read from $HOME/.config/pulse/: the server's default rate is what Chromium opens its output at.
  return [{ path: `${o.runtimeDir}/.config/pulse/daemon.conf`, content: `default-sample-rate = ${BEAM_SAMPLE_RATE}\n` }];
}

/**
 * A PulseAudio daemon for this beam only, as root without `--system`: it warns "not intended to be
 * run as root" but runs. Ready when `pulseSocket(o)` exists.
 */
export function pulseaudioCommand(o: Pick<BeamCaptureOptions, 'runtimeDir'>): BeamCommand {
  return {
    command: 'pulseaudio',
    args: [
      '-n', // no default.pa: no hardware, no other sinks, no X11/D-Bus modules
      '--daemonize=no', // stay our child, in our process group
      '--use-pid-file=no', // several daemons run side by side
      '--exit-idle-time=-1', // never exit while the beam lives, even with no client
      '--disallow-exit', // clients cannot stop it
      '--disable-shm=yes', // plain socket transport: no shared memory between beams, nothing left in /dev/shm
      '--log-target=stderr',
      '-L', `module-native-protocol-unix socket=${pulseSocket(o)} auth-anonymous=1`, // our socket; no cookie needed
      '-L', `module-null-sink sink_name=${BEAM_SINK} rate=${BEAM_SAMPLE_RATE} channels=2`, // the only sink, hence the default one Chromium plays to
    ],
    env: pulseEnv(o),
  };
}

/** Headful Chromium (Debian's, binary called directly: the /usr/bin wrapper is a shell script that adds flags), full screen, playing to the beam's sink. */
export function chromiumCommand(o: BeamCaptureOptions): BeamCommand {
  return {
    command: '/usr/lib/chromium/chromium',
    args: [
      '--no-sandbox', // required as root (the sandbox refuses to start); the beam's isolation is the process/user around it
      '--test-type', // hides the "unsupported command-line flag: --no-sandbox" bar
      '--kiosk', // full screen, no tabs, address bar or context menu
      `--window-size=${o.width},${o.height}`,
      '--window-position=0,0',
      `--user-data-dir=${o.runtimeDir}/chrome`, // private profile: no lock shared with another beam, removed with the dir
      '--no-first-run',
      '--no-default-browser-check',
      '--password-store=basic', // no keyring prompt
      '--autoplay-policy=no-user-gesture-required', // the page's audio starts without a click
      '--hide-scrollbars',
      '--noerrdialogs',
      '--disable-gpu', // no GPU under Xvfb: software compositing, cheaper than SwiftShader
      '--disable-dev-shm-usage', // containers often have a small /dev/shm
      '--disable-background-timer-throttling', // the page is never "visible" to a user: keep timers and
      '--disable-renderer-backgrounding', // rendering at full rate
      '--disable-backgrounding-occluded-windows',
      '--disable-features=Translate,MediaRouter,DialMediaRouteProvider', // no translate bar, no cast discovery
      '--disable-component-update',
      '--disable-sync',
      '--no-pings',
      '--use-fake-ui-for-media-stream', // a meeting page asking for camera/microphone gets them without a prompt (nothing real behind them)
      o.url,
    ],
    env: { ...pulseEnv(o), DISPLAY: `:${o.display}`, PULSE_SERVER: `unix:${pulseSocket(o)}` },
  };
}

/**
 * CSS that hides the pointer inside the page, for captures that draw it (getDisplayMedia does);
 * ffmpeg below does not need it (`-draw_mouse 0`), nor does Xvfb's `-nocursor` remove it.
 */
export const HIDE_CURSOR_CSS = '*, *::before, *::after { cursor: none !important; }';

/** ffmpeg: the screen and the sink's monitor → H.264 (keyframe every 2 s) + AAC in FLV on stdout. */
export function ffmpegCommand(o: BeamCaptureOptions): BeamCommand {
  const fps = o.framerate ?? 25;
  const vbit = o.videoBitrate ?? 2_500_000;
  return {
    command: 'ffmpeg',
    args: [
      '-hide_banner', '-loglevel', 'warning', '-nostdin',
      '-thread_queue_size', '512', // frames wait here while x264 is busy, instead of blocking the grabber
      '-f', 'x11grab', '-draw_mouse', '0', '-framerate', String(fps), '-video_size', `${o.width}x${o.height}`, '-i', `:${o.display}`,
      '-thread_queue_size', '1024',
      '-f', 'pulse', '-sample_rate', String(BEAM_SAMPLE_RATE), '-channels', '2',
      '-fragment_size', '3840', // 20 ms reads: small capture latency
      '-i', `${BEAM_SINK}.monitor`,
      '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', // x11grab gives BGR0
      '-b:v', String(vbit), '-maxrate', String(vbit), '-bufsize', String(2 * vbit),
      '-g', String(2 * fps), '-keyint_min', String(2 * fps), '-sc_threshold', '0', // a keyframe exactly every 2 s
      '-c:a', 'aac', '-b:a', String(o.audioBitrate ?? 128_000), '-ar', String(BEAM_SAMPLE_RATE),
      '-f', 'flv', 'pipe:1',
    ],
    env: { DISPLAY: `:${o.display}`, PULSE_SERVER: `unix:${pulseSocket(o)}` },
  };
}

/**
 * The same command, killed by the kernel when the process that spawned it dies (even by SIGKILL),
 * so a crashed gateway leaves no Xvfb, daemon or browser behind. The signal is tied to the spawning
 * thread, which for Node's child_process is the main thread. Chromium's children are not covered
 * (the setting is not inherited across fork): they exit on their own when the browser process dies.
 */
export function withParentDeathSignal(c: BeamCommand): BeamCommand {
  return { command: 'setpriv', args: ['--pdeathsig', 'KILL', '--', c.command, ...c.args], env: c.env };
}
