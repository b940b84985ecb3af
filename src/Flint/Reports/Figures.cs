using ScottPlot;

namespace Flint.Reports;

/// <summary>Paper-style charts (labelled axes, legend outside the data, readable fonts) with ScottPlot, as SVG and PNG.</summary>
public static class Figures
{
    const int Width = 900, Height = 460;

    /// <summary>Lines with seed bands and faint raw curves behind smoothed ones; null when no curve has a point.</summary>
    public static Figure? Lines(string name, string title, string xLabel, string yLabel, IReadOnlyList<Curve> curves, string caption)
    {
        var plot = new Plot();
        int drawn = 0;
        foreach (var curve in curves.Where(c => c.X.Length > 0))
        {
            var color = plot.Add.Palette.GetColor(drawn++);
            if (curve.Low is not null && curve.High is not null && curve.X.Length > 1)
            {
                var band = plot.Add.FillY(curve.X, curve.Low, curve.High);
                band.FillColor = color.WithAlpha(0.2);
                band.LineWidth = 0;
            }
            if (curve.Raw is not null)
            {
                var raw = plot.Add.ScatterLine(curve.X, curve.Raw);
                raw.Color = color.WithAlpha(0.25);
                raw.LineWidth = 1;
            }
            var line = plot.Add.ScatterLine(curve.X, curve.Y);
            line.Color = color;
            line.LegendText = curve.Label;
            line.LineWidth = 2;
            if (curve.X.Length < 30) line.MarkerSize = 6;
        }
        if (drawn == 0) return null;
        Style(plot, title, xLabel, yLabel);
        return Render(plot, name, caption, height: Height + 22 * drawn); // room for the legend below, one line per curve
    }

    /// <summary>One bar per group (its mean) with the standard deviation over seeds as an error bar.</summary>
    public static Figure? Bars(string name, string title, string yLabel, IReadOnlyList<(string Label, Stat Stat)> bars, string caption)
    {
        var shown = bars.Where(b => b.Stat.N > 0).ToList();
        if (shown.Count == 0) return null;
        var plot = new Plot();
        var items = shown.Select((b, i) => new Bar { Position = i, Value = b.Stat.Mean, Error = b.Stat.N > 1 ? b.Stat.Sd : 0, FillColor = plot.Add.Palette.GetColor(i) }).ToList();
        plot.Add.Bars(items);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. shown.Select((_, i) => (double)i)], [.. shown.Select(b => Wrap(b.Label))]);
        plot.Axes.Margins(bottom: 0);
        Style(plot, title, "", yLabel, legend: false);
        return Render(plot, name, caption, height: 380);
    }

    /// <summary>A confusion matrix as a heatmap (true label down, predicted across) with the counts written in the cells.</summary>
    public static Figure Heatmap(string name, string title, IReadOnlyList<string> labels, long[,] counts, string caption)
    {
        var plot = new Plot();
        int n = labels.Count;
        var values = new double[n, n];
        for (int t = 0; t < n; t++)
            for (int p = 0; p < n; p++) values[t, p] = counts[t, p];
        var map = plot.Add.Heatmap(values);
        map.Colormap = new ScottPlot.Colormaps.Blues();
        for (int t = 0; t < n; t++)
            for (int p = 0; p < n; p++)
            {
                var text = plot.Add.Text(counts[t, p].ToString(System.Globalization.CultureInfo.InvariantCulture), p, n - 1 - t);
                text.LabelFontSize = 16;
                text.LabelAlignment = Alignment.MiddleCenter;
                text.LabelFontColor = values[t, p] > values.Cast<double>().Max() / 2 ? Colors.White : Colors.Black;
            }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. Enumerable.Range(0, n).Select(i => (double)i)], [.. labels]);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. Enumerable.Range(0, n).Select(i => (double)(n - 1 - i))], [.. labels]);
        Style(plot, title, "predicted", "true", legend: false);
        return Render(plot, name, caption, width: 420, height: 380);
    }

    static Figure Render(Plot plot, string name, string caption, int width = Width, int height = Height) =>
        new(name, caption, plot.GetSvgXml(width, height), plot.GetImageBytes(width, height, ImageFormat.Png));

    static string Wrap(string label) => label.Length <= 28 ? label : label[..27] + "…";

    static void Style(Plot plot, string title, string x, string y, bool legend = true)
    {
        plot.Title(title, size: 17);
        plot.XLabel(x, size: 14);
        plot.YLabel(y, size: 14);
        plot.Axes.Bottom.TickLabelStyle.FontSize = 12;
        plot.Axes.Left.TickLabelStyle.FontSize = 12;
        if (!legend) return;
        // Below the data area, one curve per line: never on top of a curve, and long labels (settings that differ) take
        // height, not the plot's width (on the right they squeezed the data area to nothing).
        plot.ShowLegend(Edge.Bottom);
        plot.Legend.Orientation = Orientation.Vertical;
        plot.Legend.FontSize = 12;
    }
}
