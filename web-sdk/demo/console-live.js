// The console's live view: reads the gateway's snapshots (server-sent events from
// /rest-api/console/events, read with fetch so the access token can go in a header) and renders
// them. When the stream breaks, the tables keep their last data, marked stale, and the console
// reconnects with growing delays until the gateway answers again.
'use strict';

(function () {
  const { byId, authHeaders, renderRows, format } = GatewayConsole;
  const EVENTS_PATH = '/rest-api/console/events';
  /** A live stream that brings nothing for this long is taken as broken, ms. */
  const SILENCE_MS = 5000;
  const FIRST_RETRY_MS = 1000;
  const MAX_RETRY_MS = 10000;

  const ui = {
    live: byId('live'),
    status: byId('liveStatus'),
    info: byId('liveInfo'),
    streams: byId('streams'),
    streamNames: byId('streamNames'),
    transponders: byId('transponders'),
    recordings: byId('recordings'),
    beams: byId('beams'),
    rtmpServers: byId('rtmpServers'),
  };

  let retryMs = FIRST_RETRY_MS;
  let lastSnapshot = null;
  let connection = null; // {controller} of the stream being read
  let retryTimer = null;
  const listeners = [];

  /** (Re)connects now, dropping the current stream (a new token, say). */
  function reconnect() {
    if (connection) connection.controller.abort();
    clearTimeout(retryTimer);
    retryMs = FIRST_RETRY_MS;
    connect();
  }

  function connect() {
    const controller = new AbortController();
    const current = { controller };
    connection = current;
    setState('connecting', 'connecting…');
    read(controller)
      .then(() => (current.endedBy = 'the gateway ended the stream'))
      .catch((error) => (current.endedBy = error.status === 401 ? 'unauthorized' : error.message))
      .finally(() => {
        if (connection !== current) return; // replaced by reconnect()
        connection = null;
        scheduleRetry(current.endedBy);
      });
  }

  async function read(controller) {
    const response = await fetch(EVENTS_PATH, { headers: authHeaders({ Accept: 'text/event-stream' }), credentials: 'omit', cache: 'no-store', signal: controller.signal });
    if (!response.ok) {
      const body = await response.json().catch(() => null);
      throw Object.assign(new Error((body && body.message) || 'HTTP ' + response.status), { status: response.status });
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let silence = setTimeout(() => controller.abort(), SILENCE_MS);
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        clearTimeout(silence);
        silence = setTimeout(() => controller.abort(), SILENCE_MS);
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          handleEvent(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch (error) {
      throw controller.signal.aborted ? new Error('no news from the gateway for ' + SILENCE_MS / 1000 + ' s') : error;
    } finally {
      clearTimeout(silence);
    }
  }

  /** One event block: `event:` and `data:` lines. */
  function handleEvent(block) {
    let name = 'message';
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) name = line.slice(6).trim();
      else if (line.startsWith('data:')) data += line.slice(5).trimStart();
    }
    if (name !== 'snapshot' || data === '') return;
    const snapshot = JSON.parse(data);
    retryMs = FIRST_RETRY_MS;
    const first = lastSnapshot === null || ui.live.dataset.stale === 'true';
    lastSnapshot = snapshot;
    setState('live', 'live');
    ui.info.textContent = 'updated ' + format.time(snapshot.time);
    render(snapshot);
    for (const listener of listeners) listener(snapshot, first);
  }

  function scheduleRetry(reason) {
    const unauthorized = reason === 'unauthorized';
    const wait = retryMs;
    retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    setState(unauthorized ? 'unauthorized' : 'disconnected', unauthorized ? 'credentials needed' : 'disconnected');
    const since = lastSnapshot ? ' — showing data from ' + format.time(lastSnapshot.time) : '';
    ui.info.textContent = (unauthorized ? 'enter the api_access_token, or a user of rest_auth_users_file and its password, above' : reason) + since + '; retrying in ' + Math.round(wait / 1000) + ' s';
    retryTimer = setTimeout(connect, wait);
  }

  function setState(state, text) {
    ui.status.dataset.state = state;
    ui.status.textContent = text;
    // Anything but a live stream makes what is shown stale (kept, greyed).
    ui.live.dataset.stale = String(state !== 'live');
  }

  // ---- rendering ----

  function render(snapshot) {
    renderRows(ui.streams, snapshot.streams, STREAM_ROWS);
    ui.streamNames.replaceChildren(...snapshot.streams.map((s) => Object.assign(document.createElement('option'), { value: s.name })));
    renderRows(ui.transponders, snapshot.pushes, PUSH_ROWS);
    renderRows(ui.recordings, snapshot.recordings, RECORDING_ROWS);
    renderRows(ui.beams, snapshot.beams, BEAM_ROWS);
    renderRows(ui.rtmpServers, snapshot.rtmpServers, SERVER_ROWS);
  }

  const STREAM_ROWS = {
    key: (s) => s.name,
    keyAttr: 'streamName',
    empty: 'No stream is published',
    columns: [
      { label: 'Name', text: (s) => s.name },
      { label: 'Source', text: (s) => metrics(s).sourceKind || s.sourceKind || s.mediaProvider },
      { label: 'Codecs', text: (s) => [s.videoCodec, s.audioCodec].filter(Boolean).join(' + ') },
      { label: 'Size', text: (s) => (s.width && s.height ? s.width + '×' + s.height : '') },
      { label: 'Bitrate', text: (s) => format.bitrate(metrics(s).bitrate) },
      { label: 'Received', text: (s) => format.bytes(metrics(s).bytesReceived) },
      { label: 'Readers', text: (s) => s.readers },
      { label: 'Uptime', text: (s) => format.duration(metrics(s).uptimeMs === undefined ? Date.now() - s.createDate : metrics(s).uptimeMs) },
    ],
    actions: () => [
      { action: 'watch', label: 'Watch' },
      { action: 'record', label: 'Record' },
      { action: 'terminate', label: 'Terminate' },
    ],
  };

  const PUSH_ROWS = {
    key: (p) => p.mediaSessionId,
    keyAttr: 'mediaSessionId',
    empty: 'No push',
    columns: [
      { label: 'Stream', text: (p) => p.sourceStreamName },
      { label: 'Output', text: (p) => p.outputUrl || p.rtmpUrl, className: 'url' },
      { label: 'State', text: (p) => p.state, state: (p) => p.state },
      { label: 'Bitrate', text: (p) => format.bitrate(p.bitrate) },
      { label: 'Sent', text: (p) => format.bytes(p.sentBytes) },
      { label: 'Duration', text: (p) => format.duration(p.durationMs) },
      { label: 'Retries', text: (p) => p.retries },
      { label: 'Dropped', text: (p) => p.droppedFrames },
      { label: 'Audio', text: (p) => [p.muted ? 'muted' : 'on', p.soundEnabled ? 'sound file' : ''].filter(Boolean).join(', ') },
      { label: 'Last error', text: (p) => p.lastError, className: 'reason' },
    ],
    // Stop comes first: it is what an operator looks for.
    actions: (p) => [
      { action: 'stop', label: 'Stop' },
      p.muted ? { action: 'unmute', label: 'Unmute' } : { action: 'mute', label: 'Mute' },
      p.soundEnabled ? { action: 'sound_off', label: 'Sound off' } : { action: 'sound_on', label: 'Sound on' },
    ],
  };

  const RECORDING_ROWS = {
    key: (r) => r.mediaSessionId,
    keyAttr: 'mediaSessionId',
    empty: 'No recording',
    columns: [
      { label: 'Stream', text: (r) => r.streamName },
      { label: 'State', text: (r) => r.state, state: (r) => r.state },
      { label: 'File', text: (r) => r.fileName, className: 'url' },
      { label: 'Size', text: (r) => format.bytes(r.bytes) },
      { label: 'Duration', text: (r) => format.duration(r.duration) },
      { label: 'Bitrate', text: (r) => format.bitrate(r.bitrate) },
      { label: 'Last error', text: (r) => r.lastError, className: 'reason' },
    ],
    actions: (r) => (r.state === 'recording' || r.state === 'pending' ? [{ action: 'stop_recording', label: 'Stop' }] : []),
  };

  const BEAM_ROWS = {
    key: (b) => b.room_id,
    keyAttr: 'roomId',
    empty: 'No page capture',
    columns: [
      { label: 'Room', text: (b) => b.room_id },
      { label: 'Stream', text: (b) => b.stream_name },
      { label: 'State', text: (b) => b.state, state: (b) => b.state },
      { label: 'Attempts', text: (b) => b.attempts },
      { label: 'Pushes', text: (b) => b.rtmp.map((p) => p.url + ' ' + p.state).join(', '), className: 'url' },
      { label: 'Recording', text: (b) => (b.recording ? b.recording.state : '') },
      { label: 'Error', text: (b) => b.error, className: 'reason' },
    ],
  };

  const SERVER_ROWS = {
    key: (s) => s.id,
    keyAttr: 'serverId',
    empty: 'No RTMP server',
    columns: [
      { label: 'Name', text: (s) => s.server_name },
      { label: 'Port', text: (s) => s.server_port },
      { label: 'Type', text: (s) => (s.server_type === 'SERVER_TYPE_RTMP_DEBUG' ? 'RTMP (debug)' : 'RTMP') },
      { label: 'Active', text: (s) => (s.server_active ? 'yes' : 'no'), state: (s) => (s.server_active ? 'active' : 'stopped') },
      { label: 'Rules', text: (s) => (s.rules.length === 0 ? 'open to all' : s.rules.map(describeRule).join('; ')) },
    ],
  };

  function describeRule(rule) {
    const ips = [].concat(rule.rule_allow_ips.map((ip) => 'allow ' + ip), rule.rule_deny_ips.map((ip) => 'deny ' + ip));
    return rule.rule_action + ' ' + rule.rule_app + '/' + rule.rule_stream_key + (ips.length ? ' (' + ips.join(', ') + ')' : '') + (rule.rule_webhook_url ? ' + webhook' : '');
  }

  /** A stream's metrics (display: ["metrics"]); {} from a gateway without them. */
  function metrics(stream) {
    return stream.metrics || {};
  }

  GatewayConsole.live = {
    reconnect,
    /** Calls `listener(snapshot, first)` at each snapshot; `first` after each (re)connection. */
    onSnapshot: (listener) => listeners.push(listener),
  };
  connect();
})();
