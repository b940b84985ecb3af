using Flint.Runtime;
using Flint.Runtime.Distributed;
using Flint.Tracking;

namespace Flint.Workflow;

/// <summary>
/// How a job behaves as one rank of an MPI run: rank 0 (the leader) creates the run folder, tokenizes the corpus, writes
/// logs, checkpoints, the summary and the run store; the other ranks wait for it at a barrier and then read what it wrote.
/// In a single process every call here is the plain single-process behaviour.
/// </summary>
internal static class Ranks
{
    /// <summary>This process's place in the job.</summary>
    public static IDistributedContext World => DistributedEnvironment.Current;

    /// <summary>The run folder: created by the leader; the others open it once it exists. Every rank must have the same settings.</summary>
    public static RunFolder OpenRun(string? @out, RunKind kind, bool resuming, object spec, TextWriter log)
    {
        var world = World;
        if (world.WorldSize == 1) return RunFolder.Open(@out, kind, resuming, spec, log);
        CheckSameSettings(world, spec);
        if (@out is null) throw new Config.ConfigException("run", ["out: required when running on several processes (they must agree on one run folder). Pass --out DIR."]);
        RunFolder? run = null;
        Exception? refused = null;
        if (world.IsLeader)
        {
            try { run = RunFolder.Open(@out, kind, resuming, spec, log); }
            catch (Exception e) { refused = e; }
        }
        // The leader's refusal (folder in use, not a run, …) must reach every rank: a bare barrier would leave the others waiting forever.
        if (AnyRank(world, refused is not null))
        {
            if (refused is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(refused);
            throw new IOException($"{@out}: rank 0 could not open the run folder (its message says why); rank {world.Rank} stops with it.");
        }
        return run ?? RunFolder.Existing(@out);
    }

    /// <summary>Whether <paramref name="mine"/> is true on any rank (a collective: every rank must call it).</summary>
    static bool AnyRank(IDistributedContext world, bool mine)
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        var flag = TorchSharp.torch.tensor(new double[] { mine ? 1 : 0 });
        world.AllReduceMax([flag]);
        return flag.item<double>() > 0;
    }

    /// <summary>Runs <paramref name="work"/> on the leader only, then lets every rank continue together.</summary>
    public static void LeaderThenAll(Action work)
    {
        if (World.IsLeader) work();
        World.Barrier();
    }

    /// <summary>
    /// <see cref="RunTracking.Track"/> on the leader (the run store is written once); the work itself on every rank. A
    /// signal that ends the process before training can stop cleanly (while tokenizing, building the model, testing)
    /// marks the run interrupted, frees its folder and says what is left, instead of leaving it <c>running</c> forever.
    /// </summary>
    public static T Track<T>(RunFolder run, Func<T> work)
    {
        if (!World.IsLeader) return work();
        using var abort = Interrupts.OnAbort(signal => Abandon(run, signal));
        var (summary, config) = (run.File(RunSummary.FileName), run.File(RunFolder.ConfigFile));
        var recorded = File.Exists(summary) ? File.GetLastWriteTimeUtc(config) : (DateTime?)null;
        try
        {
            return RunTracking.Track(run, work);
        }
        catch when (recorded is { } before && File.GetLastWriteTimeUtc(config) == before)
        {
            // A resume refused before training (its settings never became the run's record): the run is what its summary
            // says (finished, interrupted), not 'failed'.
            Reindex(run);
            throw;
        }
    }

    /// <summary>Records the run in the index (its summary's status, or <paramref name="status"/>); a failing index only costs the index.</summary>
    static void Reindex(RunFolder run, RunStatus? status = null)
    {
        try
        {
            RunStore.ForRun(run.Path).Upsert(run.Path, status);
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException)
        {
            // The index is a cache: 'flint runs reindex' rebuilds it from the folders.
        }
    }

    static void Abandon(RunFolder run, System.Runtime.InteropServices.PosixSignal signal)
    {
        Reindex(run, RunStatus.Interrupted);
        run.ReleaseLock();
        var resumable = new Checkpoints.CheckpointStore(run.Checkpoints).LatestValid(out _) is not null;
        var kind = run.Kind?.Name() ?? "pretrain";
        Console.Out.WriteLine(resumable
            ? $"Interrupted ({Interrupts.Name(signal)}) before {run.Path} could save. Continue from its newest checkpoint with: flint {kind} --out {run.Path} --resume last (plus the same options)."
            : $"Interrupted ({Interrupts.Name(signal)}) while {run.Path} was being set up, before its first checkpoint. Start it again with: flint {kind} --out {run.Path} --resume last (plus the same options).");
        Console.Out.Flush();
    }

    /// <summary>Stops every rank with one message when the ranks were started with different settings (a hash of each rank's, compared by max and min).</summary>
    static void CheckSameSettings(IDistributedContext world, object spec)
    {
        var text = string.Join("\n", Config.SpecBinder.ValuesOf(spec).Select(kv => $"{kv.Key}={kv.Value}"));
        if (!world.SameOnEveryRank(System.Text.Encoding.UTF8.GetBytes(text)))
            throw new Config.ConfigException("run", [$"the {world.WorldSize} processes were started with different settings (rank {world.Rank}'s: {text.Replace('\n', ' ')}). Start every rank with the same command line and --config file."]);
    }
}
