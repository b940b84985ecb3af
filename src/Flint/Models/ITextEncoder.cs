using static TorchSharp.torch;

namespace Flint.Models;

/// <summary>
/// What objectives and fine-tuning heads need from a transformer body: hidden states, the tied LM head, and the layer
/// structure (for gradual unfreezing and discriminative learning rates).
/// </summary>
public interface ITextEncoder
{
    /// <summary>(B, T) ids and an optional (B, T) attention mask (1 = token, 0 = padding) → (B, T, C) hidden states.</summary>
    Tensor Encode(Tensor input, Tensor? attentionMask = null);

    /// <summary>(…, C) hidden states → (…, V) token logits through the tied embedding.</summary>
    Tensor LmLogits(Tensor hidden);

    /// <summary>Hidden size C.</summary>
    int Width { get; }

    /// <summary>Longest sequence the model accepts.</summary>
    int ContextLength { get; }

    /// <summary>Vocabulary size V.</summary>
    int VocabSize { get; }

    /// <summary>True for decoders: position t sees positions ≤ t only.</summary>
    bool IsCausal { get; }

    /// <summary>Regular expressions matching the parameter names of each layer group, bottom (embeddings) to top.</summary>
    IReadOnlyList<string> LayerGroups { get; }

    /// <summary>Regular expressions matching the names of the linear modules LoRA targets by default.</summary>
    IReadOnlyList<string> LoraTargets { get; }

    /// <summary>Regular expressions matching the names of the linear output projections adapters follow (attention and feed-forward).</summary>
    IReadOnlyList<string> AdapterTargets { get; }
}
