using Flint.Tests.Cli;
using Flint.Tracking;
using Flint.Workflow.Specs;

namespace Flint.Tests.Hostile;

/// <summary>
/// Hostile settings that main already handles, kept as regressions: every bad value is refused up front, all at once,
/// naming the key, before any folder is made; a run's own config.yaml reads back; a broken YAML file names its line.
/// </summary>
public sealed class SettingsHostileTests
{
    [Fact]
    public void Out_of_range_settings_are_all_refused_up_front_naming_each_key_and_no_run_folder_is_made()
    {
        using var folder = TestPaths.NewTempFolder();
        File.WriteAllText(folder.File("corpus.txt"), "some text\n");

        var (exit, output, error) = CliRunner.Run("pretrain", "--data", folder.File("corpus.txt"), "--out", folder.File("run"), "--optimizer.beta2", "2.0",
            "--optimizer.warmup", "5", "--optimizer.lr", "NaN", "--model.dropout", "1.5", "--data.val-fraction", "1.5", "--optimizer.min-lr-ratio", "3");

        Assert.Equal(2, exit);
        foreach (var key in new[] { "optimizer.beta2", "optimizer.warmup", "optimizer.lr", "model.dropout", "data.val_fraction", "optimizer.min_lr_ratio" })
            Assert.Contains(key, output + error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder.File("run")));
    }

    [Fact]
    public void A_yaml_file_with_an_unclosed_brace_is_refused_naming_the_file_and_line()
    {
        using var folder = TestPaths.NewTempFolder();
        File.WriteAllText(folder.File("broken.yaml"), "trainer: {max_steps: 3\n");

        var (exit, output, error) = CliRunner.Run("pretrain", "--config", folder.File("broken.yaml"), "--print-config");

        Assert.Equal(2, exit);
        Assert.Contains("broken.yaml:", output + error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_run_folders_own_config_yaml_is_accepted_by_config()
    {
        using var folder = TestPaths.NewTempFolder();
        var run = RunFolder.Open(folder.File("run"), RunKind.Pretrain, false, new PretrainSpec { Data = new() { Path = "corpus.txt" }, Trainer = new() { MaxSteps = 7 } });
        run.ReleaseLock();

        var (exit, output, error) = CliRunner.Run("pretrain", "--config", run.File(RunFolder.ConfigFile), "--print-config");

        Assert.True(exit == 0, output + error);
        Assert.Contains("max_steps: 7", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pretrain", "--data", "corpus.txt", "--trainer.max-steps", "7")]
    [InlineData("finetune", "--data", "reviews.tsv", "--from", "scratch", "--data.max-length", "32")]
    [InlineData("demo")]
    public void What_print_config_prints_is_accepted_back_by_config_and_prints_the_same(params string[] command)
    {
        using var folder = TestPaths.NewTempFolder();
        var first = Flint.Tests.Cli.CliRunner.Run([.. command, "--print-config"]);
        Assert.True(first.Exit == 0, first.Output + first.Error);
        File.WriteAllText(folder.File("settings.yaml"), first.Output);

        var again = Flint.Tests.Cli.CliRunner.Run(command[0], "--config", folder.File("settings.yaml"), "--print-config");

        Assert.True(again.Exit == 0, again.Output + again.Error);
        Assert.Equal(first.Output, again.Output);
    }

    [Fact]
    public void A_section_given_a_value_in_yaml_is_called_a_section_not_an_unknown_key()
    {
        using var folder = TestPaths.NewTempFolder();
        File.WriteAllText(folder.File("c.yaml"), "trainer: 5\n");
        var (exit, output, error) = Flint.Tests.Cli.CliRunner.Run("pretrain", "--config", folder.File("c.yaml"), "--data", "corpus.txt", "--print-config");
        Assert.Equal(2, exit);
        Assert.Contains("'trainer' is a section, not a value", output + error);
        Assert.DoesNotContain("unknown key 'trainer'", output + error);
    }

    [Fact]
    public void A_resume_allowed_to_change_the_architecture_stops_with_the_weight_table_not_a_stack_trace()
    {
        using var folder = TestPaths.NewTempFolder();
        File.WriteAllText(folder.File("corpus.txt"), File.ReadAllText(TestPaths.Data("tinyshakespeare", "input.txt"))[..20000]);
        string[] common = ["pretrain", "--data", folder.File("corpus.txt"), "--out", folder.File("run"), "--tokenizer", "char", "--data.batch-size", "4",
            "--trainer.max-steps", "2", "--trainer.progress", "false"];
        var first = Flint.Tests.Cli.CliRunner.Run([.. common, "--model.preset", "nano"]);
        Assert.True(first.Exit == 0, first.Output + first.Error);
        var (exit, output, error) = Flint.Tests.Cli.CliRunner.Run([.. common, "--model.preset", "char-small", "--resume", "last", "--allow-config-change"]);
        Assert.Equal(2, exit);
        Assert.Contains("Cannot resume from", output + error);
        Assert.Contains("config.model.preset: checkpoint 'nano', now 'char-small'", (output + error).Replace(Environment.NewLine, " ", StringComparison.Ordinal));
        Assert.DoesNotContain("Load non-strictly", output + error); // not an option a resume has
        Assert.DoesNotContain("   at Flint.", output + error);
    }
}
