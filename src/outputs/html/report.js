// sipmon HTML report: draws the page from the JSON blocks above (docs/html.md).
// Strings from the wire are only ever set as text (textContent, createTextNode, SVG text): markup
// in a SIP header shows as characters and never runs. Nothing here reaches the network.
(function () {
  'use strict';
  const errors = [];
  window.addEventListener('error', (e) => {
    errors.push(String(e.message));
    document.body.setAttribute('data-errors', errors.join(' | '));
  });

  const data = (id) => JSON.parse(document.getElementById(id).textContent);
  const report = data('sipmon-report');
  const view = data('sipmon-view');
  const calls = data('sipmon-calls');
  const page = document.getElementById('page');
  const SVG = 'http://www.w3.org/2000/svg';

  // --- small DOM helpers ------------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== undefined && v !== null) node.setAttribute(k, v);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
    }
    return node;
  }
  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = String(text);
    return node;
  }
  const fmt = {
    int: (v) => (v === null || v === undefined ? '–' : Number(v).toLocaleString('en-US')),
    pct: (v) => (v === null || v === undefined ? '–' : Number(v).toFixed(1) + ' %'),
    s: (v) => (v === null || v === undefined ? '–' : v < 1 ? (v * 1000).toFixed(1) + ' ms' : Number(v).toFixed(2) + ' s'),
    dur: (s) => {
      if (s === null || s === undefined || !isFinite(s)) return '–';
      if (s < 120) return s.toFixed(1) + ' s';
      if (s < 7200) return (s / 60).toFixed(1) + ' min';
      return (s / 3600).toFixed(1) + ' h';
    },
  };
  const parseTime = (t) => (t ? Date.parse(t) / 1000 + (Number((t.match(/\.(\d+)/) || [0, '0'])[1].padEnd(6, '0').slice(3, 6)) / 1e6) : null);

  const OUTCOMES = ['established', 'redirected', 'cancelled', 'failed', 'ineffective', 'timeout', 'pending', 'evicted'];
  const OUTCOME_COLOURS = {
    established: '#2e8b57', redirected: '#2e6bc0', cancelled: '#95a5a6', failed: '#d68910',
    ineffective: '#c0392b', timeout: '#7b241c', pending: '#bdc3c7', evicted: '#8e44ad',
  };

  // --- headline -----------------------------------------------------------------------------------
  function card(label, value, note, tone) {
    return el('div', { class: 'card' + (tone ? ' ' + tone : ''), 'data-figure': label },
      el('div', { class: 'label' }, label), el('div', { class: 'value' }, value), note ? el('div', { class: 'note' }, note) : null);
  }

  function header() {
    const cap = report.capture || {};
    const first = parseTime(cap.first_ts);
    const last = parseTime(cap.last_ts);
    const files = (cap.files || []).join(', ');
    page.appendChild(el('h1', {}, 'sipmon report'));
    page.appendChild(el('p', { class: 'sub' },
      (files ? files + ' · ' : '') + (cap.first_ts ? cap.first_ts + ' → ' + cap.last_ts : 'no packets') +
      ' · sipmon ' + report.sipmon_version));
    return { first, last };
  }

  function headline(span) {
    const r = report.rfc6076 || {};
    const cap = report.capture || {};
    const drops = cap.live && cap.live.drops ? Object.values(cap.live.drops).reduce((a, b) => a + b, 0) : 0;
    const evictions = Object.values(report.table_evictions || {}).reduce((a, b) => a + b, 0);
    const anomalies = (cap.malformed || 0) + (cap.unsupported_link || 0) + (cap.read_errors || []).length;
    const tone = (v, good, bad) => (v === null || v === undefined ? '' : v >= good ? 'good' : v < bad ? 'bad' : '');
    const cards = el('div', { class: 'cards', id: 'headline' },
      card('Attempts', fmt.int(r.session_attempts), fmt.int(r.sessions_established) + ' established'),
      card('SER', fmt.pct(r.ser), 'established / (attempts − 3xx)', tone(r.ser, 90, 60)),
      card('SEER', fmt.pct(r.seer), 'effective: + 486, 600, 603, 404…', tone(r.seer, 95, 80)),
      card('ISA', fmt.pct(r.isa), 'ineffective: 408, 500, 503, 504, timeouts', r.isa > 5 ? 'bad' : ''),
      card('SCR', fmt.pct(r.scr), 'completed with BYE + 2xx'),
      card('ASR', fmt.pct(r.asr), 'answered / attempts'),
      card('NER', fmt.pct(r.ner), 'network effectiveness'),
      card('Timeouts', fmt.int(r.timeouts), fmt.int(r.pending) + ' still pending at the end', r.timeouts > 0 ? 'bad' : ''),
      card('Registrations', fmt.int(r.registration_attempts),
        fmt.int(r.registrations_succeeded) + ' succeeded' + (r.ira !== null && r.ira !== undefined ? ' · IRA ' + fmt.pct(r.ira) : '')),
      card('Capture', fmt.dur(span.last !== null && span.first !== null ? span.last - span.first : null),
        fmt.int(cap.packets) + ' packets · ' + fmt.int(cap.sip_messages) + ' SIP messages'),
      card('Drops', fmt.int(drops), cap.live ? 'before the engine (' + cap.live.source + ')' : 'replay: none possible', drops > 0 ? 'bad' : ''),
      card('Anomalies', fmt.int(anomalies), fmt.int(cap.malformed) + ' malformed · ' + fmt.int(evictions) + ' table evictions',
        anomalies + evictions > 0 ? 'bad' : ''));
    page.appendChild(cards);
    const t = report.timers || {};
    page.appendChild(el('p', { class: 'sub', id: 'timers' },
      'Timers: B ' + t.timer_b_s + ' s, C ' + t.timer_c_s + ' s, F ' + t.timer_f_s + ' s · SRD p50 ' +
      fmt.s(r.srd && r.srd.p50) + ', p90 ' + fmt.s(r.srd && r.srd.p90) + ' · ' + fmt.int(view.records) + ' call records'));
  }

  // --- charts -------------------------------------------------------------------------------------
  const W = 560, H = 220, M = { l: 48, r: 12, t: 10, b: 34 };

  function axes(g, xs, maxY, yLabel, xLabels) {
    const h = H - M.t - M.b;
    for (let i = 0; i <= 4; i++) {
      const y = M.t + h - (h * i) / 4;
      g.appendChild(svg('line', { class: 'grid', x1: M.l, x2: W - M.r, y1: y, y2: y }));
      g.appendChild(svg('text', { x: M.l - 4, y: y + 4, 'text-anchor': 'end' }, yLabel((maxY * i) / 4)));
    }
    g.appendChild(svg('line', { class: 'axis', x1: M.l, x2: M.l, y1: M.t, y2: H - M.b }));
    g.appendChild(svg('line', { class: 'axis', x1: M.l, x2: W - M.r, y1: H - M.b, y2: H - M.b }));
    for (const [x, label] of xLabels) g.appendChild(svg('text', { x, y: H - M.b + 14, 'text-anchor': 'middle' }, label));
  }

  function timeLabels(n, x, tl) {
    const origin = parseTime(tl.origin);
    const out = [];
    const steps = Math.min(5, n);
    for (let i = 0; i < steps; i++) {
      const bin = Math.round((i * (n - 1)) / Math.max(1, steps - 1));
      const d = new Date((origin + bin * tl.width_s) * 1000);
      out.push([x(bin), d.toISOString().slice(11, 19)]);
    }
    return out;
  }

  function figure(id, caption, node, legend) {
    return el('figure', { id }, el('figcaption', {}, caption), node, legend || null);
  }

  // A count axis: four whole-number steps.
  const countMax = (values) => 4 * Math.max(1, Math.ceil(Math.max(0, ...values) / 4));

  function stackedBars(series) {
    const n = series.answered.length;
    const totals = new Array(n).fill(0);
    for (const o of OUTCOMES) series.started[o].forEach((v, i) => (totals[i] += v));
    const maxY = countMax(totals);
    const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img' });
    const plotW = W - M.l - M.r, plotH = H - M.t - M.b;
    const bw = plotW / n;
    const x = (i) => M.l + bw * (i + 0.5);
    root.setAttribute('data-points', n);
    axes(root, n, maxY, (v) => Math.round(v), timeLabels(n, x, chartTimeline));
    for (let i = 0; i < n; i++) {
      let y = M.t + plotH;
      for (const o of OUTCOMES) {
        const v = series.started[o][i];
        if (!v) continue;
        const h = (plotH * v) / maxY;
        y -= h;
        const rect = svg('rect', { x: M.l + bw * i + bw * 0.1, y, width: Math.max(1, bw * 0.8), height: h, fill: OUTCOME_COLOURS[o] });
        rect.appendChild(svg('title', {}, `${o}: ${v}`));
        root.appendChild(rect);
      }
    }
    const legend = el('div', { class: 'legend' });
    for (const o of OUTCOMES) {
      if (series.started[o].some((v) => v)) legend.appendChild(el('span', {}, el('i', { style: 'background:' + OUTCOME_COLOURS[o] }), o));
    }
    return [root, legend];
  }

  function line(values, maxY, yLabel, colour) {
    const n = values.length;
    const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img' });
    const plotW = W - M.l - M.r, plotH = H - M.t - M.b;
    const x = (i) => M.l + (n === 1 ? plotW / 2 : (plotW * i) / (n - 1));
    root.setAttribute('data-points', n);
    axes(root, n, maxY, yLabel, timeLabels(n, x, chartTimeline));
    let d = '';
    values.forEach((v, i) => {
      if (v === null) return;
      const y = M.t + plotH - (plotH * v) / maxY;
      d += (d && values[i - 1] !== null ? 'L' : 'M') + x(i).toFixed(1) + ' ' + y.toFixed(1);
    });
    root.appendChild(svg('path', { d, fill: 'none', stroke: colour, 'stroke-width': 2 }));
    values.forEach((v, i) => {
      if (v === null || n > 240) return;
      const c = svg('circle', { cx: x(i), cy: M.t + plotH - (plotH * v) / maxY, r: n > 60 ? 1.5 : 3, fill: colour });
      c.appendChild(svg('title', {}, yLabel(v)));
      root.appendChild(c);
    });
    return root;
  }

  // SER per bin, RFC 6076 §4.6 on the attempts that started in it: established / (attempts − 3xx).
  function serValues(series) {
    return series.answered.map((_, i) => {
      let attempts = 0;
      for (const o of OUTCOMES) attempts += series.started[o][i];
      const denominator = attempts - series.started.redirected[i];
      return denominator > 0 ? (100 * series.started.established[i]) / denominator : null;
    });
  }

  function histogram(h, label) {
    const n = h.counts.length;
    const maxY = countMax(h.counts);
    const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img' });
    const plotW = W - M.l - M.r, plotH = H - M.t - M.b;
    const bw = plotW / n;
    const edge = (s) => (s < 1 ? s * 1000 + ' ms' : s >= 60 ? s / 60 + ' min' : s + ' s');
    const names = h.counts.map((_, i) => (i < h.upper_s.length ? '≤' + edge(h.upper_s[i]) : '>' + edge(h.upper_s[n - 2])));
    axes(root, n, maxY, (v) => Math.round(v), names.map((s, i) => [M.l + bw * (i + 0.5), s]));
    h.counts.forEach((v, i) => {
      const hgt = (plotH * v) / maxY;
      const rect = svg('rect', { x: M.l + bw * i + 2, y: M.t + plotH - hgt, width: bw - 4, height: hgt, fill: '#2e6bc0' });
      rect.appendChild(svg('title', {}, `${names[i]}: ${v} ${label}`));
      root.appendChild(rect);
    });
    return root;
  }

  // The page draws at most ~60 intervals: neighbouring bins of the view (up to 240) are summed.
  const DRAWN_INTERVALS = 60;
  function coarsen(series, k) {
    const sum = (values) => {
      const out = [];
      for (let i = 0; i < values.length; i += k) out.push(values.slice(i, i + k).reduce((a, b) => a + b, 0));
      return out;
    };
    const started = {};
    for (const o of OUTCOMES) started[o] = sum(series.started[o]);
    return { name: series.name, started, answered: sum(series.answered), ended: sum(series.ended) };
  }
  // From the call records (every page; the per-peer lines always): bins of 2^k s, summed to <= 60.
  const timeline = (() => {
    const tl = view.timeline;
    if (!tl) return null;
    const k = Math.max(1, Math.ceil(tl.series[0].answered.length / DRAWN_INTERVALS));
    return { origin: tl.origin, width_s: tl.width_s * k, series: tl.series.map((s) => coarsen(s, k)) };
  })();

  // With --interval, the charts draw the report's own series instead: one point per interval from
  // the first to the last (an interval without packets, which the series leaves out, is drawn
  // empty). Outcomes by the interval they were decided in, SER as the interval's rfc6076.ser, calls
  // up as its calls_active_max.
  const seriesTimeline = (() => {
    const items = report.series;
    const width = report.series_interval_s;
    if (!Array.isArray(items) || !items.length || !width) return null;
    const first = parseTime(items[0].start);
    const n = Math.round((parseTime(items[items.length - 1].start) - first) / width) + 1;
    const zeros = () => new Array(n).fill(0);
    const started = {};
    for (const o of OUTCOMES) started[o] = zeros();
    const attempts = zeros(), ser = new Array(n).fill(null), up = new Array(n).fill(null);
    for (const it of items) {
      const i = Math.round((parseTime(it.start) - first) / width);
      const r = it.rfc6076 || {};
      attempts[i] = r.session_attempts || 0;
      started.established[i] = r.sessions_established || 0;
      started.redirected[i] = r.sessions_redirected || 0;
      started.cancelled[i] = r.sessions_cancelled || 0;
      started.failed[i] = r.sessions_failed || 0;
      started.timeout[i] = r.timeouts || 0;
      started.ineffective[i] = Math.max(0, (r.sessions_ineffective || 0) - (r.timeouts || 0));
      ser[i] = r.ser === undefined ? null : r.ser;
      up[i] = it.calls_active_max === undefined ? null : it.calls_active_max;
    }
    return { origin: items[0].start, width_s: width, series: [{ name: 'all', started, answered: zeros(), ended: zeros() }],
      attempts, ser, up };
  })();
  const chartTimeline = seriesTimeline || timeline;

  function charts() {
    page.appendChild(el('h2', {}, 'Over time'));
    const box = el('div', { class: 'charts' });
    page.appendChild(box);
    const tl = chartTimeline;
    if (!tl) {
      box.appendChild(el('p', { class: 'empty' }, 'No call attempts: nothing to draw over time.'));
    } else if (tl === seriesTimeline) {
      const [bars, legend] = stackedBars(tl.series[0]);
      bars.appendChild(svg('title', {}, 'attempts started per interval: ' + tl.attempts.join(', ')));
      box.appendChild(figure('chart-attempts', `Attempts by outcome, per ${fmt.dur(tl.width_s)} (--interval; by the interval the outcome was decided in)`, bars, legend));
      box.appendChild(figure('chart-ser', 'SER per interval (%), the series\' rfc6076.ser', line(tl.ser, 100, (v) => v.toFixed(0) + '%', '#2e8b57')));
      box.appendChild(figure('chart-concurrent', 'Calls up: the most confirmed dialogs at once in each interval',
        line(tl.up, countMax(tl.up.map((v) => v || 0)), (v) => String(Math.round(v)), '#8e44ad')));
    } else {
      const all = tl.series[0];
      const [bars, legend] = stackedBars(all);
      box.appendChild(figure('chart-attempts', `Attempts by outcome, per ${fmt.dur(tl.width_s)} (by start time)`, bars, legend));
      box.appendChild(figure('chart-ser', 'SER per interval (%)', line(serValues(all), 100, (v) => v.toFixed(0) + '%', '#2e8b57')));
      let up = 0;
      const concurrent = all.answered.map((a, i) => (up += a - all.ended[i]));
      box.appendChild(figure('chart-concurrent', 'Calls up (answered, not yet ended) at the end of each interval',
        line(concurrent, countMax(concurrent), (v) => String(Math.round(v)), '#8e44ad')));
    }
    box.appendChild(figure('chart-srd', 'Session request delay (SRD) of the call records', histogram(view.srd_histogram, 'attempts')));
    box.appendChild(figure('chart-sdt', 'Session duration (SDT) of answered, ended calls', histogram(view.sdt_histogram, 'calls')));
  }

  // --- tables -------------------------------------------------------------------------------------
  function table(id, head, rows) {
    const t = el('table', { id });
    t.appendChild(el('thead', {}, el('tr', {}, ...head.map(([h, cls]) => el('th', { class: cls }, h)))));
    const body = el('tbody');
    for (const row of rows) body.appendChild(el('tr', {}, ...row.map(([v, cls]) => el('td', { class: cls }, v))));
    t.appendChild(body);
    return t;
  }

  function responses() {
    page.appendChild(el('h2', {}, 'Response codes per method'));
    const byMethod = report.responses_by_method || {};
    const codes = [...new Set(Object.values(byMethod).flatMap((m) => Object.keys(m)))].sort((a, b) => a - b);
    if (!codes.length) {
      page.appendChild(el('p', { class: 'empty' }, 'No responses.'));
      return;
    }
    const rows = Object.entries(byMethod).map(([method, counts]) => [[method], ...codes.map((c) => [counts[c] ? fmt.int(counts[c]) : '', 'num'])]);
    page.appendChild(table('responses', [['method'], ...codes.map((c) => [c, 'num'])], rows));
  }

  function sparkline(values) {
    const w = 160, h = 28;
    const root = svg('svg', { viewBox: `0 0 ${w} ${h}`, width: w, height: h, class: 'spark' });
    const n = values.length;
    let d = '';
    values.forEach((v, i) => {
      if (v === null) return;
      const x = n === 1 ? w / 2 : (w * i) / (n - 1);
      const y = h - 2 - ((h - 4) * v) / 100;
      d += (d && values[i - 1] !== null ? 'L' : 'M') + x.toFixed(1) + ' ' + y.toFixed(1);
    });
    root.appendChild(svg('path', { d: d || 'M0 0', fill: 'none', stroke: '#2e8b57', 'stroke-width': 1.5 }));
    return root;
  }

  function peers() {
    const tl = timeline;
    if (!tl || tl.series.length < 2) return;
    page.appendChild(el('h2', {}, 'Per peer'));
    const body = [];
    for (const s of tl.series.slice(1)) {
      const sum = (o) => s.started[o].reduce((a, b) => a + b, 0);
      const attempts = OUTCOMES.reduce((a, o) => a + sum(o), 0);
      const ser = attempts - sum('redirected') > 0 ? (100 * sum('established')) / (attempts - sum('redirected')) : null;
      body.push([[s.name], [fmt.int(attempts), 'num'], [fmt.int(sum('established')), 'num'],
        [fmt.int(sum('failed') + sum('ineffective') + sum('timeout')), 'num'], [fmt.pct(ser), 'num'], [sparkline(serValues(s))]]);
    }
    page.appendChild(table('peers', [['peer'], ['attempts', 'num'], ['established', 'num'], ['failed', 'num'], ['SER', 'num'], ['SER over time']], body));
  }

  function media() {
    const m = report.media;
    if (!m || !m.streams) return;
    page.appendChild(el('h2', {}, 'Media quality'));
    const stat = (o, k) => (o && o[k] !== undefined && o[k] !== null ? Number(o[k]).toFixed(2) : '–');
    page.appendChild(el('div', { class: 'cards', id: 'media' },
      card('Streams', fmt.int(m.streams), fmt.int(m.packets) + ' packets'),
      card('Loss', m.loss_pct === null ? '–' : Number(m.loss_pct).toFixed(2) + ' %', fmt.int(m.lost) + ' of ' + fmt.int(m.expected), m.loss_pct > 1 ? 'bad' : ''),
      card('Jitter p90', stat(m.jitter_ms, 'p90') + ' ms', 'max ' + stat(m.jitter_ms, 'max') + ' ms'),
      card('MOS p50', stat(m.mos, 'p50'), 'min ' + stat(m.mos, 'min') + ' (E-model, ITU-T G.107)', m.mos && m.mos.min !== null && m.mos.min < 3.6 ? 'bad' : ''),
      card('One-way calls', fmt.int(m.one_way_calls), fmt.int(m.no_media_calls) + ' without media', m.one_way_calls > 0 ? 'bad' : '')));
  }

  // --- failed calls and their ladders --------------------------------------------------------------
  const ladderOf = new Map();

  function ladder(call) {
    const msgs = call.messages || [];
    const hosts = [];
    for (const m of msgs) for (const h of [m.src, m.dst]) if (!hosts.includes(h)) hosts.push(h);
    const colW = 220, rowH = 26, top = 40, left = 20;
    const w = Math.max(2, hosts.length) * colW, h = top + rowH * (msgs.length + 1);
    const root = svg('svg', { viewBox: `0 0 ${w} ${h}`, width: w, height: h, class: 'ladder-svg', 'data-call-id': call.call_id || '' });
    const cx = (host) => left + colW * hosts.indexOf(host) + colW / 2 - left;
    hosts.forEach((host) => {
      root.appendChild(svg('text', { x: cx(host), y: 16, 'text-anchor': 'middle', class: 'host' }, host));
      root.appendChild(svg('line', { class: 'axis', x1: cx(host), x2: cx(host), y1: 24, y2: h - 6 }));
    });
    const t0 = msgs.length ? parseTime(msgs[0].time) : 0;
    msgs.forEach((m, i) => {
      const y = top + rowH * i;
      const x1 = cx(m.src), x2 = cx(m.dst);
      const g = svg('g', { class: 'msg' + (m.retransmission ? ' retr' : ''), 'data-index': i });
      // A wide transparent band makes the whole row clickable, not just the 1.5 px arrow.
      g.appendChild(svg('rect', { x: 0, y: y - rowH / 2, width: w, height: rowH, fill: 'transparent', class: 'hit' }));
      g.addEventListener('click', () => showRaw(i));
      g.appendChild(svg('line', { x1, x2: x2 + (x2 > x1 ? -6 : 6), y1: y, y2: y, stroke: '#1d2430', 'stroke-width': 1.5 }));
      const dir = x2 > x1 ? -1 : 1;
      g.appendChild(svg('path', { d: `M${x2} ${y} l${dir * 8} -4 l0 8 z`, fill: m.retransmission ? '#c0392b' : '#1d2430' }));
      const label = m.summary + (m.retransmission ? ' (retransmission)' : '');
      g.appendChild(svg('text', { x: (x1 + x2) / 2, y: y - 4, 'text-anchor': 'middle', class: 'summary' }, label));
      g.appendChild(svg('text', { x: 4, y: y + 4, class: 'offset' }, '+' + (parseTime(m.time) - t0).toFixed(3) + ' s'));
      root.appendChild(g);
    });
    return root;
  }

  // The raw text of each message beside the ladder, one <details> per message; one open at a time.
  function rawPane(call) {
    const msgs = call.messages || [];
    const pane = el('div', { class: 'raw', id: 'raw' });
    if (!msgs.some((m) => 'raw' in m)) {
      pane.appendChild(el('p', { class: 'empty' }, view.raw_text_omitted && call.messages
        ? 'No raw text for this call: the page\'s raw text budget was spent on the calls before it.'
        : 'No raw text kept for this call.'));
      return pane;
    }
    const t0 = msgs.length ? parseTime(msgs[0].time) : 0;
    msgs.forEach((m, i) => {
      const d = el('details', { class: 'raw-msg', 'data-index': i },
        el('summary', {}, `${i + 1}. ${m.summary}${m.retransmission ? ' (retransmission)' : ''} · +${(parseTime(m.time) - t0).toFixed(3)} s · ${m.src} → ${m.dst}`));
      if (m.raw === null || m.raw === undefined) {
        d.appendChild(el('p', { class: 'empty' }, 'Raw text not kept (the recorder\'s pool was full).'));
      } else {
        d.appendChild(el('pre', { class: 'mono raw-text' }, m.raw));
        if (m.raw_truncated) d.appendChild(el('p', { class: 'empty cut' }, `Cut: the first ${fmt.int(view.raw_message_cap)} of ${fmt.int(m.raw_bytes)} bytes.`));
      }
      pane.appendChild(d);
    });
    return pane;
  }

  function showRaw(i) {
    for (const d of document.querySelectorAll('#raw details.raw-msg')) d.open = Number(d.getAttribute('data-index')) === i;
    for (const g of document.querySelectorAll('#ladder g.msg')) g.classList.toggle('selected', Number(g.getAttribute('data-index')) === i);
    const open = document.querySelector(`#raw details.raw-msg[data-index="${i}"]`);
    if (open && open.scrollIntoView && document.readyState === 'complete') open.scrollIntoView({ block: 'nearest' });
  }

  function showCall(index, row, message) {
    const panel = document.getElementById('ladder');
    panel.textContent = '';
    for (const r of document.querySelectorAll('tr.call.selected')) r.classList.remove('selected');
    if (row) row.classList.add('selected');
    const call = calls[index];
    panel.setAttribute('data-call-id', call.call_id || '');
    panel.appendChild(el('h3', {}, 'Call ', el('span', { class: 'mono' }, call.call_id || '(no Call-ID)')));
    const facts = [
      ['from', call.from], ['to', call.to], ['request URI', call.request_uri], ['from address', call.src], ['to address', call.dst],
      ['outcome', call.outcome + (call.final_code ? ' · ' + call.final_code + ' ' + (call.final_reason || '') : '')],
      ['reason', call.reason ? call.reason.protocol + (call.reason.cause !== null ? ' cause ' + call.reason.cause : '') + (call.reason.text ? ' "' + call.reason.text + '"' : '') : null],
      ['user agent', call.user_agent], ['server', call.server], ['peer', call.peer],
    ];
    const dl = el('table', { class: 'facts' });
    for (const [k, v] of facts) if (v) dl.appendChild(el('tr', {}, el('th', {}, k), el('td', { class: 'mono' }, v)));
    panel.appendChild(dl);
    if (call.messages) {
      panel.appendChild(el('div', { class: 'ladder-wrap' }, ladder(call), rawPane(call)));
      showRaw(message || 0);
      if (call.messages_truncated) panel.appendChild(el('p', { class: 'empty' }, 'Only the first 32 messages are kept per call.'));
    } else {
      panel.appendChild(el('p', { class: 'empty' }, `No ladder kept for this call (the first ${view.html_calls} failed calls have one; --html-calls N or all for more).`));
    }
  }

  function failedCalls() {
    const all = view.html_calls === 'all';
    page.appendChild(el('h2', {}, all ? 'Calls' : 'Failed and timed-out calls'));
    page.appendChild(el('p', { class: 'sub', id: 'calls-note' },
      (all ? `${fmt.int(view.calls_shown)} of ${fmt.int(view.records)} calls listed`
        : `${fmt.int(view.failed_calls)} failed, ineffective or timed-out calls; ${fmt.int(view.calls_shown)} listed`) +
      `, ${fmt.int(view.ladders)} with a ladder` + (view.calls_omitted ? ` · ${fmt.int(view.calls_omitted)} left out (size bound)` : '') +
      '. Click a row for its ladder.'));
    if (!calls.length) {
      page.appendChild(el('p', { class: 'empty' }, all ? 'No calls.' : 'No failed calls.'));
      return;
    }
    const order = calls.map((c, i) => i).sort((a, b) => (calls[a].start || '').localeCompare(calls[b].start || ''));
    const t = el('table', { id: 'calls' });
    t.appendChild(el('thead', {}, el('tr', {}, ...['start', 'Call-ID', 'from', 'to', 'outcome', 'code', 'Q.850', 'ladder'].map((h) => el('th', {}, h)))));
    const body = el('tbody');
    for (const i of order) {
      const c = calls[i];
      const q850 = c.reason && c.reason.protocol === 'Q.850' && c.reason.cause !== null ? c.reason.cause : '';
      const row = el('tr', { class: 'call', 'data-index': i, 'data-call-id': c.call_id || '' },
        el('td', { class: 'mono' }, c.start ? c.start.slice(0, 23).replace('T', ' ') : ''),
        el('td', { class: 'mono' }, c.call_id || ''), el('td', { class: 'mono' }, c.from || ''), el('td', { class: 'mono' }, c.to || ''),
        el('td', {}, c.outcome), el('td', { class: 'num' }, c.final_code ? c.final_code + ' ' + (c.final_reason || '') : ''),
        el('td', { class: 'num' }, q850), el('td', {}, c.messages ? 'yes' : ''));
      row.addEventListener('click', () => showCall(i, row));
      body.appendChild(row);
      ladderOf.set(c.call_id, [i, row]);
    }
    t.appendChild(body);
    page.appendChild(t);
    page.appendChild(el('div', { id: 'ladder', class: 'ladder' }));
    // #call=CALL-ID opens that call (&msg=K: with its K-th message's raw text, from 0); else the
    // first listed call with a ladder.
    const hash = location.hash.match(/^#call=(.*?)(?:&msg=(\d+))?$/) || [null, '', '0'];
    const wanted = decodeURIComponent(hash[1]);
    const chosen = ladderOf.get(wanted) || (() => { const i = order.find((k) => calls[k].messages); return i === undefined ? [order[0], body.firstChild] : [i, body.children[order.indexOf(i)]]; })();
    showCall(chosen[0], chosen[1], Number(hash[2] || 0));
  }

  function check() {
    const c = view.check;
    if (!c) return;
    page.appendChild(el('h2', {}, 'Check: ', el('span', { class: c.passed ? 'verdict-pass' : 'verdict-fail', id: 'check-verdict' }, c.passed ? 'passed' : 'failed')));
    const rows = (c.figures || []).map((f) => [[f.path, 'mono'], [f.baseline === undefined || f.baseline === null ? '' : String(f.baseline), 'num'],
      [f.current === undefined || f.current === null ? '' : String(f.current), 'num'], [f.verdict]]);
    if (rows.length) page.appendChild(table('check', [['figure'], ['expected', 'num'], ['current', 'num'], ['verdict']], rows));
    else page.appendChild(el('p', { class: 'empty' }, 'Every figure within its tolerance.'));
  }

  function footer() {
    page.appendChild(el('footer', {},
      'Generated by sipmon ' + report.sipmon_version + ' from the same report as --json (schema ' + report.schema_version +
      ') and the call records of --calls. Figures: docs/metrics.md; this page: docs/html.md.'));
  }

  const span = header();
  check();
  headline(span);
  charts();
  failedCalls();
  peers();
  responses();
  media();
  footer();
  document.body.setAttribute('data-rendered', 'yes');
})();
