namespace Flint.Finetuning;

/// <summary>How a sequence's hidden states become one vector for classification.</summary>
public enum Pooling
{
    /// <summary>The last real token (for causal models; the tutorial appends a classification token there).</summary>
    Last,
    /// <summary>The first token (BERT's [CLS]).</summary>
    First,
    /// <summary>The mean over real tokens.</summary>
    Mean,
}
