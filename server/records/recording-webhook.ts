import type { HostCheck } from '../access/outbound-policy';
import type { Logger } from '../log';
import type { PathDirectoryEvents } from '../paths/path-directory';
import { StateWebhook } from '../webhook/state-webhook';
import { latestFileName } from '../sinks/record/recording-ledger';
import type { RecordLinks } from './record-links';

/** The directory's events the recording webhook reads. */
interface RecordingEventSource {
  on<K extends keyof PathDirectoryEvents>(event: K, listener: (...args: PathDirectoryEvents[K]) => void): unknown;
}

/**
 * POSTs to record_webhook_url when a recording finishes a file
 * (`{event: "file", streamName, mediaSessionId, fileName, size, duration, startTime, endTime, url}`,
 * `url` a signed download link) and when a recording fails (`{event: "failed", …, lastError}`).
 */
export function recordingWebhook(url: string, directory: RecordingEventSource, links: RecordLinks, logger: Logger, outbound?: HostCheck): StateWebhook {
  const webhook = new StateWebhook(url, logger.child({ hook: 'recording' }), outbound);
  directory.on('recording-file', (file) => {
    webhook.notify({
      event: 'file',
      streamName: file.streamName,
      mediaSessionId: file.mediaSessionId,
      fileName: file.fileName,
      size: file.bytes,
      duration: file.durationMs,
      startTime: file.startTime,
      endTime: file.endTime,
      url: links.url(file.fileName),
      finalized: file.finalized,
    });
  });
  directory.on('push-state', (status) => {
    if (!status.recording || status.state !== 'failed') return;
    webhook.notify({ event: 'failed', streamName: status.sourceName, mediaSessionId: status.id, fileName: latestFileName(status.recording), lastError: status.lastError });
  });
  return webhook;
}
