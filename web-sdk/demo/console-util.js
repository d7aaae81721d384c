// What the console's scripts share (the global `GatewayConsole`): the credentials, JSON calls to
// the management APIs with it, formatting, and the error line. Plain script, no framework.
'use strict';

(function () {
  const TOKEN_KEY = 'gateway-console-token';
  const USER_KEY = 'gateway-console-user';

  /** The access token, or the password of `user()`, the operator entered (kept for the tab's life only), '' for none. */
  function token() {
    return sessionStorage.getItem(TOKEN_KEY) || '';
  }

  /** The user of rest_auth_users_file the operator entered, '' for none (the token is api_access_token). */
  function user() {
    return sessionStorage.getItem(USER_KEY) || '';
  }

  /** Keeps the credentials for the tab: a user with its password, or no user and the access token. */
  function setCredentials(userName, secret) {
    for (const [key, value] of [[USER_KEY, userName], [TOKEN_KEY, secret]]) {
      if (value) sessionStorage.setItem(key, value);
      else sessionStorage.removeItem(key);
    }
  }

  /** `user:password` in base64, as HTTP Basic wants it (UTF-8 first: btoa takes only Latin-1). */
  function basic(userName, password) {
    const bytes = new TextEncoder().encode(userName + ':' + password);
    return btoa(String.fromCharCode(...bytes));
  }

  /**
   * Headers of a management call: HTTP Basic with a user, else the token as a Bearer token when
   * there is one. Calls are made with credentials 'omit': a 401 (it carries a Basic challenge)
   * then comes back to the page instead of opening the browser's login prompt, which would hold
   * the request.
   */
  function authHeaders(extra) {
    const headers = Object.assign({}, extra);
    if (user()) headers.Authorization = 'Basic ' + basic(user(), token());
    else if (token()) headers.Authorization = 'Bearer ' + token();
    return headers;
  }

  /** POSTs JSON; resolves with the parsed body, rejects with the body's `message` (error.status = HTTP status). */
  function postJson(path, body) {
    return requestJson(path, { method: 'POST', headers: authHeaders({ 'Content-Type': 'application/json' }), body: JSON.stringify(body) });
  }

  /** GETs JSON (with the token: the public paths ignore it). */
  function getJson(path) {
    return requestJson(path, { headers: authHeaders() });
  }

  async function requestJson(path, init) {
    const response = await fetch(path, Object.assign({ credentials: 'omit' }, init));
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

  /** bit/s as kbit/s or Mbit/s; '—' while unknown. */
  function bitrate(bits) {
    if (bits === null || bits === undefined) return '—';
    if (bits >= 1e6) return (bits / 1e6).toFixed(2) + ' Mbit/s';
    return Math.round(bits / 1000) + ' kbit/s';
  }

  function bytes(count) {
    if (count === null || count === undefined) return '—';
    if (count >= 1e9) return (count / 1e9).toFixed(2) + ' GB';
    if (count >= 1e6) return (count / 1e6).toFixed(1) + ' MB';
    if (count >= 1e3) return (count / 1e3).toFixed(1) + ' kB';
    return count + ' B';
  }

  /** ms as h:mm:ss or m:ss. */
  function duration(ms) {
    if (ms === null || ms === undefined) return '—';
    const seconds = Math.floor(ms / 1000);
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = String(seconds % 60).padStart(2, '0');
    return h > 0 ? h + ':' + String(m).padStart(2, '0') + ':' + s : m + ':' + s;
  }

  function time(unixMs) {
    return new Date(unixMs).toLocaleTimeString();
  }

  function byId(id) {
    return document.getElementById(id);
  }

  function showError(message, element = byId('error')) {
    element.textContent = message;
    element.hidden = false;
  }

  function clearError(element = byId('error')) {
    element.textContent = '';
    element.hidden = true;
  }

  window.GatewayConsole = {
    token,
    user,
    setCredentials,
    authHeaders,
    postJson,
    getJson,
    format: { bitrate, bytes, duration, time },
    byId,
    showError,
    clearError,
  };
})();
