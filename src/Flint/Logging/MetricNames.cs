namespace Flint.Logging;

/// <summary>
/// The metric names Flint itself writes, shared by the callbacks that log them and the reports, dashboard and jobs that
/// read them. Stages prefix a module's own names: <c>train/</c>, <c>val/</c>, <c>test/</c>.
/// </summary>
public static class MetricNames
{
    /// <summary>Training loss over a log window (Σloss/Σcount).</summary>
    public const string TrainLoss = "train/loss";
    /// <summary>Training loss over an epoch.</summary>
    public const string TrainLossEpoch = "train/loss_epoch";
    /// <summary>Validation loss.</summary>
    public const string ValLoss = "val/loss";
    /// <summary>Validation accuracy (classifiers).</summary>
    public const string ValAccuracy = "val/accuracy";
    /// <summary>Test loss.</summary>
    public const string TestLoss = "test/loss";
    /// <summary>Test accuracy (classifiers).</summary>
    public const string TestAccuracy = "test/accuracy";
    /// <summary>Learning rate of the first parameter group.</summary>
    public const string LearningRate = "lr";
    /// <summary>Total gradient L2 norm before clipping.</summary>
    public const string GradNorm = "grad_norm";
    /// <summary>Training tokens per second.</summary>
    public const string TokensPerSecond = "throughput/tokens_per_s";
    /// <summary>Training samples per second.</summary>
    public const string SamplesPerSecond = "throughput/samples_per_s";
    /// <summary>Model FLOPs utilisation.</summary>
    public const string Mfu = "throughput/mfu";
    /// <summary>Prefix of names whose values depend on wall time (never equal across runs).</summary>
    public const string ThroughputPrefix = "throughput/";
    /// <summary>Prefix of the timer's names (wall time).</summary>
    public const string TimePrefix = "time/";
}
