using System.Text.Json;
using System.Text.Json.Nodes;
using Flint.Checkpoints;
using Flint.Optim;
using Flint.Training.Events;
using TorchSharp;
using static TorchSharp.torch;

namespace Flint.Training;

public sealed partial class Trainer
{
    const string ModelFile = "model.safetensors", OptimizerFile = "optimizer.bin";

    /// <summary>Checkpoint settings (null: no checkpoints).</summary>
    public CheckpointOptions? Checkpoints { get; }

    /// <summary>Where a resumed fit restarted, or null for a fresh one; says which checkpoint and whether it fell back.</summary>
    public string? ResumeMessage { get; private set; }

    /// <summary>What the loop saves and restores, gathered once per fit.</summary>
    /// <remarks><c>NonFinite</c> is a device flag set when a training loss was NaN or infinite (read at flushes and before
    /// saves); <c>Optimization</c> is the module's optimizer settings as text (they must not change across a resume).</remarks>
    sealed record Session(nn.Module Module, OptimizerSetup Optimizer, object Train, IReadOnlyList<IStateful> Stateful, long Seed, Tensor NonFinite, string? Optimization,
        Runtime.IDistributedContext World);

    Session NewSession(nn.Module module, OptimizerSetup optimizer, object train, Tensor nonFinite, string? optimization)
    {
        var stateful = new List<IStateful> { _log };
        stateful.AddRange(_log.Sinks.OfType<IStateful>()); // a sink's length at the save: a resume cuts what was written after it
        stateful.AddRange(_callbacks.OfType<IStateful>().Where(c => !ReferenceEquals(c, _log) && c is not Logging.ILogSink));
        if (optimizer.Schedule is IStateful schedule) stateful.Add(schedule);
        if (train is IStateful data) stateful.Add(data);
        var duplicate = stateful.GroupBy(s => s.StateKey).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new InvalidOperationException($"Two stateful components share the key '{duplicate.Key}'; their checkpoint state would collide.");
        return new Session(module, optimizer, train, stateful, Options.Runtime.Seed, nonFinite, optimization, Options.Runtime.DistributedOrDefault);
    }

    /// <summary>
    /// Every setting that changes what training computes, from the Trainer's options, the module's optimizer settings and
    /// the caller's <see cref="CheckpointOptions.Exactness"/>. Budgets that only move the end (time) and everything about
    /// output (logging cadence, progress, device and threads) may change across a resume.
    /// </summary>
    Dictionary<string, string> ExactnessSettings(string? optimization)
    {
        static string S<T>(T? value) where T : struct => value is IFormattable f ? f.ToString(null, System.Globalization.CultureInfo.InvariantCulture) : value?.ToString() ?? "";
        var o = Options;
        var settings = new Dictionary<string, string>(Checkpoints?.Exactness ?? new Dictionary<string, string>())
        {
            ["trainer.max_steps"] = S(o.MaxSteps), ["trainer.max_epochs"] = S(o.MaxEpochs), ["trainer.max_tokens"] = S(o.MaxTokens),
            ["trainer.accumulate_grad_batches"] = S<int>(o.AccumulateGradBatches), ["trainer.gradient_clip_norm"] = S(o.GradientClipNorm),
            ["trainer.gradient_clip_value"] = S(o.GradientClipValue), ["trainer.limit_train_batches"] = S(o.LimitTrainBatches),
            ["trainer.limit_val_batches"] = S(o.LimitValidationBatches), ["trainer.validate_every_n_steps"] = S(o.ValidateEveryNSteps),
            ["trainer.validate_every_epoch"] = o.ValidateEveryEpoch.ToString(), ["trainer.overfit_batches"] = S<int>(o.OverfitBatches),
            ["trainer.seed"] = S<long>(o.Runtime.Seed), ["trainer.evaluation_seed"] = S<long>(o.EvaluationSeed),
            ["trainer.processes"] = S<int>(o.Runtime.DistributedOrDefault.WorldSize), // each rank's data share and RNG depend on it
        };
        if (optimization is not null) settings["module.optimization"] = optimization;
        return settings;
    }

