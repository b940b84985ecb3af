using System.Text.RegularExpressions;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Flint.Finetuning;

/// <summary>
/// Parameter-efficient fine-tuning for any TorchSharp model: LoRA and adapters attach to linear layers through forward
/// hooks, so no model file needs to know about them. Their parameters are registered on the root module under
/// <c>lora_…</c> and <c>adapter_…</c> names (saved with checkpoints, counted as trainable).
/// </summary>
public static class Peft
{
    /// <summary>Adds LoRA to every linear layer whose name matches one of <paramref name="targets"/> (regular expressions); returns the layer names.</summary>
    public static IReadOnlyList<string> ApplyLora(nn.Module root, IEnumerable<string> targets, int rank = 8, double alpha = 16, double dropout = 0.0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rank, 1);
        var applied = new List<string>();
        foreach (var (name, linear) in Linears(root, targets))
        {
            var weights = new LoraWeights(linear.in_features, linear.out_features, rank, alpha, dropout);
            root.register_module("lora_" + name.Replace('.', '_'), weights);
            linear.register_forward_hook((_, input, output) => output + weights.call(input));
            applied.Add(name);
        }
        return Checked(applied, targets, "LoRA");
    }

    /// <summary>Adds a bottleneck adapter after every linear layer matching <paramref name="targets"/>; returns the layer names.</summary>
    public static IReadOnlyList<string> ApplyAdapters(nn.Module root, IEnumerable<string> targets, int bottleneck = 64)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bottleneck, 1);
        var applied = new List<string>();
        foreach (var (name, linear) in Linears(root, targets))
        {
            var adapter = new Adapter(linear.out_features, bottleneck);
            root.register_module("adapter_" + name.Replace('.', '_'), adapter);
            linear.register_forward_hook((_, _, output) => adapter.call(output));
            applied.Add(name);
        }
        return Checked(applied, targets, "adapters");
    }

    /// <summary>Sets requires_grad on every parameter: true exactly when <paramref name="trainable"/> holds for its name.</summary>
    public static void Freeze(nn.Module root, Func<string, bool> trainable)
    {
        foreach (var (name, p) in root.named_parameters()) p.requires_grad = trainable(name);
    }

    /// <summary>(trainable, total) parameter counts.</summary>
    public static (long Trainable, long Total) Count(nn.Module root)
    {
        long trainable = 0, total = 0;
        foreach (var p in root.parameters())
        {
            total += p.numel();
            if (p.requires_grad) trainable += p.numel();
        }
        return (trainable, total);
    }

    static IEnumerable<(string Name, Linear Linear)> Linears(nn.Module root, IEnumerable<string> targets)
    {
        var patterns = targets.Select(t => new Regex(t, RegexOptions.CultureInvariant)).ToList();
        return root.named_modules()
            .Where(m => m.module is Linear && patterns.Any(p => p.IsMatch(m.name)))
            .Select(m => (m.name, (Linear)m.module))
            .ToList(); // materialise before registering new modules on the root
    }

    static IReadOnlyList<string> Checked(List<string> applied, IEnumerable<string> targets, string what) =>
        applied.Count > 0 ? applied
            : throw new ArgumentException($"No linear layer matches the {what} targets ({string.Join(", ", targets)}); check the module names with named_modules().");
}
