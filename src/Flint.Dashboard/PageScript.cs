namespace Flint.Dashboard;

/// <summary>
/// The page's script. Reads <c>/api/runs</c> (every 5 s) and the selected runs' <c>/api/metrics</c> (every 1.5 s, so a
/// training run's curve grows), draws SVG itself, and escapes every text that comes from a run. The URL can preselect:
/// <c>?run=A&amp;run=B&amp;metric=train/loss&amp;group=optimizer.lr&amp;x=tokens&amp;smoothing=0.6&amp;view=sweeps&amp;sweep=ID</c>.
/// </summary>
internal static class PageScript
{
    public const string Js = """
'use strict';
const params = new URLSearchParams(location.search);
const state = {
  runs: [], byId: new Map(), selected: new Set(params.getAll('run')), series: {},
  sort: { key: 'changed', dir: -1 }, metric: params.get('metric') || '', x: params.get('x') || 'step',
  group: params.get('group') || '', smoothing: +(params.get('smoothing') || 0),
};
const $ = id => document.getElementById(id);
const esc = s => String(s ?? '').replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
const fmt = v => v === undefined || v === null || !isFinite(v) ? '' : Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en') : (+v.toPrecision(3)).toString();
const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const FIXED = ['val/loss', 'val/accuracy', 'test/accuracy'];

function options(select, values, keep) {
  const current = keep ?? select.value;
  const fixed = [...select.querySelectorAll('option[data-fixed]')].map(o => o.outerHTML).join('');
  select.innerHTML = fixed + values.map(v => `<option value="${esc(v)}">${esc(v)}</option>`).join('');
  if ([...select.options].some(o => o.value === current)) select.value = current;
}

async function loadRuns() {
  state.runs = await (await fetch('/api/runs')).json();
  state.byId = new Map(state.runs.map(r => [r.id, r]));
  const uniq = f => [...new Set(state.runs.flatMap(f))].sort();
  options($('kind'), uniq(r => [r.kind]));
  options($('status'), uniq(r => [r.status]));
  const metrics = uniq(r => Object.keys(r.metrics)).filter(m => !FIXED.includes(m));
  options($('column'), metrics);
  const keys = uniq(r => Object.keys(r.config)).filter(k => k !== 'kind');
  options($('configcol'), keys, $('configcol').value || params.get('configcol') || '');
  options($('group'), keys, state.group);
  $('total').textContent = state.runs.length;
  $('updated').textContent = new Date().toLocaleTimeString();
  renderTable();
  if ($('tab-sweeps').classList.contains('on')) renderSweeps();
}

function visible() {
  const text = $('filter').value.toLowerCase(), kind = $('kind').value, status = $('status').value;
  let runs = state.runs.filter(r => (!kind || r.kind === kind) && (!status || r.status === status) &&
    (!text || [r.id, r.kind, r.status, ...r.tags, ...Object.values(r.config)].some(v => String(v).toLowerCase().includes(text))));
  const { key, dir } = state.sort;
  const value = r => key.startsWith('m:') ? r.metrics[key.slice(2)] : key.startsWith('c:') ? r.config[key.slice(2)] : r[key];
  runs.sort((a, b) => {
    const x = value(a), y = value(b);
    if (x === undefined || x === '') return 1;
    if (y === undefined || y === '') return -1;
    const nx = +x, ny = +y;
    return dir * (!isNaN(nx) && !isNaN(ny) ? nx - ny : String(x).localeCompare(String(y)));
  });
  return runs;
}

function renderTable() {
  const column = $('column').value, config = $('configcol').value;
  const cols = [['id', 'id'], ['kind', 'kind'], ['status', 'status'], ['tags', 'tags'], ...(config ? [['c:' + config, config]] : []),
    ...FIXED.map(m => ['m:' + m, m]), ...(column ? [['m:' + column, column]] : [])];
  $('head').innerHTML = '<tr><th></th>' + cols.map(([k, label]) =>
    `<th data-key="${esc(k)}">${esc(label)}${state.sort.key === k ? (state.sort.dir > 0 ? ' ▲' : ' ▼') : ''}</th>`).join('') + '</tr>';
  const runs = visible();
  $('runs').innerHTML = runs.map(r => {
    const on = state.selected.has(r.id);
    const cells = cols.map(([k]) => k.startsWith('m:') ? `<td class="num">${esc(fmt(r.metrics[k.slice(2)]))}</td>`
      : k.startsWith('c:') ? `<td>${esc(r.config[k.slice(2)])}</td>` : `<td>${esc(k === 'tags' ? r.tags.join(', ') : r[k])}</td>`).join('');
    return `<tr class="run${on ? ' selected' : ''}" data-id="${esc(r.id)}"><td><input type="checkbox"${on ? ' checked' : ''}></td>${cells}</tr>`;
  }).join('');
  $('shown').textContent = runs.length;
  $('chosen').textContent = state.selected.size;
}

async function refreshSeries() {
  const ids = [...state.selected];
  await Promise.all(ids.map(async id => {
    const response = await fetch('/api/metrics?id=' + encodeURIComponent(id));
    if (response.ok) state.series[id] = await response.json();
  }));
  for (const id of Object.keys(state.series)) if (!state.selected.has(id)) delete state.series[id];
  let points = 0, step = 0;
  const names = new Set();
  for (const id of ids) for (const [name, list] of Object.entries(state.series[id] || {})) {
    names.add(name); points += list.length; for (const p of list) step = Math.max(step, p.step);
  }
  $('points').textContent = points;
  $('step').textContent = ids.length ? step : '–';
  $('status-text').textContent = ids.map(id => state.byId.get(id)?.status ?? '?').join(', ') || '–';
  const sorted = [...names].sort();
  if (!state.metric || !names.has(state.metric)) state.metric = sorted.find(n => n === 'train/loss') || sorted[0] || '';
  options($('metric'), sorted, state.metric);
  draw();
}

function ema(ys, w) {
  if (w <= 0 || ys.length < 3) return ys;
  let last = 0, debias = 0;
  return ys.map(y => { last = last * w + (1 - w) * y; debias = debias * w + (1 - w); return last / debias; });
}

/** Lines to draw: one per selected run, or one per value of the group key (several runs: mean line and ± sd band over the steps all of them logged). */
function lines() {
  const x = state.x, metric = state.metric, out = [];
  const runs = [...state.selected].filter(id => state.series[id]?.[metric]?.length);
  const groups = new Map();
  for (const id of runs) {
    const key = state.group ? `${state.group}=${state.byId.get(id)?.config[state.group] ?? '(unset)'}` : id;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(id);
  }
  for (const [label, ids] of groups) {
    if (ids.length === 1) {
      const pts = state.series[ids[0]][metric];
      out.push({ label, runs: ids, xs: pts.map(p => p[x]), ys: pts.map(p => p.value) });
      continue;
    }
    const maps = ids.map(id => new Map(state.series[id][metric].map(p => [p.step, p])));
    const steps = [...maps[0].keys()].filter(s => maps.every(m => m.has(s))).sort((a, b) => a - b);
    const xs = [], ys = [], lo = [], hi = [];
    for (const s of steps) {
      const vals = maps.map(m => m.get(s).value), mean = vals.reduce((a, b) => a + b, 0) / vals.length;
      const sd = Math.sqrt(vals.reduce((a, b) => a + (b - mean) ** 2, 0) / (vals.length - 1));
      xs.push(maps.reduce((a, m) => a + m.get(s)[x], 0) / maps.length); ys.push(mean); lo.push(mean - sd); hi.push(mean + sd);
    }
    out.push({ label: `${label} (mean ± sd, ${ids.length} runs)`, runs: ids, xs, ys, lo, hi });
  }
  return out;
}

function draw() {
  const W = 900, H = 440, L = 70, R = 20, T = 20, B = 45;
  const data = lines();
  if (!data.length) { $('chart').innerHTML = '<p class="muted">Select runs in the table to draw their curves.</p>'; $('legend').innerHTML = ''; return; }
  for (const d of data) { d.raw = d.ys; d.ys = ema(d.ys, state.smoothing); if (d.lo) { d.lo = ema(d.lo, state.smoothing); d.hi = ema(d.hi, state.smoothing); } }
  const all = (f) => data.flatMap(f).filter(Number.isFinite);
  let [x0, x1] = [Math.min(...all(d => d.xs)), Math.max(...all(d => d.xs))];
  let [y0, y1] = [Math.min(...all(d => [...d.raw, ...(d.lo || [])])), Math.max(...all(d => [...d.raw, ...(d.hi || [])]))];
  if (x1 === x0) { x0 -= 1; x1 += 1; }
  if (y1 === y0) { y0 -= 1; y1 += 1; }
  const sx = v => L + (v - x0) / (x1 - x0) * (W - L - R), sy = v => T + (1 - (v - y0) / (y1 - y0)) * (H - T - B);
  const path = (xs, ys) => xs.map((v, i) => `${i ? 'L' : 'M'}${sx(v).toFixed(1)},${sy(ys[i]).toFixed(1)}`).join('');
  let svg = `<svg viewBox="0 0 ${W} ${H}" xmlns="http://www.w3.org/2000/svg" font-size="12">`;
  for (let i = 0; i <= 5; i++) {
    const vx = x0 + (x1 - x0) * i / 5, vy = y0 + (y1 - y0) * i / 5;
    svg += `<line x1="${sx(vx)}" y1="${T}" x2="${sx(vx)}" y2="${H - B}" stroke="#eee"/><text x="${sx(vx)}" y="${H - B + 16}" text-anchor="middle">${esc(fmt(vx))}</text>`;
    svg += `<line x1="${L}" y1="${sy(vy)}" x2="${W - R}" y2="${sy(vy)}" stroke="#eee"/><text x="${L - 6}" y="${sy(vy) + 4}" text-anchor="end">${esc(fmt(vy))}</text>`;
  }
  svg += `<text x="${(L + W - R) / 2}" y="${H - 8}" text-anchor="middle">${esc({ step: 'optimizer step', tokens: 'training tokens', wall_s: 'wall time (s)' }[state.x])}</text>`;
  svg += `<text transform="translate(16,${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">${esc(state.metric)}</text>`;
  data.forEach((d, i) => {
    const c = COLORS[i % COLORS.length], runs = esc(d.runs.join(' '));
    if (d.lo) svg += `<path class="band" d="${path(d.xs, d.hi)}L${[...d.xs].reverse().map((v, j) => `${sx(v).toFixed(1)},${sy(d.lo[d.lo.length - 1 - j]).toFixed(1)}`).join('L')}Z" fill="${c}" fill-opacity="0.18" stroke="none"/>`;
    if (state.smoothing > 0) svg += `<path d="${path(d.xs, d.raw)}" fill="none" stroke="${c}" stroke-opacity="0.25"/>`;
    svg += `<path class="series" data-runs="${runs}" d="${path(d.xs, d.ys)}" fill="none" stroke="${c}" stroke-width="2"><title>${esc(d.label)}</title></path>`;
  });
  $('chart').innerHTML = svg + '</svg>';
  $('legend').innerHTML = data.map((d, i) => `<span><i style="background:${COLORS[i % COLORS.length]}"></i>${esc(d.label)}</span>`).join('');
}

async function renderSweeps() {
  const sweeps = state.runs.filter(r => r.kind === 'sweep');
  $('sweeps').innerHTML = sweeps.length ? '<b>Sweeps:</b> ' + sweeps.map(s => `<a href="#" data-sweep="${esc(s.id)}">${esc(s.id)}</a> <span class="muted">(${esc(s.status)})</span>`).join(' · ')
    : '<p class="muted">No sweeps under this runs root (flint sweep makes them).</p>';
  const id = state.sweep || params.get('sweep') || sweeps[0]?.id;
  if (!id) return;
  state.sweep = id;
  const response = await fetch('/api/sweep?id=' + encodeURIComponent(id));
  if (!response.ok) return;
  const t = await response.json();
  $('sweep').innerHTML = `<h3>${esc(t.id)}: ${esc(t.command)}</h3><p class="muted">Chosen on validation ${esc(t.metric)} (${t.higher_is_better ? 'higher' : 'lower'} is better), reported on test; mean ± sd over seeds. Click a row to draw its runs.</p>` +
    `<table id="sweep-table"><tr><th>setting</th><th>seeds</th><th>val ${esc(t.metric)}</th><th>test ${esc(t.metric)}</th><th></th></tr>` +
    t.rows.map(r => `<tr class="sweep-row${r.best ? ' best' : ''}" data-runs="${esc(JSON.stringify(r.runs))}"><td>${esc(r.setting)}</td><td class="num">${r.seeds}</td>` +
      `<td class="num">${esc(r.val)}</td><td class="num">${esc(r.test)}</td><td>${r.best ? 'best' : ''}</td></tr>`).join('') + '</table>' +
    (t.missing.length ? `<p class="muted">Not finished: ${esc(t.missing.join(', '))}</p>` : '');
}

function view(name) {
  $('tab-runs').classList.toggle('on', name === 'runs'); $('tab-sweeps').classList.toggle('on', name === 'sweeps');
  $('runs-view').hidden = name !== 'runs'; $('sweeps-view').hidden = name !== 'sweeps';
  if (name === 'sweeps') renderSweeps();
}

$('runs').addEventListener('click', e => {
  const row = e.target.closest('tr.run');
  if (!row) return;
  const id = row.dataset.id;
  if (state.selected.has(id)) state.selected.delete(id); else state.selected.add(id);
  renderTable(); refreshSeries();
});
$('head').addEventListener('click', e => {
  const key = e.target.closest('th')?.dataset.key;
  if (!key) return;
  state.sort = { key, dir: state.sort.key === key ? -state.sort.dir : (key.startsWith('m:') ? -1 : 1) };
  renderTable();
});
$('sweep').addEventListener('click', e => {
  const row = e.target.closest('tr.sweep-row');
  if (!row) return;
  state.selected = new Set(JSON.parse(row.dataset.runs)); renderTable(); refreshSeries();
});
$('sweeps').addEventListener('click', e => { const id = e.target.dataset?.sweep; if (id) { e.preventDefault(); state.sweep = id; renderSweeps(); } });
for (const id of ['filter', 'kind', 'status', 'column', 'configcol']) $(id).addEventListener('input', renderTable);
$('metric').addEventListener('input', () => { state.metric = $('metric').value; draw(); });
$('x').addEventListener('input', () => { state.x = $('x').value; draw(); });
$('group').addEventListener('input', () => { state.group = $('group').value; draw(); });
$('smoothing').addEventListener('input', () => { state.smoothing = +$('smoothing').value; $('smoothing-value').textContent = state.smoothing; draw(); });
$('clear').addEventListener('click', () => { state.selected.clear(); renderTable(); refreshSeries(); });
$('tab-runs').addEventListener('click', () => view('runs'));
$('tab-sweeps').addEventListener('click', () => view('sweeps'));
$('x').value = state.x; $('smoothing').value = state.smoothing; $('smoothing-value').textContent = state.smoothing;

loadRuns().then(() => { if (params.get('view') === 'sweeps') view('sweeps'); refreshSeries(); });
setInterval(refreshSeries, 1500);
setInterval(loadRuns, 5000);
""";
}
