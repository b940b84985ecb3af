using System.Diagnostics;
using System.Globalization;
using Flint.Logging;
using Flint.Training.Events;
using Spectre.Console;

namespace Flint.Training.Callbacks;

/// <summary>
/// Shows step, loss, LR, tokens/s and ETA: a live Spectre.Console bar on a terminal, one plain line per log flush when
/// output is redirected (CI logs, files). It only reads values the logger already reduced, so it adds no device sync.
/// </summary>
/// <param name="console">Where the live bar renders (default: the terminal).</param>
/// <param name="live">Force the live bar on or off (default: on when output is an interactive terminal).</param>
/// <param name="plain">Where plain lines go when not live (default: standard output); never wrapped.</param>
public sealed class ProgressDisplay(IAnsiConsole? console = null, bool? live = null, TextWriter? plain = null) : Callback, ILogSink
{
    readonly IAnsiConsole _console = console ?? AnsiConsole.Console;
    readonly TextWriter _plain = plain ?? Console.Out;
    readonly bool _live = live ?? (!Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive);
    readonly Stopwatch _watch = new();
    volatile string _summary = "starting";
    volatile string _validation = "";
    long _step, _startStep;
    long? _maxSteps;
    Task? _renderer;
    volatile bool _done;

    /// <inheritdoc />
    public override int Order => 100;

    /// <inheritdoc />
    public override IEnumerable<IDisposable> Attach(TrainerEvents events)
    {
        yield return events.FitStarted.Subscribe((e, _) => Start(e), Order, name: Name);
        yield return events.BatchEnded.Subscribe((e, _) => Interlocked.Exchange(ref _step, e.Step), Order, name: Name);
        yield return events.FitEnded.Subscribe((e, _) => Stop(e), Order, name: Name);
    }

    /// <inheritdoc />
    public void Write(IReadOnlyList<LogRecord> records)
    {
        var latest = records.GroupBy(r => r.Name).ToDictionary(g => g.Key, g => g.Last().Value);
        var parts = new List<string>();
        void Part(string key, string label, string format)
        {
            if (latest.TryGetValue(key, out var v)) parts.Add($"{label} {v.ToString(format, CultureInfo.InvariantCulture)}");
        }
        Part("train/loss", "loss", "F4");
        Part(MetricNames.LearningRate, "lr", "0.00e0");
        Part(MetricNames.TokensPerSecond, "tok/s", "N0");
        var validation = latest.Where(kv => kv.Key.StartsWith("val/", StringComparison.Ordinal))
            .Select(kv => $"{kv.Key} {kv.Value.ToString("F4", CultureInfo.InvariantCulture)}").ToList();
        if (validation.Count > 0) _validation = string.Join(", ", validation);
        if (parts.Count > 0) _summary = string.Join(" | ", parts);
        if (_live) return;
        var step = records[0].Step;
        if (parts.Count > 0) _plain.WriteLine($"step {step}{Total()} | {_summary} | {Eta(step)}");
        if (validation.Count > 0) _plain.WriteLine($"step {step}{Total()} | validation: {_validation}");
    }

    void Start(FitStarted e)
    {
        _maxSteps = e.PlannedSteps;
        _startStep = _step = e.StartStep;
        _done = false;
        _watch.Restart();
        Say($"Training {e.TrainableParameters:N0} parameters{(e.PlannedSteps is { } m ? $" for {m:N0} steps" : "")}.");
        if (!_live) return;
        _renderer = Task.Run(() => _console.Progress().AutoClear(false).HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("train", maxValue: _maxSteps ?? 1);
                task.IsIndeterminate = _maxSteps is null;
                while (!_done)
                {
                    Update(task);
                    Thread.Sleep(150);
                }
                Update(task);
            }));
    }

    void Update(ProgressTask task)
    {
        var step = Interlocked.Read(ref _step);
        task.Value = _maxSteps is null ? 0 : step;
        task.Description = Markup.Escape($"step {step}{Total()} | {_summary}{(_validation.Length > 0 ? " | " + _validation : "")}");
    }

    void Stop(FitEnded e)
    {
        _done = true;
        _renderer?.Wait();
        _renderer = null;
        Say($"Stopped at step {e.Step}: {e.Reason} ({_watch.Elapsed:hh\\:mm\\:ss}). {_summary}{(_validation.Length > 0 ? " | " + _validation : "")}");
    }

    void Say(string line)
    {
        if (_live) _console.WriteLine(line);
        else _plain.WriteLine(line);
    }

    string Total() => _maxSteps is { } m ? $"/{m}" : "";

    string Eta(long step)
    {
        if (_maxSteps is not { } max || step <= _startStep) return "ETA --:--";
        var perStep = _watch.Elapsed.TotalSeconds / (step - _startStep);
        return "ETA " + TimeSpan.FromSeconds(perStep * Math.Max(0, max - step)).ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _done = true;
        _renderer?.Wait();
    }
}
