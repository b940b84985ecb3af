using Flint.Config;
using Flint.Runtime;
using Flint.Training;

namespace Flint.Workflow.Specs;

/// <summary><c>trainer.*</c>: budgets, accumulation, clipping, logging and validation cadence.</summary>
public record TrainerSpec
{
    /// <summary>Optimizer steps.</summary>
    [Setting("Optimizer steps (default: pretrain picks a budget that fits the machine).", Min = 1)] public long? MaxSteps { get; init; }
    /// <summary>Epochs.</summary>
    [Setting("Epochs.", Min = 1)] public int? MaxEpochs { get; init; }
    /// <summary>Wall-time budget in minutes.</summary>
    [Setting("Wall-time budget in minutes.", Min = 0.01)] public double? MaxMinutes { get; init; }
    /// <summary>Micro-batches per optimizer step.</summary>
    [Setting("Micro-batches per optimizer step.", Min = 1)] public int Accumulate { get; init; } = 1;
    /// <summary>Gradient-norm clipping (0: off).</summary>
    [Setting("Gradient-norm clipping (0 turns it off).", Min = 0)] public double Clip { get; init; } = 1.0;
    /// <summary>Flush logs every N steps.</summary>
    [Setting("Flush logs every N steps.", Min = 1)] public int LogEvery { get; init; } = 25;
    /// <summary>Validate every N steps.</summary>
    [Setting("Validate every N steps instead of at each epoch's end (default: each epoch; a run always validates at its end).", Min = 1)] public long? ValEvery { get; init; }
    /// <summary>Batches per periodic validation.</summary>
    [Setting("Validation batches per periodic validation (the closing one uses all).", Min = 1)] public long? LimitValBatches { get; init; } = 50;
    /// <summary>Show progress.</summary>
    [Setting("Show progress.")] public bool Progress { get; init; } = true;

    /// <summary>The Trainer's options for these settings (budgets may be given explicitly by the command).</summary>
    public TrainerOptions ToOptions(RunSpec run, long? maxSteps = null, int? maxEpochs = null) => new()
    {
        MaxSteps = maxSteps ?? MaxSteps,
        MaxEpochs = maxEpochs ?? MaxEpochs,
        MaxTime = MaxMinutes is { } minutes ? TimeSpan.FromMinutes(minutes) : null,
        AccumulateGradBatches = Accumulate,
        GradientClipNorm = Clip > 0 ? Clip : null,
        LogEveryNSteps = LogEvery,
        ValidateEveryNSteps = ValEvery,
        ValidateEveryEpoch = ValEvery is null, // a step cadence replaces the per-epoch validation, as the flag says (it used to add to it)
        LimitValidationBatches = LimitValBatches,
        ProgressBar = Progress && Runtime.Distributed.DistributedEnvironment.Current.IsLeader,
        Runtime = new RuntimeOptions(DeviceSpec.Parse(run.Device), run.Threads, run.Seed,
            Distributed: Runtime.Distributed.DistributedEnvironment.UnderMpi ? Runtime.Distributed.DistributedEnvironment.Current : null),
    };
}

/// <summary><c>trainer.*</c> for pretraining: also the automatic budget.</summary>
public sealed record PretrainTrainerSpec : TrainerSpec
{
    /// <summary>With no step, epoch or time budget: aim for this many minutes.</summary>
    [Setting("With no step, epoch or time budget: aim for this many minutes.", Min = 0.01)] public double AutoMinutes { get; init; } = 5;
}
