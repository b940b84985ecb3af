using ScottPlot;

namespace Flint.Reports;

/// <summary>Paper-style line charts (labelled axes with units, legend, readable fonts) rendered to PNG with ScottPlot.</summary>
public static class Charts
{
    /// <summary>The x-axes a curve can use.</summary>
    public enum Axis
    {
        /// <summary>Optimizer steps.</summary>
        Step,
        /// <summary>Training tokens seen.</summary>
        Tokens,
        /// <summary>Wall-clock seconds.</summary>
        WallTime,
    }

    /// <summary>A line chart of several named series; returns PNG bytes, or null when there is nothing to draw.</summary>
    public static byte[]? Lines(string title, string yLabel, Axis axis, IEnumerable<(string Label, IReadOnlyList<MetricPoint> Points)> series,
        bool logY = false, int width = 900, int height = 480)
    {
        var plot = new Plot();
        int drawn = 0;
        foreach (var (label, points) in series)
        {
            if (points.Count == 0) continue;
            var xs = points.Select(p => axis switch { Axis.Tokens => (double)p.Tokens, Axis.WallTime => p.WallSeconds, _ => p.Step }).ToArray();
            var ys = points.Select(p => logY ? Math.Log10(Math.Max(p.Value, 1e-12)) : p.Value).ToArray();
            var line = plot.Add.ScatterLine(xs, ys);
            line.LegendText = label;
            line.LineWidth = 2;
            if (points.Count < 30) line.MarkerSize = 5;
            drawn++;
        }
        if (drawn == 0) return null;
        Style(plot, title, axis switch { Axis.Tokens => "training tokens", Axis.WallTime => "wall time (s)", _ => "optimizer step" }, logY ? $"log10 {yLabel}" : yLabel);
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    /// <summary>The LR finder's curve: smoothed loss against the learning rate (log scale), with the suggestions marked.</summary>
    public static byte[] LrFinder(IReadOnlyList<double> lrs, IReadOnlyList<double> losses, double valley, double steepest, int width = 900, int height = 480)
    {
        var plot = new Plot();
        var line = plot.Add.ScatterLine(lrs.Select(Math.Log10).ToArray(), losses.ToArray());
        line.LegendText = "smoothed loss";
        line.LineWidth = 2;
        var v = plot.Add.VerticalLine(Math.Log10(valley));
        v.LegendText = $"valley {valley:G2}";
        var s = plot.Add.VerticalLine(Math.Log10(steepest));
        s.LegendText = $"steepest {steepest:G2}";
        s.LinePattern = LinePattern.Dashed;
        Style(plot, "LR range test", "log10 learning rate", "training loss (nats/token)");
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    static void Style(Plot plot, string title, string x, string y)
    {
        plot.Title(title, size: 18);
        plot.XLabel(x, size: 15);
        plot.YLabel(y, size: 15);
        plot.Axes.Bottom.TickLabelStyle.FontSize = 13;
        plot.Axes.Left.TickLabelStyle.FontSize = 13;
        plot.ShowLegend(Edge.Right); // outside the data area: never on top of a curve
        plot.Legend.FontSize = 13;
    }
}
