import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
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
  /**
   * Runs the browser inside this network namespace (`NetworkNamespace.name`, test/support/netns.ts),
   * so its traffic comes from the namespace's address, not loopback. Needs root.
   */
  readonly networkNamespace?: string;
  /**
   * Origins where getUserMedia is allowed although they are neither https nor loopback, e.g. a
   * page served to a namespace from the host side's address (`http://10.213.x.1:port`).
   */
  readonly secureOrigins?: readonly string[];
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
  const { networkNamespace } = options;
  if (networkNamespace !== undefined && !/^[\w.-]+$/.test(networkNamespace)) throw new TypeError(`not a network namespace name: ${JSON.stringify(networkNamespace)}`);
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), 'gateway-chromium-'));
  const args = [...BASE_ARGS];
  if (options.fakeAudioFile !== undefined) args.push(`--use-file-for-fake-audio-capture=${options.fakeAudioFile}`);
  if (options.fakeVideoFile !== undefined) args.push(`--use-file-for-fake-video-capture=${options.fakeVideoFile}`);
  if (options.secureOrigins !== undefined) args.push(`--unsafely-treat-insecure-origin-as-secure=${options.secureOrigins.join(',')}`);
  const executablePath = networkNamespace === undefined ? CHROMIUM_PATH : await namespacedChromium(userDataDir, networkNamespace);

  // Only a persistent context lets us choose (and so reliably delete) the profile directory.
  const context = await chromium
    .launchPersistentContext(userDataDir, {
      executablePath,
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

/**
 * Writes an executable that starts Chromium inside network namespace `name` and returns its path.
 * Playwright spawns it with its pipe on descriptors 3 and 4; `exec` and `ip netns exec` both keep
 * the process and its descriptors, so Playwright drives (and kills) Chromium itself. The file sits in
 * the profile directory, so close() removes it with the profile.
 */
async function namespacedChromium(userDataDir: string, name: string): Promise<string> {
  const wrapper = path.join(userDataDir, 'chromium-in-netns.sh');
  await writeFile(wrapper, `#!/bin/sh\nexec ip netns exec ${name} ${CHROMIUM_PATH} "$@"\n`);
  await chmod(wrapper, 0o755);
  return wrapper;
}
