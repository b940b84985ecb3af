using System.Security.Cryptography;
using Flint.Checkpoints;
using Flint.Tests.Cli;

namespace Flint.Tests.Hostile;

/// <summary>A resume that finds only corrupt checkpoints says so loudly and keeps them, renamed, for inspection.</summary>
public sealed class CorruptCheckpointHostileTests
{
    static string[] Pretrain(string corpus, string run) =>
        ["pretrain", "--data", corpus, "--out", run, "--model.preset", "nano", "--tokenizer", "char", "--trainer.max-steps", "3",
         "--data.batch-size", "4", "--trainer.progress", "false"];

    static string Hash(string file) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file)));

    [Fact]
    public void Resume_last_when_every_checkpoint_is_corrupt_warns_starts_over_and_keeps_the_corrupt_ones_aside_unchanged()
    {
        using var folder = TestPaths.NewTempFolder();
        var corpus = folder.File("corpus.txt");
        File.WriteAllText(corpus, File.ReadAllText(TestPaths.Data("tinyshakespeare", "input.txt"))[..20000]);
        var run = folder.File("run");
        var first = CliRunner.Run(Pretrain(corpus, run));
        Assert.True(first.Exit == 0, first.Output + first.Error);
        var checkpoints = Path.Combine(run, "checkpoints");
        var corrupted = new Dictionary<string, string>(); // checkpoint name → hash of its damaged weights
        foreach (var checkpoint in Directory.GetDirectories(checkpoints))
        {
            var weights = Path.Combine(checkpoint, "model.safetensors");
            var bytes = File.ReadAllBytes(weights);
            bytes[^1] ^= 0xFF; // same size, different content: only the manifest's hash notices
            File.WriteAllBytes(weights, bytes);
            corrupted[Path.GetFileName(checkpoint)] = Hash(weights);
        }
        Assert.Contains("last", corrupted.Keys);

        var resumed = CliRunner.Run([.. Pretrain(corpus, run), "--resume", "last"]);

        Assert.True(resumed.Exit == 0, resumed.Output + resumed.Error);
        Assert.Contains($"WARNING: --resume found NO VALID CHECKPOINT in {checkpoints}", resumed.Output);
        Assert.Contains("STARTS FROM SCRATCH", resumed.Output);
        Assert.Contains("Moved aside for inspection:", resumed.Output);
        foreach (var (name, hash) in corrupted)
        {
            var aside = Assert.Single(Directory.GetDirectories(checkpoints, $"{CheckpointStore.SetAsidePrefix}{name}-*"));
            Assert.Equal(hash, Hash(Path.Combine(aside, "model.safetensors")));
            Assert.Contains(aside, resumed.Output);
        }
        Assert.Null(CheckpointStore.Problem(Path.Combine(checkpoints, "last")));

        // A later resume neither reads nor reports the set-aside folders.
        var again = CliRunner.Run([.. Pretrain(corpus, run), "--resume", "last"]);
        Assert.True(again.Exit == 0, again.Output + again.Error);
        Assert.DoesNotContain("WARNING", again.Output);
    }
}
