using System.Text.Json.Nodes;
using Flint.Training;

namespace Flint.Optim.Schedules;

/// <summary>
/// Reduce the LR by <paramref name="Factor"/> when the monitored validation metric has not improved for
/// <paramref name="Patience"/> validations (PyTorch's ReduceLROnPlateau). Unlike the other schedules it depends on
/// metrics, so its state is saved with checkpoints (<see cref="IStateful"/>).
/// </summary>
/// <param name="Monitor">Logged metric to watch, e.g. <c>val/loss</c>.</param>
/// <param name="Mode"><c>min</c> or <c>max</c>.</param>
/// <param name="Factor">Multiplier applied on a plateau.</param>
/// <param name="Patience">Validations without improvement before reducing.</param>
/// <param name="MinMultiplier">The multiplier never goes below this.</param>
/// <param name="WarmupSteps">Linear warmup before the plateau logic takes over.</param>
public sealed record PlateauSchedule(
    string Monitor = "val/loss", Training.MonitorMode Mode = Training.MonitorMode.Min, double Factor = 0.1, int Patience = 2, double MinMultiplier = 1e-3, long WarmupSteps = 0)
    : ILrSchedule, IMetricDrivenSchedule, IStateful
{
    double _current = 1;
    double? _best;
    int _bad;

    /// <inheritdoc />
    public double Multiplier(long step) => Warmup.Factor(step, WarmupSteps) * _current;

    /// <inheritdoc />
    public void Report(double value)
    {
        bool better = _best is not { } best || Training.MonitorModes.Better(Mode, value, best);
        if (better) { _best = value; _bad = 0; return; }
        if (++_bad > Patience)
        {
            _current = Math.Max(MinMultiplier, _current * Factor);
            _bad = 0;
        }
    }

    /// <inheritdoc />
    public string Describe() => $"x{Factor} when {Monitor} ({Mode}) stalls for {Patience} validations";

    /// <inheritdoc />
    public string StateKey => "schedule/plateau";

    /// <inheritdoc />
    public JsonNode SaveState() => new JsonObject { ["current"] = _current, ["best"] = _best, ["bad"] = _bad };

    /// <inheritdoc />
    public void LoadState(JsonNode state)
    {
        _current = state["current"]!.GetValue<double>();
        _best = state["best"]?.GetValue<double>();
        _bad = state["bad"]!.GetValue<int>();
    }
}
