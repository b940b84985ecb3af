namespace Flint.Workflow.Specs;

/// <summary>
/// <c>flint sweep</c>: one training command over a grid (or a random sample of it) of settings × seeds, recorded as one
/// experiment in <see cref="Out"/>. Checked by <see cref="SweepPlan.Checked"/> before any run starts.
/// </summary>
public sealed record SweepSpec
{
    /// <summary>The command every run is.</summary>
    public SweepCommand Command { get; init; } = SweepCommand.Finetune;
    /// <summary>The command's own flags, shared by every run (never <c>--out</c>, <c>--seed</c>, <c>--resume</c>).</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];
    /// <summary>The grid; the settings are its product (empty: seeds only).</summary>
    public IReadOnlyList<GridAxis> Grid { get; init; } = [];
    /// <summary>Seeds; every setting runs once per seed.</summary>
    public IReadOnlyList<long> Seeds { get; init; } = [0];
    /// <summary>Run only this many settings, sampled from the grid (the same sample every time).</summary>
    public int? Random { get; init; }
    /// <summary>Runs at once; the cores are split between them.</summary>
    public int Parallel { get; init; } = 1;
    /// <summary>The sweep's folder: its record, its runs (one folder each) and its table.</summary>
    public string Out { get; init; } = "";
    /// <summary>The metric a setting is chosen by on validation and reported on test (null: accuracy for fine-tuning, loss for pretraining).</summary>
    public string? Metric { get; init; }

    /// <summary>The command's name.</summary>
    public string CommandName => Command.ToString().ToLowerInvariant();

    /// <summary>The metric, with the command's default.</summary>
    public string ChosenMetric => Metric ?? (Command == SweepCommand.Finetune ? "accuracy" : "loss");
}
