namespace Flint.Optim.Schedules;

/// <summary>A schedule that also listens to a validation metric; the Trainer reports it after each validation.</summary>
public interface IMetricDrivenSchedule
{
    /// <summary>The logged metric name to report, e.g. <c>val/loss</c>.</summary>
    string Monitor { get; }

    /// <summary>Called with the metric's value after each validation.</summary>
    void Report(double value);
}
