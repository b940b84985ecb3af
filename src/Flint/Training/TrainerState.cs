namespace Flint.Training;

/// <summary>
/// Where the loop is. Typed (no string-keyed bag); handlers read it, only the loop writes it. Everything a checkpoint
/// needs to resume exactly lives here.
/// </summary>
public sealed class TrainerState
{
    /// <summary>Optimizer steps completed.</summary>
    public long Step { get; internal set; }
    /// <summary>Current epoch, 0-based.</summary>
    public int Epoch { get; internal set; }
    /// <summary>Batches drawn in the current epoch (micro-batches, including those inside an accumulation window).</summary>
    public long BatchInEpoch { get; internal set; }
    /// <summary>Training tokens seen.</summary>
    public long TokensSeen { get; internal set; }
    /// <summary>Training samples seen.</summary>
    public long SamplesSeen { get; internal set; }
    /// <summary>Training time before this process (a resumed run keeps its clock).</summary>
    public TimeSpan PriorElapsed { get; internal set; }
    /// <summary>Training time in this process.</summary>
    public TimeSpan Elapsed => PriorElapsed + (_clock?.Invoke() ?? TimeSpan.Zero);
    /// <summary>Why the loop stopped, once it has.</summary>
    public string? StopReason { get; internal set; }
    /// <summary>The current stage: <c>train</c>, <c>val</c>, <c>test</c>, <c>predict</c> or <c>sanity</c>.</summary>
    public string Stage { get; internal set; } = "train";

    Func<TimeSpan>? _clock;
    internal void StartClock(Func<TimeSpan> clock) => _clock = clock;
}
