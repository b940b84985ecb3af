namespace Flint.Tracking;

/// <summary>What made a run folder.</summary>
public enum RunKind
{
    /// <summary><c>flint pretrain</c>.</summary>
    Pretrain,
    /// <summary><c>flint finetune</c>.</summary>
    Finetune,
    /// <summary><c>flint evaluate</c>.</summary>
    Evaluate,
    /// <summary><c>flint lr-find</c>.</summary>
    LrFind,
    /// <summary><c>flint demo</c>.</summary>
    Demo,
    /// <summary><c>flint describe-loop</c> (a temporary folder).</summary>
    Describe,
    /// <summary><c>flint sweep</c>: a folder of runs over a grid of settings × seeds (<see cref="SweepRecord"/>).</summary>
    Sweep,
    /// <summary>A library user's own experiment, opened with <c>ExperimentRun.Open</c>.</summary>
    Experiment,
}

/// <summary>The text form of <see cref="RunKind"/> in run folders, summaries and the run store (the command's name).</summary>
public static class RunKinds
{
    /// <summary><c>pretrain</c>, <c>finetune</c>, <c>evaluate</c>, <c>lr-find</c>, <c>demo</c>, <c>describe</c>, <c>sweep</c>, <c>experiment</c>.</summary>
    public static string Name(this RunKind kind) => kind == RunKind.LrFind ? "lr-find" : kind.ToString().ToLowerInvariant();

    /// <summary>The kind named <paramref name="name"/>, or null for a name no command writes.</summary>
    public static RunKind? Parse(string? name) => Enum.GetValues<RunKind>().Cast<RunKind?>().FirstOrDefault(k => k!.Value.Name() == name);
}
