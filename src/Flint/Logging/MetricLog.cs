using Flint.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace Flint.Logging;

/// <summary>
/// Flint's one logging API. Values are reduced explicitly (<see cref="Reduction"/>) over a window and written to sinks
/// at flushes. Tensor values accumulate on their device with in-place adds: logging never calls <c>.item()</c> per step;
/// a flush reads every accumulator back with a single copy.
/// </summary>
public sealed class MetricLog : IDisposable, Training.IStateful
{
    Dictionary<string, Accumulator> _entries = new(StringComparer.Ordinal);
    readonly Dictionary<string, Registered> _metrics = new(StringComparer.Ordinal);
    /// <summary>A registered metric, and the step at which a training window last read it.</summary>
    sealed record Registered(IMetric Metric, LogInterval When)
    {
        public long ReadAt { get; set; } = -1;
    }
    readonly List<ILogSink> _sinks = [];

    /// <summary>Sinks that receive every flushed batch of records.</summary>
    public IReadOnlyList<ILogSink> Sinks => _sinks;

    /// <summary>Adds a sink.</summary>
    public void AddSink(ILogSink sink) => _sinks.Add(sink);

    /// <summary>Logs a scalar tensor (any device, no sync). For <see cref="Reduction.Mean"/>, <paramref name="weight"/> weights it.</summary>
    public void Log(string name, Tensor value, Reduction reduction = Reduction.Mean, double weight = 1.0, LogInterval when = LogInterval.Step)
    {
        name = Staged(name);
        CheckScalar(name, value);
        Entry(name, reduction, when, value.device).Add(value.detach(), weight);
    }

    /// <summary>Logs a host value.</summary>
    public void Log(string name, double value, Reduction reduction = Reduction.Mean, double weight = 1.0, LogInterval when = LogInterval.Step)
    {
        Entry(Staged(name), reduction, when, null).Add(value, weight);
    }

    /// <summary>
    /// Logs a mean as Σ<paramref name="numerator"/> / Σ<paramref name="denominator"/> over the window: the exact token-level
    /// mean when given summed token losses and token counts, however unequal the batches and however much padding.
    /// </summary>
    public void LogRatio(string name, Tensor numerator, Tensor denominator, LogInterval when = LogInterval.Step)
    {
        name = Staged(name);
        CheckScalar(name, numerator);
        CheckScalar(name + " (denominator)", denominator);
        Entry(name, Reduction.Mean, when, numerator.device).AddRatio(numerator.detach(), denominator.detach());
    }

    /// <summary>
    /// Registers a streaming metric once: from then on it is computed (one sync) and reset at the end of every window of
    /// <paramref name="when"/> (each epoch, or each log window), and one named <c>val/…</c> or <c>test/…</c> at the end of
    /// every validation or test run instead; its <c>Update</c> calls are all that is left to do. Registering the same
    /// name again (e.g. from every step) is harmless; another metric under that name replaces it.
    /// </summary>
    public void Log(string name, IMetric metric, LogInterval when = LogInterval.Epoch)
    {
        ArgumentNullException.ThrowIfNull(metric);
        name = Staged(name);
        if (!(_metrics.TryGetValue(name, out var known) && ReferenceEquals(known.Metric, metric) && known.When == when)) _metrics[name] = new Registered(metric, when);
    }

    /// <summary>
    /// Logs a weighted combination of exact means, Σₖ <paramref name="weights"/>ₖ · Σ<paramref name="sums"/>ₖ / Σ<paramref name="counts"/>ₖ
    /// over the window (a loss of several terms with different denominators): (K) tensors of sums and counts per call.
    /// </summary>
    internal void LogCombination(string name, Tensor sums, Tensor counts, double[] weights, LogInterval when = LogInterval.Step)
    {
        name = Staged(name);
        if (!_entries.TryGetValue(name, out var acc))
            _entries[name] = acc = new Accumulator(name, Reduction.Mean, when, sums.device, weights);
        else if (acc.Weights is null || !acc.Weights.SequenceEqual(weights))
            throw new ArgumentException($"'{name}' was logged before as another quantity; a loss's terms and weights must stay the same from step to step.");
        acc.AddRatio(sums.detach(), counts.detach());
    }

