/** The media a stream publishes; `captured` says the SDK opened it and so must stop its tracks. */
export interface LocalMedia {
  readonly stream: MediaStream;
  readonly captured: boolean;
}

/** Uses the page's own `provided` stream as is, or captures camera/microphone with getUserMedia(`constraints`). */
export async function acquireLocalMedia(provided: MediaStream | undefined, constraints: MediaStreamConstraints): Promise<LocalMedia> {
  if (provided !== undefined) {
    return { stream: provided, captured: false };
  }
  // Browsers hide mediaDevices outside a secure context; say so instead of failing on undefined.
  if (typeof navigator.mediaDevices?.getUserMedia !== 'function') {
    throw new Error('getUserMedia is not available: open the page over https or on localhost');
  }
  return { stream: await navigator.mediaDevices.getUserMedia(constraints), captured: true };
}

/** Stops the tracks the SDK captured; a stream the page provided keeps running for its owner. */
export function releaseLocalMedia(media: LocalMedia): void {
  if (media.captured) {
    for (const track of media.stream.getTracks()) {
      track.stop();
    }
  }
}

/** Enables or disables (sends black frames / silence for) every track of one kind. */
export function setTracksEnabled(tracks: readonly MediaStreamTrack[], enabled: boolean): void {
  for (const track of tracks) {
    track.enabled = enabled;
  }
}

/** Appends a muted, inline, autoplaying <video id=`id`> showing `stream` into `display` and returns it. */
export function attachPreview(display: HTMLElement, stream: MediaStream, id: string): HTMLVideoElement {
  const video = document.createElement('video');
  video.id = id;
  video.muted = true;
  video.autoplay = true;
  video.playsInline = true;
  video.setAttribute('playsinline', ''); // the attribute, not only the property, is what older iOS Safari reads
  video.srcObject = stream;
  display.appendChild(video);
  // Muted autoplay is always allowed; play() only rejects when the element is removed before it starts.
  video.play().catch(() => undefined);
  return video;
}

/** Stops and removes a preview made by attachPreview. */
export function detachPreview(video: HTMLVideoElement): void {
  video.pause();
  video.srcObject = null;
  video.remove();
}
