// unitrack dashboard: analytics across the silos (GET /api/analytics).
// Uptime strips per health check and MCP server, incidents per subject with
// their mean time to resolve (from the incident ledger), top error names with their trend and the ones
// first seen today, events per minute per source. The time range is the
// page's (read from the URL, which the page keeps up to date). Text only.
'use strict';
window.UnitrackAnalytics = (function () {
  var SVG = 'http://www.w3.org/2000/svg';
  var $ = UnitrackDOM.$, el = UnitrackDOM.el, clear = UnitrackDOM.clear;
  var last = null;

  function svgEl(tag, attrs) {
    var n = document.createElementNS(SVG, tag);
    for (var k in attrs) n.setAttribute(k, String(attrs[k]));
    return n;
  }
  function when(ms) { return UnitrackViews.fmtSlot(ms, true); }
  function dur(s) {
    if (s < 90) return Math.round(s) + ' s';
    if (s < 5400) return Math.round(s / 60) + ' min';
    if (s < 172800) return (s / 3600).toFixed(1) + ' h';
    return (s / 86400).toFixed(1) + ' d';
  }
  function pct(v) { return v === null || v === undefined ? 'no data' : (100 * v).toFixed(2) + ' %'; }
  function listLink(params, text) {
    var a = el('a', '', text);
    a.href = '?' + new URLSearchParams(params).toString();
    return a;
  }
  function cell(tr, v, cls) { var td = el('td', cls || '', v); tr.appendChild(td); return td; }
  function emptyRow(tbody, cols, text) {
    var tr = el('tr', 'empty'); var td = el('td', '', text); td.colSpan = cols; tr.appendChild(td); tbody.appendChild(tr);
  }

  function params() {
    var p = new URLSearchParams(location.search), out = new URLSearchParams();
    if (p.get('since')) out.set('since', p.get('since'));
    if (p.get('until')) out.set('until', p.get('until'));
    var d = new Date(); d.setHours(0, 0, 0, 0);
    out.set('today', String(d.getTime()));
    return out;
  }

  function load() {
    return fetch('/api/analytics?' + params().toString(), { headers: { Accept: 'application/json' } })
      .then(function (r) { return r.json().then(function (b) { if (!r.ok) throw new Error(b.error || 'HTTP ' + r.status); return b; }); })
      .then(function (a) { last = a; render(a); })
      .catch(function (err) { $('an-error').hidden = false; $('an-error').textContent = 'analytics: ' + err.message; });
  }

  function render(a) {
    $('an-error').hidden = true;
    $('an-range').textContent = when(a.since) + ' – ' + when(a.until);
    renderUptime(a.uptime || []);
    renderIncidents(a.incidents || [], a.incidents_state);
    renderErrors(a.errors || { top: [], first_seen_today: [] });
    renderSources(a.sources || { sources: [] });
  }

  // One strip per subject over the chosen window: green where it was up,
  // red where it was down (each outage a rect with its interval), grey
  // before anything was heard of it.
  function renderUptime(list) {
    var box = $('an-uptime'), win = $('an-window').value;
    clear(box);
    if (!list.length) { box.appendChild(el('li', 'empty', 'no health checks or MCP servers heard of in 30 days')); return; }
    list.forEach(function (s) {
      var w = s.windows.filter(function (x) { return x.window === win; })[0];
      if (!w) return;
      var li = el('li', 'uptime');
      li.dataset.subject = s.subject;
      li.dataset.family = s.family;
      li.appendChild(el('span', 'subject', (s.family === 'mcp' ? 'MCP ' : '') + s.subject + (s.service ? ' · ' + s.service : '')));
      var end = last.now;
      var start = end - w.seconds * 1000;
      var svg = svgEl('svg', { viewBox: '0 0 1000 14', preserveAspectRatio: 'none', 'class': 'strip', role: 'img' });
      var knownFrom = end - w.known_seconds * 1000;
      var x = function (ms) { return Math.max(0, Math.min(1000, (ms - start) / (end - start) * 1000)); };
      svg.appendChild(svgEl('rect', { x: 0, y: 0, width: 1000, height: 14, 'class': 'unknown' }));
      if (w.known_seconds > 0) svg.appendChild(svgEl('rect', { x: x(knownFrom), y: 0, width: 1000 - x(knownFrom), height: 14, 'class': 'up' }));
      w.outages.forEach(function (o) {
        var r = svgEl('rect', { x: x(o.start), y: 0, width: Math.max(x(o.end) - x(o.start), 1.5), height: 14, 'class': 'down' });
        r.dataset.start = String(o.start);
        r.dataset.end = String(o.end);
        var t = document.createElementNS(SVG, 'title');
        t.textContent = 'down ' + when(o.start) + ' – ' + (o.open ? 'now' : when(o.end)) + ' (' + dur((o.end - o.start) / 1000) + ')';
        r.appendChild(t);
        svg.appendChild(r);
      });
      li.appendChild(svg);
      li.appendChild(el('span', 'pct', pct(w.uptime)));
      li.appendChild(el('span', 'state state-' + (s.up ? 'healthy' : 'unhealthy'), s.up ? 'up' : 'down'));
      var outs = el('span', 'outages when', w.outages.length + (w.outages.length === 1 ? ' outage' : ' outages') +
        (w.down_seconds > 0 ? ', ' + dur(w.down_seconds) + ' down' : ''));
      li.appendChild(outs);
      box.appendChild(li);
    });
  }

  // The incident ledger's incidents per subject (the Incidents view's, summed
  // up); without the incidents extension there is no ledger to ask, and the
  // table says so rather than look like a quiet range.
  function renderIncidents(list, state) {
    var tbody = $('an-incidents').tBodies[0];
    clear(tbody);
    $('an-incidents').dataset.state = state || '';
    if (state === 'needs_incidents_extension') {
      emptyRow(tbody, 6, 'needs the incidents extension: incidents come from its ledger (add incidents to service::extensions)');
      return;
    }
    if (!list.length) { emptyRow(tbody, 6, 'no incident opened in this range'); return; }
    list.forEach(function (s) {
      var tr = el('tr');
      tr.dataset.key = s.key;
      tr.dataset.incidentId = String(s.last_id);
      var label = s.phrase || (s.subject ? s.family + ': ' + s.subject : s.family);
      // The subject opens its latest incident in the Incidents view.
      var a = el('a', '', label); a.href = '#/incidents/' + s.last_id;
      var td = el('td'); td.appendChild(a); tr.appendChild(td);
      cell(tr, s.service);
      cell(tr, s.count, 'num');
      cell(tr, s.resolved, 'num');
      cell(tr, s.resolved ? dur(s.mttr_seconds) : '–', 'mttr num');
      cell(tr, s.open ? 'open' : '', s.open ? 'state state-open' : '');
      tbody.appendChild(tr);
    });
  }

  function trend(e) {
    if (!e.previous) return e.first_seen >= last.now - 86400000 ? 'new' : '▲ +' + e.count + ' (none the day before)';
    var d = e.count - e.previous;
    if (d === 0) return '= ' + e.previous;
    return (d > 0 ? '▲ +' : '▼ ') + d + ' (' + e.previous + ' the day before)';
  }
  function renderErrors(rep) {
    var tbody = $('an-errors').tBodies[0];
    clear(tbody);
    if (!rep.top.length) emptyRow(tbody, 4, 'no error in the last 24 h');
    rep.top.forEach(function (e) {
      var tr = el('tr');
      tr.dataset.name = e.event_name;
      var td = el('td'); td.appendChild(listLink({ event_name: e.event_name, severity: 'error', since: '24h' }, e.event_name || '(no name)')); tr.appendChild(td);
      cell(tr, e.count, 'num');
      cell(tr, trend(e), 'trend ' + (e.count > e.previous ? 'worse' : 'better'));
      cell(tr, e.first_seen ? when(e.first_seen) : '', 'when');
      tbody.appendChild(tr);
    });
    var ul = $('an-new');
    clear(ul);
    if (!rep.first_seen_today.length) ul.appendChild(el('li', 'empty', 'no new error name today'));
    rep.first_seen_today.forEach(function (e) {
      var li = el('li');
      li.dataset.name = e.event_name;
      var a = el('a', '', e.event_name || '(no name)'); a.href = '#/events/' + encodeURIComponent(e.first_event_id);
      li.appendChild(a);
      li.appendChild(el('span', 'when', ' first at ' + when(e.first_seen) + ', ' + e.count + ' in 24 h'));
      ul.appendChild(li);
    });
  }

  function spark(series) {
    var svg = svgEl('svg', { viewBox: '0 0 120 20', preserveAspectRatio: 'none', 'class': 'spark' });
    var max = Math.max.apply(null, series.concat([1]));
    var pts = series.map(function (n, i) { return (i / Math.max(series.length - 1, 1) * 120).toFixed(1) + ',' + (19 - n / max * 18).toFixed(1); });
    svg.appendChild(svgEl('polyline', { points: pts.join(' '), fill: 'none' }));
    return svg;
  }
  function renderSources(rep) {
    var tbody = $('an-sources').tBodies[0];
    clear(tbody);
    $('an-bucket').textContent = rep.bucket_seconds ? (rep.bucket_seconds / 60) + ' min slots' : '';
    if (!rep.sources.length) { emptyRow(tbody, 5, 'no events in this range'); return; }
    rep.sources.forEach(function (s) {
      var tr = el('tr');
      tr.dataset.source = s.source;
      var f = s.source.indexOf('otlp:') === 0 ? { source: 'otlp', service: s.source.slice(5) } : { source: s.source };
      var td = el('td'); td.appendChild(listLink(f, s.source)); tr.appendChild(td);
      cell(tr, s.total, 'num');
      cell(tr, s.per_minute.toFixed(s.per_minute < 10 ? 2 : 0), 'num per-minute');
      cell(tr, s.peak_per_minute.toFixed(s.peak_per_minute < 10 ? 2 : 0), 'num');
      var sp = el('td'); sp.appendChild(spark(s.series)); tr.appendChild(sp);
      tbody.appendChild(tr);
    });
  }

  // The uptime window is in the URL (?uptime=24h|30d; 7 days when absent),
  // so a shared link and back/forward show the same strips.
  var WINDOWS = ['24h', '7d', '30d'], DEFAULT_WINDOW = '7d';
  function applyURLWindow() {
    var w = new URLSearchParams(location.search).get('uptime');
    $('an-window').value = WINDOWS.indexOf(w) >= 0 ? w : DEFAULT_WINDOW;
  }
  function chooseWindow() {
    var p = new URLSearchParams(location.search), w = $('an-window').value;
    if (w === DEFAULT_WINDOW) p.delete('uptime'); else p.set('uptime', w);
    if (!UnitrackViews.sameView(p.toString(), location.search)) UnitrackViews.pushQuery(p.toString());
    if (last) renderUptime(last.uptime || []);
  }

  function init() {
    if (!$('analytics')) return;
    $('an-window').addEventListener('change', chooseWindow);
    window.addEventListener('unitrack:view', load);
    window.addEventListener('popstate', function () { applyURLWindow(); load(); });
    applyURLWindow();
    load();
    setInterval(load, 60000);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
  return { load: load };
})();
