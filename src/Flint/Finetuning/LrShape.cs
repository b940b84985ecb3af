namespace Flint.Finetuning;

/// <summary>The shape of a fine-tuning LR schedule after its warmup.</summary>
public enum LrShape
{
    /// <summary>Cosine decay to the floor (one-cycle-like with the warmup).</summary>
    Cosine,
    /// <summary>ULMFiT's slanted triangular schedule: a short linear rise, then a long linear fall to the floor.</summary>
    Slanted,
}
