// unitrack dashboard: shareable views. The histogram (axes, hover readout,
// brushing a range) and the helpers that keep filters, time range and the
// open event in the URL. Text only: values go in with textContent.
'use strict';
window.UnitrackViews = (function () {
  var SVG = 'http://www.w3.org/2000/svg';
  var STACK = ['UNSPECIFIED', 'TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];
  // Presets of the time-range picker, as the `since` parameter spells them.
  var PRESETS = ['15m', '1h', '6h', '24h', '168h', '720h'];

  function pad(n) { return n < 10 ? '0' + n : String(n); }
  function sameDay(a, b) { return a.toDateString() === b.toDateString(); }
  // fmtSlot names a time the way an axis needs it: the clock, with the date
  // when the range spans days or the time is not today.
  function fmtSlot(ms, withDate) {
    var d = new Date(ms);
    var t = pad(d.getHours()) + ':' + pad(d.getMinutes());
    if (withDate || !sameDay(d, new Date())) t = d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + t;
    return t;
  }
  function node(tag, attrs, text) {
    var n = document.createElementNS(SVG, tag);
    for (var k in attrs) n.setAttribute(k, String(attrs[k]));
    if (text !== undefined) n.textContent = String(text);
    return n;
  }
  function niceMax(v) {
    if (v <= 5) return Math.max(v, 1);
    var p = Math.pow(10, Math.floor(Math.log10(v)));
    var m = [1, 2, 2.5, 5, 10].find(function (s) { return s * p >= v; });
    return m * p;
  }

  // histogram draws buckets ([{start, counts}], slots of seconds) into svg
  // with a y axis (events per slot), x labels (clock; dates when the range
  // spans days), a hover readout in readout, and calls onBrush(sinceMs,
  // untilMs) when the user drags across slots (or clicks one).
  function histogram(svg, readout, buckets, seconds, onBrush) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var W = Math.max(svg.clientWidth || 600, 200), H = 120;
    var L = 44, R = 8, T = 6, B = 20;
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    svg.setAttribute('preserveAspectRatio', 'none');
    var pw = W - L - R, ph = H - T - B;
    var sums = buckets.map(function (b) { var s = 0; for (var k in b.counts) s += b.counts[k]; return s; });
    var max = niceMax(Math.max.apply(null, sums.concat([0])));
    var n = Math.max(buckets.length, 1), w = pw / n;
    var slotMs = seconds * 1000;
    var spansDays = buckets.length > 0 && !sameDay(new Date(buckets[0].start), new Date(buckets[buckets.length - 1].start + slotMs - 1));

    // y axis: 0, half, max.
    [0, max / 2, max].forEach(function (v) {
      var y = T + ph - v / max * ph;
      svg.appendChild(node('line', { x1: L, x2: W - R, y1: y, y2: y, 'class': 'grid' }));
      svg.appendChild(node('text', { x: L - 4, y: y + 4, 'text-anchor': 'end', 'class': 'axis' }, Math.round(v * 10) / 10));
    });
    var bars = node('g', {});
    svg.appendChild(bars);
    buckets.forEach(function (b, i) {
      var y = T + ph;
      STACK.forEach(function (sev) {
        var c = b.counts[sev] || 0;
        if (!c) return;
        var h = c / max * ph;
        y -= h;
        bars.appendChild(node('rect', { x: L + i * w, y: y, width: Math.max(w - 1, 0.5), height: h, 'class': 'sev-' + sev }));
      });
    });
    // x labels: about one per 110 px, at slot starts.
    var every = Math.max(1, Math.ceil(buckets.length / Math.max(1, Math.floor(pw / 110))));
    for (var i = 0; i < buckets.length; i += every) {
      var x = L + i * w;
      svg.appendChild(node('line', { x1: x, x2: x, y1: T + ph, y2: T + ph + 3, 'class': 'tick' }));
      svg.appendChild(node('text', { x: x, y: H - 5, 'text-anchor': i === 0 ? 'start' : 'middle', 'class': 'axis xlabel' }, fmtSlot(buckets[i].start, spansDays)));
    }
    var brush = node('rect', { x: 0, y: T, width: 0, height: ph, 'class': 'brush', visibility: 'hidden' });
    svg.appendChild(brush);
    var hover = node('rect', { x: 0, y: T, width: w, height: ph, 'class': 'hover', visibility: 'hidden' });
    svg.appendChild(hover);

    function slotAt(clientX) {
      var r = svg.getBoundingClientRect();
      var x = (clientX - r.left) * W / r.width;
      return Math.min(buckets.length - 1, Math.max(0, Math.floor((x - L) / w)));
    }
    function say(i) {
      var b = buckets[i];
      if (!b) { readout.textContent = ''; return; }
      var parts = [];
      STACK.slice().reverse().forEach(function (s) { if (b.counts[s]) parts.push(b.counts[s] + ' ' + s); });
      readout.textContent = fmtSlot(b.start, true) + ' – ' + fmtSlot(b.start + slotMs, spansDays) + ': ' +
        sums[i] + (sums[i] === 1 ? ' event' : ' events') + (parts.length ? ' (' + parts.join(', ') + ')' : '');
    }
    var from = -1;
    svg.onmousedown = function (e) {
      if (!buckets.length) return;
      e.preventDefault();
      from = slotAt(e.clientX);
      brush.setAttribute('x', String(L + from * w));
      brush.setAttribute('width', String(w));
      brush.setAttribute('visibility', 'visible');
    };
    svg.onmousemove = function (e) {
      if (!buckets.length) return;
      var i = slotAt(e.clientX);
      hover.setAttribute('x', String(L + i * w));
      hover.setAttribute('visibility', 'visible');
      if (from >= 0) {
        var a = Math.min(from, i), z = Math.max(from, i);
        brush.setAttribute('x', String(L + a * w));
        brush.setAttribute('width', String((z - a + 1) * w));
        var since = buckets[a].start, until = buckets[z].start + slotMs;
        readout.textContent = 'select ' + fmtSlot(since, true) + ' – ' + fmtSlot(until, spansDays);
      } else {
        say(i);
      }
    };
    svg.onmouseleave = function () { hover.setAttribute('visibility', 'hidden'); if (from < 0) readout.textContent = ''; };
    svg.onmouseup = function (e) {
      if (from < 0) return;
      var i = slotAt(e.clientX), a = Math.min(from, i), z = Math.max(from, i);
      from = -1;
      brush.setAttribute('visibility', 'hidden');
      onBrush(buckets[a].start, buckets[z].start + slotMs);
    };
  }

  // rangeOf reads the time range of URL parameters: a preset (since is one
  // of PRESETS and no until), custom (since/until in ms or RFC 3339), or all.
  function rangeOf(p) {
    var s = p.get('since') || '', u = p.get('until') || '';
    if (!u && PRESETS.indexOf(s) >= 0) return { preset: s };
    var sm = toMs(s), um = toMs(u);
    if (sm || um) return { preset: 'custom', since: sm, until: um };
    return { preset: '' };
  }
  function toMs(v) {
    if (!v) return 0;
    if (/^\d+$/.test(v)) return Number(v);
    var t = Date.parse(v);
    return isNaN(t) ? 0 : t;
  }

  // PANEL_PARAMS are URL parameters of the page's own panels (the uptime
  // window), not event filters: kept in the URL beside the filters, left
  // out when the event list compares views.
  var PANEL_PARAMS = ['uptime'];
  function withoutPanels(q) {
    var p = new URLSearchParams(q);
    PANEL_PARAMS.forEach(function (k) { p.delete(k); });
    return p.toString();
  }
  // withPanels adds to query string q the panel parameters of the current URL.
  function withPanels(q) {
    var p = new URLSearchParams(q), cur = new URLSearchParams(location.search);
    PANEL_PARAMS.forEach(function (k) { if (cur.has(k)) p.set(k, cur.get(k)); });
    return p.toString();
  }
  // pushQuery records query string q as a new history entry, keeping the
  // open event's hash.
  function pushQuery(q) {
    history.pushState(null, '', (q ? '?' + q : location.pathname) + location.hash);
  }

  // sameView compares two query strings as sets of parameters.
  function sameView(a, b) {
    var pa = new URLSearchParams(a), pb = new URLSearchParams(b);
    pa.sort(); pb.sort();
    return pa.toString() === pb.toString();
  }

  // copyText puts text on the clipboard, or selects it in input for Ctrl+C
  // where the clipboard API is refused (plain http off localhost).
  function copyText(text, input, done) {
    input.value = text;
    input.hidden = false;
    var fallback = function () { input.focus(); input.select(); done('link selected: press Ctrl+C'); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { done('link copied'); }, fallback);
    } else {
      fallback();
    }
  }

  return {
    histogram: histogram, rangeOf: rangeOf, sameView: sameView, copyText: copyText, fmtSlot: fmtSlot, PRESETS: PRESETS,
    withoutPanels: withoutPanels, withPanels: withPanels, pushQuery: pushQuery
  };
})();
