using System.Text.Json.Serialization;

namespace Flint.Text.Shards;

/// <summary>How <see cref="TokenizeJob"/> chose the validation tokens (recorded in <c>meta.json</c> as <c>validation_split</c>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ValidationSplit>))]
public enum ValidationSplit
{
    /// <summary>Whole documents, picked by a hash of seed and document index (datasets written before this field existed).</summary>
    [JsonStringEnumMemberName("documents")] Documents,

    /// <summary>The last <c>validation_fraction</c> of each document's tokens, cut at a line break when one is near; used when the corpus has too few documents to hold out whole ones.</summary>
    [JsonStringEnumMemberName("document_tails")] DocumentTails,
}
