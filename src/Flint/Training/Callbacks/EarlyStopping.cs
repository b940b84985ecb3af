using System.Text.Json.Nodes;
using Flint.Training.Events;

namespace Flint.Training.Callbacks;

/// <summary>
/// Stops training when a validation metric has not improved by more than <paramref name="minDelta"/> for
/// <paramref name="patience"/> validation runs. Its counters are saved with checkpoints.
/// </summary>
/// <param name="monitor">The metric, e.g. <c>val/loss</c> or <c>val/accuracy</c>.</param>
/// <param name="mode"><c>min</c> (lower is better) or <c>max</c>.</param>
/// <param name="patience">Validations without improvement before stopping.</param>
/// <param name="minDelta">The smallest change that counts as an improvement.</param>
public sealed class EarlyStopping(string monitor = "val/loss", MonitorMode mode = MonitorMode.Min, int patience = 3, double minDelta = 0.0) : Callback, IStateful
{
    readonly MonitorMode _mode = mode;
    readonly int _patience = patience >= 1 ? patience : throw new ArgumentOutOfRangeException(nameof(patience), patience, "Patience must be at least 1.");
    readonly double _minDelta = minDelta >= 0 ? minDelta : throw new ArgumentOutOfRangeException(nameof(minDelta), minDelta, "MinDelta must be 0 or more.");

    /// <summary>The best value seen so far.</summary>
    public double? Best { get; private set; }

    /// <summary>Validations since the last improvement.</summary>
    public int Wait { get; private set; }

    /// <inheritdoc />
    public override int Order => 50;

    /// <inheritdoc />
    public override IEnumerable<IDisposable> Attach(TrainerEvents events)
    {
        yield return events.ValidationEnded.Subscribe(OnValidation, Order, name: Name);
    }

    void OnValidation(ValidationEnded e, LoopContext ctx)
    {
        if (e.IsSanityCheck || e.Stage != Stage.Validate) return;
        if (!e.Metrics.TryGetValue(monitor, out var value))
            throw new InvalidOperationException(
                $"EarlyStopping monitors '{monitor}', which validation did not log. Logged: {string.Join(", ", e.Metrics.Keys)}.");
        bool improved = Best is not { } best || _mode.Better(value, best, _minDelta);
        if (improved)
        {
            Best = value;
            Wait = 0;
            return;
        }
        if (++Wait >= _patience)
            ctx.Control.RequestStop($"early stopping: {monitor} did not improve on {Best:G6} for {Wait} validations");
    }

    /// <inheritdoc />
    public string StateKey => $"callback/early_stopping/{monitor}";

    /// <inheritdoc />
    public JsonNode SaveState() => new JsonObject { ["best"] = Best, ["wait"] = Wait };

    /// <inheritdoc />
    public void LoadState(JsonNode state)
    {
        Best = state["best"]?.GetValue<double>();
        Wait = state["wait"]!.GetValue<int>();
    }
}
