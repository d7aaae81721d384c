/** The <video> a played stream shows in; `created` says the SDK made it and so removes it. */
export interface PlaybackVideo {
  readonly element: HTMLVideoElement;
  readonly created: boolean;
}

/**
 * Shows `stream` in the page's own `remoteVideo`, or in a new <video id=`id`> appended to `display`
 * (as the official SDK does); undefined when the page gave neither.
 */
export function attachPlayback(target: { display?: HTMLElement; remoteVideo?: HTMLVideoElement }, stream: MediaStream, id: string): PlaybackVideo | undefined {
  let element = target.remoteVideo;
  const created = element === undefined;
  if (element === undefined) {
    if (target.display === undefined) {
      return undefined;
    }
    element = document.createElement('video');
    element.id = id;
    target.display.appendChild(element);
  }
  element.autoplay = true;
  element.playsInline = true;
  element.setAttribute('playsinline', ''); // the attribute, not only the property, is what older iOS Safari reads
  element.srcObject = stream;
  startWithSound(element);
  return { element, created };
}

/** Stops showing the stream; removes the <video> the SDK made, leaves the page's own in place. */
export function detachPlayback(video: PlaybackVideo): void {
  video.element.pause();
  video.element.srcObject = null;
  if (video.created) {
    video.element.remove();
  }
}

/**
 * Plays with sound where the browser's autoplay policy allows it, else muted (the official SDK
 * falls back the same way); the page may unmute it on a user gesture.
 */
function startWithSound(element: HTMLVideoElement): void {
  element.muted = false;
  element
    .play()
    .catch((error: unknown) => {
      // NotAllowedError is the autoplay policy; anything else (AbortError: detached meanwhile) is final.
      if (!(error instanceof DOMException) || error.name !== 'NotAllowedError') {
        return undefined;
      }
      element.muted = true;
      return element.play();
    })
    .catch(() => undefined);
}
