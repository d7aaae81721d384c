import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { publishFrameNumbers, readFrameNumbers } from '../../support/frame-numbers';
import { startTestGateway, type TestGateway } from '../../support/gateway-harness';
import { HookBackend } from '../../support/hook-backend';
import { killAllChildren, stopGracefully, type TrackedProcess } from '../../support/processes';
import { S3_ACCESS_KEY, S3_SECRET_KEY, startTestS3, type TestS3 } from '../../support/s3-server';
import { waitFor } from '../../support/wait-for';
import { startIngest } from './support/rtmp-ingest';

/**
 * Finished recordings uploaded to S3-compatible storage: a local s3rver (from npm) receives them
 * through the AWS SDK; the object is read back through the S3 API and compared with the file.
 */
describe('recording upload to S3', () => {
  let dir: string;
  let s3: TestS3;
  let hooks: HookBackend;
  let gw: TestGateway;
  let publisher: TrackedProcess;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 's3-upload-'));
    s3 = await startTestS3(['recordings']);
    hooks = await HookBackend.start();
    gw = await startTestGateway({
      recordDir: dir,
      recordWebhookUrl: `${hooks.baseUrl}/recorded`,
      recordS3Endpoint: s3.endpoint,
      recordS3Bucket: 'recordings',
      recordS3Prefix: 'gw1/',
      recordS3AccessKey: S3_ACCESS_KEY,
      recordS3SecretKey: S3_SECRET_KEY,
    });
    ({ publisher } = await startIngest(gw, 's3cam', (url) => publishFrameNumbers(url, { gop: 25 })));
  }, 60_000);

  afterAll(async () => {
    if (publisher) await stopGracefully(publisher.child);
    await killAllChildren();
    await gw?.close();
    await hooks?.close();
    await s3?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('each finished file is uploaded under the prefix, byte for byte, and the webhook says where', async () => {
    expect((await gw.api('/rest-api/recorder/startup', { streamName: 's3cam', config: { rotation: '2s', fileTemplate: '{streamName}/{index}' } })).status).toBe(200);
    const [recording] = await waitFor('two files', async () => {
      const found = (await gw.api('/rest-api/recorder/find', { streamName: 's3cam' })).body;
      return found?.[0]?.files?.length >= 2 ? found : undefined;
    }, 30_000, 250);
    expect((await gw.api('/rest-api/recorder/terminate', { mediaSessionId: recording.mediaSessionId })).status).toBe(200);
    // terminate answers once the last file is finished; the webhook then tells each.
    const names = await readdir(path.join(dir, 's3cam'));
    expect(names.length).toBeGreaterThanOrEqual(3);
    const files = await waitFor('every file announced', () => {
      const announced = hooks.calls('recorded').map((r) => r.body).filter((b) => b.event === 'file');
      return announced.length === names.length ? announced : undefined;
    });
    const uploads = await waitFor('every file uploaded', () => {
      const done = hooks.calls('recorded').map((r) => r.body).filter((b) => b.event === 'uploaded');
      return done.length === files.length ? done : undefined;
    }, 30_000);
    for (const file of files) {
      const upload = uploads.find((u) => u.fileName === file.fileName);
      expect(upload).toEqual({ event: 'uploaded', streamName: 's3cam', mediaSessionId: recording.mediaSessionId, fileName: file.fileName, bucket: 'recordings', key: `gw1/${file.fileName}`, size: file.size });
      const local = await readFile(path.join(dir, file.fileName));
      expect((await s3.read('recordings', `gw1/${file.fileName}`)).equals(local)).toBe(true);
      expect((await stat(path.join(dir, file.fileName))).size).toBe(file.size);
    }
    // What was uploaded plays: its pictures are the stream's.
    const first = path.join(dir, files[0].fileName);
    expect((await readFrameNumbers(first)).length).toBeGreaterThanOrEqual(40);
  }, 90_000);

  test('a bucket that does not exist: upload-failed with the service\'s reason after the retries, the file kept', async () => {
    const otherDir = await mkdtemp(path.join(os.tmpdir(), 's3-missing-'));
    const other = await startTestGateway({ recordDir: otherDir, recordWebhookUrl: `${hooks.baseUrl}/missing`, recordS3Endpoint: s3.endpoint, recordS3Bucket: 'no-such-bucket', recordS3AccessKey: S3_ACCESS_KEY, recordS3SecretKey: S3_SECRET_KEY });
    try {
      const { publisher: source } = await startIngest(other, 'lost', (url) => publishFrameNumbers(url, { gop: 25, seconds: 30 }));
      const started = await other.api('/rest-api/recorder/startup', { streamName: 'lost' });
      expect(started.status).toBe(200);
      await waitFor('a second recorded', async () => ((await other.api('/rest-api/recorder/find_all')).body[0]?.currentFile?.duration ?? 0) >= 1000, 20_000, 100);
      expect((await other.api('/rest-api/recorder/terminate', { mediaSessionId: started.body.mediaSessionId })).status).toBe(200);
      await stopGracefully(source.child);
      const failed = await waitFor('the upload to fail', () => hooks.calls('missing').map((r) => r.body).find((b) => b.event === 'upload-failed'), 30_000);
      expect(failed).toMatchObject({ bucket: 'no-such-bucket', streamName: 'lost' });
      expect(failed.lastError).toMatch(/NoSuchBucket/);
      expect((await stat(path.join(otherDir, failed.fileName))).size).toBeGreaterThan(0);
    } finally {
      await other.close();
      await rm(otherDir, { recursive: true, force: true });
    }
  }, 90_000);
});
