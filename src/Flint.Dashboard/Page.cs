namespace Flint.Dashboard;

/// <summary>The dashboard's single page: a run list and the selected run's charts, refreshed while it runs.</summary>
internal static class Page
{
    public const string Html = """
<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Flint dashboard</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;display:flex;color:#222}
nav{width:320px;border-right:1px solid #ddd;height:100vh;overflow:auto;padding:1em}
main{flex:1;padding:1em}
.run{padding:6px;border-radius:4px;cursor:pointer;margin:2px 0}
.run:hover,.run.selected{background:#eef}
.status{font-size:0.8em;color:#666}
img{max-width:100%;display:block;margin:1em 0}
</style></head>
<body>
<nav><h2>Runs</h2><div id="runs">loading…</div></nav>
<main><h1 id="title">Select a run</h1>
<p>Points logged: <span id="points">0</span> · last step: <span id="step">–</span> · status: <span id="status">–</span></p>
<div id="charts"></div></main>
<script>
let selected = null;
const params = new URLSearchParams(location.search);
async function loadRuns() {
  const runs = await (await fetch('/api/runs')).json();
  const list = document.getElementById('runs');
  list.innerHTML = '';
  for (const r of runs) {
    const div = document.createElement('div');
    div.className = 'run' + (r.id === selected ? ' selected' : '');
    div.textContent = r.id;
    const s = document.createElement('div'); s.className = 'status'; s.textContent = r.kind + ' · ' + r.status; div.appendChild(s);
    div.onclick = () => select(r.id);
    list.appendChild(div);
    if (r.id === selected) document.getElementById('status').textContent = r.status;
  }
  if (!selected && params.get('run')) select(params.get('run'));
}
async function refresh() {
  if (!selected) return;
  const metrics = await (await fetch('/api/metrics?id=' + encodeURIComponent(selected))).json();
  let points = 0, step = 0;
  for (const name in metrics) { points += metrics[name].length; for (const p of metrics[name]) step = Math.max(step, p.step); }
  document.getElementById('points').textContent = points;
  document.getElementById('step').textContent = step;
  const stamp = Date.now();
  for (const img of document.querySelectorAll('#charts img')) img.src = img.dataset.base + '&t=' + stamp;
}
function select(id) {
  selected = id;
  document.getElementById('title').textContent = id;
  const charts = document.getElementById('charts');
  charts.innerHTML = '';
  for (const name of ['loss', 'accuracy', 'lr', 'throughput']) {
    const img = document.createElement('img');
    img.dataset.base = '/api/chart?id=' + encodeURIComponent(id) + '&name=' + name;
    img.onerror = () => img.style.display = 'none';
    img.onload = () => img.style.display = 'block';
    charts.appendChild(img);
  }
  refresh(); loadRuns();
}
loadRuns();
setInterval(refresh, 1000);
setInterval(loadRuns, 5000);
</script></body></html>
""";
}
