using Flint.Config;
using Flint.Reports;
using Flint.Tracking;
using Flint.Workflow;

using Flint.Workflow.Specs;

namespace Flint.Tests.Tracking;

public sealed class RunStoreTests
{
    static string FakeRun(string root, string name, string kind, long seed, double? accuracy, string? parent = null)
    {
        object spec = kind == "finetune" ? new FinetuneSpec { Seed = seed } : new PretrainSpec { Seed = seed };
        var run = RunFolder.Open(Path.Combine(root, name), RunKinds.Parse(kind)!.Value, false, spec);
        File.WriteAllLines(run.File("metrics.csv"), ["step,epoch,tokens,samples,wall_s,name,value",
            "10,0,640,20,1.5,train/loss,2.5", "20,0,1280,40,3,train/loss,2.1", "20,0,1280,40,3,val/loss,2.2", "20,0,1280,40,3,lr,0.001",
            "20,0,1280,40,3,throughput/tokens_per_s,400", "20,0,1280,40,3,val/accuracy,0.7"]);
        new RunSummary { Name = name, Kind = kind, Status = RunStatus.Finished, FinalStep = 20, ValLoss = 2.2, ValAccuracy = accuracy, TestAccuracy = accuracy, Parent = parent,
            Started = DateTimeOffset.UtcNow, Finished = DateTimeOffset.UtcNow }.Write(run.Path);
        return run.Path;
    }

    [Fact]
    public void Runs_are_listed_filtered_tagged_noted_and_rebuilt_from_their_folders()
    {
        using var folder = TestPaths.NewTempFolder();
        var pre = FakeRun(folder.Path, "pre", "pretrain", 0, null);
        FakeRun(folder.Path, "ft", "finetune", 0, 0.8, parent: pre);
        var store = RunStore.Open(folder.Path);
        Assert.Equal(2, store.Reindex());
        Assert.Equal(["ft"], store.List(kind: "finetune").Select(r => r.Id));
        Assert.Equal("pre", store.Get("ft").Parent);
        Assert.Equal(0.8, store.Get("ft").Metrics["test_accuracy"]);
        store.Tag("ft", "baseline");
        store.Note("ft", "first try");
        Assert.Equal(["ft"], store.List(tag: "baseline").Select(r => r.Id));

        File.Delete(Path.Combine(folder.Path, RunStore.FileName)); // the index is disposable: folders are the truth
        var rebuilt = RunStore.Open(folder.Path);
        Assert.Equal(2, rebuilt.Reindex());
        Assert.Equal(0.8, rebuilt.Get("ft").Metrics["test_accuracy"]);
        Assert.Contains("no run 'nope'", Assert.Throws<RunNotFoundException>(() => rebuilt.Get("nope")).Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Concurrent_writers_never_corrupt_the_store()
    {
        using var folder = TestPaths.NewTempFolder();
        var runs = Enumerable.Range(0, 12).Select(i => FakeRun(folder.Path, $"run{i:D2}", "pretrain", i, null)).ToList();
        RunStore.Open(folder.Path);
        Parallel.ForEach(runs, new ParallelOptions { MaxDegreeOfParallelism = 6 }, run =>
        {
            var store = RunStore.Open(folder.Path); // each writer with its own connection, as separate processes would
            for (int k = 0; k < 5; k++)
            {
                store.Upsert(run, RunStatus.Running);
                store.Upsert(run);
                store.Tag(Path.GetFileName(run), $"t{k}");
            }
        });
        var all = RunStore.Open(folder.Path).List();
        Assert.Equal(12, all.Count);
        Assert.All(all, r => Assert.Equal("finished", r.Status));
        Assert.All(all, r => Assert.Equal(5, r.Tags.Count));
    }

    [Fact]
    public void A_report_holds_curves_config_differences_seed_spread_and_confusion_matrices()
    {
        using var folder = TestPaths.NewTempFolder();
        var a = FakeRun(folder.Path, "ft-seed0", "finetune", 0, 0.70);
        var b = FakeRun(folder.Path, "ft-seed1", "finetune", 1, 0.74);
        File.WriteAllText(Path.Combine(a, "confusion.json"), "{\"labels\":[\"neg\",\"pos\"],\"matrix\":[[40,10],[5,45]]}");
        var html = Path.Combine(folder.Path, "report.html");
        ReportBuilder.Write(new ReportRequest("Seeds", [a, b]), html);
        var text = File.ReadAllText(html);
        Assert.Contains("<svg", text); // charts inline as SVG (Reports/ReportTests checks the panels)
        Assert.Contains("<h2>Configuration differences</h2>", text);
        Assert.DoesNotContain("<td>seed</td>", text.Split("<h2>Configuration differences</h2>")[0]); // runs that differ only by seed are repeats, not settings
        Assert.Contains("0.720 ± 0.0283", System.Net.WebUtility.HtmlDecode(text)); // test accuracy over the two seeds
        Assert.Contains("Confusion matrix on the test set", text);

        var md = Path.Combine(folder.Path, "report.md");
        var images = ReportBuilder.Write(new ReportRequest("Seeds", [a, b]), md);
        Assert.All(images, i => Assert.True(new FileInfo(i).Length > 5000));
        Assert.Contains("](report_files/finetune-1.png)", File.ReadAllText(md));
    }
}
