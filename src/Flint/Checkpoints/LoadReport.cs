using System.Text;

namespace Flint.Checkpoints;

/// <summary>What a weight load did (or would do): every key accounted for, in one readable table.</summary>
/// <param name="Loaded">Keys copied into the module.</param>
/// <param name="Missing">Module keys the source lacks (left as initialised; e.g. a new classification head).</param>
/// <param name="Unexpected">Source keys the module lacks (dropped; e.g. an LM head when fine-tuning).</param>
/// <param name="Mismatched">Keys whose shape or dtype differs, with both sides.</param>
public sealed record LoadReport(
    IReadOnlyList<string> Loaded, IReadOnlyList<string> Missing, IReadOnlyList<string> Unexpected, IReadOnlyList<(string Key, string Expected, string Found)> Mismatched)
{
    /// <summary>
    /// Keys the task does not use, on either side (a pooler or NSP head in the file; an MLM head the file lacks when
    /// fine-tuning a classifier): listed, never errors, and not counted against <see cref="IsExact"/>.
    /// </summary>
    public IReadOnlyList<string> NotUsed { get; init; } = [];

    /// <summary>True when every module key was loaded and the source had nothing else.</summary>
    public bool IsExact => Missing.Count == 0 && Unexpected.Count == 0 && Mismatched.Count == 0;

    /// <summary>A table with one row per key that was not simply loaded, and counts.</summary>
    public string Describe(int maxRows = 40)
    {
        var text = new StringBuilder();
        text.AppendLine($"loaded {Loaded.Count}, missing {Missing.Count}, unexpected {Unexpected.Count}, mismatched {Mismatched.Count}" + (NotUsed.Count > 0 ? $", not used {NotUsed.Count}" : ""));
        int rows = 0;
        void Row(string status, string key, string detail)
        {
            if (rows++ < maxRows) text.AppendLine($"  {status,-10} {key}{(detail.Length > 0 ? "  " + detail : "")}");
        }
        foreach (var (key, expected, found) in Mismatched) Row("mismatch", key, $"module {expected}, file {found}");
        foreach (var key in Missing) Row("missing", key, "(kept as initialised)");
        foreach (var key in Unexpected) Row("unexpected", key, "(not loaded)");
        foreach (var key in NotUsed) Row("not used", key, "(this task does not use it)");
        if (rows > maxRows) text.AppendLine($"  … and {rows - maxRows} more");
        return text.ToString().TrimEnd();
    }
}
