namespace Flint.Workflow;

/// <summary>What an export wrote.</summary>
/// <param name="Out">The folder.</param>
/// <param name="ModelClass">The HF class the weights fit (<c>BertForMaskedLM</c>, <c>GPT2LMHeadModel</c>).</param>
/// <param name="Tensors">Tensors written to model.safetensors.</param>
/// <param name="TokenizerFiles">HF tokenizer files written beside them (none for GPT-2's own tokenizer or a character tokenizer).</param>
/// <param name="Source">Where the weights came from.</param>
public sealed record ExportResult(string Out, string ModelClass, int Tensors, IReadOnlyList<string> TokenizerFiles, string Source);
