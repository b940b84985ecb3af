namespace Flint.Finetuning;

/// <summary>Which parameters fine-tuning trains.</summary>
public enum FinetuneMethod
{
    /// <summary>Everything.</summary>
    Full,
    /// <summary>Bottleneck adapters, LayerNorms and the head; the body's weights stay frozen.</summary>
    Adapters,
    /// <summary>LoRA updates and the head; the body stays frozen.</summary>
    Lora,
    /// <summary>Only the head.</summary>
    Frozen,
    /// <summary>ULMFiT: start with the head, unfreeze one more layer group from the top each epoch, with discriminative LRs.</summary>
    Gradual,
}