    /// <summary>
    /// From here until the handle is disposed, whatever is logged goes to a scratch window that is then dropped, and
    /// registered metrics are reset at the end: the sanity validation runs the module's code for real but logs nothing,
    /// whatever names it uses. A flush inside the scratch reads the scratch window.
    /// </summary>
    internal IDisposable Scratch()
    {
        var kept = _entries;
        _entries = new Dictionary<string, Accumulator>(StringComparer.Ordinal);
        return new ScratchHandle(this, kept);
    }

    sealed class ScratchHandle(MetricLog log, Dictionary<string, Accumulator> kept) : IDisposable
    {
        public void Dispose()
        {
            foreach (var e in log._entries.Values) e.Dispose();
            log._entries = kept;
            using var scope = NewDisposeScope();
            foreach (var registered in log._metrics.Values) registered.Metric.Reset();
        }
    }

    /// <summary>
    /// A name without a stage (<c>lm_loss</c>) logged from a module's step lands under that step's stage
    /// (<c>train/lm_loss</c>, <c>val/lm_loss</c>, <c>test/lm_loss</c>), so a step shared by training and validation never
    /// mixes their values; a name with a <c>/</c>, or logged outside a step (a callback's <c>lr</c>), is used as given.
    /// </summary>
    string Staged(string name) => StagePrefix is { } prefix && !name.Contains('/') ? $"{prefix}/{name}" : name;

    static bool IsEvaluationName(string name) =>
        name.StartsWith("val/", StringComparison.Ordinal) || name.StartsWith("test/", StringComparison.Ordinal);

    /// <summary>Set by the Trainer while a module's step runs: the prefix of its stage (<c>train</c>, <c>val</c>, <c>test</c>); null otherwise.</summary>
    internal string? StagePrefix { get; set; }

