using static TorchSharp.torch;

namespace Flint.Objectives;

/// <summary>
/// The positions that carry an MLM label, gathered before the vocabulary projection, as BERT's and ELECTRA's reference
/// code do: the (S, V) logits then cover the ~15 % selected positions instead of all B·T, which is most of an MLM step's
/// memory at a real vocabulary (30,522 × 16 × 512 floats ≈ 1 GB per copy).
/// </summary>
internal static class SelectedPositions
{
    /// <summary>(B, T, C) hidden states and (B, T) labels (−100 = none) → the S labelled positions' (S, C) states, (S) labels and (S) flat indices, in row-major order.</summary>
    public static (Tensor Hidden, Tensor Labels, Tensor Index) Gather(Tensor hidden, Tensor labels)
    {
        var flat = labels.flatten(); // (B·T)
        var index = flat.ne(-100).nonzero().squeeze(1); // (S)
        return (hidden.flatten(0, 1).index_select(0, index), flat.index_select(0, index), index);
    }
}
