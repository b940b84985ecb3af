using TorchSharp;
using TorchSharp.Modules;

namespace Flint.Optim;

/// <summary>Builds parameter groups the way good recipes do.</summary>
public static class ParameterGroups
{
    /// <summary>
    /// Splits a module's trainable parameters into "decay" (weight matrices) and "no decay" (biases, norm gains and
    /// embeddings: decaying them hurts, as noted by BERT, GPT-2 and fastai). With <paramref name="lrScaleOf"/>, parameters
    /// are further split by LR scale (discriminative LRs, ULMFiT): it maps a parameter name to its scale.
    /// </summary>
    /// <param name="module">The module.</param>
    /// <param name="weightDecay">Decay for weight matrices.</param>
    /// <param name="lrScaleOf">Maps a parameter name to its LR scale.</param>
    /// <param name="includeFrozen">Also include parameters that do not require grad now (gradual unfreezing turns them on later).</param>
    public static IReadOnlyList<ParameterGroup> WithWeightDecay(torch.nn.Module module, double weightDecay, Func<string, double>? lrScaleOf = null, bool includeFrozen = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(weightDecay);
        var noDecay = NoDecayNames(module);
        var groups = new Dictionary<(bool Decay, double Scale), List<(string, Parameter)>>();
        var seen = new HashSet<IntPtr>(); // a tied parameter (shared embeddings) appears under two names; optimize it once
        foreach (var (name, p) in module.named_parameters())
        {
            if (!p.requires_grad && !includeFrozen) continue;
            if (!seen.Add(p.Handle)) continue;
            var key = (Decay: !noDecay.Contains(name) && p.dim() >= 2, Scale: lrScaleOf?.Invoke(name) ?? 1.0);
            if (!groups.TryGetValue(key, out var list)) groups[key] = list = [];
            list.Add((name, p));
        }
        if (groups.Count == 0)
            throw new InvalidOperationException($"Module '{module.GetName()}' has no trainable parameters (all frozen?); there is nothing to optimize.");
        return groups
            .OrderByDescending(g => g.Key.Scale).ThenByDescending(g => g.Key.Decay)
            .Select(g => new ParameterGroup(
                (g.Key.Decay ? "decay" : "no_decay") + (lrScaleOf is null ? "" : $"@x{g.Key.Scale:0.####}"),
                g.Value, g.Key.Scale, g.Key.Decay ? weightDecay : 0.0))
            .ToList();
    }

    /// <summary>All trainable parameters in one group, with one weight decay.</summary>
    public static IReadOnlyList<ParameterGroup> Single(torch.nn.Module module, double weightDecay = 0.0) =>
        [new ParameterGroup("all", module.named_parameters().Where(p => p.parameter.requires_grad).DistinctBy(p => p.parameter.Handle).ToList(), 1.0, weightDecay)];

    static HashSet<string> NoDecayNames(torch.nn.Module module)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (prefix, child) in module.named_modules())
        {
            if (child is not (Embedding or LayerNorm or BatchNorm1d or GroupNorm)) continue;
            foreach (var (name, _) in child.named_parameters(recurse: false))
                names.Add(prefix.Length == 0 ? name : $"{prefix}.{name}");
        }
        return names;
    }
}