    string SaveCheckpoint(Session s, TrainerState state, string name, double? metric = null, bool completed = false)
    {
        EnsureFinite(s, state);
        var store = new CheckpointStore(Checkpoints!.Directory);
        using var rng = torch.random.get_rng_state();
        var rankRngs = RankRngs(s.World, rng); // a collective: every rank takes part, only the leader writes
        var trainerState = new TrainerCheckpoint
        {
            Step = state.Step, Epoch = state.Epoch, BatchInEpoch = state.BatchInEpoch, Tokens = state.TokensSeen, Samples = state.SamplesSeen,
            ElapsedSeconds = state.Elapsed.TotalSeconds, CpuRng = Convert.ToBase64String(rng.bytes), Seed = s.Seed,
            Components = s.Stateful.ToDictionary(c => c.StateKey, c => (JsonNode?)c.SaveState()),
            Exactness = ExactnessSettings(s.Optimization), Metric = metric, EpochFinished = state.EpochFinished, Completed = completed,
            StopReason = completed ? state.StopReason : null, ValidatedAt = state.ValidatedAt, ValidatedFully = state.ValidatedFully,
            LastValidation = state.LastValidation.ToDictionary(), CpuRngRanks = rankRngs,
        };
        if (!s.World.IsLeader)
        {
            s.World.Barrier(); // wait until the leader's save is complete, so no rank races ahead of a checkpoint
            return store.PathOf(name);
        }
        var saved = store.Save(name, state.Step, folder =>
        {
            WeightLoader.SaveFile(s.Module, Path.Combine(folder, ModelFile), new Dictionary<string, string> { ["step"] = state.Step.ToString(System.Globalization.CultureInfo.InvariantCulture), ["flint"] = FlintInfo.Version });
            using (var writer = new BinaryWriter(File.Create(Path.Combine(folder, OptimizerFile))))
                ((TorchSharp.Modules.OptimizerHelper)s.Optimizer.Optimizer).save_state_dict(writer);
            File.WriteAllText(Path.Combine(folder, TrainerCheckpoint.FileName), JsonSerializer.Serialize(trainerState, TrainerCheckpoint.Json));
        }, Checkpoints.AfterFileWritten);
        s.World.Barrier();
        return saved;
    }

    /// <summary>Every rank's CPU generator state (gathered through one sum: each rank fills its own row), or null in one process.</summary>
    static List<string>? RankRngs(Runtime.IDistributedContext world, Tensor rng)
    {
        if (world.WorldSize == 1) return null;
        using var scope = NewDisposeScope();
        var rows = zeros([world.WorldSize, rng.numel()], ScalarType.Int64);
        rows[world.Rank].copy_(rng.to_type(ScalarType.Int64));
        world.AllReduceSum([rows]);
        return Enumerable.Range(0, world.WorldSize).Select(r => Convert.ToBase64String(rows[r].to_type(ScalarType.Byte).bytes)).ToList();
    }

    /// <summary>One sync before any save: a NaN loss since the last flush, or a non-finite weight, never replaces a good checkpoint.</summary>
    static void EnsureFinite(Session s, TrainerState state)
    {
        using var scope = NewDisposeScope();
        var parameters = s.Module.parameters().ToList();
        var finite = parameters.Count == 0 ? s.NonFinite.logical_not()
            : stack(parameters.Select(p => p.detach().isfinite().all()).Append(s.NonFinite.logical_not()).ToArray()).all();
        if (finite.item<bool>()) return;
        var bad = s.NonFinite.item<bool>() ? "the training loss became NaN or infinite" : "a weight became NaN or infinite";
        throw new NonFiniteLossException(
            $"Not saving a checkpoint at step {state.Step}: {bad} at some step since the last log flush. The previous checkpoint is left as it was. " +
            "Lower the learning rate, clip gradients (GradientClipNorm), or add NonFiniteGuard to stop at the exact step and name the parameter.");
    }

    bool _resumedWithChanges;

