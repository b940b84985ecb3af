using Flint.Config;

namespace Flint.Workflow.Specs;

/// <summary>The settings every training command shares: where the run goes, how it is seeded, resumed and placed.</summary>
public abstract record RunSpec
{
    /// <summary>Run folder to create or resume.</summary>
    [Setting("Run folder to create or resume (default: runs/KIND-TIMESTAMP).")] public string? Out { get; init; }
    /// <summary>Seed for initialisation, data order and splits.</summary>
    [Setting("Seed for initialisation, data order and splits.")] public long Seed { get; init; }
    /// <summary><c>last</c> or a checkpoint folder.</summary>
    [Setting("Continue from 'last' (newest valid checkpoint of --out) or a checkpoint folder.")] public string? Resume { get; init; }
    /// <summary>Resume even though settings that exactness depends on changed.</summary>
    [Setting("Resume even though settings that exactness depends on changed.")] public bool AllowConfigChange { get; init; }
    /// <summary>Where to compute.</summary>
    [Setting("cpu, cuda, cuda:N or auto.", Choices = ["cpu", "cuda", "auto", "cuda:"])] public string Device { get; init; } = "cpu";
    /// <summary>libtorch threads (null: one per core).</summary>
    [Setting("libtorch threads (default: one per core).", Min = 1)] public int? Threads { get; init; }
}
