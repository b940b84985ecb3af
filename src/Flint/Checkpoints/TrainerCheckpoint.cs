using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Flint.Checkpoints;

/// <summary><c>trainer.json</c>: where the loop was, the RNG, every stateful component, and the settings exactness depends on.</summary>
public sealed record TrainerCheckpoint
{
    /// <summary>Optimizer steps completed.</summary>
    [JsonPropertyName("step")] public long Step { get; init; }
    /// <summary>Epoch (0-based).</summary>
    [JsonPropertyName("epoch")] public int Epoch { get; init; }
    /// <summary>Batches drawn in the epoch. Checkpoints are taken between optimizer steps, so the accumulation phase is always 0.</summary>
    [JsonPropertyName("batch_in_epoch")] public long BatchInEpoch { get; init; }
    /// <summary>Micro-batches into the current accumulation window (always 0: saves happen between steps).</summary>
    [JsonPropertyName("accumulation_phase")] public int AccumulationPhase { get; init; }
    /// <summary>Training tokens seen.</summary>
    [JsonPropertyName("tokens")] public long Tokens { get; init; }
    /// <summary>Training samples seen.</summary>
    [JsonPropertyName("samples")] public long Samples { get; init; }
    /// <summary>Training seconds so far.</summary>
    [JsonPropertyName("elapsed_s")] public double ElapsedSeconds { get; init; }
    /// <summary>libtorch's CPU generator state, base64.</summary>
    [JsonPropertyName("cpu_rng")] public string CpuRng { get; init; } = "";
    /// <summary>With several processes: each rank's CPU generator state (base64), by rank.</summary>
    [JsonPropertyName("cpu_rng_ranks")] public List<string>? CpuRngRanks { get; init; }
    /// <summary>The seed (CUDA generators are reseeded from seed and step: TorchSharp cannot read their state).</summary>
    [JsonPropertyName("seed")] public long Seed { get; init; }
    /// <summary>State of each stateful component, by key.</summary>
    [JsonPropertyName("components")] public Dictionary<string, JsonNode?> Components { get; init; } = [];
    /// <summary>Settings that must match on resume.</summary>
    [JsonPropertyName("exactness")] public Dictionary<string, string> Exactness { get; init; } = [];
    /// <summary>The monitored metric's value, for top-k checkpoints.</summary>
    [JsonPropertyName("metric")] public double? Metric { get; init; }

    /// <summary>True when the epoch's data ran out inside the step that ended here (an epoch length not a multiple of the
    /// accumulation): a resumed run goes straight to the epoch's end instead of drawing the next epoch's batches.</summary>
    [JsonPropertyName("epoch_finished")] public bool EpochFinished { get; init; }
    /// <summary>True for the save made after the fit's final validation and logs: a resumed run has nothing left to do.</summary>
    [JsonPropertyName("completed")] public bool Completed { get; init; }
    /// <summary>Why the fit stopped, on a completed save.</summary>
    [JsonPropertyName("stop_reason")] public string? StopReason { get; init; }
    /// <summary>The step of the newest validation (−1: none), so a resumed run does not validate that step again.</summary>
    [JsonPropertyName("validated_at")] public long ValidatedAt { get; init; } = -1;
    /// <summary>Whether that validation covered the whole validation data (no batch limit).</summary>
    [JsonPropertyName("validated_fully")] public bool ValidatedFully { get; init; }
    /// <summary>The newest validation's metrics (what <c>FitResult.LastValidation</c> reports after a resume).</summary>
    [JsonPropertyName("last_validation")] public Dictionary<string, double> LastValidation { get; init; } = [];

    /// <summary>The file name.</summary>
    public const string FileName = "trainer.json";

    /// <summary>How the file is written and read: indented, with NaN and infinities as named literals (a logged NaN is state too).</summary>
    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Reads <c>trainer.json</c> from the checkpoint folder <paramref name="folder"/>.</summary>
    public static TrainerCheckpoint Read(string folder)
    {
        var path = Path.Combine(folder, FileName);
        return JsonSerializer.Deserialize<TrainerCheckpoint>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path} is empty.");
    }
}
