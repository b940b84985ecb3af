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
    /// <summary>The seed (CUDA generators are reseeded from seed and step: TorchSharp cannot read their state).</summary>
    [JsonPropertyName("seed")] public long Seed { get; init; }
    /// <summary>State of each stateful component, by key.</summary>
    [JsonPropertyName("components")] public Dictionary<string, JsonNode?> Components { get; init; } = [];
    /// <summary>Settings that must match on resume.</summary>
    [JsonPropertyName("exactness")] public Dictionary<string, string> Exactness { get; init; } = [];
    /// <summary>The monitored metric's value, for top-k checkpoints.</summary>
    [JsonPropertyName("metric")] public double? Metric { get; init; }

    /// <summary>The file name.</summary>
    public const string FileName = "trainer.json";
}
