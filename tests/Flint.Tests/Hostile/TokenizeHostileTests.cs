using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Flint.Tests.Cli;
using Flint.Text.Shards;
using Flint.Text.Tokenizers;

namespace Flint.Tests.Hostile;

/// <summary>An interrupted tokenization leaves nothing for long: its partial folders are removed when the same output is made again.</summary>
public sealed class TokenizeHostileTests
{
    static string Corpus(TempFolder folder)
    {
        var path = folder.File("corpus.txt");
        File.WriteAllText(path, File.ReadAllText(TestPaths.Data("tinyshakespeare", "input.txt"))[..20000]);
        return path;
    }

    /// <summary>What an interrupted run leaves: <c>OUT.partial-GUID</c> with half-written shards.</summary>
    static string Leftover(string output)
    {
        var partial = $"{Path.GetFullPath(output)}.partial-{Guid.NewGuid():N}";
        Directory.CreateDirectory(partial);
        File.WriteAllBytes(Path.Combine(partial, "train-00000.bin"), new byte[1000]);
        return partial;
    }

    [Fact]
    public void Leftover_partial_folders_of_an_interrupted_tokenization_are_removed_when_the_same_output_is_made_again()
    {
        using var folder = TestPaths.NewTempFolder();
        var output = folder.File("tokens");
        var leftovers = new[] { Leftover(output), Leftover(output) };
        var otherOutput = Leftover(folder.File("other-tokens"));
        var lookalike = folder.File("tokens.partial-mine");
        Directory.CreateDirectory(lookalike);

        var result = TokenizeJob.Run([Corpus(folder)], new Gpt2Tokenizer(), output, new TokenizeOptions(ValidationFraction: 0.1));

        Assert.All(leftovers, l => Assert.False(Directory.Exists(l), $"{l} was left behind"));
        Assert.Equal(leftovers.Order(StringComparer.Ordinal), result.RemovedLeftovers.Order(StringComparer.Ordinal));
        Assert.True(Directory.Exists(otherOutput), "a partial folder of another output was removed");
        Assert.True(Directory.Exists(lookalike), "a folder Flint did not name was removed");
        Assert.True(File.Exists(Path.Combine(output, TokenDatasetMeta.FileName)));
    }

    [Fact]
    public void A_partial_folder_still_being_written_by_another_live_process_is_kept()
    {
        using var folder = TestPaths.NewTempFolder();
        var output = folder.File("tokens");
        var busy = Leftover(output);
        using var other = Process.Start(new ProcessStartInfo("sleep", "60") { UseShellExecute = false })!;
        try
        {
            File.WriteAllText(Path.Combine(busy, "flint.lock"), JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["pid"] = other.Id, ["host"] = Environment.MachineName, ["started"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            }));

            var result = TokenizeJob.Run([Corpus(folder)], new Gpt2Tokenizer(), output, new TokenizeOptions(ValidationFraction: 0.1));

            Assert.True(Directory.Exists(busy));
            Assert.Empty(result.RemovedLeftovers);
        }
        finally
        {
            other.Kill();
        }
    }

    [Fact]
    public void A_finished_dataset_holds_no_lock_file()
    {
        using var folder = TestPaths.NewTempFolder();
        TokenizeJob.Run([Corpus(folder)], new Gpt2Tokenizer(), folder.File("tokens"), new TokenizeOptions(ValidationFraction: 0.1));

        Assert.False(File.Exists(Path.Combine(folder.File("tokens"), "flint.lock")));
    }

    [Fact]
    public void Flint_tokenize_says_in_one_line_that_it_removed_leftovers()
    {
        using var folder = TestPaths.NewTempFolder();
        var output = folder.File("tokens");
        var leftover = Leftover(output);

        var (exit, stdout, stderr) = CliRunner.Run("tokenize", Corpus(folder), "--out", output, "--tokenizer", "gpt2");

        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains($"Removed {leftover}", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Overwrite_never_deletes_an_output_folder_that_is_not_a_tokenized_dataset()
    {
        using var folder = TestPaths.NewTempFolder();
        var output = folder.File("precious");
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "mine.txt"), "precious");

        var error = Assert.Throws<IOException>(() =>
            TokenizeJob.Run([Corpus(folder)], new Gpt2Tokenizer(), output, new TokenizeOptions(ValidationFraction: 0.1, Overwrite: true)));

        Assert.Contains(output, error.Message, StringComparison.Ordinal);
        Assert.Equal("precious", File.ReadAllText(Path.Combine(output, "mine.txt")));
        Assert.Empty(Directory.GetDirectories(folder.Path, "precious.partial-*"));
    }
}
