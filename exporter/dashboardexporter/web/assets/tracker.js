/* unitrack browser tracker. Include once:
 *   <script src="http://localhost:8790/tracker.js" data-endpoint="http://localhost:4320/v1/legacy/dashboard"></script>
 * Reports uncaught errors, unhandled promise rejections and failed fetch calls
 * to trackreceiver's dashboard path with navigator.sendBeacon, in the legacy
 * "dashboard" format. window.unitrack.report(type, message, action) sends one
 * by hand. Identical reports are sent once a minute; a page sends at most
 * MAX_PER_MINUTE reports a minute. */
(function () {
  'use strict';
  if (window.unitrack && window.unitrack.version) return;
  var DEFAULT_ENDPOINT = {{.Endpoint}};
  var MAX_PER_MINUTE = {{.MaxPerMinute}};
  var DEDUP_MS = 60000;
  var MAX_MESSAGE = 4000, MAX_STACK = 16000;

  var script = document.currentScript;
  var endpoint = (script && script.getAttribute('data-endpoint')) || DEFAULT_ENDPOINT;
  var origFetch = window.fetch;

  var sessionId = '';
  try { sessionId = window.sessionStorage.getItem('unitrack.session') || ''; } catch (e) { /* storage disabled */ }
  if (!sessionId) {
    var bytes = new Uint8Array(8);
    if (window.crypto && window.crypto.getRandomValues) window.crypto.getRandomValues(bytes);
    else for (var i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
    sessionId = Array.prototype.map.call(bytes, function (b) { return (b < 16 ? '0' : '') + b.toString(16); }).join('');
    try { window.sessionStorage.setItem('unitrack.session', sessionId); } catch (e) { /* storage disabled */ }
  }

  var seen = {}, seenCount = 0, windowStart = 0, windowCount = 0;
  // What send decided, for window.unitrack.counts().
  var counts = { sent: 0, duplicates: 0, overLimit: 0 };

  function clip(s, n) { s = s == null ? '' : String(s); return s.length > n ? s.slice(0, n) + '…' : s; }

  // The first function name in a stack that is not this script's.
  function actionOf(stack) {
    if (!stack) return '';
    var lines = String(stack).split('\n');
    for (var i = 0; i < lines.length; i++) {
      var l = lines[i];
      if (l.indexOf('tracker.js') >= 0) continue;
      var m = /^\s*at\s+(?:async\s+)?([^\s(]+)\s+\(/.exec(l) || /^([^@\s]+)@/.exec(l);
      if (m && m[1] !== 'Object.<anonymous>' && m[1] !== 'eval') {
        return m[1].replace(/^(?:Object|window)\./, '');
      }
    }
    return '';
  }

  function send(type, action, message, stack) {
    var now = Date.now();
    message = clip(message, MAX_MESSAGE) || '(no message)';
    var key = type + '|' + action + '|' + message;
    if (seen[key] && now - seen[key] < DEDUP_MS) { counts.duplicates++; return false; }
    if (now - windowStart >= 60000) { windowStart = now; windowCount = 0; }
    if (MAX_PER_MINUTE > 0 && windowCount >= MAX_PER_MINUTE) { counts.overLimit++; return false; }
    windowCount++;
    counts.sent++;
    if (!seen[key]) seenCount++;
    seen[key] = now;
    if (seenCount > 500) { seen = {}; seenCount = 0; }
    var body = JSON.stringify({
      type: type,
      action: action || '',
      message: message,
      stack: clip(stack, MAX_STACK),
      url: String(window.location.href),
      userAgent: navigator.userAgent,
      timestamp: now,
      sessionId: sessionId
    });
    var queued = false;
    try {
      if (navigator.sendBeacon) queued = navigator.sendBeacon(endpoint, body); // text/plain;charset=UTF-8
    } catch (e) { queued = false; }
    if (!queued && origFetch) {
      try {
        origFetch.call(window, endpoint, { method: 'POST', body: body, keepalive: true, mode: 'no-cors', credentials: 'omit' })
          .catch(function () { /* nothing left to report to */ });
      } catch (e) { /* nothing left to report to */ }
    }
    return true;
  }

  window.addEventListener('error', function (ev) {
    if (!ev || (ev.target && ev.target !== window)) return; // resource load errors are not script errors
    var err = ev.error;
    var stack = err && err.stack ? err.stack : (ev.filename ? ev.filename + ':' + ev.lineno + ':' + ev.colno : '');
    send('error', actionOf(stack) || 'window.onerror', ev.message || (err && err.message) || String(err), stack);
  });

  window.addEventListener('unhandledrejection', function (ev) {
    var r = ev ? ev.reason : undefined;
    var msg = r && r.message ? r.message : (typeof r === 'string' ? r : (function () { try { return JSON.stringify(r); } catch (e) { return String(r); } })());
    var stack = r && r.stack ? r.stack : '';
    send('error', actionOf(stack) || 'unhandledrejection', 'Unhandled promise rejection: ' + msg, stack);
  });

  function sameEndpoint(url) {
    try { return new URL(url, window.location.href).href === new URL(endpoint, window.location.href).href; } catch (e) { return false; }
  }

  if (origFetch) {
    window.fetch = function (input, init) {
      var method = (init && init.method) || (input && typeof input === 'object' && input.method) || 'GET';
      var url = typeof input === 'string' ? input : (input && input.url) || String(input);
      var action = actionOf(new Error().stack) || 'fetch';
      var p = origFetch.apply(this, arguments);
      if (sameEndpoint(url)) return p;
      return p.then(function (resp) {
        if (resp && !resp.ok && resp.type !== 'opaque') {
          send(resp.status >= 500 ? 'error' : 'warning', action,
            'HTTP ' + resp.status + ' ' + (resp.statusText || '') + ' from ' + String(method).toUpperCase() + ' ' + url, '');
        }
        return resp;
      }, function (err) {
        send('error', action, (err && err.message ? err.message : 'Failed to fetch') + ' (' + String(method).toUpperCase() + ' ' + url + ')',
          err && err.stack ? err.stack : '');
        throw err;
      });
    };
  }

  window.unitrack = {
    version: 1,
    endpoint: endpoint,
    sessionId: sessionId,
    // counts: reports sent, and those held back as duplicates or over the limit.
    counts: function () { return { sent: counts.sent, duplicates: counts.duplicates, overLimit: counts.overLimit }; },
    report: function (type, message, action, stack) {
      type = ({ error: 1, warning: 1, info: 1, action: 1 })[type] ? type : 'info';
      return send(type, action || '', message, stack || '');
    }
  };
})();
