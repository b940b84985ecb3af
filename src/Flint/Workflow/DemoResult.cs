using Flint.Metrics;

namespace Flint.Workflow;

/// <summary>The kinds of arm the demo compares.</summary>
public enum DemoArmKind
{
    /// <summary>NB-weighted logistic regression on unigrams and bigrams: the non-neural floor.</summary>
    BagOfWords,
    /// <summary>The same architecture from random weights.</summary>
    Scratch,
    /// <summary>Fine-tuned from the general-domain pretrained body.</summary>
    Pretrained,
    /// <summary>Fine-tuned from the pretrained body after target-domain adaptation on the training texts.</summary>
    Adapted,
    /// <summary>A published pretrained encoder (e.g. all-MiniLM-L6-v2 imported with <c>flint import-onnx</c>), fine-tuned: the ceiling, not one of Flint's arms.</summary>
    Published,
}

/// <summary>One fine-tuning (or baseline) of one arm with one seed.</summary>
/// <param name="Seed">The fine-tuning seed (the split is the demo's, whatever the seed).</param>
/// <param name="ValAccuracy">Validation accuracy.</param>
/// <param name="TestAccuracy">Test accuracy.</param>
/// <param name="Run">The run folder (empty for the bag-of-words baseline, which keeps no folder).</param>
/// <param name="WallSeconds">Training time.</param>
public sealed record DemoTrial(long Seed, double ValAccuracy, double TestAccuracy, string Run, double WallSeconds);

/// <summary>An arm at one label budget, over seeds.</summary>
/// <param name="Name">e.g. <c>scratch</c>, <c>pretrained-clm</c>, <c>adapted-clm</c>, <c>bag-of-words</c>.</param>
/// <param name="Kind">What the arm is.</param>
/// <param name="Budget">Labelled training examples; null for the whole training split.</param>
/// <param name="Examples">Labelled training examples actually used.</param>
/// <param name="Trials">One per seed, in the order of the demo's seeds.</param>
public sealed record DemoArm(string Name, DemoArmKind Kind, int? Budget, int Examples, IReadOnlyList<DemoTrial> Trials)
{
    /// <summary>Test accuracy over seeds.</summary>
    public Spread Test => Spread.Of(Trials.Select(t => t.TestAccuracy).ToList());

    /// <summary>Validation accuracy over seeds.</summary>
    public Spread Validation => Spread.Of(Trials.Select(t => t.ValAccuracy).ToList());
}

/// <summary>What the demo measured, every number from the runs it made.</summary>
/// <param name="Folder">The demo's folder.</param>
/// <param name="Seeds">Fine-tuning seeds.</param>
/// <param name="Arms">Every arm at every budget.</param>
/// <param name="Pretraining">The pretraining runs (one per objective) and adaptation runs, by name.</param>
public sealed record DemoResult(string Folder, IReadOnlyList<long> Seeds, IReadOnlyList<DemoArm> Arms, IReadOnlyDictionary<string, Tracking.RunSummary> Pretraining)
{
    /// <summary>A signal stopped one of its runs; nothing after it ran.</summary>
    public bool Interrupted { get; init; }

    /// <summary>The arm named <paramref name="name"/> at <paramref name="budget"/> (null: all labels).</summary>
    public DemoArm? Arm(string name, int? budget) => Arms.FirstOrDefault(a => a.Name == name && a.Budget == budget);

    /// <summary>The pretrained or adapted arm with the best mean validation accuracy at <paramref name="budget"/> (chosen on validation, never on test).</summary>
    public DemoArm? BestPretrained(int? budget) => Arms.Where(a => a.Budget == budget && a.Kind is DemoArmKind.Pretrained or DemoArmKind.Adapted)
        .OrderByDescending(a => a.Validation.Mean).FirstOrDefault();

    /// <summary>Best pretrained arm − scratch at <paramref name="budget"/>, paired by seed; null when either is missing.</summary>
    public Spread? Margin(int? budget) => BestPretrained(budget) is { } best && Arm("scratch", budget) is { } scratch
        ? Spread.OfDifferences(best.Trials.Select(t => t.TestAccuracy).ToList(), scratch.Trials.Select(t => t.TestAccuracy).ToList()) : null;

    /// <summary>The best of Flint's own neural arms at all labels, chosen on validation (the published ceiling is not one of them).</summary>
    public DemoArm? BestFlint => Arms.Where(a => a.Budget is null && a.Kind is not (DemoArmKind.BagOfWords or DemoArmKind.Published)).OrderByDescending(a => a.Validation.Mean).FirstOrDefault();

    /// <summary>The published encoder's arm at all labels (<c>flint demo --ceiling</c>), if it ran.</summary>
    public DemoArm? Ceiling => Arms.FirstOrDefault(a => a.Kind == DemoArmKind.Published && a.Budget is null);
}
