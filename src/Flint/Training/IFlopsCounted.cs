namespace Flint.Training;

/// <summary>A module that knows its training FLOPs per token (≈ 6 × parameters for a transformer, plus attention).</summary>
public interface IFlopsCounted
{
    /// <summary>Training FLOPs (forward + backward) per token, or null when unknown.</summary>
    double? FlopsPerToken { get; }
}
