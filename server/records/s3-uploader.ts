import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log';
import type { RecordedFileEvent } from '../sinks/record/recording-ledger';

/** Where finished recordings are copied (settings record_s3_*). */
export interface S3UploadSettings {
  /** http(s)://host[:port] of the S3-compatible service. */
  readonly endpoint: string;
  readonly bucket: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Put before each file's name to make its key, e.g. `recordings/`. */
  readonly prefix: string;
  /** Remove the local file once it is uploaded. */
  readonly deleteLocal: boolean;
}

/** What became of one upload, for the recording webhook. */
export type UploadOutcome =
  | { readonly event: 'uploaded'; readonly streamName: string; readonly mediaSessionId: string; readonly fileName: string; readonly bucket: string; readonly key: string; readonly size: number }
  | { readonly event: 'upload-failed'; readonly streamName: string; readonly mediaSessionId: string; readonly fileName: string; readonly bucket: string; readonly key: string; readonly lastError: string };

/** Uploads running at once. */
const CONCURRENCY = 2;
/** Files waiting beyond this are not uploaded (logged): a dead service must not grow memory. */
const MAX_WAITING = 1000;
/** Attempts per file, and the pause before each retry, ms (doubling). */
const ATTEMPTS = 3;
const FIRST_RETRY_MS = 1000;
/** Parts of a multipart upload (the SDK's minimum is 5 MiB). */
const PART_BYTES = 8 * 1024 * 1024;

/** The AWS SDK is loaded on first use: a gateway that does not upload does not carry it. */
type S3Modules = [typeof import('@aws-sdk/client-s3'), typeof import('@aws-sdk/lib-storage')];

/**
 * Copies each finished recording to S3-compatible storage (multipart, streamed from disk), a few
 * at a time, retrying twice; tells the outcome of each. The local file stays unless
 * record_s3_delete_local; a failed upload never touches it.
 */
export class S3Uploader {
  readonly #settings: S3UploadSettings;
  readonly #recordDir: string;
  readonly #log: Logger;
  readonly #onOutcome: (outcome: UploadOutcome) => void;
  readonly #waiting: RecordedFileEvent[] = [];
  readonly #abort = new AbortController();
  #running = 0;
  #modules: Promise<S3Modules> | undefined;
  #client: InstanceType<S3Modules[0]['S3Client']> | undefined;
  #idle: Promise<void> = Promise.resolve();
  #settleIdle: () => void = () => undefined;

  constructor(settings: S3UploadSettings, recordDir: string, logger: Logger, onOutcome: (outcome: UploadOutcome) => void) {
    this.#settings = settings;
    this.#recordDir = recordDir;
    this.#log = logger.child({ component: 's3-upload', bucket: settings.bucket });
    this.#onOutcome = onOutcome;
  }

  /** Queues a finished file. */
  upload(file: RecordedFileEvent): void {
    if (this.#abort.signal.aborted) return;
    if (this.#waiting.length >= MAX_WAITING) {
      this.#log.error({ fileName: file.fileName, waiting: this.#waiting.length }, 'upload queue full: file left on disk only');
      return;
    }
    if (this.#running === 0 && this.#waiting.length === 0) this.#idle = new Promise((resolve) => (this.#settleIdle = resolve));
    this.#waiting.push(file);
    this.#next();
  }

  /** Waits up to `graceMs` for the uploads under way, then abandons the rest. Idempotent. */
  async close(graceMs = 5000): Promise<void> {
    this.#waiting.length = 0;
    await Promise.race([this.#idle, new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
    this.#abort.abort();
    this.#client?.destroy();
  }

  #next(): void {
    while (this.#running < CONCURRENCY && this.#waiting.length > 0) {
      const file = this.#waiting.shift()!;
      this.#running++;
      void this.#uploadWithRetries(file).finally(() => {
        this.#running--;
        if (this.#running === 0 && this.#waiting.length === 0) this.#settleIdle();
        this.#next();
      });
    }
  }

  async #uploadWithRetries(file: RecordedFileEvent): Promise<void> {
    const { bucket, prefix } = this.#settings;
    const key = `${prefix}${file.fileName}`;
    const ids = { streamName: file.streamName, mediaSessionId: file.mediaSessionId, fileName: file.fileName, bucket, key };
    let lastError = '';
    for (let attempt = 1; attempt <= ATTEMPTS && !this.#abort.signal.aborted; attempt++) {
      try {
        await this.#put(path.join(this.#recordDir, file.fileName), key);
        this.#log.info({ ...ids, size: file.bytes, attempt }, 'recording uploaded');
        if (this.#settings.deleteLocal) await rm(path.join(this.#recordDir, file.fileName), { force: true });
        this.#onOutcome({ event: 'uploaded', ...ids, size: file.bytes });
        return;
      } catch (err) {
        lastError = describe(err);
        this.#log.warn({ ...ids, attempt, err: lastError }, 'recording upload failed');
        if (attempt < ATTEMPTS) await new Promise((resolve) => setTimeout(resolve, FIRST_RETRY_MS * 2 ** (attempt - 1)));
      }
    }
    this.#onOutcome({ event: 'upload-failed', ...ids, lastError });
  }

  async #put(filePath: string, key: string): Promise<void> {
    const [{ S3Client }, { Upload }] = await (this.#modules ??= Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/lib-storage')]));
    const { endpoint, region, accessKeyId, secretAccessKey, bucket } = this.#settings;
    // Path-style addressing: S3-compatible services on a plain host name (MinIO, Ceph, a test server) need it.
    this.#client ??= new S3Client({ endpoint, region, forcePathStyle: true, credentials: { accessKeyId, secretAccessKey } });
    const upload = new Upload({
      client: this.#client,
      params: { Bucket: bucket, Key: key, Body: createReadStream(filePath), ContentType: 'video/mp4' },
      partSize: PART_BYTES,
      queueSize: 2,
    });
    const onAbort = (): void => void upload.abort();
    this.#abort.signal.addEventListener('abort', onAbort, { once: true });
    try {
      await upload.done();
    } finally {
      this.#abort.signal.removeEventListener('abort', onAbort);
    }
  }
}

/** The service's error code and message (S3 errors carry a name such as NoSuchBucket). */
function describe(err: unknown): string {
  const error = err as Error & { Code?: string };
  const name = error.Code ?? error.name;
  return name && name !== 'Error' ? `${name}: ${error.message}` : error.message;
}
