using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Flint.Config;
using Flint.Tests.Cli;
using Flint.Tracking;
using Flint.Workflow.Specs;

namespace Flint.Tests.Workflow;

/// <summary>Settings are typed records: the CLI, YAML, help and run folders are all derived from them, and agree.</summary>
public sealed partial class SettingsTests
{
    static Dictionary<string, string> Snapshot(string command) =>
        File.ReadAllLines(TestPaths.TestData(Path.Combine("settings", $"{command}.txt"))).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);

    static string Normal(string value) => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d.ToString("R", CultureInfo.InvariantCulture) : value;

    [Theory]
    [InlineData("pretrain", typeof(PretrainSpec))]
    [InlineData("finetune", typeof(FinetuneSpec))]
    [InlineData("demo", typeof(DemoSpec))]
    public void Every_command_offers_the_settings_and_defaults_it_offered_before_the_records(string command, Type spec)
    {
        // The snapshot is the --print-config of each command before settings became records; the one deliberate change is
        // the corpus key 'data' becoming 'data.path' (YAML cannot hold 'data' as both a value and a section; --data stays).
        // Added since, on purpose: pretrain --from, finetune adapt.* / data.train_examples / data.split_seed / finetune.schedule / weights.dtype, and the demo's arms × budgets × seeds, --steps/--adapt-steps and --ceiling; the demo's minutes changed from 3 to 1 on measurement (docs/workflow.md), then its budgets became 300 steps each unless minutes are given (the same numbers on any machine), and --parallel runs its fine-tunings in child processes.
        var before = Snapshot(command);
        var now = SpecBinder.SchemaOf(spec).Keys.Values.ToDictionary(k => k.Name, k => k.Default);
        Assert.Equal(before.Keys.Order(StringComparer.Ordinal), now.Keys.Order(StringComparer.Ordinal));
        Assert.All(before, kv => Assert.True(Normal(kv.Value) == Normal(now[kv.Key]), $"{kv.Key}: was '{kv.Value}', now '{now[kv.Key]}'"));
    }

    [GeneratedRegex(@"--(?<key>[a-z0-9.\-]+)\s")]
    private static partial Regex OptionPattern();

    [Fact]
    public void Help_lists_every_setting_of_the_record_with_its_default()
    {
        var (exit, output, error) = CliRunner.Run("finetune", "--help");
        Assert.True(exit == 0, error);
        var help = output.Replace(Environment.NewLine, " ", StringComparison.Ordinal);
        foreach (var key in SpecBinder.SchemaOf<FinetuneSpec>().Keys.Values)
        {
            Assert.Contains(key.Option, help);
            if (key.Default.Length > 0) Assert.Contains($"[default: {key.Default}]", help);
        }
        var offered = OptionPattern().Matches(help).Select(m => m.Groups["key"].Value.Replace('-', '_')).Where(k => k.Contains('.') || SpecBinder.SchemaOf<FinetuneSpec>().Keys.ContainsKey(k));
        Assert.All(offered, k => Assert.True(SpecBinder.SchemaOf<FinetuneSpec>().Keys.ContainsKey(k), $"--help offers --{k}, which the record does not declare"));
        Assert.Contains("--data", help); // the alias of --data.path
    }

    [Fact]
    public void A_printed_configuration_and_a_run_folders_config_yaml_read_back_as_the_same_settings()
    {
        using var folder = TestPaths.NewTempFolder();
        var (exit, printed, error) = CliRunner.Run("pretrain", "--data", "corpus.txt", "--trainer.max-steps", "7", "--objective", "mlm", "--optimizer.lr", "0.003", "--print-config");
        Assert.True(exit == 0, error);
        File.WriteAllText(folder.File("settings.yaml"), printed);
        var again = CliRunner.Run("pretrain", "--config", folder.File("settings.yaml"), "--print-config");
        Assert.Equal(printed, again.Output);

        var spec = new PretrainSpec { Data = new() { Path = "corpus.txt" }, Trainer = new() { MaxSteps = 7 }, Objective = Flint.Objectives.Objective.Mlm, Optimizer = new() { Lr = 0.003 } };
        var run = RunFolder.Open(folder.File("run"), RunKind.Pretrain, false, spec);
        Assert.Equal(spec, run.Spec<PretrainSpec>());
        var fromFolder = CliRunner.Run("pretrain", "--config", run.File(RunFolder.ConfigFile), "--print-config");
        Assert.True(fromFolder.Exit == 0, fromFolder.Error + fromFolder.Output);
        Assert.Equal(printed, fromFolder.Output);
    }

    [Fact]
    public void No_workflow_code_reads_a_setting_by_name()
    {
        var workflow = Path.Combine(TestPaths.RepoRoot, "src", "Flint", "Workflow");
        var byName = new Regex(@"\.(Long|Double|String|Bool)\(""|\bc\[""|ConfigValue\(""(?!kind"")");
        var offenders = Directory.EnumerateFiles(workflow, "*.cs", SearchOption.AllDirectories)
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: Path.GetFileName(f), Line: i + 1, Text: line)))
            .Where(l => byName.IsMatch(l.Text)).Select(l => $"{l.File}:{l.Line}: {l.Text.Trim()}").ToList();
        Assert.True(offenders.Count == 0, string.Join(Environment.NewLine, offenders));
    }

    [Fact]
    public void Run_folders_written_before_the_records_still_load_for_from_evaluate_report_and_reindex()
    {
        using var folder = TestPaths.NewTempFolder();
        foreach (var run in new[] { "pre", "ft" })
        {
            var target = Directory.CreateDirectory(folder.File(run)).FullName;
            foreach (var file in Directory.EnumerateFiles(TestPaths.TestData(Path.Combine("old-runs", run)), "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(TestPaths.TestData(Path.Combine("old-runs", run)), file);
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(target, relative))!);
                File.Copy(file, Path.Combine(target, relative));
            }
            var config = Path.Combine(target, RunFolder.ConfigFile);
            File.WriteAllText(config, File.ReadAllText(config).Replace("/tmp/oldrun/", folder.Path + "/", StringComparison.Ordinal));
        }
        var pretrain = RunFolder.Existing(folder.File("pre")).Spec<PretrainSpec>();
        Assert.Equal((Flint.Objectives.Objective.Clm, "nano", 4, 0.2), (pretrain.Objective, pretrain.Model.Preset, pretrain.Data.BatchSize, pretrain.Data.ValFraction));
        Assert.EndsWith("old-corpus.txt", pretrain.Data.Path);

        var evaluated = CliRunner.Run("evaluate", "--from", folder.File("pre"), "--json");
        Assert.True(evaluated.Exit == 0, evaluated.Output + evaluated.Error);
        Assert.True(JsonDocument.Parse(evaluated.Output.Trim().Split('\n')[^1]).RootElement.GetProperty("val_loss").GetDouble() > 0);

        File.WriteAllLines(folder.File("reviews.tsv"), ["text\tlabel", "a fine film\tpos", "a dull film\tneg", "fine and warm\tpos", "dull and cold\tneg"]);
        var classified = CliRunner.Run("evaluate", "--from", folder.File("ft"), "--data", folder.File("reviews.tsv"), "--json");
        Assert.True(classified.Exit == 0, classified.Output + classified.Error);

        var continued = CliRunner.Run("finetune", "--from", folder.File("pre"), "--data", TestPaths.Data("rt-polarity"),
            "--out", folder.File("ft2"), "--trainer.max-steps", "2", "--trainer.progress", "false");
        Assert.True(continued.Exit == 0, continued.Output + continued.Error);
        Assert.Contains("loaded", continued.Output);

        var reindexed = CliRunner.Run("runs", "reindex", "--runs", folder.Path);
        Assert.True(reindexed.Exit == 0, reindexed.Output + reindexed.Error);
        var report = CliRunner.Run("report", "pre", "ft", "--runs", folder.Path, "--out", folder.File("report.html"));
        Assert.True(report.Exit == 0, report.Output + report.Error);
        Assert.Contains("data.path", File.ReadAllText(folder.File("report.html"))); // old and new runs name the corpus the same way
    }
}
