using static TorchSharp.torch;

namespace Flint.Objectives;

/// <summary>
/// BERT's masking: select a fraction of (non-special) tokens, replace 80% of them with [MASK], 10% with a random token and
/// leave 10%; labels hold the original id at selected positions and −100 elsewhere. With a word-start table, whole words
/// are selected together (WordPiece continuations follow their word's first piece). Runs on the device.
/// </summary>
/// <param name="MaskToken">The [MASK] id.</param>
/// <param name="VocabSize">Range of random replacements.</param>
/// <param name="SpecialTokens">Ids never selected (padding, CLS, SEP, EOS).</param>
/// <param name="Probability">Fraction selected (BERT: 0.15).</param>
/// <param name="IsContinuation">Optional (V) boolean table: true for ids that continue a word (whole-word masking).</param>
public sealed record MlmMasking(int MaskToken, int VocabSize, IReadOnlyCollection<int> SpecialTokens, double Probability = 0.15, Tensor? IsContinuation = null)
{
    /// <summary>Masks <paramref name="input"/> (B, T); returns (masked input, labels).</summary>
    public (Tensor Input, Tensor Labels) Apply(Tensor input, Generator? generator = null)
    {
        var special = zeros_like(input, ScalarType.Bool);
        foreach (var id in SpecialTokens) special = special.logical_or(input.eq(id));
        Tensor selected;
        if (IsContinuation is null)
            selected = rand(input.shape, generator: generator, device: input.device).lt(Probability);
        else
        {
            // Each position takes the draw of the word it belongs to: word index = number of word starts so far.
            var continuation = IsContinuation.to(input.device)[input];
            var wordIndex = continuation.logical_not().to_type(ScalarType.Int64).cumsum(1) - 1;
            var draws = rand(input.shape, generator: generator, device: input.device);
            selected = draws.gather(1, wordIndex.clamp_min(0)).lt(Probability);
        }
        selected = selected.logical_and(special.logical_not());
        var labels = input.masked_fill(selected.logical_not(), -100);
        var action = rand(input.shape, generator: generator, device: input.device);
        var toMask = selected.logical_and(action.lt(0.8));
        var toRandom = selected.logical_and(action.ge(0.8)).logical_and(action.lt(0.9));
        var randomTokens = randint(0, VocabSize, input.shape, generator: generator, device: input.device);
        var masked = input.masked_fill(toMask, MaskToken);
        masked = where(toRandom, randomTokens, masked);
        return (masked, labels);
    }
}
