// unitrack dashboard: incidents, their notifications and posts, and silences,
// from the incident ledger (/api/incidents, /api/silences). Every value is put
// in the page with textContent or as a DOM attribute, never as HTML; writes
// carry the CSRF token of /api/csrf.
'use strict';
(function () {
  var $ = UnitrackDOM.$, el = UnitrackDOM.el, clear = UnitrackDOM.clear, safeClass = UnitrackDOM.safeClass;
  var csrf = null;

  function fmt(iso) {
    if (!iso) return '';
    var d = new Date(iso);
    return isNaN(d) ? String(iso) : d.toLocaleString();
  }
  function fmtDuration(s) {
    s = Math.round(s || 0);
    if (s < 120) return s + ' s';
    if (s < 7200) return Math.round(s / 60) + ' min';
    return (s / 3600).toFixed(1) + ' h';
  }
  // Only links the ledger's API builds are followed: the event list, the
  // dashboard's own /blog/ and http(s) blog URLs.
  function safeHref(u) {
    return typeof u === 'string' && (/^\/\?[^\s]*$/.test(u) || /^\/blog\/[A-Za-z0-9._-]+$/.test(u) || /^https?:\/\//i.test(u));
  }
  function link(text, href) {
    if (!safeHref(href)) return el('span', '', text);
    var a = el('a', '', text); a.href = href;
    if (/^https?:/i.test(href)) { a.rel = 'noopener noreferrer'; a.target = '_blank'; }
    return a;
  }
  function api(method, url, body) {
    var opts = { method: method, headers: { Accept: 'application/json' } };
    var ready = Promise.resolve();
    if (method !== 'GET') {
      ready = token().then(function (t) { opts.headers['X-CSRF-Token'] = t; });
      if (body !== undefined) { opts.headers['Content-Type'] = 'application/json'; opts.body = JSON.stringify(body); }
    }
    return ready.then(function () { return fetch(url, opts); }).then(function (r) {
      return r.json().then(function (b) {
        if (!r.ok) throw new Error(b && b.error ? b.error : 'HTTP ' + r.status);
        return b;
      });
    });
  }
  function token() {
    if (csrf) return Promise.resolve(csrf);
    return api('GET', '/api/csrf').then(function (b) { csrf = b.token; return csrf; });
  }
  function note(id, text, isError) {
    var n = $(id); n.textContent = text || ''; n.hidden = !text; n.className = isError ? 'note error' : 'note';
  }

  // ---- incidents list --------------------------------------------------------
  function renderIncidents(list) {
    var tbody = $('incidents-table').tBodies[0];
    clear(tbody);
    var open = list.filter(function (i) { return i.status === 'open'; });
    var rest = list.filter(function (i) { return i.status !== 'open'; });
    open.concat(rest).forEach(function (i) {
      var tr = el('tr', 'incident-' + safeClass(i.status));
      tr.dataset.incidentId = String(i.id);
      tr.appendChild(el('td', 'title', i.title));
      tr.appendChild(el('td', '', '')).appendChild(el('span', 'state state-' + safeClass(i.status), i.status));
      tr.appendChild(el('td', 'when', fmt(i.first_seen)));
      tr.appendChild(el('td', 'when', fmt(i.last_seen)));
      tr.appendChild(el('td', 'events', i.events));
      tr.appendChild(el('td', 'duration', fmtDuration(i.duration_seconds)));
      tbody.appendChild(tr);
    });
    if (!list.length) {
      var tr = el('tr', 'empty'); var td = el('td', '', 'no incidents yet'); td.colSpan = 6; tr.appendChild(td); tbody.appendChild(tr);
    }
  }
  function loadIncidents() {
    return api('GET', '/api/incidents?limit=50').then(function (b) {
      note('incidents-note', '');
      renderIncidents(b.incidents);
    }).catch(function (err) { note('incidents-note', err.message, true); });
  }

  // ---- one incident ----------------------------------------------------------
  var shown = null;
  function showIncident(id) {
    $('incident').hidden = false;
    note('i-error', '');
    api('GET', '/api/incidents/' + encodeURIComponent(id)).then(function (i) {
      shown = i;
      $('i-title').textContent = i.title;
      var f = $('i-fields').tBodies[0];
      clear(f);
      [['status', i.status], ['key', i.key], ['first seen', fmt(i.first_seen)], ['last seen', fmt(i.last_seen)],
        ['resolved', fmt(i.resolved_at)], ['events', i.events], ['duration', fmtDuration(i.duration_seconds)]].forEach(function (kv) {
        var tr = el('tr'); tr.appendChild(el('th', '', kv[0])); tr.appendChild(el('td', '', kv[1])); f.appendChild(tr);
      });
      var ev = $('i-events'); clear(ev);
      ev.appendChild(link('events of this incident', i.events_url));
      var posts = $('i-posts'); clear(posts);
      (i.posts || []).forEach(function (p) {
        var li = el('li'); li.appendChild(link(p.title || p.slug, p.url));
        li.appendChild(el('span', 'when', ' ' + fmt(p.time))); posts.appendChild(li);
      });
      if (!posts.firstChild) posts.appendChild(el('li', 'empty', 'no blog post'));
      var tb = $('i-deliveries').tBodies[0]; clear(tb);
      (i.deliveries || []).forEach(function (d) {
        var tr = el('tr', 'delivery');
        tr.appendChild(el('td', 'when', fmt(d.time)));
        tr.appendChild(el('td', 'target', d.target));
        tr.appendChild(el('td', 'kind', d.kind));
        tr.appendChild(el('td', '', '')).appendChild(el('span', 'state state-' + safeClass(d.status), d.status));
        var msg = el('td', 'message');
        msg.appendChild(el('div', 'msg-title', d.title));
        if (d.text) msg.appendChild(el('div', 'msg-text', d.text));
        if (d.error) msg.appendChild(el('div', 'error', d.error));
        tr.appendChild(msg);
        tb.appendChild(tr);
      });
      if (!tb.firstChild) {
        var tr = el('tr', 'empty'); var td = el('td', '', 'no notification sent'); td.colSpan = 5; tr.appendChild(td); tb.appendChild(tr);
      }
    }).catch(function (err) { note('i-error', err.message, true); });
  }

  // ---- silences ----------------------------------------------------------------
  function matcherText(m) {
    return Object.keys(m || {}).sort().map(function (k) { return k + '=' + m[k]; }).join(', ');
  }
  function renderSilences(list) {
    var tbody = $('silences-table').tBodies[0];
    clear(tbody);
    list.forEach(function (s) {
      var tr = el('tr', s.active ? 'silence-active' : 'silence-ended');
      tr.dataset.silenceId = String(s.id);
      tr.appendChild(el('td', 'matcher', matcherText(s.matcher)));
      tr.appendChild(el('td', 'when', fmt(s.starts_at) + ' – ' + fmt(s.ends_at)));
      tr.appendChild(el('td', 'author', s.author));
      tr.appendChild(el('td', 'comment', s.comment));
      tr.appendChild(el('td', 'suppressed', s.suppressed));
      var st = el('td'); st.appendChild(el('span', 'state', s.active ? 'active' : 'ended')); tr.appendChild(st);
      var act = el('td');
      if (s.active && !s.static) {
        var b = el('button', 'expire', 'Expire'); b.type = 'button'; b.dataset.silenceId = String(s.id); act.appendChild(b);
      } else if (s.static) {
        act.appendChild(el('span', 'when', 'from configuration'));
      }
      tr.appendChild(act);
      tbody.appendChild(tr);
    });
    if (!list.length) {
      var tr = el('tr', 'empty'); var td = el('td', '', 'no silences'); td.colSpan = 7; tr.appendChild(td); tbody.appendChild(tr);
    }
  }
  function loadSilences() {
    return api('GET', '/api/silences').then(function (b) { renderSilences(b.silences); }).catch(function () { /* shown with the incidents */ });
  }
  function createSilence(matcher, duration, author, comment, noteID) {
    return api('POST', '/api/silences', { matcher: matcher, duration: duration, author: author, comment: comment }).then(function (s) {
      note(noteID, 'silence ' + s.id + ' created until ' + fmt(s.ends_at));
      return loadSilences();
    }).catch(function (err) { note(noteID, err.message, true); });
  }

  function route() {
    var m = /^#\/incidents\/(\d+)$/.exec(location.hash);
    if (m) showIncident(m[1]);
    else { $('incident').hidden = true; shown = null; }
  }

  function init() {
    if (!$('incidents-table')) return;
    $('incidents-table').addEventListener('click', function (e) {
      var tr = e.target.closest('tr');
      if (tr && tr.dataset.incidentId) location.hash = '#/incidents/' + tr.dataset.incidentId;
    });
    $('incident').addEventListener('click', function (e) { if (e.target === $('incident')) location.hash = '#/'; });
    $('i-silence-form').addEventListener('submit', function (e) {
      e.preventDefault();
      if (!shown) return;
      var m = {};
      if (shown.subject) m.subject = shown.subject;
      if (shown.service) m.service = shown.service;
      if (!m.subject && shown.event_name) m.event_name = shown.event_name;
      createSilence(m, $('i-silence-duration').value, $('i-silence-author').value, $('i-silence-comment').value, 'i-silence-note');
    });
    $('silence-filter-form').addEventListener('submit', function (e) {
      e.preventDefault();
      var m = {};
      [['service', 'f-service'], ['category', 'f-category'], ['event_name', 'f-event_name']].forEach(function (p) {
        var v = $(p[1]) && $(p[1]).value;
        if (v) m[p[0]] = v;
      });
      createSilence(m, $('sf-duration').value, $('sf-author').value, $('sf-comment').value, 'silences-note');
    });
    $('silences-table').addEventListener('click', function (e) {
      var b = e.target.closest('button.expire');
      if (!b) return;
      api('DELETE', '/api/silences/' + encodeURIComponent(b.dataset.silenceId)).then(loadSilences)
        .catch(function (err) { note('silences-note', err.message, true); });
    });
    window.addEventListener('hashchange', route);
    route();
    loadIncidents(); loadSilences();
    setInterval(function () { loadIncidents(); loadSilences(); if (shown) showIncident(shown.id); }, 5000);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
