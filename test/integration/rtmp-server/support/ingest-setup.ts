import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startTestGateway, type TestGateway } from '../../../support/gateway-harness';
import { NginxRtmp } from '../../../support/nginx-rtmp';
import { getFreePort } from '../../../support/ports';
import { killAllChildren, stopGracefully, type TrackedProcess } from '../../../support/processes';
import { rtmpServersApi } from './api-client';
import { streamPublished } from './ffmpeg-publisher';

/** A gateway with one RTMP server, an nginx-rtmp to relay to, and an RTMP publisher on the server. */
export interface IngestSetup {
  readonly gw: TestGateway;
  readonly nginx: NginxRtmp;
  /** Port of the gateway's RTMP server. */
  readonly port: number;
  readonly publisher: TrackedProcess;
  /** Stops the publisher, the gateway and nginx, and removes the temporary files. */
  close(): Promise<void>;
}

/**
 * Starts nginx-rtmp and a gateway, creates the RTMP server `serverFields` describe on a free port,
 * starts `publish(url)` towards `rtmp://127.0.0.1:<port>/live/<streamKey>` and waits until the
 * stream is in the hub.
 */
export async function startIngestSetup(streamKey: string, publish: (url: string) => TrackedProcess, serverFields: Record<string, unknown> = {}): Promise<IngestSetup> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rtmp-ingest-'));
  const nginx = await NginxRtmp.start();
  const gw = await startTestGateway({ rtmpServersDbFile: path.join(dir, 'gateway.sqlite') });
  const port = await getFreePort();
  const created = await rtmpServersApi(gw.httpUrl, '/create', { server_name: 'ingest', server_port: port, ...serverFields });
  if (created.status !== 200) throw new Error(`could not create the RTMP server: ${created.status} ${JSON.stringify(created.body)}`);
  const publisher = publish(`rtmp://127.0.0.1:${port}/live/${streamKey}`);
  const close = async (): Promise<void> => {
    await stopGracefully(publisher.child);
    await killAllChildren();
    await gw.close();
    await nginx.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await streamPublished(gw.gateway.paths, streamKey, publisher, 20_000);
  } catch (error) {
    await close();
    throw error;
  }
  return { gw, nginx, port, publisher, close };
}
