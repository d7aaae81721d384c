import type { PathDirectory } from '../../../../server/paths/path-directory';
import { getFreePort } from '../../../support/ports';
import type { TrackedProcess } from '../../../support/processes';
import { rtmpServersApi } from '../../rtmp-server/support/api-client';
import { pathPublished } from '../../rtmp-server/support/ffmpeg-publisher';

/** What `startIngest` needs of a test gateway. */
interface IngestGateway {
  readonly httpUrl: string;
  readonly gateway: { readonly directory: PathDirectory };
}

/**
 * An RTMP listener of the gateway (made through its REST API) and a publisher that `publish`
 * starts on `rtmp://…/live/<name>`; resolves once the stream is published, with the publisher's
 * media session id. Stop the publisher afterwards.
 */
export async function startIngest(gw: IngestGateway, name: string, publish: (url: string) => TrackedProcess): Promise<{ publisher: TrackedProcess; publisherId: string }> {
  const port = await getFreePort();
  const created = await rtmpServersApi(gw.httpUrl, '/create', { server_name: `ingest-${name}`, server_port: port });
  if (created.status !== 200) throw new Error(`RTMP server for ${name}: ${created.status} ${JSON.stringify(created.body)}`);
  const publisher = publish(`rtmp://127.0.0.1:${port}/live/${name}`);
  return { publisher, publisherId: await pathPublished(gw.gateway.directory, name, publisher, 20_000) };
}
