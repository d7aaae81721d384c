import { Router, type Request, type Response } from 'express';
import { GatewayError } from '../errors';
import { EndReasons } from '../hub/end-reason';
import type { PathDirectory } from '../paths/path-directory';
import type { PushStatus } from '../push/types';
import type { RecordLinks } from '../records/record-links';
import { BEAM_TEMPLATE, checkTemplate } from '../sinks/record/file-template';
import { parseRotation, type RecordingSpec } from '../sinks/record/recording-spec';
import { recorderFindSchema, recorderStartupSchema, recorderTerminateSchema } from './recorder-schemas';
import { recordingView, type RecordingView } from './recording-view';
import { bodyValidator } from './validation';

interface StartupBody {
  mediaSessionId?: string;
  streamName?: string;
  id?: string;
  config?: { fileTemplate?: string; rotation?: string; layout?: 'beam'; roomId?: string };
}

const validateStartup = bodyValidator<StartupBody>(recorderStartupSchema);
const validateTerminate = bodyValidator<{ mediaSessionId: string }>(recorderTerminateSchema);
const validateFind = bodyValidator<{ mediaSessionId?: string; streamName?: string }>(recorderFindSchema);

/**
 * `/recorder/*` with Web Call Server's shapes: startup records a published stream (named by its
 * mediaSessionId, which becomes the recording's id), terminate stops it, find and find_all list
 * recordings (404 when there is none). Each file is announced by the webhook when finished.
 */
export function recorderRoutes(directory: PathDirectory, defaults: RecordingSpec, links: RecordLinks): Router {
  const router = Router();

  router.post('/startup', async (req: Request, res: Response) => {
    const body = validateStartup(req.body);
    const spec = specOf(body, defaults);
    const paths = await directory.listPaths();
    const path = paths.find((p) => p.stream && (body.mediaSessionId === undefined ? p.name === body.streamName : p.stream.publisherId === body.mediaSessionId));
    if (!path?.stream) throw new GatewayError('STREAM_NOT_FOUND', 'Stream not found');
    const id = body.id ?? path.stream.publisherId;
    const running = await directory.findPushes({ recordings: true });
    if (running.some((r) => r.id === id && r.state !== 'failed')) throw new GatewayError('CONFLICT', `Recording ${id} runs already (stream '${path.name}')`);
    // A failed recording is replaced by the new one.
    if (running.some((r) => r.id === id)) await directory.terminatePush(id, EndReasons.restTerminate);
    res.json(recordingView(await directory.startPush({ id, sourceName: path.name, url: '', recording: spec }), links));
  });

  router.post('/terminate', async (req: Request, res: Response) => {
    const { mediaSessionId } = validateTerminate(req.body);
    const recordings = await directory.findPushes({ recordings: true });
    if (!recordings.some((r) => r.id === mediaSessionId)) throw new GatewayError('RECORDING_NOT_FOUND', 'Recorder not found');
    await directory.terminatePush(mediaSessionId, EndReasons.restTerminate);
    res.end();
  });

  router.post('/find', async (req: Request, res: Response) => {
    const { mediaSessionId, streamName } = validateFind(req.body);
    const found = (await directory.findPushes({ recordings: true }))
      .filter((r) => (mediaSessionId === undefined || r.id === mediaSessionId) && (streamName === undefined || r.sourceName === streamName));
    res.json(nonEmpty(found, links));
  });

  // WCS's clients send find_all as a GET or a POST without a body.
  router.all('/find_all', async (_req: Request, res: Response) => {
    res.json(nonEmpty(await directory.findPushes({ recordings: true }), links));
  });

  return router;
}

/** The recording asked for: the body's config over the settings' defaults; throws GatewayError INVALID_BODY. */
function specOf(body: StartupBody, defaults: RecordingSpec): RecordingSpec {
  const config = body.config ?? {};
  const fileTemplate = config.layout === 'beam' ? BEAM_TEMPLATE : config.fileTemplate ?? defaults.fileTemplate;
  checkTemplate(fileTemplate);
  const rotation = config.rotation === undefined ? defaults.rotation : config.rotation === 'disabled' ? undefined : parseRotation(config.rotation);
  return { fileTemplate, rotation, ...(config.roomId === undefined ? {} : { roomId: config.roomId }) };
}

/** WCS answers 404 rather than an empty array. */
function nonEmpty(recordings: PushStatus[], links: RecordLinks): RecordingView[] {
  if (recordings.length === 0) throw new GatewayError('RECORDING_NOT_FOUND', 'Recorder not found');
  return recordings.map((r) => recordingView(r, links));
}
