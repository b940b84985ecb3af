namespace Flint.Training;

/// <summary>What the loop is doing: the value of <see cref="TrainerState.Stage"/> and of the validation events.</summary>
public enum Stage
{
    /// <summary>Training steps.</summary>
    Train,
    /// <summary>A validation run (logged under <c>val/</c>).</summary>
    Validate,
    /// <summary>A test run (logged under <c>test/</c>).</summary>
    Test,
    /// <summary><c>Trainer.Predict</c>.</summary>
    Predict,
    /// <summary>The sanity validation before training (its values are not logged).</summary>
    Sanity,
}

/// <summary>Metric-name prefixes of the stages.</summary>
public static class Stages
{
    /// <summary><c>train</c>, <c>val</c> (validation and its sanity check), <c>test</c>, <c>predict</c>: what a module's logged names start with.</summary>
    public static string Prefix(this Stage stage) => stage switch
    {
        Stage.Train => "train",
        Stage.Test => "test",
        Stage.Predict => "predict",
        _ => "val",
    };
}
