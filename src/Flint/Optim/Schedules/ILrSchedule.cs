namespace Flint.Optim.Schedules;

/// <summary>
/// A learning-rate schedule as a pure function of the optimizer step (0 = the first update), so a resumed run gets the
/// exact same value by construction: there is no scheduler state to save. The result multiplies each group's base LR.
/// </summary>
public interface ILrSchedule
{
    /// <summary>The factor applied to every parameter group's base learning rate at optimizer step <paramref name="step"/>.</summary>
    double Multiplier(long step);

    /// <summary>Adam's β₁ (or SGD's momentum) at <paramref name="step"/>, for schedules that cycle momentum; null leaves it alone.</summary>
    double? Momentum(long step) => null;

    /// <summary>A one-line description for logs and <c>DescribeLoop</c>.</summary>
    string Describe();
}
