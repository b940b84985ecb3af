using System.Text.Json.Serialization;

namespace Flint.Tracking;

/// <summary>One run of a sweep.</summary>
/// <param name="Run">Its folder name inside the sweep folder.</param>
/// <param name="Setting">Grid key → value.</param>
/// <param name="Seed">Its seed.</param>
public sealed record SweepRunRecord(
    [property: JsonPropertyName("run")] string Run,
    [property: JsonPropertyName("setting")] IReadOnlyList<KeyValuePair<string, string>> Setting,
    [property: JsonPropertyName("seed")] long Seed)
{
    /// <summary>The setting as text: <c>optimizer.lr=0.001, finetune.method=lora</c> (or <c>(default)</c> for a seeds-only sweep).</summary>
    public string SettingText => Setting.Count == 0 ? "(default)" : string.Join(", ", Setting.Select(kv => $"{kv.Key}={kv.Value}"));

    internal string Key => $"{Run}|{SettingText}|{Seed}";
}
