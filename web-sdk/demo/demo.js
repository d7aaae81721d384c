// The console's Publish and Play panels: publish the camera and play a stream with the gateway SDK
// (global `Flashphoner`) over the WebSocket signalling. Plain script, no framework.
'use strict';

(function () {
  const { SESSION_STATUS, STREAM_STATUS } = Flashphoner.constants;
  const { byId, getJson, showError, clearError } = GatewayConsole;

  const ui = {
    preview: byId('preview'),
    publishForm: byId('publishForm'),
    streamName: byId('streamName'),
    publishBtn: byId('publishBtn'),
    stopBtn: byId('stopBtn'),
    status: byId('status'),
    iceInfo: byId('iceInfo'),
    playVideo: byId('playVideo'),
    playForm: byId('playForm'),
    playName: byId('playName'),
    playBtn: byId('playBtn'),
    playStopBtn: byId('playStopBtn'),
    playStatus: byId('playStatus'),
    playError: byId('playError'),
  };

  let session = null; // the ESTABLISHED session, reused by every publish and play
  let stream = null; // the stream being published, if any
  let playback = null; // the stream being played, if any
  let pendingWatch = null; // a stream to play once the current one has stopped

  Flashphoner.init();
  ui.streamName.value = 'stream-' + Math.random().toString(36).slice(2, 7);
  ui.playName.value = ui.streamName.value;
  ui.publishForm.addEventListener('submit', (event) => {
    event.preventDefault();
    publish();
  });
  ui.stopBtn.addEventListener('click', () => stream && stream.stop());
  ui.playForm.addEventListener('submit', (event) => {
    event.preventDefault();
    play();
  });
  ui.playStopBtn.addEventListener('click', () => playback && playback.stop());

  // ---- publishing ----

  function publish() {
    clearError();
    const name = ui.streamName.value.trim();
    setPublishing(true);
    showStatus('CONNECTING');
    connect()
      .then((established) => {
        stream = established
          .createStream({ name, display: ui.preview })
          .on(STREAM_STATUS.PUBLISHING, (published) => {
            showStatus(published.status());
          })
          .on(STREAM_STATUS.UNPUBLISHED, streamEnded)
          .on(STREAM_STATUS.FAILED, streamEnded);
        stream.publish();
        showStatus(stream.status());
      })
      .catch((error) => {
        showError(error.message);
        showStatus('FAILED');
        setPublishing(false);
      });
  }

  function streamEnded(ended) {
    showStatus(ended.status(), ended.getErrorInfo() || ended.getInfo());
    stream = null;
    setPublishing(false);
  }

  // ---- playing ----

  function play() {
    clearError(ui.playError);
    const name = ui.playName.value.trim();
    setPlaying(true);
    showPlayStatus('CONNECTING');
    connect()
      .then((established) => {
        // The SDK plays into our <video>; it starts with sound, as the click allows.
        playback = established
          .createStream({ name, remoteVideo: ui.playVideo })
          .on(STREAM_STATUS.PLAYING, (played) => showPlayStatus(played.status()))
          .on(STREAM_STATUS.STOPPED, playEnded)
          .on(STREAM_STATUS.FAILED, playEnded);
        playback.play();
        showPlayStatus(playback.status());
      })
      .catch((error) => {
        showError(error.message, ui.playError);
        showPlayStatus('FAILED');
        setPlaying(false);
      });
  }

  function playEnded(ended) {
    const info = ended.getErrorInfo() || ended.getInfo();
    showPlayStatus(ended.status(), info);
    if (ended.status() === STREAM_STATUS.FAILED) {
      showError(info || 'Playback failed', ui.playError);
    }
    playback = null;
    setPlaying(false);
    if (pendingWatch !== null) {
      ui.playName.value = pendingWatch;
      pendingWatch = null;
      play();
    }
  }

  function setPlaying(active) {
    ui.playBtn.disabled = active;
    ui.playName.disabled = active;
    ui.playStopBtn.disabled = !active;
  }

  function showPlayStatus(status, info) {
    showStatusIn(ui.playStatus, status, info);
  }

  // ---- the session ----

  /** Resolves with an ESTABLISHED session, opening one if needed. */
  function connect() {
    if (session && session.status() === SESSION_STATUS.ESTABLISHED) {
      return Promise.resolve(session);
    }
    return getJson('/web-sdk/server-info.json').then(
      (info) =>
        new Promise((resolve, reject) => {
          const opened = Flashphoner.createSession({ urlServer: signallingUrl(info), timeout: 10000 });
          opened
            .on(SESSION_STATUS.ESTABLISHED, (_session, userData) => {
              // The SDK publishes through the STUN/TURN servers the gateway sent (ice_servers): show them.
              showIceServers(userData);
              session = opened;
              resolve(opened);
            })
            .on(SESSION_STATUS.FAILED, () => {
              session = null;
              reject(new Error('Cannot connect to ' + opened.getServerUrl()));
            })
            .on(SESSION_STATUS.DISCONNECTED, () => {
              session = null;
              reject(new Error('Disconnected from ' + opened.getServerUrl()));
            })
            .on(SESSION_STATUS.WARN, (failure) => showError(failure.info || 'The gateway rejected a request'));
        }),
    );
  }

  /** ws://<this host>:<wsPort>, or wss:// on an https page (browsers block ws:// there). */
  function signallingUrl(info) {
    if (location.protocol === 'https:') {
      if (info.wssPort == null) {
        throw new Error('This page is served over https, but the gateway has no WSS port configured');
      }
      return 'wss://' + location.hostname + ':' + info.wssPort;
    }
    return 'ws://' + location.hostname + ':' + info.wsPort;
  }

  function showIceServers(userData) {
    const servers = (userData && userData.iceServers) || [];
    const urls = servers.flatMap((server) => [].concat(server.urls));
    ui.iceInfo.textContent = urls.length === 0 ? 'none (direct to the gateway)' : urls.join(', ') + (userData.iceTransportPolicy === 'relay' ? ' (relay only)' : '');
  }

  function setPublishing(active) {
    ui.publishBtn.disabled = active;
    ui.streamName.disabled = active;
    ui.stopBtn.disabled = !active;
  }

  function showStatus(status, info) {
    showStatusIn(ui.status, status, info);
  }

  function showStatusIn(element, status, info) {
    element.dataset.status = status;
    element.textContent = info ? status + ': ' + info : status;
  }

  // ---- for the console's other scripts ----

  /** Plays `name` in the player, stopping what it plays first. */
  function watch(name) {
    ui.playName.value = name;
    if (playback) {
      pendingWatch = name;
      playback.stop();
    } else if (!ui.playBtn.disabled) {
      play(); // (while the player connects, the click is ignored)
    }
  }

  GatewayConsole.watch = watch;
  GatewayConsole.publishedName = () => ui.streamName.value.trim();
})();
