import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TypedEmitter } from '../events/typed-emitter';
import { EndReasons } from '../hub/end-reason';
import type { Logger } from '../log';
import type { PathDirectory } from '../paths/path-directory';
import { BEAM_TEMPLATE } from '../sinks/record/file-template';
import type { RecordedFile } from '../sinks/record/recording-ledger';
import { BeamProcess } from './beam-process';
import type { BeamStart } from './beam-request';
import { chromiumCommand, extensionFiles, pointerNudgeCommand, publishScript, pulseaudioCommand, pulseaudioFiles, pulseSocket, xvfbCommand, type BeamCaptureOptions, type BeamCommand } from './capture-commands';

/** Lifecycle of a beam. */
export type BeamState = 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

/** What every beam shares. */
export interface BeamSessionOptions {
  /** Where each beam gets its private directory (Xvfb, PulseAudio, Chromium profile, the extension). */
  readonly runtimeRoot: string;
  /** The gateway's web SDK bundle (read at each launch), injected into the page to publish. */
  readonly sdkBundle: () => string;
  /** The gateway's WebSocket signalling, as the page reaches it. */
  readonly wsUrl: string;
  readonly directory: PathDirectory;
  /** Launches (page checks and browsers) before the beam fails for good. */
  readonly attempts: number;
  /** A launch whose page has not published within this long failed, ms. */
  readonly publishTimeoutMs: number;
  /** A console message of the page matching it is a failed join (as 100ms watches its SDK's logs). */
  readonly joinFailure: RegExp | undefined;
  readonly logger: Logger;
}

export type BeamSessionEvents = {
  state: [state: BeamState];
};

/** Pause between two launches, ms. */
const RETRY_DELAY_MS = 1000;
/** Longest the meeting URL's check may take, ms. */
const PAGE_CHECK_TIMEOUT_MS = 10_000;
/** How often a running beam checks that its page still publishes, ms. */
const STREAM_CHECK_MS = 1000;
/** A stream gone this long (a republish in between is quicker) fails the launch, ms. */
const STREAM_LOST_MS = 3000;
/** Longest Xvfb and PulseAudio may take to be ready, ms. */
const READY_TIMEOUT_MS = 10_000;
/** Finished recording files a beam remembers at most (a recording's own list keeps as many). */
const MAX_REMEMBERED_FILES = 100;

/** Thrown inside a launch: the page or the browser failed (the beam may try again). */
class LaunchError extends Error {}

/**
 * One beam: a meeting page shown by Chromium on its own Xvfb display with its own PulseAudio sink,
 * captured by a script injected into the page and published to the gateway as `beam_<room_id>`,
 * like any browser publisher; its pushes (one per rtmp_url) and its recording (100ms's layout) are
 * the gateway's own, reserved for that stream. A page that does not load (HTTP error, DNS), a
 * browser that dies and a join failure in the page's console are retried `attempts` times in all;
 * then the beam fails. `stop()` (idempotent) ends the outputs, then every process.
 */
export class BeamSession extends TypedEmitter<BeamSessionEvents> {
  readonly request: BeamStart;
  readonly streamName: string;
  readonly startedAt = Date.now();
  readonly #options: BeamSessionOptions;
  readonly #log: Logger;
  #state: BeamState = 'starting';
  #error: string | null = null;
  #attempt = 0;
  #processes: BeamProcess[] = [];
  #runtimeDir: string | undefined;
  readonly #pushIds: string[] = [];
  #recordingId: string | undefined;
  /** Files its recording finished, oldest first (the newest MAX_REMEMBERED_FILES). */
  readonly #recordedFiles: RecordedFile[] = [];
  #stopping: Promise<void> | undefined;
  #running: Promise<void> = Promise.resolve();
  /** Aborted (with the LaunchError) when the current launch fails or the beam stops. */
  #launch: AbortController | undefined;

  constructor(request: BeamStart, options: BeamSessionOptions) {
    super();
    this.request = request;
    this.streamName = `beam_${request.roomId}`;
    this.#options = options;
    this.#log = options.logger.child({ component: 'beam', roomId: request.roomId, streamName: this.streamName });
  }

  get state(): BeamState {
    return this.#state;
  }

  get error(): string | null {
    return this.#error;
  }

  get attempts(): number {
    return this.#attempt;
  }

  get pushIds(): readonly string[] {
    return this.#pushIds;
  }

  get recordingId(): string | undefined {
    return this.#recordingId;
  }

  /** The files its recording finished, oldest first: what the beam's views show once the recording has ended. */
  get recordedFiles(): readonly RecordedFile[] {
    return this.#recordedFiles;
  }

