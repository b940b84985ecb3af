using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flint.Tracking;

/// <summary><c>summary.json</c>: what a run was and what it measured, for people and scripts.</summary>
public sealed record RunSummary
{
    /// <summary>Run folder name.</summary>
    [JsonPropertyName("name")] public string Name { get; init; } = "";
    /// <summary>pretrain, finetune, evaluate, lr-find, demo.</summary>
    [JsonPropertyName("kind")] public string Kind { get; init; } = "";
    /// <summary>How the run ended.</summary>
    [JsonPropertyName("status")] public RunStatus Status { get; init; }
    /// <summary>Trainable and total parameters.</summary>
    [JsonPropertyName("params")] public long Params { get; init; }
    /// <summary>Trainable parameters.</summary>
    [JsonPropertyName("trainable_params")] public long TrainableParams { get; init; }
    /// <summary>Training tokens seen.</summary>
    [JsonPropertyName("tokens")] public long Tokens { get; init; }
    /// <summary>Training wall time in seconds.</summary>
    [JsonPropertyName("wall_s")] public double WallSeconds { get; init; }
    /// <summary>Training tokens per second.</summary>
    [JsonPropertyName("tokens_per_s")] public double TokensPerSecond { get; init; }
    /// <summary>Optimizer steps completed.</summary>
    [JsonPropertyName("final_step")] public long FinalStep { get; init; }
    /// <summary>Final validation loss.</summary>
    [JsonPropertyName("val_loss")] public double? ValLoss { get; init; }
    /// <summary>Final validation accuracy (classification).</summary>
    [JsonPropertyName("val_accuracy")] public double? ValAccuracy { get; init; }
    /// <summary>Test accuracy (classification).</summary>
    [JsonPropertyName("test_accuracy")] public double? TestAccuracy { get; init; }
    /// <summary>Other final metrics.</summary>
    [JsonPropertyName("metrics")] public Dictionary<string, double> Metrics { get; init; } = [];
    /// <summary>Why training stopped.</summary>
    [JsonPropertyName("stop_reason")] public string StopReason { get; init; } = "";
    /// <summary>Tokenizer fingerprint.</summary>
    [JsonPropertyName("tokenizer_fingerprint")] public string TokenizerFingerprint { get; init; } = "";
    /// <summary>The pretraining run a fine-tuning run started from.</summary>
    [JsonPropertyName("parent")] public string? Parent { get; init; }
    /// <summary>Flint's version.</summary>
    [JsonPropertyName("flint_version")] public string FlintVersion { get; init; } = FlintInfo.Version;
    /// <summary>The git commit of the working folder, if it is a repository.</summary>
    [JsonPropertyName("git_commit")] public string? GitCommit { get; init; }
    /// <summary>Start time (UTC).</summary>
    [JsonPropertyName("started")] public DateTimeOffset Started { get; init; }
    /// <summary>End time (UTC).</summary>
    [JsonPropertyName("finished")] public DateTimeOffset Finished { get; init; }

    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>The file name.</summary>
    public const string FileName = "summary.json";

    /// <summary>Writes the summary into <paramref name="runFolder"/>.</summary>
    public void Write(string runFolder)
    {
        var temporary = Path.Combine(runFolder, $".{FileName}.tmp-{Environment.ProcessId}"); // renamed over: never half a summary
        File.WriteAllText(temporary, JsonSerializer.Serialize(this, Json));
        File.Move(temporary, Path.Combine(runFolder, FileName), overwrite: true);
    }

    /// <summary>Reads a run's summary.</summary>
    public static RunSummary Read(string runFolder) =>
        JsonSerializer.Deserialize<RunSummary>(File.ReadAllText(Path.Combine(runFolder, FileName)), Json) ?? throw new InvalidDataException($"{runFolder}/{FileName} is empty.");
}