    /// <summary>
    /// Reduces the values logged for <paramref name="interval"/> (and, at epoch/evaluation ends, for both intervals),
    /// writes them to the sinks (unless <paramref name="write"/> is false), resets them, and returns them.
    /// This is where the host sync happens.
    /// </summary>
    public IReadOnlyList<LogRecord> Flush(LogPosition at, LogInterval interval, string? prefix = null, bool write = true)
    {
        // In-place ops return new tensor wrappers; without a scope, each reset would leave some behind.
        using var scope = NewDisposeScope();
        bool all = interval == LogInterval.Epoch;
        // Ordered by name, so a resumed run (whose windows were rebuilt from a checkpoint) writes the same lines in the same order.
        var due = _entries.Where(e => (all || e.Value.When == LogInterval.Step) && (prefix is null || e.Key.StartsWith(prefix, StringComparison.Ordinal)))
            .OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => e.Value).Where(a => a.HasData).ToList();
        var records = new List<LogRecord>(due.Count);
        // With several processes, windows of the training loop are summed over the ranks (means as Σvalue/Σweight), exact.
        bool acrossRanks = prefix is null && AcrossRanks is { WorldSize: > 1 };
        var tensorValues = ReadTensors(due.Where(a => a.IsTensor).ToList(), acrossRanks ? AcrossRanks : null);
        foreach (var acc in due)
        {
            var value = acc.IsTensor ? tensorValues[acc] : acc.HostValue();
            records.Add(new LogRecord(acc.Name, value, at.Step, at.Epoch, at.Tokens, at.Samples, at.WallSeconds));
            acc.Reset();
        }
        foreach (var (name, registered) in _metrics.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            if (!(all || registered.When == LogInterval.Step) || (prefix is not null && !name.StartsWith(prefix, StringComparison.Ordinal))) continue;
            if (prefix is null && IsEvaluationName(name)) continue; // an evaluation's metric is read and reset when its run ends, not by training windows
            if (prefix is null)
            {
                if (registered.ReadAt == at.Step) continue; // no step ran since a training window read it (the closing flush right after an epoch's)
                registered.ReadAt = at.Step;
            }
            foreach (var (suffix, value) in registered.Metric.Compute())
                records.Add(new LogRecord(suffix.Length == 0 ? name : $"{name}/{suffix}", value, at.Step, at.Epoch, at.Tokens, at.Samples, at.WallSeconds));
            registered.Metric.Reset();
        }
        if (write && records.Count > 0)
            foreach (var sink in _sinks) sink.Write(records);
        return records;
    }

    /// <summary>Writes records that were computed elsewhere (e.g. by a callback) to the sinks.</summary>
    public void Write(IReadOnlyList<LogRecord> records)
    {
        foreach (var sink in _sinks) sink.Write(records);
    }

    /// <inheritdoc />
    public string StateKey => "log";

    /// <summary>The partly reduced windows (so a resumed run's logged means cover the same steps as an uninterrupted run's).</summary>
    public System.Text.Json.Nodes.JsonNode SaveState()
    {
        var state = new System.Text.Json.Nodes.JsonObject();
        foreach (var (name, acc) in _entries)
            if (acc.HasData) state[name] = acc.Save();
        return state;
    }

    /// <inheritdoc />
    public void LoadState(System.Text.Json.Nodes.JsonNode state)
    {
        foreach (var e in _entries.Values) e.Dispose();
        _entries.Clear();
        foreach (var (name, node) in state.AsObject())
        {
            var acc = Accumulator.Load(name, node!);
            _entries[name] = acc;
        }
    }

    static Dictionary<Accumulator, double> ReadTensors(List<Accumulator> tensors, Runtime.IDistributedContext? ranks)
    {
        var result = new Dictionary<Accumulator, double>();
        if (tensors.Count == 0) return result;
        using var scope = NewDisposeScope();
        // One concatenation and one device-to-host copy for every accumulator, rather than an .item() each.
        var stacked = cat(tensors.SelectMany(a => a.Parts()).ToArray());
        if (ranks is not null)
        {
            // Sums and means add up across ranks (one collective); last/max/min stay this rank's.
            var summed = tensor(tensors.SelectMany(a => Enumerable.Repeat(a.Reduction is Reduction.Mean or Reduction.Sum, 2 * a.Width)).ToArray(), device: stacked.device);
            var total = stacked.clone();
            ranks.AllReduceSum([total]);
            stacked = where(summed, total, stacked);
        }
        var packed = stacked.cpu().data<double>().ToArray();
        int i = 0;
        foreach (var acc in tensors)
        {
            int w = acc.Width;
            result[acc] = acc.Finish(packed.AsSpan(i, w), packed.AsSpan(i + w, w));
            i += 2 * w;
        }
        return result;
    }

    /// <summary>
    /// Set by the Trainer for a multi-process fit: training windows (flushes without a prefix) are then summed over the
    /// ranks, so every logged mean covers every rank's data. Every rank must log the same names.
    /// </summary>
    internal Runtime.IDistributedContext? AcrossRanks { get; set; }

    Accumulator Entry(string name, Reduction reduction, LogInterval when, Device? device)
    {
        if (_entries.TryGetValue(name, out var existing))
        {
            if (existing.Reduction != reduction)
                throw new ArgumentException($"'{name}' was logged with reduction {existing.Reduction} and now with {reduction}; one name, one reduction.");
            return existing;
        }
        var created = new Accumulator(name, reduction, when, device);
        _entries[name] = created;
        return created;
    }

    static void CheckScalar(string name, Tensor value)
    {
        if (value.numel() != 1)
            throw new ArgumentException($"Logged value '{name}' must be a scalar, but has shape ({string.Join(", ", value.shape)}). Reduce it first (e.g. .mean()).");
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var e in _entries.Values) e.Dispose();
        _entries.Clear();
        foreach (var sink in _sinks) sink.Dispose();
        _sinks.Clear();
    }
}
