// unitrack dashboard. Every value that comes from an event is put in the page
// with textContent or as an attribute value set through the DOM, never as HTML.
'use strict';
(function () {
  var SEVERITIES = ['FATAL', 'ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE', 'UNSPECIFIED'];
  var PAGE = 100;
  var MAX_ROWS = 2000;

  var $ = UnitrackDOM.$, el = UnitrackDOM.el, clear = UnitrackDOM.clear, safeClass = UnitrackDOM.safeClass;
  var state = { cursor: '', maxId: 0, paused: false, pending: [], source: null, statsTimer: null, loadSeq: 0 };

  function pad(n, w) { n = String(n); while (n.length < (w || 2)) n = '0' + n; return n; }
  function fmtTime(iso) {
    var d = new Date(iso);
    if (isNaN(d)) return String(iso);
    var today = new Date();
    var t = pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()) + '.' + pad(d.getMilliseconds(), 3);
    if (d.toDateString() === today.toDateString()) return t;
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + t;
  }

  // ---- filters -------------------------------------------------------------
  function filterParams() {
    var p = new URLSearchParams();
    var q = $('f-q').value.trim();
    if (q) p.set('q', q);
    ['severity', 'category', 'source', 'service', 'event_name'].forEach(function (k) {
      var v = $('f-' + k).value;
      if (v) p.set(k, v);
    });
    var range = $('f-range').value;
    if (range === 'custom') {
      var s = $('f-since').value, u = $('f-until').value;
      if (s) p.set('since', String(new Date(s).getTime()));
      if (u) p.set('until', String(new Date(u).getTime()));
    } else if (range) {
      p.set('since', range);
    }
    return p;
  }
  function setSelect(sel, value) {
    if (value && !Array.prototype.some.call(sel.options, function (o) { return o.value === value; })) {
      sel.appendChild(new Option(value, value));
    }
    sel.value = value;
  }

  // ---- API -----------------------------------------------------------------
  function getJSON(url) {
    return fetch(url, { headers: { Accept: 'application/json' } }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { var e = new Error(body && body.error ? body.error : 'HTTP ' + r.status); e.body = body; throw e; }
        return body;
      });
    });
  }

  // ---- event rows ----------------------------------------------------------
  function rowFor(ev) {
    var tr = el('tr');
    tr.dataset.eventId = ev.event_id;
    tr.dataset.id = String(ev.id);
    var t = el('td', 'time', fmtTime(ev.time)); t.title = ev.time; tr.appendChild(t);
    tr.appendChild(el('td', 'sev sev-' + safeClass(ev.severity), ev.severity_text || ev.severity));
    tr.appendChild(el('td', 'cat', ev.category));
    tr.appendChild(el('td', 'svc', ev.service));
    tr.appendChild(el('td', 'src', ev.source));
    tr.appendChild(el('td', 'name', ev.event_name));
    var m = el('td', 'msg', ev.body); m.title = ev.body; tr.appendChild(m);
    return tr;
  }

  function loadEvents(append) {
    var seq = ++state.loadSeq;
    var p = filterParams();
    p.set('limit', String(PAGE));
    if (append && state.cursor) p.set('cursor', state.cursor);
    return getJSON('/api/events?' + p.toString()).then(function (page) {
      if (seq !== state.loadSeq) return;
      var tbody = $('rows');
      if (!append) { clear(tbody); state.maxId = 0; state.pending = []; updateNewBanner(); }
      page.events.forEach(function (ev) {
        tbody.appendChild(rowFor(ev));
        if (ev.id > state.maxId) state.maxId = ev.id;
      });
      state.cursor = page.next_cursor || '';
      $('more').hidden = !state.cursor;
      $('empty').hidden = tbody.rows.length > 0;
      if (!append) connectStream();
    }).catch(function (err) { showError(err); });
  }

  // Inserts live rows at the top without moving what the reader looks at.
  function prependRows(events) {
    var box = $('table-box');
    var tbody = $('rows');
    var before = tbody.offsetHeight;
    var atTop = box.scrollTop <= 2;
    var frag = document.createDocumentFragment();
    for (var i = events.length - 1; i >= 0; i--) {
      var tr = rowFor(events[i]);
      tr.className = 'fresh';
      frag.appendChild(tr);
    }
    tbody.insertBefore(frag, tbody.firstChild);
    if (!atTop) box.scrollTop += tbody.offsetHeight - before;
    while (tbody.rows.length > MAX_ROWS) {
      tbody.deleteRow(tbody.rows.length - 1);
      state.cursor = tbody.rows[tbody.rows.length - 1].dataset.id;
      $('more').hidden = false;
    }
    $('empty').hidden = tbody.rows.length > 0;
  }

  function updateNewBanner() {
    var n = state.pending.length;
    $('new-events').hidden = n === 0;
    $('show-new').textContent = n + (n === 1 ? ' new event' : ' new events') + (state.paused ? ' (paused)' : ' (scrolled away: click or scroll to the top)');
    if (!state.paused && n) setLive('paused', 'held while scrolled');
    else if (!state.paused && $('live-state').textContent === 'held while scrolled') setLive('on', 'live');
  }

  // The live tail holds new rows while the reader is scrolled away from the
  // top, so what they read does not move; the banner counts what arrived.
  function scrolledAway() { return $('table-box').scrollTop > 2; }

  // ---- live stream ---------------------------------------------------------
  function setLive(cls, text) { var s = $('live-state'); s.className = 'live ' + cls; s.textContent = text; }

  function connectStream() {
    if (state.source) { state.source.close(); state.source = null; }
    var p = filterParams();
    if (state.maxId) p.set('after', String(state.maxId));
    var src = new EventSource('/api/stream?' + p.toString());
    state.source = src;
    src.onopen = function () { setLive(state.paused ? 'paused' : 'on', state.paused ? 'paused' : 'live'); };
    src.onerror = function () { setLive('off', 'reconnecting…'); };
    src.addEventListener('event', function (msg) {
      var ev;
      try { ev = JSON.parse(msg.data); } catch (e) { return; }
      if (ev.id <= state.maxId) return;
      state.maxId = ev.id;
      if (state.paused || scrolledAway()) { state.pending.push(ev); updateNewBanner(); }
      else { queueRow(ev); }
      scheduleStats();
    });
    src.addEventListener('lagged', function () { loadEvents(false); });
  }

  var batch = [], batchTimer = null;
  function queueRow(ev) {
    batch.push(ev);
    if (!batchTimer) batchTimer = setTimeout(function () {
      batchTimer = null;
      var evs = batch; batch = [];
      prependRows(evs);
    }, 50);
  }

  // ---- stats: facets, histogram, status board -------------------------------
  function scheduleStats() {
    if (state.statsTimer) return;
    state.statsTimer = setTimeout(function () { state.statsTimer = null; loadStats(); }, 1500);
  }

  function loadStats() {
    return getJSON('/api/stats?' + filterParams().toString()).then(function (st) {
      $('total').textContent = st.total + ' events stored';
      renderFacets(st.facets || {});
      renderHistogram(st.histogram || [], st.bucket_seconds || 60);
      renderStatus(st.status || [], st.task_failures || []);
    }).catch(function (err) { showError(err); });
  }

  function renderFacets(facets) {
    var box = $('facets');
    clear(box);
    ['severity', 'category', 'source', 'service', 'event_name'].forEach(function (dim) {
      var list = facets[dim] || [];
      var d = el('div', 'facet');
      d.appendChild(el('h3', '', dim.replace('_', ' ')));
      var ul = el('ul');
      list.slice(0, 15).forEach(function (fc) {
        var li = el('li');
        var b = el('button', '', fc.value === '' ? '(none)' : fc.value);
        b.type = 'button';
        b.dataset.dim = dim;
        b.dataset.value = fc.value;
        li.appendChild(b);
        li.appendChild(el('span', 'count', fc.count));
        ul.appendChild(li);
      });
      d.appendChild(ul);
      box.appendChild(d);
      if (dim !== 'severity') {
        var sel = $('f-' + dim), cur = sel.value;
        clear(sel);
        sel.appendChild(new Option('all', ''));
        list.forEach(function (fc) { if (fc.value) sel.appendChild(new Option(fc.value + ' (' + fc.count + ')', fc.value)); });
        setSelect(sel, cur);
      }
    });
  }

  function renderHistogram(buckets, seconds) {
    $('bucket-label').textContent = seconds === 60 ? 'minute' : seconds < 3600 ? (seconds / 60) + ' minutes' : (seconds / 3600) + ' hours';
    UnitrackViews.histogram($('histogram'), $('hist-readout'), buckets, seconds, function (since, until) {
      $('f-range').value = 'custom';
      $('custom-range').hidden = false;
      $('f-since').value = localInput(since);
      $('f-until').value = localInput(until);
      refresh();
    });
    var legend = $('legend');
    if (!legend.firstChild) SEVERITIES.forEach(function (s) { legend.appendChild(el('span', 'sev-' + s, s)); });
  }

  function statusItem(label, stateText, when, eventId, extra) {
    var li = el('li');
    var a = el('a', '', label);
    a.href = '#/events/' + encodeURIComponent(eventId);
    li.appendChild(a);
    li.appendChild(el('span', 'state state-' + safeClass(stateText), stateText));
    if (extra) li.appendChild(el('span', 'extra', extra));
    var w = el('span', 'when', fmtTime(when)); w.title = when; li.appendChild(w);
    return li;
  }

  function renderStatus(status, failures) {
    var health = $('status-health'), circuit = $('status-circuit'), tasks = $('status-tasks');
    clear(health); clear(circuit); clear(tasks);
    status.forEach(function (s) {
      var label = s.subject + (s.service ? ' · ' + s.service : '');
      var item = statusItem(label, s.state, s.time, s.event_id);
      (s.kind === 'health' ? health : circuit).appendChild(item);
    });
    failures.forEach(function (ev) {
      var attrs = ev.attributes || {};
      var name = attrs['task.name'] || ev.event_name;
      tasks.appendChild(statusItem(String(name), 'failed', ev.time, ev.event_id, ev.body));
    });
    if (!health.firstChild) health.appendChild(el('li', 'empty', 'no health events yet'));
    if (!circuit.firstChild) circuit.appendChild(el('li', 'empty', 'no circuit-breaker events yet'));
    if (!tasks.firstChild) tasks.appendChild(el('li', 'empty', 'none'));
  }

  function showError(err) {
    setLive('off', 'error: ' + (err && err.message ? err.message : String(err)));
  }

  // ---- detail view (#/events/<id>) -----------------------------------------
  function kvRow(tbody, key, value) {
    var tr = el('tr');
    tr.appendChild(el('th', '', key));
    var v = value;
    if (v !== null && typeof v === 'object') v = JSON.stringify(v, null, 2);
    tr.appendChild(el('td', '', v === undefined || v === null ? '' : v));
    tbody.appendChild(tr);
  }

  function showDetail(id) {
    $('detail').hidden = false;
    $('d-title').textContent = id;
    $('d-body').textContent = '';
    $('d-error').hidden = true;
    ['d-fields', 'd-attrs', 'd-resource'].forEach(function (t) { clear($(t).tBodies[0]); });
    clear($('d-links'));
    $('d-raw').textContent = '';
    getJSON('/api/events/' + encodeURIComponent(id)).then(function (ev) {
      $('d-title').textContent = (ev.event_name || '(no event name)') + ' · ' + ev.severity_text;
      $('d-body').textContent = ev.body;
      var f = $('d-fields').tBodies[0];
      kvRow(f, 'event id', ev.event_id);
      kvRow(f, 'time', ev.time);
      if (ev.observed_time) kvRow(f, 'observed', ev.observed_time);
      kvRow(f, 'severity', ev.severity_text + ' (' + ev.severity_number + ', ' + ev.severity + ')');
      kvRow(f, 'category', ev.category);
      kvRow(f, 'source', ev.source);
      kvRow(f, 'service', ev.service);
      kvRow(f, 'track.routes', (ev.routes || []).join(', ') || '(none recorded)');
      kvRow(f, 'trace id', ev.trace_id || '');
      kvRow(f, 'span id', ev.span_id || '');
      if (ev.scope) kvRow(f, 'scope', ev.scope);
      var links = renderLinks(ev.links);
      var routes = ev.routes || [];
      if (!links.firstChild) {
        var note = 'no incident holds this event';
        if (routes.indexOf('blog') >= 0 || routes.indexOf('notify') >= 0) note += ' yet (routed to ' + routes.filter(function (r) { return r === 'blog' || r === 'notify'; }).join(' and ') + ')';
        links.appendChild(el('li', 'empty', note));
      }
      var a = $('d-attrs').tBodies[0];
      Object.keys(ev.attributes || {}).sort().forEach(function (k) { kvRow(a, k, ev.attributes[k]); });
      var r = $('d-resource').tBodies[0];
      Object.keys(ev.resource || {}).sort().forEach(function (k) { kvRow(r, k, ev.resource[k]); });
      var raw = {}; for (var k in ev) if (k !== 'links') raw[k] = ev[k];
      $('d-raw').textContent = JSON.stringify(raw, null, 2);
    }).catch(function (err) {
      $('d-error').hidden = false;
      $('d-error').textContent = err.message;
      // A removed event: what is remembered of it and the posts and
      // notifications that name it, which outlive the retention.
      var b = err.body || {};
      if (b.removed) {
        $('d-title').textContent = (b.removed.event_name || '(no event name)') + ' · removed';
        $('d-body').textContent = 'This event (from ' + fmtTime(b.removed.time) + ') is no longer stored: retention removed it at ' + fmtTime(b.removed.removed_at) + '.';
      }
      if (b.links) {
        var links = renderLinks(b.links);
        if (!links.firstChild) links.appendChild(el('li', 'empty', 'no blog post or notification names this event'));
      }
    });
  }

  function renderLinks(list) {
    var links = $('d-links');
    clear(links);
    (list || []).forEach(function (l) {
      var li = el('li');
      li.appendChild(el('span', 'kind', l.kind + ': '));
      if (l.url && /^#\/incidents\/\d+$/.test(l.url)) {
        var ia = el('a', '', l.title); ia.href = l.url; li.appendChild(ia);
      } else if (l.url && (/^https?:\/\//i.test(l.url) || /^\/blog\/[A-Za-z0-9._-]+$/.test(l.url))) {
        var a = el('a', '', l.title || l.url); a.href = l.url; a.rel = 'noopener noreferrer'; a.target = '_blank';
        li.appendChild(a);
      } else {
        li.appendChild(el('span', '', l.title));
        if (l.file) li.appendChild(el('span', 'when', ' (' + l.file + ')'));
      }
      if (l.status) li.appendChild(el('span', 'state state-' + safeClass(l.status), l.status));
      if (l.time) li.appendChild(el('span', 'when', ' ' + l.time));
      links.appendChild(li);
    });
    return links;
  }

  function route() {
    var m = /^#\/events\/(.+)$/.exec(location.hash);
    if (m) {
      var id;
      try { id = decodeURIComponent(m[1]); } catch (e) { id = m[1]; }
      showDetail(id);
    } else {
      $('detail').hidden = true;
    }
  }

  // ---- wiring --------------------------------------------------------------
  function refresh(fromHistory) {
    if (fromHistory !== true) syncURL(); // also called as an event listener
    state.cursor = '';
    $('export').href = '/api/events.jsonl?' + filterParams().toString();
    loadEvents(false);
    loadStats();
  }

  // ---- sink health ----------------------------------------------------------
  function fmtBytesOrCount(n) {
    if (n >= 1 << 20) return (n / (1 << 20)).toFixed(1) + ' MiB';
    if (n >= 1 << 10) return (n / (1 << 10)).toFixed(1) + ' KiB';
    return String(n);
  }
  function renderSinks(rep) {
    var tbody = $('sinks-table').tBodies[0];
    clear(tbody);
    if (!rep.sinks.length) {
      var tr = el('tr', 'empty'); var td = el('td', '', 'no sink pipelines reported (is the sinkhealth extension running?)');
      td.colSpan = 8; tr.appendChild(td); tbody.appendChild(tr);
    }
    rep.sinks.forEach(function (s) {
      var tr = el('tr', 'sink-' + safeClass(s.health));
      tr.dataset.pipeline = s.pipeline;
      tr.appendChild(el('td', '', s.pipeline));
      tr.appendChild(el('td', '', s.when_full));
      tr.appendChild(el('td', 'health', s.health));
      var buf = s.queue_capacity > 0 ? fmtBytesOrCount(s.queue_size) + ' / ' + fmtBytesOrCount(s.queue_capacity) + ' (' + (100 * s.queue_fill).toFixed(1) + ' %)' : '–';
      tr.appendChild(el('td', '', buf));
      tr.appendChild(el('td', '', s.lag_seconds > 0 ? s.lag_seconds.toFixed(0) + ' s' : '0'));
      tr.appendChild(el('td', 'dropped', s.dropped));
      tr.appendChild(el('td', 'refused', s.refused));
      var err = s.last_error ? s.last_error + (s.last_error_time ? ' (' + fmtTime(s.last_error_time) + ')' : '') : '';
      tr.appendChild(el('td', 'last-error', err));
      tbody.appendChild(tr);
    });
    var note = $('sinks-note');
    note.textContent = rep.metrics_error ? 'buffer figures unavailable: ' + rep.metrics_error : '';
    note.hidden = !rep.metrics_error;
  }
  function loadSinks() {
    return getJSON('/api/sinks').then(renderSinks).catch(function () { /* shown on the next poll */ });
  }

  function init() {
    var timer = null;
    $('f-q').addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(refresh, 300); });
    $('filters').addEventListener('submit', function (e) { e.preventDefault(); refresh(); });
    ['f-severity', 'f-category', 'f-source', 'f-service', 'f-event_name', 'f-since', 'f-until'].forEach(function (id) {
      $(id).addEventListener('change', refresh);
    });
    $('f-range').addEventListener('change', function () {
      $('custom-range').hidden = $('f-range').value !== 'custom';
      refresh();
    });
    $('f-clear').addEventListener('click', function () {
      $('filters').reset();
      $('custom-range').hidden = true;
      refresh();
    });
    $('facets').addEventListener('click', function (e) {
      var b = e.target.closest('button');
      if (!b) return;
      var dim = b.dataset.dim, v = b.dataset.value;
      if (dim === 'severity') setSelect($('f-severity'), v === 'UNSPECIFIED' ? '' : v.toLowerCase());
      else setSelect($('f-' + dim), v);
      refresh();
    });
    $('rows').addEventListener('click', function (e) {
      var tr = e.target.closest('tr');
      if (tr && tr.dataset.eventId) location.hash = '#/events/' + encodeURIComponent(tr.dataset.eventId);
    });
    $('more').addEventListener('click', function () { loadEvents(true); });
    $('pause').addEventListener('click', function () {
      state.paused = !state.paused;
      $('pause').textContent = state.paused ? 'Resume' : 'Pause';
      setLive(state.paused ? 'paused' : 'on', state.paused ? 'paused' : 'live');
      if (!state.paused) flushPending();
    });
    $('show-new').addEventListener('click', function () {
      $('table-box').scrollTop = 0;
      state.paused = false; $('pause').textContent = 'Pause'; setLive('on', 'live'); flushPending();
    });
    $('detail').addEventListener('click', function (e) { if (e.target === $('detail')) location.hash = '#/'; });
    document.addEventListener('keydown', function (e) { if (e.key === 'Escape' && !$('detail').hidden) location.hash = '#/'; });
    window.addEventListener('hashchange', route);
    window.addEventListener('popstate', function () {
      // The hash (the open event) is hashchange's: route() runs there.
      var q = filterParams().toString();
      if (!UnitrackViews.sameView(q, UnitrackViews.withoutPanels(location.search))) { applyURLFilters(); refresh(true); }
    });
    $('table-box').addEventListener('scroll', function () {
      if (!state.paused && !scrolledAway() && state.pending.length) flushPending();
    });
    $('d-copy').addEventListener('click', function () {
      UnitrackViews.copyText(location.href, $('d-link'), function (msg) { $('d-copied').textContent = msg; });
    });
    route();
    applyURLFilters();
    refresh(true);
    setInterval(loadStats, 30000);
    loadSinks();
    setInterval(loadSinks, 5000);
  }

  // A link such as /?q=filesystem&since=<ms>&until=<ms> (track.EventsLink,
  // the blog's "events of this incident") opens the list filtered; the page
  // writes its own view there too (syncURL), so any view can be shared.
  function applyURLFilters() {
    var p = new URLSearchParams(location.search);
    $('filters').reset();
    $('f-q').value = p.get('q') || '';
    ['severity', 'category', 'source', 'service', 'event_name'].forEach(function (k) {
      setSelect($('f-' + k), p.get(k) || '');
    });
    var r = UnitrackViews.rangeOf(p);
    $('f-range').value = r.preset;
    $('custom-range').hidden = r.preset !== 'custom';
    if (r.since) $('f-since').value = localInput(r.since);
    if (r.until) $('f-until').value = localInput(r.until);
  }
  // syncURL records the current filters as a new history entry (back and
  // forward walk through views), keeping the open event's hash.
  function syncURL() {
    var q = filterParams().toString();
    if (UnitrackViews.sameView(q, UnitrackViews.withoutPanels(location.search))) return;
    UnitrackViews.pushQuery(UnitrackViews.withPanels(q));
    window.dispatchEvent(new Event('unitrack:view'));
  }
  function localInput(ms) {
    return new Date(ms - new Date(ms).getTimezoneOffset() * 60000).toISOString().slice(0, 19);
  }

  function flushPending() {
    var evs = state.pending; state.pending = [];
    updateNewBanner();
    if (evs.length) prependRows(evs);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