    /// <summary>Restores a checkpoint into an already-moved module and a fresh optimizer; returns the loop state to continue from.</summary>
    TrainerCheckpoint? Restore(Session s, TrainerState state, string? resume, bool allowChangedConfig)
    {
        ResumeMessage = null;
        _resumedWithChanges = false;
        if (resume is null) return null;
        string folder;
        if (resume == "last")
        {
            if (Checkpoints is null) throw new InvalidOperationException("Resuming from 'last' needs checkpoint options (a checkpoints folder).");
            var store = new CheckpointStore(Checkpoints.Directory);
            var found = store.LatestValid(out var skipped);
            // Invalid checkpoints are kept aside for inspection: the saves of this fit must not replace the evidence.
            IReadOnlyList<string> setAside = skipped.Count == 0 ? [] : store.SetAsideInvalid();
            var kept = setAside.Count == 0 ? "" : $" Moved aside for inspection: {string.Join(", ", setAside)}.";
            if (found is null)
            {
                ResumeMessage = skipped.Count == 0
                    ? $"No checkpoint in {Checkpoints.Directory} yet; starting from scratch."
                    : $"WARNING: --resume found NO VALID CHECKPOINT in {Checkpoints.Directory} ({string.Join("; ", skipped)}), so this run STARTS FROM SCRATCH.{kept}";
                return null;
            }
            folder = found;
            ResumeMessage = skipped.Count == 0
                ? $"Resuming from {folder}."
                : $"WARNING: resuming from {folder}, the newest valid checkpoint; skipped: {string.Join("; ", skipped)}.{kept}";
        }
        else
        {
            folder = resume;
            if (CheckpointStore.Problem(folder) is { } problem) throw new InvalidDataException($"Cannot resume: {problem}.");
            ResumeMessage = $"Resuming from {folder}.";
        }

        var saved = TrainerCheckpoint.Read(folder);
        var current = ExactnessSettings(s.Optimization);
        var differences = saved.Exactness.Keys.Union(current.Keys).Order(StringComparer.Ordinal)
            .Where(k => saved.Exactness.GetValueOrDefault(k) != current.GetValueOrDefault(k))
            .Select(k => $"{k}: checkpoint '{saved.Exactness.GetValueOrDefault(k) ?? "(unset)"}', now '{current.GetValueOrDefault(k) ?? "(unset)"}'").ToList();
        // A component whose state is missing (or a saved state nobody claims) would silently start over: name it.
        bool Optional(string key) => key.StartsWith("sink/", StringComparison.Ordinal);
        differences.AddRange(s.Stateful.Where(c => !Optional(c.StateKey) && !saved.Components.ContainsKey(c.StateKey))
            .Select(c => $"component '{c.StateKey}' ({c.GetType().Name}): not in the checkpoint, so it would start from scratch"));
        differences.AddRange(saved.Components.Keys.Where(k => !Optional(k) && s.Stateful.All(c => c.StateKey != k))
            .Select(k => $"component '{k}': saved in the checkpoint but not part of this run (a callback or loader was removed?)"));
        _resumedWithChanges = differences.Count > 0;
        if (differences.Count > 0 && !allowChangedConfig)
            throw new InvalidOperationException(
                $"The run's settings differ from the checkpoint in {folder}, so resuming would not be exact:{Environment.NewLine}  " +
                string.Join(Environment.NewLine + "  ", differences) + $"{Environment.NewLine}Restore the settings, or allow the change explicitly (--allow-config-change).");

        // The order TorchSharp needs: weights into the moved module (in place), then the optimizer's state, then loop, data and RNG.
        try
        {
            WeightLoader.LoadFile(s.Module, Path.Combine(folder, ModelFile), strict: true);
        }
        catch (WeightLoadException e)
        {
            // A resume can only continue the architecture it saved; the generic "load non-strictly" advice does not apply.
            throw new WeightLoadException(
                $"Cannot resume from {folder}: this model's architecture differs from the one that wrote the checkpoint" +
                (differences.Count > 0 ? $" (changed: {string.Join("; ", differences)})" : "") +
                $". Resume with the settings the run was trained with, or start a new run in another folder.{Environment.NewLine}" +
                e.Message.Replace($"{Environment.NewLine}Load non-strictly to take the matching subset.", "", StringComparison.Ordinal), e.Report);
        }
        using (var reader = new BinaryReader(File.OpenRead(Path.Combine(folder, OptimizerFile))))
            ((TorchSharp.Modules.OptimizerHelper)s.Optimizer.Optimizer).load_state_dict(reader);
        foreach (var component in s.Stateful)
            if (saved.Components.TryGetValue(component.StateKey, out var node) && node is not null) component.LoadState(node);
        using (var rng = torch.random.get_rng_state())
        {
            var mine = saved.CpuRngRanks is { } ranks && s.World.Rank < ranks.Count ? ranks[s.World.Rank] : saved.CpuRng;
            Convert.FromBase64String(mine).CopyTo(rng.bytes);
            torch.random.set_rng_state(rng);
        }
        if (torch.cuda.is_available()) torch.cuda.manual_seed_all(saved.Seed + saved.Step); // CUDA state cannot be read back
        (state.Step, state.Epoch, state.BatchInEpoch, state.TokensSeen, state.SamplesSeen) = (saved.Step, saved.Epoch, saved.BatchInEpoch, saved.Tokens, saved.Samples);
        state.PriorElapsed = TimeSpan.FromSeconds(saved.ElapsedSeconds);
        (state.EpochFinished, state.ValidatedAt, state.ValidatedFully, state.LastValidation) = (saved.EpochFinished, saved.ValidatedAt, saved.ValidatedFully, saved.LastValidation);
        return saved;
    }

    /// <summary>
    /// Serves the checkpoints handlers asked for since the last save point: named ones (a callback's top-k) first, then
    /// <c>last</c>, so <c>last</c> is the newest. With <paramref name="completed"/> (the fit's end) <c>last</c> is written
    /// whether asked for or not, marked completed: that save, like the one after an interrupt, is the resume guarantee, not
    /// a policy a callback could turn off.
    /// </summary>
    void SaveRequested<TBatch>(Loop<TBatch> l, bool completed = false)
    {
        var requests = l.Control.TakeCheckpointRequests();
        if (Checkpoints is null) return; // no folder (or fast-dev-run): nothing is written
        foreach (var request in requests.Where(r => r.Name != CheckpointRequest.Last)) SaveAndAnnounce(l, request.Name, request.Metric);
        if (completed || requests.Any(r => r.Name == CheckpointRequest.Last)) SaveAndAnnounce(l, CheckpointRequest.Last, completed: completed);
    }

    void SaveAndAnnounce<TBatch>(Loop<TBatch> l, string name, double? metric = null, bool completed = false)
    {
        var path = SaveCheckpoint(l.Session, l.State, name, metric, completed);
        Events.CheckpointSaved.Fire(new CheckpointSaved(l.State.Step, path), l.Ctx);
    }
}
