using System.Globalization;
using System.Text.Json.Nodes;

namespace Flint.Workflow;

/// <summary>
/// What evaluating a pretraining run measured: the objective's loss over every window of the data, and what follows from it.
/// </summary>
/// <param name="Objective"><c>clm</c>, <c>mlm</c> or <c>electra</c>.</param>
/// <param name="Loss">The objective's validation loss (<c>val/loss</c>): for clm and mlm the mean NLL in nats per scored
/// token (Σ NLL / Σ scored tokens); for electra its loss, generator MLM + 50 × discriminator BCE, averaged over batches.</param>
/// <param name="Tokens">Input tokens in the evaluated windows (batches × context).</param>
/// <param name="TokensScored">Tokens the loss is summed over: every next-token target (clm) or every masked position (mlm); null for electra.</param>
/// <param name="Words">clm only: whitespace-separated words of the scored text (see <see cref="Text.Shards.WordCount"/>), counted
/// by decoding exactly the scored target tokens; null otherwise.</param>
/// <param name="Windows">Windows (sequences) evaluated.</param>
/// <param name="Context">Tokens per window.</param>
public sealed record LmScores(string Objective, double Loss, long Tokens, long? TokensScored, long? Words, long Windows, int Context)
{
    /// <summary>exp(<see cref="Loss"/>): token-level perplexity for clm, masked-token perplexity for mlm; null for electra, whose loss is no NLL.</summary>
    public double? Perplexity => Objective is "clm" or "mlm" ? Math.Exp(Loss) : null;

    /// <summary>clm: <see cref="Words"/> / <see cref="TokensScored"/>.</summary>
    public double? WordsPerToken => Words is { } w && TokensScored is > 0 and var t ? (double)w / t : null;

    /// <summary>
    /// clm: exp(total NLL / words) = exp(<see cref="Loss"/> × <see cref="TokensScored"/> / <see cref="Words"/>), the word-level
    /// perplexity of GPT-2's paper and the NAACL 2019 transfer-learning tutorial; comparable across tokenizers, unlike
    /// token-level perplexity. Null when no word was scored.
    /// </summary>
    public double? WordPerplexity => Objective == "clm" && Words is > 0 and var w && TokensScored is { } t ? Math.Exp(Loss * t / w) : null;

    /// <summary>Human-readable lines, one measure each.</summary>
    public IEnumerable<string> Describe()
    {
        var windows = string.Create(CultureInfo.InvariantCulture, $"{Windows:N0} windows of {Context:N0}");
        yield return Objective switch
        {
            "clm" => string.Create(CultureInfo.InvariantCulture, $"loss: {Loss:F4} nats per token ({TokensScored:N0} tokens scored: every next-token target of {windows})"),
            "mlm" => string.Create(CultureInfo.InvariantCulture, $"loss: {Loss:F4} nats per masked token ({TokensScored:N0} masked tokens scored, of {Tokens:N0} in {windows})"),
            _ => string.Create(CultureInfo.InvariantCulture, $"loss: {Loss:F4} (generator MLM + 50 × discriminator BCE, mean over batches; {Tokens:N0} tokens in {windows})"),
        };
        if (Objective == "clm") yield return string.Create(CultureInfo.InvariantCulture, $"perplexity: {Perplexity:F3}");
        if (Objective == "mlm") yield return string.Create(CultureInfo.InvariantCulture, $"masked-token perplexity: {Perplexity:F3}");
        if (WordPerplexity is { } word)
            yield return string.Create(CultureInfo.InvariantCulture, $"word-level perplexity: {word:N3} ({Words:N0} words, {1 / WordsPerToken:F3} tokens per word)");
    }

    /// <summary>Adds the scores to <paramref name="json"/> under snake_case names (<c>val_loss</c>, <c>perplexity</c> or <c>masked_token_perplexity</c>, …).</summary>
    public void AddTo(JsonObject json)
    {
        json["objective"] = Objective;
        json["val_loss"] = Loss;
        if (Objective == "clm") json["perplexity"] = Perplexity;
        if (Objective == "mlm") json["masked_token_perplexity"] = Perplexity;
        json["tokens"] = Tokens;
        if (TokensScored is { } scored) json["tokens_scored"] = scored;
        if (Words is { } words)
        {
            json["words"] = words;
            json["words_per_token"] = WordsPerToken;
            json["word_perplexity"] = WordPerplexity;
        }
        json["windows"] = Windows;
        json["context"] = Context;
    }
}
