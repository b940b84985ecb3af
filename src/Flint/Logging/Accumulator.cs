using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;

namespace Flint.Logging;

/// <summary>
/// One name's running reduction: on the device for tensors (two float64 tensors, value and weight) or on the host for
/// doubles. A weighted combination of ratios (a loss of several terms) keeps one (Σsum, Σcount) pair per term, shape (K),
/// and finishes as Σₖ wₖ·Σsumₖ/Σcountₖ, so the combined value of a window is exact however its batches were split.
/// </summary>
internal sealed class Accumulator(string name, Reduction reduction, LogInterval when, Device? device, double[]? weights = null) : IDisposable
{
    Tensor? _a, _b; // (value, weight) on the device: shape () for one value, (K) for a combination of K ratios
    double _hostA, _hostB;
    bool _has;

    public string Name { get; } = name;
    public Reduction Reduction { get; } = reduction;
    public LogInterval When { get; } = when;
    public bool IsTensor => device is not null;
    public bool HasData => _has;
    /// <summary>The weights of a combination of ratios; null for one value.</summary>
    public double[]? Weights { get; } = weights;
    /// <summary>Doubles each of <see cref="Parts"/> holds.</summary>
    public int Width => Weights?.Length ?? 1;

    public void Add(Tensor v, double weight)
    {
        EnsureTensors(v.device);
        var value = v.reshape([]);
        switch (Reduction)
        {
            case Reduction.Mean: _a!.add_(value, weight); _b!.add_(weight); break;
            case Reduction.Sum: _a!.add_(value); break;
            case Reduction.Last: _a!.copy_(value); break;
            case Reduction.Max: if (_has) _a!.copy_(maximum(_a, value.to_type(ScalarType.Float64))); else _a!.copy_(value); break;
            case Reduction.Min: if (_has) _a!.copy_(minimum(_a, value.to_type(ScalarType.Float64))); else _a!.copy_(value); break;
        }
        _has = true;
    }

    /// <summary>Adds a ratio's parts: scalars for one value, (K) tensors for a combination.</summary>
    public void AddRatio(Tensor numerator, Tensor denominator)
    {
        EnsureTensors(numerator.device);
        _a!.add_(numerator.reshape(_a.shape));
        _b!.add_(denominator.reshape(_b.shape));
        _has = true;
    }

    public void Add(double v, double weight)
    {
        if (IsTensor) throw new ArgumentException($"'{Name}' was logged as a tensor before; log it as a tensor or a double, not both.");
        switch (Reduction)
        {
            case Reduction.Mean: _hostA += v * weight; _hostB += weight; break;
            case Reduction.Sum: _hostA += v; break;
            case Reduction.Last: _hostA = v; break;
            case Reduction.Max: _hostA = _has ? Math.Max(_hostA, v) : v; break;
            case Reduction.Min: _hostA = _has ? Math.Min(_hostA, v) : v; break;
        }
        _has = true;
    }

    /// <summary>The device tensors, each flattened to <see cref="Width"/> doubles.</summary>
    public IEnumerable<Tensor> Parts() => [_a!.reshape(-1), _b!.reshape(-1)];

    /// <summary>The value from the doubles of <see cref="Parts"/> (values first, then weights).</summary>
    public double Finish(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        if (Weights is { } w)
        {
            double total = 0;
            for (int k = 0; k < w.Length; k++) total += w[k] * a[k] / b[k];
            return total;
        }
        return Reduction == Reduction.Mean ? a[0] / b[0] : a[0];
    }

    public double HostValue() => Finish([_hostA], [_hostB]);

    public JsonNode Save()
    {
        double[] a = [_hostA], b = [_hostB];
        if (IsTensor)
        {
            using var scope = NewDisposeScope();
            var both = cat(Parts().ToArray()).cpu().data<double>().ToArray();
            (a, b) = (both[..Width], both[Width..]);
        }
        var node = new JsonObject
        {
            ["reduction"] = Reduction.ToString(), ["when"] = When.ToString(), ["tensor"] = IsTensor, ["device"] = device?.ToString(),
        };
        if (Weights is null) (node["a"], node["b"]) = (a[0], b[0]);
        else (node["a"], node["b"], node["weights"]) = (new JsonArray([.. a.Select(x => (JsonNode?)x)]), new JsonArray([.. b.Select(x => (JsonNode?)x)]), new JsonArray([.. Weights.Select(x => (JsonNode?)x)]));
        return node;
    }

    public static Accumulator Load(string name, JsonNode node)
    {
        var tensorDevice = node["tensor"]!.GetValue<bool>() ? new Device(node["device"]!.GetValue<string>()) : null;
        double[]? weights = node["weights"]?.AsArray().Select(x => x!.GetValue<double>()).ToArray();
        var acc = new Accumulator(name, Enum.Parse<Reduction>(node["reduction"]!.GetValue<string>()), Enum.Parse<LogInterval>(node["when"]!.GetValue<string>()), tensorDevice, weights);
        double[] Values(string key) => weights is null ? [node[key]!.GetValue<double>()] : node[key]!.AsArray().Select(x => x!.GetValue<double>()).ToArray();
        double[] a = Values("a"), b = Values("b");
        if (tensorDevice is not null)
        {
            acc.EnsureTensors(tensorDevice);
            using var scope = NewDisposeScope();
            acc._a!.copy_(tensor(a).reshape(acc._a.shape));
            acc._b!.copy_(tensor(b).reshape(acc._b.shape));
        }
        else (acc._hostA, acc._hostB) = (a[0], b[0]);
        acc._has = true;
        return acc;
    }

    public void Reset()
    {
        _a?.zero_();
        _b?.zero_();
        _hostA = _hostB = 0;
        _has = false;
    }

    void EnsureTensors(Device d)
    {
        if (!IsTensor) throw new ArgumentException($"'{Name}' was logged as a host value before; log it as a tensor or a double, not both.");
        long[] shape = Weights is null ? [] : [Weights.Length];
        _a ??= zeros(shape, ScalarType.Float64, d).DetachFromDisposeScope();
        _b ??= zeros(shape, ScalarType.Float64, d).DetachFromDisposeScope();
    }

    public void Dispose()
    {
        _a?.Dispose();
        _b?.Dispose();
    }
}
