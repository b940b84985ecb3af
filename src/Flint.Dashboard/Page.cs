namespace Flint.Dashboard;

/// <summary>
/// The dashboard's single page: a sortable, filterable run table; curves of the selected runs overlaid (or grouped by a
/// config key, seeds as a mean line and band) with smoothing and a choice of x-axis; a sweep view. The behaviour is in
/// <see cref="PageScript"/>; everything taken from runs is escaped there before it reaches the page.
/// </summary>
internal static class Page
{
    public const string Html = """
<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Flint dashboard</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;color:#222;font-size:14px}
header{padding:0.6em 1em;border-bottom:1px solid #ddd;display:flex;gap:1em;align-items:center;flex-wrap:wrap}
header h1{font-size:1.2em;margin:0 1em 0 0}
.tabs button{border:1px solid #ccc;background:#f6f6f6;padding:4px 10px;cursor:pointer}
.tabs button.on{background:#dde6ff}
#layout{display:flex;height:calc(100vh - 52px)}
#left{width:48%;overflow:auto;border-right:1px solid #ddd}
#right{flex:1;overflow:auto;padding:0.8em}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #eee;padding:3px 6px;text-align:left;white-space:nowrap}
th{background:#f3f3f3;position:sticky;top:0;cursor:pointer;user-select:none}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.run:hover{background:#f4f7ff}
tr.run.selected{background:#e3ebff}
.filters{padding:0.5em;display:flex;gap:0.5em;flex-wrap:wrap;border-bottom:1px solid #eee}
.controls{display:flex;gap:1em;flex-wrap:wrap;align-items:center;margin-bottom:0.5em}
#chart svg{width:100%;height:auto;border:1px solid #eee}
#legend span{display:inline-block;margin:2px 10px 2px 0}
#legend i{display:inline-block;width:14px;height:3px;vertical-align:middle;margin-right:4px}
.muted{color:#777}
.best{font-weight:bold;color:#175}
</style></head>
<body>
<header><h1>Flint dashboard</h1>
<span class="tabs"><button id="tab-runs" class="on">Runs</button><button id="tab-sweeps">Sweeps</button></span>
<span class="muted"><span id="shown">0</span> of <span id="total">0</span> runs · <span id="chosen">0</span> selected · updated <span id="updated">–</span></span>
</header>
<div id="layout">
<div id="left">
<div id="runs-view">
<div class="filters">
<input id="filter" placeholder="filter: id, tag, config value…" size="28">
<select id="kind"><option value="" data-fixed>any kind</option></select>
<select id="status"><option value="" data-fixed>any status</option></select>
<label>column <select id="column"><option value="" data-fixed>–</option></select></label>
<label>config <select id="configcol"><option value="" data-fixed>–</option></select></label>
<button id="clear">clear selection</button>
</div>
<table><thead id="head"></thead><tbody id="runs"></tbody></table>
</div>
<div id="sweeps-view" hidden><div id="sweeps" style="padding:0.5em"></div><div id="sweep" style="padding:0.5em"></div></div>
</div>
<div id="right">
<div class="controls">
<label>metric <select id="metric"></select></label>
<label>x <select id="x"><option value="step">step</option><option value="tokens">tokens</option><option value="wall_s">wall time</option></select></label>
<label>group by <select id="group"><option value="" data-fixed>– (one line per run)</option></select></label>
<label>smoothing <input id="smoothing" type="range" min="0" max="0.99" step="0.01" value="0"> <span id="smoothing-value">0</span></label>
</div>
<p class="muted">Points logged: <span id="points">0</span> · last step: <span id="step">–</span> · status: <span id="status-text">–</span></p>
<div id="chart"></div><div id="legend"></div>
</div></div>
<script src="/dashboard.js"></script>
</body></html>
""";
}
