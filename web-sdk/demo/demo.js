// Demo page of the gateway: publish the camera and play a stream with the gateway SDK (global
// `Flashphoner`), and manage RTMP transponders through the REST API. Plain script, no framework.
'use strict';

(function () {
  const { SESSION_STATUS, STREAM_STATUS } = Flashphoner.constants;
  const TRANSPONDER_REFRESH_MS = 3000;

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
    pushForm: byId('pushForm'),
    rtmpUrl: byId('rtmpUrl'),
    fullUrl: byId('fullUrl'),
    pushBtn: byId('pushBtn'),
    transponders: byId('transponders'),
    error: byId('error'),
  };

  let session = null; // the ESTABLISHED session, reused by every publish and play
  let stream = null; // the stream being published, if any
  let playback = null; // the stream being played, if any

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
  ui.pushForm.addEventListener('submit', (event) => {
    event.preventDefault();
    startPush();
  });
  ui.transponders.addEventListener('click', (event) => {
    const row = event.target.closest('button') && event.target.closest('tr');
    if (row) {
      terminatePush(row.dataset.mediaSessionId);
    }
  });
  refreshTranspondersPeriodically();

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
            refreshTransponders();
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
    refreshTransponders();
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
    return fetchJson('/web-sdk/server-info.json').then(
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

  // ---- RTMP transponders (REST API) ----

  function startPush() {
    clearError();
    ui.pushBtn.disabled = true;
    postJson('/rest-api/push/startup', {
      streamName: ui.streamName.value.trim(),
      rtmpUrl: ui.rtmpUrl.value.trim(),
      rtmpTransponderFullUrl: ui.fullUrl.checked,
    })
      .then(refreshTransponders)
      .catch((error) => showError(error.message))
      .finally(() => {
        ui.pushBtn.disabled = false;
      });
  }

  function terminatePush(mediaSessionId) {
    clearError();
    postJson('/rest-api/push/terminate', { mediaSessionId })
      .then(refreshTransponders)
      .catch((error) => showError(error.message));
  }

  function refreshTranspondersPeriodically() {
    refreshTransponders().finally(() => setTimeout(refreshTranspondersPeriodically, TRANSPONDER_REFRESH_MS));
  }

  function refreshTransponders() {
    return postJson('/rest-api/push/find_all', {})
      .then((list) => renderTransponders(Array.isArray(list) ? list : []))
      .catch((error) => {
        // find_all answers 404 when there is no transponder.
        if (error.status === 404) {
          renderTransponders([]);
        } else {
          showError(error.message);
        }
      });
  }

  function renderTransponders(list) {
    const rows = list.map((transponder) => {
      const row = document.createElement('tr');
      row.dataset.mediaSessionId = transponder.mediaSessionId;
      for (const text of [
        transponder.streamName,
        transponder.rtmpUrl,
        transponder.width && transponder.height ? transponder.width + '×' + transponder.height : '',
        yesNo(transponder.muted),
        yesNo(transponder.soundEnabled),
        transponder.state,
        transponder.lastError,
      ]) {
        row.appendChild(cell(text));
      }
      const stop = document.createElement('button');
      stop.type = 'button';
      stop.textContent = 'Stop';
      row.appendChild(document.createElement('td')).appendChild(stop);
      return row;
    });
    if (rows.length === 0) {
      const row = document.createElement('tr');
      const empty = row.appendChild(cell('No transponders'));
      empty.colSpan = 8;
      rows.push(row);
    }
    ui.transponders.replaceChildren(...rows);
  }

  // ---- helpers ----

  /** POSTs JSON; resolves with the parsed body, rejects with the body's `message` (error.status = HTTP status). */
  function postJson(path, body) {
    return requestJson(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  function fetchJson(path) {
    return requestJson(path, {});
  }

  async function requestJson(path, init) {
    const response = await fetch(path, init);
    const text = await response.text();
    let body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null; // a non-JSON body: report the HTTP status instead
    }
    if (!response.ok) {
      const message = body && typeof body.message === 'string' ? body.message : path + ': HTTP ' + response.status;
      throw Object.assign(new Error(message), { status: response.status });
    }
    return body;
  }

  function cell(text) {
    const td = document.createElement('td');
    td.textContent = text === undefined || text === null ? '' : String(text);
    return td;
  }

  function yesNo(value) {
    return value ? 'yes' : 'no';
  }

  function showError(message, element = ui.error) {
    element.textContent = message;
    element.hidden = false;
  }

  function clearError(element = ui.error) {
    element.textContent = '';
    element.hidden = true;
  }

  function byId(id) {
    return document.getElementById(id);
  }
})();
