using System.Diagnostics;
using Flint.Logging;
using Flint.Training.Events;

namespace Flint.Training.Callbacks;

/// <summary>
/// Logs samples/s and tokens/s over each window of <paramref name="every"/> steps, and MFU (model FLOP utilisation)
/// when the module declares <c>FlopsPerToken</c> and a peak is given: achieved FLOP/s ÷ <paramref name="peakFlops"/>.
/// Host arithmetic only (counts come from the step outputs' host-side sizes).
/// </summary>
/// <param name="every">Window length in optimizer steps.</param>
/// <param name="peakFlops">The machine's peak FLOP/s (e.g. from <c>GemmProbe</c>), for MFU.</param>
public sealed class ThroughputMonitor(int every = 10, double? peakFlops = null) : Callback
{
    readonly Stopwatch _watch = new();
    long _samples, _tokens, _windowSteps;

    /// <summary>The latest tokens/s.</summary>
    public double TokensPerSecond { get; private set; }

    /// <summary>The latest samples/s.</summary>
    public double SamplesPerSecond { get; private set; }

    /// <summary>The latest MFU estimate, when it can be computed.</summary>
    public double? Mfu { get; private set; }

    /// <inheritdoc />
    public override int Order => 30;

    /// <inheritdoc />
    public override IEnumerable<IDisposable> Attach(TrainerEvents events)
    {
        yield return events.FitStarted.Subscribe((_, _) => Reset(), Order, name: Name);
        yield return events.ValidationEnded.Subscribe((_, _) => Reset(), Order, name: Name); // validation time is not training time
        yield return events.BatchEnded.Subscribe(OnBatch, Order, name: Name);
    }

    void Reset()
    {
        _samples = _tokens = _windowSteps = 0;
        _watch.Restart();
    }

    void OnBatch(BatchEnded e, LoopContext ctx)
    {
        _samples += e.Samples;
        _tokens += e.Tokens;
        if (++_windowSteps < every) return;
        double seconds = _watch.Elapsed.TotalSeconds;
        if (seconds <= 0) return;
        SamplesPerSecond = _samples / seconds;
        TokensPerSecond = _tokens / seconds;
        ctx.Log.Log(MetricNames.SamplesPerSecond, SamplesPerSecond, Reduction.Last);
        if (_tokens > 0) ctx.Log.Log(MetricNames.TokensPerSecond, TokensPerSecond, Reduction.Last);
        if (peakFlops is { } peak && FlopsPerToken(ctx) is { } flops && _tokens > 0)
        {
            Mfu = TokensPerSecond * flops / peak;
            ctx.Log.Log(MetricNames.Mfu, Mfu.Value, Reduction.Last);
        }
        Reset();
    }

    static double? FlopsPerToken(LoopContext ctx) => (ctx.Module as IFlopsCounted)?.FlopsPerToken;
}
