namespace Flint.Logging;

/// <summary>When a logged value is reduced and written.</summary>
public enum LogInterval
{
    /// <summary>Reduced over the steps since the last flush (every <c>LogEveryNSteps</c>), and at the end of a validation run.</summary>
    Step,
    /// <summary>Reduced over the whole epoch (or validation run) and written at its end.</summary>
    Epoch,
}
