namespace Flint.Objectives;

/// <summary>The self-supervised objectives <c>flint pretrain</c> offers.</summary>
public enum Objective
{
    /// <summary>Causal LM: predict the next token (GPT).</summary>
    Clm,
    /// <summary>Masked LM: predict masked tokens (BERT).</summary>
    Mlm,
    /// <summary>Replaced-token detection with a small generator (ELECTRA).</summary>
    Electra,
}
