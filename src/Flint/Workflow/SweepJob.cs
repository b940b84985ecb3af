using System.Collections.Concurrent;
using System.Globalization;
using Flint.Config;
using Flint.Reports;
using Flint.Tracking;
using Flint.Workflow.Specs;

namespace Flint.Workflow;

/// <summary>
/// <c>flint sweep</c>: runs one training command over settings × seeds, one folder per run inside the sweep folder, which is
/// itself a run (kind <c>sweep</c>) in the run store with its <see cref="SweepRecord"/>. Re-running the same command skips
/// finished runs and resumes the others with <c>--resume last</c> (the Trainer resumes exactly), so a killed sweep ends with
/// the runs and the table of one that never stopped. How a run is started is the caller's (the launch function: the
/// CLI runs it in-process, or as a child process when several run at once).
/// </summary>
public static class SweepJob
{
    /// <summary>Runs the sweep; <paramref name="launch"/> starts one run and returns its exit code (0 finished, 130 interrupted).</summary>
    public static SweepResult Run(SweepSpec spec, Func<SweepLaunch, int> launch, TextWriter log)
    {
        spec = SweepPlan.Checked(spec, Environment.ProcessorCount);
        var points = SweepPlan.Points(spec);
        var record = new SweepRecord(spec.CommandName, spec.Arguments, spec.Grid.Select(a => KeyValuePair.Create(a.Key, a.Values)).ToList(), spec.Seeds, spec.Random,
            spec.ChosenMetric, points.Select(p => new SweepRunRecord(p.Name, p.Setting, p.Seed)).ToList());
        var sweep = RunFolder.Open(spec.Out, RunKind.Sweep, resuming: true, spec, log);
        try
        {
            if (SweepRecord.Read(sweep.Path) is { } existing && !existing.SameRunsAs(record))
                throw new IOException($"{spec.Out} holds another sweep ({existing.Command} {string.Join(' ', existing.Arguments)}; {existing.Runs.Count} runs). " +
                    "Re-run exactly that command to continue it, or choose another --out.");
        }
        catch
        {
            sweep.ReleaseLock();
            throw;
        }
        record.Write(sweep.Path);
        var started = DateTimeOffset.UtcNow;
        return RunTracking.Track(sweep, () =>
        {
            var pending = points.Where(p => !Finished(sweep.File(p.Name))).ToList();
            int skipped = points.Count - pending.Count;
            log.WriteLine($"Sweep {sweep.Path}: {points.Count} runs ({SweepPlan.Settings(spec).Count} settings × {spec.Seeds.Count} seeds), " +
                $"{skipped} already finished, {pending.Count} to run{(spec.Parallel > 1 ? $", {spec.Parallel} at once with {Threads(spec)} threads each" : "")}.");
            var (failures, signalExit) = Launch(spec, sweep, pending, launch, log);
            var table = SweepTable.Of(sweep.Path);
            File.WriteAllText(sweep.File("table.md"), table.ToMarkdown());
            bool complete = table.Missing.Count == 0;
            Summarise(sweep, table, complete, failures, started);
            return new SweepResult(sweep.Path, table, complete, skipped) { SignalExit = signalExit };
        });
    }

    static bool Finished(string run) =>
        File.Exists(Path.Combine(run, RunSummary.FileName)) && RunSummary.Read(run).Status == RunStatus.Finished;

    static int Threads(SweepSpec spec) => Math.Max(1, Environment.ProcessorCount / spec.Parallel);

    /// <summary>Starts the pending runs (one at a time, or <see cref="SweepSpec.Parallel"/> at once); stops starting new ones after a failure or an interrupt.</summary>
    static (IReadOnlyList<string> Failures, int? SignalExit) Launch(SweepSpec spec, RunFolder sweep, IReadOnlyList<SweepPoint> pending, Func<SweepLaunch, int> launch, TextWriter log)
    {
        var schema = SpecBinder.SchemaOf(SweepPlan.SpecType(spec.Command));
        bool userThreads = spec.Arguments.Any(a => a.Split('=')[0] == "--threads");
        var failures = new ConcurrentBag<string>();
        int stop = 0, signalExit = 0;
        void One(SweepPoint point)
        {
            if (Volatile.Read(ref stop) != 0) return;
            var arguments = new List<string> { spec.CommandName };
            arguments.AddRange(spec.Arguments);
            foreach (var (key, value) in point.Setting) arguments.AddRange([schema.Keys[key].Option, value]);
            arguments.AddRange(["--seed", point.Seed.ToString(CultureInfo.InvariantCulture), "--out", sweep.File(point.Name), "--resume", "last"]);
            if (spec.Parallel > 1 && !userThreads) arguments.AddRange(["--threads", Threads(spec).ToString(CultureInfo.InvariantCulture)]);
            lock (log) log.WriteLine($"== {point.Name}");
            int exit = launch(new SweepLaunch(point, arguments, InChildProcess: spec.Parallel > 1));
            if (exit == 0) return;
            Interlocked.Exchange(ref stop, 1);
            failures.Add(point.Name);
            if (exit is 130 or 143) Interlocked.CompareExchange(ref signalExit, exit, 0);
            lock (log) log.WriteLine(exit is 130 or 143
                ? $"{point.Name} was interrupted; the sweep stops. Run the same command again to resume it and run the rest."
                : $"{point.Name} ended with exit code {exit}; the sweep stops. Its messages above say why; run the same command again to retry it and run the rest.");
        }
        if (spec.Parallel == 1) foreach (var point in pending) One(point);
        else Parallel.ForEach(pending, new ParallelOptions { MaxDegreeOfParallelism = spec.Parallel }, One);
        return ([.. failures], signalExit != 0 ? signalExit : null);
    }

    static void Summarise(RunFolder sweep, SweepTable table, bool complete, IReadOnlyList<string> failures, DateTimeOffset started)
    {
        var best = table.Rows.FirstOrDefault(r => r.Best);
        var metrics = new Dictionary<string, double>();
        if (best is not null && best.Validation.N > 0) metrics[$"best/val_{table.Metric}"] = best.Validation.Mean;
        if (best is not null && best.Test.N > 0) metrics[$"best/test_{table.Metric}"] = best.Test.Mean;
        new RunSummary
        {
            Name = sweep.Name, Kind = RunKind.Sweep.Name(), Status = complete ? RunStatus.Finished : failures.Count > 0 ? RunStatus.Interrupted : RunStatus.Incomplete,
            StopReason = complete ? $"all runs finished; best: {best?.Setting}" : $"{table.Missing.Count} run(s) not finished; run the same command again",
            Metrics = metrics, Started = started, Finished = DateTimeOffset.UtcNow, WallSeconds = (DateTimeOffset.UtcNow - started).TotalSeconds, GitCommit = RunFolder.GitCommit(),
        }.Write(sweep.Path);
    }
}