  /** A file its recording finished (BeamManager passes the directory's `recording-file` events on). */
  noteRecordedFile(file: RecordedFile): void {
    this.#recordedFiles.push(file);
    if (this.#recordedFiles.length > MAX_REMEMBERED_FILES) this.#recordedFiles.shift();
  }

  /** Starts the outputs (waiting for the stream), then launches until the page publishes or the attempts run out. */
  async start(): Promise<void> {
    await this.#startOutputs();
    this.#running = this.#run();
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #startOutputs(): Promise<void> {
    const { directory } = this.#options;
    for (const url of this.request.rtmpUrls) {
      const push = await directory.startPush({ sourceName: this.streamName, url, fullUrl: true, reserve: true });
      this.#pushIds.push(push.id);
    }
    if (this.request.record) {
      const id = `beam-${this.request.roomId}`;
      await directory.startPush({ id, sourceName: this.streamName, url: '', reserve: true, recording: { fileTemplate: BEAM_TEMPLATE, rotation: undefined, roomId: this.request.roomId } });
      this.#recordingId = id;
    }
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      this.#attempt++;
      const launch = new AbortController();
      this.#launch = launch;
      try {
        await this.#launchOnce(launch.signal);
        this.#setState('running');
        this.#log.info({ attempt: this.#attempt }, 'beam running');
        // Running until the browser or the page fails (then it is launched again) or the beam is stopped.
        await this.#watchStream(launch);
        throw launch.signal.reason;
      } catch (err) {
        if (this.#stopping) return;
        this.#error = (err as Error).message;
        await this.#killProcesses();
        if (this.#attempt >= this.#options.attempts) {
          this.#log.error({ attempts: this.#attempt, err: this.#error }, 'beam failed');
          await this.#endOutputs();
          this.#setState('failed');
          return;
        }
        this.#log.warn({ attempt: this.#attempt, err: this.#error }, 'beam launch failed, trying again');
        this.#setState('starting');
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
      }
    }
  }

  /** One launch: the page checked, Xvfb, PulseAudio, Chromium; resolves once the page publishes. */
  async #launchOnce(signal: AbortSignal): Promise<void> {
    await checkPage(this.request.meetingUrl, signal);
    const runtimeDir = await mkdtemp(path.join(this.#options.runtimeRoot, `beam-${this.request.roomId}-`));
    this.#runtimeDir = runtimeDir;
    const { width, height } = this.request.resolution;
    const xvfb = this.#spawn(signal, 'xvfb', xvfbCommand({ width, height }), { extraFd: true });
    const display = await displayNumber(xvfb);
    const base: BeamCaptureOptions = { url: this.request.meetingUrl, width, height, runtimeDir, display };
    await mkdir(path.join(runtimeDir, 'pulse'), { recursive: true, mode: 0o700 });
    const publish = publishScript(this.#options.sdkBundle(), { wsUrl: this.#options.wsUrl, streamName: this.streamName });
    for (const file of [...pulseaudioFiles(base), ...extensionFiles(base, publish)]) {
      await mkdir(path.dirname(file.path), { recursive: true });
      await writeFile(file.path, file.content);
    }
    const pulse = this.#spawn(signal, 'pulseaudio', pulseaudioCommand(base));
    await waitUntil(signal, () => existsSync(pulseSocket(base)) || !pulse.running, READY_TIMEOUT_MS, 'PulseAudio did not start');
    if (!pulse.running) throw new LaunchError(`PulseAudio exited: ${lastLine(pulse.stderrTail)}`);
    const fail = (error: LaunchError): void => {
      if (!signal.aborted) this.#launch?.abort(error);
    };
    const joinFailure = this.#options.joinFailure;
    const chromium = this.#spawn(signal, 'chromium', chromiumCommand(base), {
      onStderrLine: (line) => {
        if (joinFailure && line.includes('CONSOLE') && joinFailure.test(line)) fail(new LaunchError(`the page reported a join failure: ${line.slice(0, 300)}`));
      },
    });
    void chromium.exited.then((exit) => fail(new LaunchError(`Chromium exited (${exit.signal ?? exit.code}): ${lastLine(chromium.stderrTail)}`)));
    await this.#published(signal).catch((err: unknown) => {
      // What the page said about it, if anything: the capture script logs its failures.
      const said = chromium.stderrTail.split('\n').filter((line) => line.includes('CONSOLE')).at(-1);
      throw said ? new LaunchError(`${(err as Error).message}; the page said: ${said.slice(0, 300)}`) : err;
    });
    // Chromium shows the arrow until a pointer event applies the page's cursor: none.
    await this.#spawn(signal, 'pointer', pointerNudgeCommand(base)).exited;
  }

  /** Resolves once the page's stream is published; rejects when the launch fails or after the publish timeout. */
  async #published(signal: AbortSignal): Promise<void> {
    const launchedAt = Date.now();
    const deadline = launchedAt + this.#options.publishTimeoutMs;
    // The stream of this launch's page: a publication of an earlier one may linger a moment.
    const ours = async (): Promise<boolean> => ((await this.#options.directory.findPath(this.streamName))?.stream?.publishedAt ?? 0) >= launchedAt;
    while (!(await ours())) {
      signal.throwIfAborted();
      if (Date.now() > deadline) throw new LaunchError(`the page did not publish within ${this.#options.publishTimeoutMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /**
   * While the launch runs, its page must keep publishing: a renderer that crashed or a page that
   * navigated away leaves the browser up but the stream gone. Resolves once the launch is aborted.
   */
  async #watchStream(launch: AbortController): Promise<void> {
    let missingSince: number | undefined;
    while (!launch.signal.aborted) {
      await new Promise((resolve) => setTimeout(resolve, STREAM_CHECK_MS));
      if (launch.signal.aborted) return;
      const published = (await this.#options.directory.findPath(this.streamName))?.stream !== undefined;
      if (published) missingSince = undefined;
      else missingSince ??= Date.now();
      if (missingSince !== undefined && Date.now() - missingSince >= STREAM_LOST_MS) launch.abort(new LaunchError('the page stopped publishing'));
    }
  }

  /** Starts a process of this launch; refused once the launch is over, so nothing outlives it. */
  #spawn(signal: AbortSignal, name: string, command: BeamCommand, options: { extraFd?: boolean; onStderrLine?: (line: string) => void } = {}): BeamProcess {
    signal.throwIfAborted();
    const started = new BeamProcess(name, command, options, this.#log);
    this.#processes.push(started);
    return started;
  }

  async #stop(): Promise<void> {
    this.#setState('stopping');
    this.#launch?.abort(new LaunchError('stopped'));
    await this.#running;
    await this.#endOutputs();
    await this.#killProcesses();
    this.#setState('stopped');
    this.#log.info({}, 'beam stopped');
  }

  async #endOutputs(): Promise<void> {
    const { directory } = this.#options;
    for (const id of [...this.#pushIds, ...(this.#recordingId ? [this.#recordingId] : [])]) {
      await directory.terminatePush(id, EndReasons.restTerminate).catch(() => undefined);
    }
  }

  async #killProcesses(): Promise<void> {
    const processes = this.#processes.reverse();
    this.#processes = [];
    for (const started of processes) await started.stop();
    if (this.#runtimeDir) await rm(this.#runtimeDir, { recursive: true, force: true });
    this.#runtimeDir = undefined;
  }

  #setState(state: BeamState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.emit('state', state);
  }
}

/** The meeting URL answers (2xx/3xx): DNS failures, refusals and HTTP errors fail the launch before a browser starts. */
async function checkPage(url: string, signal: AbortSignal): Promise<void> {
  let status: number;
  try {
    const response = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(PAGE_CHECK_TIMEOUT_MS)]) });
    await response.body?.cancel();
    status = response.status;
  } catch (err) {
    signal.throwIfAborted();
    const cause = (err as Error & { cause?: { code?: string } }).cause;
    throw new LaunchError(`the meeting page did not load: ${cause?.code ?? (err as Error).message}`);
  }
  if (status >= 400) throw new LaunchError(`the meeting page answered HTTP ${status}`);
}

/** The display number Xvfb writes on fd 3 once it accepts clients. */
function displayNumber(xvfb: BeamProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const stream = xvfb.child.stdio[3] as NodeJS.ReadableStream | null;
    let text = '';
    const timer = setTimeout(() => reject(new LaunchError('Xvfb did not start')), READY_TIMEOUT_MS);
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      text += chunk;
      if (!text.includes('\n')) return;
      clearTimeout(timer);
      resolve(Number(text.trim()));
    });
    void xvfb.exited.then(() => {
      clearTimeout(timer);
      reject(new LaunchError(`Xvfb exited: ${xvfb.stderrTail.trim().split('\n').at(-1) ?? ''}`));
    });
  });
}

async function waitUntil(signal: AbortSignal, check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    signal.throwIfAborted();
    if (Date.now() > deadline) throw new LaunchError(what);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}
