using Flint.Training;
using Flint.Training.Callbacks;
using Flint.Training.Events;

namespace Flint.Finetuning;

/// <summary>
/// ULMFiT's gradual unfreezing: at the start of epoch e (0-based), the top e + 1 layer groups of the body train (the head
/// always does). The optimizer holds every parameter from the start; frozen ones simply get no gradient.
/// </summary>
public sealed class GradualUnfreezing(SequenceClassifier classifier) : Callback
{
    /// <inheritdoc />
    public override int Order => -30;

    /// <inheritdoc />
    public override IEnumerable<IDisposable> Attach(TrainerEvents events)
    {
        yield return events.EpochStarted.Subscribe((e, ctx) =>
        {
            classifier.UnfreezeTopGroups(Math.Min(e.Epoch + 1, classifier.LayerGroupCount));
            ctx.Log.Log("unfrozen_groups", Math.Min(e.Epoch + 1, classifier.LayerGroupCount), Logging.Reduction.Last);
        }, Order, name: Name);
    }
}
