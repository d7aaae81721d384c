// The console's actions, all through the REST API: the credentials (access token, or a user and
// its password), starting a push (server URL and stream key apart, with presets), the buttons of
// the tables (stop, mute, sound, record, terminate, watch). The tables show the outcome at the
// next snapshot. The stream key is only ever sent in the startup call: never shown, never logged.
'use strict';

(function () {
  const { byId, postJson, getJson, showError, clearError, setCredentials, token, user } = GatewayConsole;

  const ui = {
    tokenForm: byId('tokenForm'),
    apiUser: byId('apiUser'),
    apiToken: byId('apiToken'),
    pushForm: byId('pushForm'),
    pushSource: byId('pushSource'),
    preset: byId('preset'),
    rtmpUrl: byId('rtmpUrl'),
    streamKey: byId('streamKey'),
    pushBtn: byId('pushBtn'),
    soundFile: byId('soundFile'),
    soundLoop: byId('soundLoop'),
    streams: byId('streams'),
    transponders: byId('transponders'),
    recordings: byId('recordings'),
  };

  ui.apiUser.value = user();
  ui.apiToken.value = token();
  ui.tokenForm.addEventListener('submit', (event) => {
    event.preventDefault();
    // A password is taken as typed (spaces included); a token is trimmed.
    const userName = ui.apiUser.value.trim();
    setCredentials(userName, userName ? ui.apiToken.value : ui.apiToken.value.trim());
    GatewayConsole.live.reconnect();
  });
  ui.preset.addEventListener('change', () => {
    if (ui.preset.value) ui.rtmpUrl.value = ui.preset.value;
  });
  ui.rtmpUrl.addEventListener('input', () => {
    ui.preset.value = '';
  });
  ui.pushForm.addEventListener('submit', (event) => {
    event.preventDefault();
    startPush();
  });
  ui.streams.addEventListener('click', onButton(streamAction));
  ui.transponders.addEventListener('click', onButton(pushAction));
  ui.recordings.addEventListener('click', onButton(recordingAction));
  // The sound files are listed once connected (the token may be needed).
  GatewayConsole.live.onSnapshot((_snapshot, first) => {
    if (first) loadSoundFiles();
  });

  function startPush() {
    clearError();
    const server = ui.rtmpUrl.value.trim();
    const key = ui.streamKey.value.trim();
    ui.pushBtn.disabled = true;
    postJson('/rest-api/push/startup', {
      streamName: ui.pushSource.value.trim() || GatewayConsole.publishedName(),
      // With a key, the URL is whole; without one, the gateway names the target stream (rtmp_<stream>).
      rtmpUrl: key ? server.replace(/\/+$/, '') + '/' + key : server,
      rtmpTransponderFullUrl: key !== '',
    })
      .catch((error) => showError(error.message))
      .finally(() => {
        ui.pushBtn.disabled = false;
      });
  }

  function streamAction(action, stream) {
    switch (action) {
      case 'watch':
        return GatewayConsole.watch(stream.name);
      case 'record':
        return call('/rest-api/recorder/startup', { streamName: stream.name });
      case 'terminate':
        if (confirm('End the publication of ' + stream.name + '? Its publisher is disconnected.')) {
          return call('/rest-api/stream/terminate', { mediaSessionId: stream.mediaSessionId });
        }
        return undefined;
    }
  }

  function pushAction(action, push) {
    const id = { mediaSessionId: push.mediaSessionId };
    switch (action) {
      case 'stop':
        return call('/rest-api/push/terminate', id);
      case 'mute':
      case 'unmute':
      case 'sound_off':
        return call('/rest-api/push/' + action, id);
      case 'sound_on':
        if (!ui.soundFile.value) return showError('No sound file to play: put a WAV file in the media directory (media_dir)');
        return call('/rest-api/push/sound_on', Object.assign(id, { soundFile: ui.soundFile.value, loop: ui.soundLoop.checked }));
    }
  }

  function recordingAction(action, recording) {
    if (action === 'stop_recording') return call('/rest-api/recorder/terminate', { mediaSessionId: recording.mediaSessionId });
  }

  /** A click handler calling `handle(action, item of the row)` for the buttons of a table. */
  function onButton(handle) {
    return (event) => {
      const button = event.target.closest('button[data-action]');
      const row = button && button.closest('tr');
      if (row && row.consoleItem) handle(button.dataset.action, row.consoleItem);
    };
  }

  function call(path, body) {
    clearError();
    return postJson(path, body).catch((error) => showError(error.message));
  }

  function loadSoundFiles() {
    getJson('/rest-api/console/sounds')
      .then((answer) => {
        const chosen = ui.soundFile.value;
        ui.soundFile.replaceChildren(...answer.files.map((file) => Object.assign(document.createElement('option'), { value: file, textContent: file })));
        if (answer.files.includes(chosen)) ui.soundFile.value = chosen;
      })
      .catch((error) => showError('Sound files: ' + error.message));
  }
})();
