namespace Flint.Reports;

/// <summary>One line of a chart: points, an optional band (seed spread) and the raw values behind a smoothed line.</summary>
/// <param name="Label">Legend text: the group and the exact metric key.</param>
/// <param name="X">x values.</param>
/// <param name="Y">y values (smoothed when <paramref name="Raw"/> is given).</param>
/// <param name="Low">Lower edge of the band (mean − sd over seeds), or null.</param>
/// <param name="High">Upper edge of the band, or null.</param>
/// <param name="Raw">The unsmoothed values, drawn faintly, or null.</param>
public sealed record Curve(string Label, double[] X, double[] Y, double[]? Low = null, double[]? High = null, double[]? Raw = null);
