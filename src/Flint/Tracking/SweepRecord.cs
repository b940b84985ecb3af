using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flint.Tracking;

/// <summary>
/// <c>sweep.json</c>: what a sweep is, written once when it starts and checked when the same command is run again. The sweep's
/// folder is itself a run of kind <c>sweep</c> in the run store; its runs are the folders inside it, so a run's id
/// (<c>sweep-lr/lr=0.001_seed=0</c>) names its sweep, and this record gives its coordinates.
/// </summary>
/// <param name="Command">The command every run is (pretrain, finetune).</param>
/// <param name="Arguments">The command's flags shared by every run.</param>
/// <param name="Grid">The grid: key → values, in grid order.</param>
/// <param name="Seeds">The seeds.</param>
/// <param name="Random">How many settings were sampled from the grid (null: all).</param>
/// <param name="Metric">The metric settings are chosen by (on validation) and reported by (on test).</param>
/// <param name="Runs">Every run: folder name, coordinates, seed.</param>
public sealed record SweepRecord(
    [property: JsonPropertyName("command")] string Command,
    [property: JsonPropertyName("arguments")] IReadOnlyList<string> Arguments,
    [property: JsonPropertyName("grid")] IReadOnlyList<KeyValuePair<string, IReadOnlyList<string>>> Grid,
    [property: JsonPropertyName("seeds")] IReadOnlyList<long> Seeds,
    [property: JsonPropertyName("random")] int? Random,
    [property: JsonPropertyName("metric")] string Metric,
    [property: JsonPropertyName("runs")] IReadOnlyList<SweepRunRecord> Runs)
{
    /// <summary>The file name inside the sweep folder.</summary>
    public const string FileName = "sweep.json";

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>Writes the record into <paramref name="sweepFolder"/>.</summary>
    public void Write(string sweepFolder) => File.WriteAllText(Path.Combine(sweepFolder, FileName), JsonSerializer.Serialize(this, Json));

    /// <summary>The record of <paramref name="sweepFolder"/>, or null when it is not a sweep.</summary>
    public static SweepRecord? Read(string sweepFolder)
    {
        var path = Path.Combine(sweepFolder, FileName);
        if (!File.Exists(path)) return null;
        SweepRecord? record;
        try { record = JsonSerializer.Deserialize<SweepRecord>(File.ReadAllText(path), Json); }
        catch (JsonException e) { throw new InvalidDataException($"{path} is not a sweep record ({e.Message}).", e); }
        // A run is a folder directly inside the sweep: a name that climbs out (or is a path) is refused, so readers never leave the sweep folder.
        if (record?.Runs.FirstOrDefault(r => r.Run.Length == 0 || r.Run is "." or ".." || r.Run.IndexOfAny(['/', '\\', '\0']) >= 0) is { } bad)
            throw new InvalidDataException($"{path}: run '{bad.Run}' is not a folder name inside the sweep.");
        return record;
    }

    /// <summary>The same experiment as <paramref name="other"/>: same command, flags and runs (the metric may change).</summary>
    public bool SameRunsAs(SweepRecord other) =>
        Command == other.Command && Arguments.SequenceEqual(other.Arguments) && Runs.Select(r => r.Key).SequenceEqual(other.Runs.Select(r => r.Key));
}
