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
    /// <summary>The current stage.</summary>
    public Stage Stage { get; internal set; } = Stage.Train;

    /// <summary>The newest validation's metrics (empty until one ran).</summary>
    public IReadOnlyDictionary<string, double> LastValidation { get; internal set; } = new Dictionary<string, double>();
    /// <summary>The step of the newest validation, or −1.</summary>
    internal long ValidatedAt { get; set; } = -1;
    /// <summary>Whether the newest validation covered all the validation data.</summary>
    internal bool ValidatedFully { get; set; }
    /// <summary>The current epoch's data ran out (inside the last step's accumulation window or at its end).</summary>
    internal bool EpochFinished { get; set; }

    /// <summary>A copy of the position, frozen at its current elapsed time (for evaluations after a fit).</summary>
    internal TrainerState Snapshot(Stage stage)
    {
        var copy = new TrainerState
        {
            Step = Step, Epoch = Epoch, BatchInEpoch = BatchInEpoch, TokensSeen = TokensSeen, SamplesSeen = SamplesSeen,
            PriorElapsed = Elapsed, StopReason = StopReason, Stage = stage, LastValidation = LastValidation,
        };
        return copy;
    }

    Func<TimeSpan>? _clock;
    internal void StartClock(Func<TimeSpan> clock) => _clock = clock;
}
