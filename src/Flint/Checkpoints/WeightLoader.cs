using TorchSharp;
using static TorchSharp.torch;

namespace Flint.Checkpoints;

/// <summary>
/// Loads named tensors into a module after checking names, shapes and dtypes of everything first. Strict mode copies
/// nothing unless the match is exact; non-strict mode copies the matching subset. A tensor is never broadcast or partly
/// overwritten (TorchSharp.PyBridge silently accepts some shape mismatches; this does not).
/// </summary>
public static class WeightLoader
{
    /// <summary>Compares <paramref name="source"/> with the module's state without changing anything.</summary>
    /// <param name="module">The module to load into.</param>
    /// <param name="source">Tensors by name (after any renaming).</param>
    /// <param name="ignoreUnexpected">Source keys matching this are dropped silently from the report (e.g. <c>attn.bias</c> masks in GPT-2 files).</param>
    /// <param name="notUsed">Keys the task does not use: a source key the module lacks, or a module key the source lacks, is listed as not used instead of unexpected or missing.</param>
    public static LoadReport Compare(nn.Module module, IReadOnlyDictionary<string, Tensor> source, Func<string, bool>? ignoreUnexpected = null, Func<string, bool>? notUsed = null)
    {
        var target = module.state_dict();
        var loaded = new List<string>();
        var missing = new List<string>();
        var mismatched = new List<(string, string, string)>();
        var unused = new List<string>();
        foreach (var (key, tensor) in target)
        {
            if (!source.TryGetValue(key, out var candidate)) { (notUsed?.Invoke(key) == true ? unused : missing).Add(key); continue; }
            if (!candidate.shape.SequenceEqual(tensor.shape) || candidate.dtype != tensor.dtype)
                mismatched.Add((key, Describe(tensor), Describe(candidate)));
            else loaded.Add(key);
        }
        var extra = source.Keys.Where(k => !target.ContainsKey(k) && !(ignoreUnexpected?.Invoke(k) ?? false)).Order(StringComparer.Ordinal).ToList();
        unused.AddRange(extra.Where(k => notUsed?.Invoke(k) == true));
        var unexpected = extra.Where(k => notUsed?.Invoke(k) != true).ToList();
        return new LoadReport(loaded, missing, unexpected, mismatched) { NotUsed = unused };
    }

    /// <summary>
    /// Loads <paramref name="source"/> into <paramref name="module"/>. Strict: throws <see cref="WeightLoadException"/> (with the
    /// table) unless every key matches, before copying anything. Non-strict: copies the matching keys and reports the rest.
    /// </summary>
    public static LoadReport Load(nn.Module module, IReadOnlyDictionary<string, Tensor> source, bool strict = true, Func<string, bool>? ignoreUnexpected = null, string? origin = null,
        Func<string, bool>? notUsed = null)
    {
        var report = Compare(module, source, ignoreUnexpected, notUsed);
        if (strict && !report.IsExact)
            throw new WeightLoadException(
                $"The weights{(origin is null ? "" : $" in {origin}")} do not fit {module.GetType().Name}; nothing was loaded.{Environment.NewLine}{report.Describe()}" +
                $"{Environment.NewLine}Load non-strictly to take the matching subset.", report);
        if (report.Mismatched.Count > 0 && report.Loaded.Count == 0 && !strict)
            throw new WeightLoadException($"No tensor{(origin is null ? "" : $" in {origin}")} fits {module.GetType().Name}.{Environment.NewLine}{report.Describe()}", report);
        var target = module.state_dict();
        using (no_grad())
        using (NewDisposeScope())
            foreach (var key in report.Loaded) target[key].copy_(source[key]);
        return report;
    }

    /// <summary>
    /// Reads a safetensors file and loads it (see <see cref="Load"/>). A key <paramref name="rename"/> maps to null is not
    /// loaded and is listed in the report as not used (an ELECTRA generator, an LM head), never dropped silently.
    /// </summary>
    public static LoadReport LoadFile(nn.Module module, string path, bool strict = true, Func<string, string?>? rename = null, Func<string, bool>? ignoreUnexpected = null)
    {
        var tensors = Safetensors.Read(path);
        try
        {
            DropLegacyAliases(module, tensors);
            var renamed = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            var dropped = new List<string>();
            foreach (var (key, tensor) in tensors)
            {
                if ((rename is null ? key : rename(key)) is { } name) renamed[name] = tensor;
                else dropped.Add(key);
            }
            var report = Load(module, renamed, strict, ignoreUnexpected, path);
            return dropped.Count == 0 ? report : report with { NotUsed = [.. report.NotUsed, .. dropped.Order(StringComparer.Ordinal)] };
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    /// <summary>
    /// Checkpoints written before Flint 0.1's objectives and classifiers kept one reference to their body held it twice:
    /// under the body's name (<c>model.*</c>, <c>body.*</c>) and again as <c>_encoder.*</c>. An <c>_encoder.X</c> equal to
    /// its twin is that alias and is dropped (the module no longer has it); one that differs from its twin, or has none,
    /// is left in place so a strict load reports it.
    /// </summary>
    static void DropLegacyAliases(nn.Module module, Dictionary<string, Tensor> tensors)
    {
        const string alias = "_encoder.";
        if (!tensors.Keys.Any(k => k.StartsWith(alias, StringComparison.Ordinal)) || module.state_dict().Keys.Any(k => k.StartsWith(alias, StringComparison.Ordinal))) return;
        foreach (var key in tensors.Keys.Where(k => k.StartsWith(alias, StringComparison.Ordinal)).ToList())
        {
            var rest = key[alias.Length..];
            var twin = new[] { "model.", "body." }.Select(p => p + rest).FirstOrDefault(tensors.ContainsKey);
            if (twin is null || !tensors[twin].shape.SequenceEqual(tensors[key].shape) || tensors[twin].dtype != tensors[key].dtype) continue;
            using (var same = tensors[twin].eq(tensors[key]).all()) if (!same.item<bool>()) continue;
            tensors[key].Dispose();
            tensors.Remove(key);
        }
    }

    /// <summary>Writes the module's state as safetensors.</summary>
    public static void SaveFile(nn.Module module, string path, IReadOnlyDictionary<string, string>? metadata = null) =>
        Safetensors.Write(path, module.state_dict().Select(kv => (kv.Key, kv.Value)), metadata);

    static string Describe(Tensor t) => $"{Safetensors.DtypeName(t.dtype)} [{string.Join(", ", t.shape)}]";
}
