namespace Flint.Workflow;

/// <summary>What <c>flint export</c> reads and writes.</summary>
/// <param name="From">A pretraining run folder (or a checkpoint folder inside one).</param>
/// <param name="Format">The output format; <c>hf</c> (a HuggingFace model folder) is the one there is.</param>
/// <param name="Out">The folder to write.</param>
public sealed record ExportOptions(string From, string Format, string Out);
