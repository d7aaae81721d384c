import type { Settings } from '../../server/config/settings';
import { launchChromium, type ChromiumOptions, type TestBrowser } from './chromium';
import { startTestGateway, type TestGateway } from './gateway-harness';
import { NginxRtmp, type NginxRtmpOptions } from './nginx-rtmp';
import { PublisherPageServer } from './publisher-page';

/** The parts most end-to-end tests need: an RTMP receiver, a gateway, a publishing page, a browser. */
export interface E2eSetup {
  nginx: NginxRtmp;
  gw: TestGateway;
  pages: PublisherPageServer;
  browser: TestBrowser;
  /** Closes everything that was started, in reverse order. */
  close(): Promise<void>;
}

/** Starts nginx-rtmp, a gateway (with `gateway` settings), the page server and Chromium. */
export async function startE2eSetup(options: { gateway?: Partial<Settings>; nginx?: NginxRtmpOptions; chromium?: ChromiumOptions } = {}): Promise<E2eSetup> {
  const closers: Array<() => Promise<void>> = [];
  const close = async (): Promise<void> => {
    for (const closeOne of closers.reverse()) await closeOne();
  };
  try {
    const nginx = await NginxRtmp.start(options.nginx);
    closers.push(() => nginx.stop());
    const gw = await startTestGateway(options.gateway);
    closers.push(() => gw.close());
    const pages = await PublisherPageServer.start(gw.httpUrl);
    closers.push(() => pages.close());
    const browser = await launchChromium(options.chromium);
    closers.push(() => browser.close());
    return { nginx, gw, pages, browser, close };
  } catch (err) {
    await close();
    throw err;
  }
}
