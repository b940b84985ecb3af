using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Flint.Finetuning;

/// <summary>
/// Low-rank update of one linear layer (Hu et al. 2021): Δy = (α / r) · B·A·dropout(x), with A Kaiming-initialised and
/// B zero, so the wrapped layer's output is unchanged until training moves B.
/// </summary>
public sealed class LoraWeights : nn.Module<Tensor, Tensor>
{
    readonly Parameter lora_A, lora_B;
    readonly Dropout dropout;
    readonly double _scale;

    /// <summary>Creates the update for a layer with <paramref name="inFeatures"/> → <paramref name="outFeatures"/>.</summary>
    public LoraWeights(long inFeatures, long outFeatures, int rank, double alpha, double dropoutRate) : base("lora")
    {
        lora_A = nn.Parameter(empty(rank, inFeatures));
        lora_B = nn.Parameter(zeros(outFeatures, rank));
        dropout = nn.Dropout(dropoutRate);
        _scale = alpha / rank;
        RegisterComponents();
        using var noGrad = no_grad();
        nn.init.kaiming_uniform_(lora_A, Math.Sqrt(5));
    }

    /// <summary>The update for input <paramref name="x"/> (…, in) → (…, out).</summary>
    public override Tensor forward(Tensor x) => nn.functional.linear(nn.functional.linear(dropout.call(x), lora_A), lora_B) * _scale;
}
