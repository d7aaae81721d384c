import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';

/** Debian's Chromium; tests never download a browser. */
const CHROMIUM_PATH = '/usr/bin/chromium';

const BASE_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  // A synthetic camera (20 fps test pattern) and microphone (a beep, or `fakeAudioFile`), granted without a prompt.
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--autoplay-policy=no-user-gesture-required',
];

/** Options of `launchChromium()`. */
export interface ChromiumOptions {
  /** WAV file the fake microphone plays in a loop (e.g. from `makeSineWav`); default: Chromium's beep. */
  readonly fakeAudioFile?: string;
  /** .y4m or .mjpeg file the fake camera plays in a loop; default: Chromium's test pattern. */
  readonly fakeVideoFile?: string;
  /** Limit on start-up, ms; default 15000 (start-up takes about 0.5 s). */
  readonly timeoutMs?: number;
}

/** A headless Chromium with its own throw-away profile. */
export interface TestBrowser {
  /** Opens a tab. getUserMedia needs a page from an http://127.0.0.1 origin: on about:blank there is no navigator.mediaDevices. */
  newPage(): Promise<Page>;
  /** Closes the browser and deletes its profile directory; safe to call twice. */
  close(): Promise<void>;
  /** The profile directory, removed by `close()`. */
  readonly userDataDir: string;
}

/** Starts Debian's headless Chromium with a fake camera and microphone and a fresh temp profile. */
export async function launchChromium(options: ChromiumOptions = {}): Promise<TestBrowser> {
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), 'gateway-chromium-'));
  const args = [...BASE_ARGS];
  if (options.fakeAudioFile !== undefined) args.push(`--use-file-for-fake-audio-capture=${options.fakeAudioFile}`);
  if (options.fakeVideoFile !== undefined) args.push(`--use-file-for-fake-video-capture=${options.fakeVideoFile}`);

  // Only a persistent context lets us choose (and so reliably delete) the profile directory.
  const context = await chromium
    .launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args,
      timeout: options.timeoutMs ?? 15_000,
    })
    .catch(async (err: unknown) => {
      await rm(userDataDir, { recursive: true, force: true });
      throw err;
    });
  // The context opens with one blank tab; close it so each tab a test asks for is the only renderer cost.
  await Promise.all(context.pages().map((page) => page.close()));

  let closed: Promise<void> | undefined;
  return {
    userDataDir,
    newPage: () => context.newPage(),
    close: () => {
      closed ??= context.close().finally(() => rm(userDataDir, { recursive: true, force: true }));
      return closed;
    },
  };
}
