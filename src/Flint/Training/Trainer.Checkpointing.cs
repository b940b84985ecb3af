using System.Runtime.InteropServices;
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
    static readonly JsonSerializerOptions CheckpointJson = new() { WriteIndented = true };

    /// <summary>Checkpoint settings (null: no checkpoints).</summary>
    public CheckpointOptions? Checkpoints { get; }

    /// <summary>Where a resumed fit restarted, or null for a fresh one; says which checkpoint and whether it fell back.</summary>
    public string? ResumeMessage { get; private set; }

    /// <summary>What the loop saves and restores, gathered once per fit.</summary>
    sealed record Session(nn.Module Module, OptimizerSetup Optimizer, object Train, IReadOnlyList<IStateful> Stateful, long Seed);

    Session NewSession(nn.Module module, OptimizerSetup optimizer, object train)
    {
        var stateful = new List<IStateful> { _log };
        stateful.AddRange(_callbacks.OfType<IStateful>());
        if (optimizer.Schedule is IStateful schedule) stateful.Add(schedule);
        if (train is IStateful data) stateful.Add(data);
        var duplicate = stateful.GroupBy(s => s.StateKey).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new InvalidOperationException($"Two stateful components share the key '{duplicate.Key}'; their checkpoint state would collide.");
        return new Session(module, optimizer, train, stateful, Options.Runtime.Seed);
    }

    Dictionary<string, string> ExactnessSettings() => new(Checkpoints?.Exactness ?? new Dictionary<string, string>())
    {
        ["trainer.accumulate_grad_batches"] = Options.AccumulateGradBatches.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["trainer.seed"] = Options.Runtime.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["trainer.max_steps"] = Options.MaxSteps?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "",
        ["trainer.limit_train_batches"] = Options.LimitTrainBatches?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "",
    };

    string SaveCheckpoint(Session s, TrainerState state, string name, double? metric = null)
    {
        var store = new CheckpointStore(Checkpoints!.Directory);
        var rng = torch.random.get_rng_state();
        var trainerState = new TrainerCheckpoint
        {
            Step = state.Step, Epoch = state.Epoch, BatchInEpoch = state.BatchInEpoch, Tokens = state.TokensSeen, Samples = state.SamplesSeen,
            ElapsedSeconds = state.Elapsed.TotalSeconds, CpuRng = Convert.ToBase64String(rng.bytes), Seed = s.Seed,
            Components = s.Stateful.ToDictionary(c => c.StateKey, c => (JsonNode?)c.SaveState()),
            Exactness = ExactnessSettings(), Metric = metric,
        };
        return store.Save(name, state.Step, folder =>
        {
            WeightLoader.SaveFile(s.Module, Path.Combine(folder, ModelFile), new Dictionary<string, string> { ["step"] = state.Step.ToString(System.Globalization.CultureInfo.InvariantCulture), ["flint"] = FlintInfo.Version });
            using (var writer = new BinaryWriter(File.Create(Path.Combine(folder, OptimizerFile))))
                ((TorchSharp.Modules.OptimizerHelper)s.Optimizer.Optimizer).save_state_dict(writer);
            File.WriteAllText(Path.Combine(folder, TrainerCheckpoint.FileName), JsonSerializer.Serialize(trainerState, CheckpointJson));
        }, Checkpoints.AfterFileWritten);
    }

    /// <summary>Restores a checkpoint into an already-moved module and a fresh optimizer; returns the loop state to continue from.</summary>
    TrainerCheckpoint? Restore(Session s, string? resume, bool allowChangedConfig)
    {
        ResumeMessage = null;
        if (resume is null) return null;
        string folder;
        if (resume == "last")
        {
            if (Checkpoints is null) throw new InvalidOperationException("Resuming from 'last' needs checkpoint options (a checkpoints folder).");
            var store = new CheckpointStore(Checkpoints.Directory);
            var found = store.LatestValid(out var skipped);
            if (found is null)
            {
                ResumeMessage = skipped.Count == 0
                    ? $"No checkpoint in {Checkpoints.Directory} yet; starting from scratch."
                    : $"No valid checkpoint in {Checkpoints.Directory} ({string.Join("; ", skipped)}); starting from scratch.";
                return null;
            }
            folder = found;
            ResumeMessage = skipped.Count == 0
                ? $"Resuming from {folder}."
                : $"Resuming from {folder}, the newest valid checkpoint; skipped: {string.Join("; ", skipped)}.";
        }
        else
        {
            folder = resume;
            if (CheckpointStore.Problem(folder) is { } problem) throw new InvalidDataException($"Cannot resume: {problem}.");
            ResumeMessage = $"Resuming from {folder}.";
        }

        var saved = JsonSerializer.Deserialize<TrainerCheckpoint>(File.ReadAllText(Path.Combine(folder, TrainerCheckpoint.FileName)))
            ?? throw new InvalidDataException($"{Path.Combine(folder, TrainerCheckpoint.FileName)} is empty.");
        var current = ExactnessSettings();
        var differences = saved.Exactness.Keys.Union(current.Keys).Order(StringComparer.Ordinal)
            .Where(k => saved.Exactness.GetValueOrDefault(k) != current.GetValueOrDefault(k))
            .Select(k => $"{k}: checkpoint '{saved.Exactness.GetValueOrDefault(k) ?? "(unset)"}', now '{current.GetValueOrDefault(k) ?? "(unset)"}'").ToList();
        if (differences.Count > 0 && !allowChangedConfig)
            throw new InvalidOperationException(
                $"The run's settings differ from the checkpoint in {folder}, so resuming would not be exact:{Environment.NewLine}  " +
                string.Join(Environment.NewLine + "  ", differences) + $"{Environment.NewLine}Restore the settings, or allow the change explicitly (--allow-config-change).");

        // The order TorchSharp needs: weights into the moved module (in place), then the optimizer's state, then loop, data and RNG.
        WeightLoader.LoadFile(s.Module, Path.Combine(folder, ModelFile), strict: true);
        using (var reader = new BinaryReader(File.OpenRead(Path.Combine(folder, OptimizerFile))))
            ((TorchSharp.Modules.OptimizerHelper)s.Optimizer.Optimizer).load_state_dict(reader);
        foreach (var component in s.Stateful)
            if (saved.Components.TryGetValue(component.StateKey, out var node) && node is not null) component.LoadState(node);
        using (var scope = NewDisposeScope())
        {
            var rng = torch.random.get_rng_state();
            Convert.FromBase64String(saved.CpuRng).CopyTo(rng.bytes);
            torch.random.set_rng_state(rng);
        }
        if (torch.cuda.is_available()) torch.cuda.manual_seed_all(saved.Seed + saved.Step); // CUDA state cannot be read back
        return saved;
    }

    void SaveIfBest(Session s, TrainerState state, IReadOnlyDictionary<string, double> metrics)
    {
        if (Checkpoints?.Monitor is not { } monitor) return;
        if (!metrics.TryGetValue(monitor, out var value))
            throw new InvalidOperationException($"Checkpoints monitor '{monitor}', which validation did not log. Logged: {string.Join(", ", metrics.Keys)}.");
        var store = new CheckpointStore(Checkpoints.Directory);
        // Only the recorded metric is needed here; hashing every kept checkpoint on each validation would reread whole model files.
        var best = store.All().Select(c => c.Folder)
            .Where(f => Path.GetFileName(f).StartsWith("best-", StringComparison.Ordinal) && File.Exists(Path.Combine(f, CheckpointManifest.FileName)))
            .Select(f => (Folder: f, Metric: JsonSerializer.Deserialize<TrainerCheckpoint>(File.ReadAllText(Path.Combine(f, TrainerCheckpoint.FileName)))!.Metric ?? double.NaN))
            .ToList();
        bool better(double a, double b) => Checkpoints.Mode == "min" ? a < b : a > b;
        if (best.Count >= Checkpoints.TopK && !best.Any(b => better(value, b.Metric))) return;
        SaveCheckpoint(s, state, $"best-step-{state.Step:D8}", value);
        var ranked = best.Append((Folder: store.PathOf($"best-step-{state.Step:D8}"), Metric: value))
            .OrderBy(b => Checkpoints.Mode == "min" ? b.Metric : -b.Metric).ToList();
        foreach (var (folder, _) in ranked.Skip(Checkpoints.TopK)) Directory.Delete(folder, recursive: true);
    }

    /// <summary>While a fit runs, SIGINT/SIGTERM request a clean stop (save, then exit) instead of killing the process.</summary>
    IDisposable? CatchSignals(TrainerControl control)
    {
        if (Checkpoints is not { SaveOnInterrupt: true }) return null;
        var registrations = new List<PosixSignalRegistration>();
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
            registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true;
                control.RequestInterrupt();
            }));
        return new Disposables(registrations);
    }

    sealed class Disposables(IEnumerable<IDisposable> items) : IDisposable
    {
        public void Dispose()
        {
            foreach (var item in items) item.Dispose();
        }
    }
}
