import type { Settings } from '../config/settings';
import type { Logger } from '../log';
import type { PushControl } from '../paths/path-directory';
import type { PublishStreamRequest } from '../signalling/protocol';
import { checkTemplate } from '../sinks/record/file-template';
import { parseRotation, type RecordingSpec } from '../sinks/record/recording-spec';

/** The recording a request gets without a config of its own (record_file_template, record_rotation); throws GatewayError when they are invalid. */
export function recordingDefaults(settings: Settings): RecordingSpec {
  checkTemplate(settings.recordFileTemplate);
  return { fileTemplate: settings.recordFileTemplate, rotation: settings.recordRotation === '' ? undefined : parseRotation(settings.recordRotation) };
}

/**
 * What a WebRTC publisher asked for beside publishing, started once it publishes: a push to its
 * rtmpUrl, a recording (`record: true`, with the recorded stream's mediaSessionId as its id) that
 * ends when the publisher does.
 */
export function publisherOutputs(control: PushControl, recording: RecordingSpec, logger: Logger): (request: PublishStreamRequest) => void {
  return (request) => {
    const streamName = request.name;
    if (request.rtmpUrl) {
      control.startPush({ sourceName: streamName, url: request.rtmpUrl }).catch((err: unknown) => {
        logger.warn({ streamName, err: (err as Error).message }, 'push requested by the publisher could not start');
      });
    }
    if (request.record) {
      control.startPush({ id: request.mediaSessionId, sourceName: streamName, url: '', recording }).catch((err: unknown) => {
        logger.warn({ streamName, mediaSessionId: request.mediaSessionId, err: (err as Error).message }, 'recording requested by the publisher could not start');
      });
    }
  };
}
