using System.Globalization;
using System.Text;

namespace Flint.Benchmarks;

/// <summary>The scaling results as an SVG: one column per axis (width, depth, context, vocabulary), rows for tokens/s and
/// peak RSS, log-log, one line per model family.</summary>
internal static class ScalingPlot
{
    const int PanelWidth = 240, PanelHeight = 170, Margin = 50;
    static readonly string[] Axes = ["width", "depth", "context", "vocab"];
    static readonly (string Metric, Func<ScalingResult, double> Value)[] Rows =
        [("tokens/s", r => r.TokensPerSecond), ("peak RSS MB", r => r.PeakRssMb)];
    static readonly Dictionary<string, string> Colors = new() { ["gpt"] = "#1f77b4", ["bert"] = "#d62728" };

    public static string Svg(IReadOnlyList<(string Axis, ScalingResult Result)> results, double peakFlops)
    {
        int width = Axes.Length * (PanelWidth + Margin) + Margin, height = Rows.Length * (PanelHeight + Margin) + Margin + 20;
        var s = new StringBuilder();
        s.Append(F($"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' font-family='sans-serif' font-size='11'>"));
        s.Append(F($"<rect width='{width}' height='{height}' fill='white'/>"));
        s.Append(F($"<text x='{Margin}' y='16' font-size='13'>Flint training cost curves (GEMM peak {peakFlops / 1e9:F0} GFLOP/s; blue GPT causal LM, red BERT masked LM)</text>"));
        for (int row = 0; row < Rows.Length; row++)
            for (int col = 0; col < Axes.Length; col++)
            {
                var points = results.Where(r => r.Axis == Axes[col]).ToList();
                if (points.Count == 0) continue;
                double x0 = Margin + col * (PanelWidth + Margin), y0 = 30 + Margin / 2 + row * (PanelHeight + Margin);
                Panel(s, points, Axes[col], Rows[row].Metric, Rows[row].Value, x0, y0);
            }
        s.Append("</svg>");
        return s.ToString();
    }

    static void Panel(StringBuilder s, List<(string Axis, ScalingResult Result)> points, string axis, string metric, Func<ScalingResult, double> value, double x0, double y0)
    {
        double X(ScalingSpec p) => axis switch { "width" => p.Width, "depth" => p.Layers, "context" => p.Context, _ => p.Vocab };
        var xs = points.Select(p => Math.Log10(X(p.Result.Spec))).ToList();
        var ys = points.Select(p => Math.Log10(Math.Max(1e-9, value(p.Result)))).ToList();
        (double lo, double hi) xr = (xs.Min(), Math.Max(xs.Max(), xs.Min() + 1e-6)), yr = (ys.Min() - 0.05, ys.Max() + 0.05);
        double Px(double lx) => x0 + (lx - xr.lo) / (xr.hi - xr.lo) * PanelWidth;
        double Py(double ly) => y0 + PanelHeight - (ly - yr.lo) / (yr.hi - yr.lo) * PanelHeight;
        s.Append(F($"<rect x='{x0}' y='{y0}' width='{PanelWidth}' height='{PanelHeight}' fill='none' stroke='#999'/>"));
        s.Append(F($"<text x='{x0}' y='{y0 - 5}'>{metric} vs {axis} (log-log)</text>"));
        foreach (var v in points.Select(p => X(p.Result.Spec)).Distinct())
            s.Append(F($"<text x='{Px(Math.Log10(v))}' y='{y0 + PanelHeight + 13}' text-anchor='middle'>{v:G5}</text>"));
        foreach (var ly in new[] { yr.lo + 0.05, yr.hi - 0.05 })
            s.Append(F($"<text x='{x0 - 3}' y='{Py(ly) + 4}' text-anchor='end'>{Math.Pow(10, ly):G3}</text>"));
        foreach (var family in points.GroupBy(p => p.Result.Spec.Arch))
        {
            var line = family.OrderBy(p => X(p.Result.Spec)).Select(p => (Px(Math.Log10(X(p.Result.Spec))), Py(Math.Log10(Math.Max(1e-9, value(p.Result)))))).ToList();
            var color = Colors.GetValueOrDefault(family.Key, "black");
            s.Append(F($"<polyline fill='none' stroke='{color}' stroke-width='2' points='{string.Join(' ', line.Select(p => F($"{p.Item1:F1},{p.Item2:F1}")))}'/>"));
            foreach (var (px, py) in line) s.Append(F($"<circle cx='{px:F1}' cy='{py:F1}' r='3' fill='{color}'/>"));
        }
    }

    static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
