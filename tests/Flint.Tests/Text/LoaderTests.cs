using Flint.Text.Data;
using Flint.Text.Shards;
using Flint.Text.Tokenizers;

namespace Flint.Tests.Text;

public sealed class LoaderTests
{
    static TokenShards Shakespeare(TempFolder folder)
    {
        var chars = CharTokenizer.FromCorpus(File.ReadLines(TestPaths.Data("tinyshakespeare", "input.txt")).Take(2000));
        var text = string.Join("\n", File.ReadLines(TestPaths.Data("tinyshakespeare", "input.txt")).Take(2000));
        File.WriteAllText(folder.File("input.txt"), text);
        TokenizeJob.Run([folder.File("input.txt")], chars, folder.File("ds"), new TokenizeOptions(ValidationFraction: 0.1));
        return TokenShards.Open(folder.File("ds"));
    }

    static List<long[]> Inputs(IEnumerable<LmBatch> batches, int take) => batches.Take(take).Select(b => b.Input.data<long>().ToArray()).ToList();

    [Fact]
    public void Targets_are_the_inputs_shifted_by_one_token()
    {
        using var folder = TestPaths.NewTempFolder();
        using var shards = Shakespeare(folder);
        var loader = new LmLoader(shards, new LmLoaderOptions(BatchSize: 4, Context: 16, Seed: 3));
        var batch = loader.First();
        Assert.Equal(new long[] { 4, 16 }, batch.Input.shape);
        var starts = loader.WindowStarts(0, 0);
        var window = new long[17];
        shards.Read(starts[2], window);
        Assert.Equal(window[..16], batch.Input[2].data<long>().ToArray());
        Assert.Equal(window[1..], batch.Target[2].data<long>().ToArray());
    }

    [Fact]
    public void The_order_depends_only_on_seed_and_epoch()
    {
        using var folder = TestPaths.NewTempFolder();
        using var shards = Shakespeare(folder);
        var a = new LmLoader(shards, new LmLoaderOptions(8, 32, Seed: 5));
        var b = new LmLoader(shards, new LmLoaderOptions(8, 32, Seed: 5));
        var epoch0 = Inputs(a, 5);
        Assert.Equal(epoch0, Inputs(b, 5));
        var c = new LmLoader(shards, new LmLoaderOptions(8, 32, Seed: 6));
        Assert.NotEqual(epoch0, Inputs(c, 5));
        Assert.Equal(a.WindowStarts(1, 0), b.WindowStarts(1, 0));
        Assert.NotEqual(a.WindowStarts(0, 0), a.WindowStarts(1, 0));
    }

    [Fact]
    public void A_restored_cursor_continues_with_exactly_the_batches_an_uninterrupted_run_sees()
    {
        using var folder = TestPaths.NewTempFolder();
        using var shards = Shakespeare(folder);
        var options = new LmLoaderOptions(4, 32, Seed: 9);
        var uninterrupted = new LmLoader(shards, options);
        var all = Inputs(uninterrupted, int.MaxValue).Concat(Inputs(uninterrupted, 3)).ToList(); // epoch 0 then the start of epoch 1

        var first = new LmLoader(shards, options);
        var seen = Inputs(first, 7);
        var state = first.SaveState();
        var resumed = new LmLoader(shards, options);
        resumed.LoadState(state);
        var rest = Inputs(resumed, int.MaxValue).Concat(Inputs(resumed, 3)).ToList();
        Assert.Equal(all, seen.Concat(rest).ToList());
    }

    [Fact]
    public void Loading_state_from_a_different_configuration_is_refused()
    {
        using var folder = TestPaths.NewTempFolder();
        using var shards = Shakespeare(folder);
        var state = new LmLoader(shards, new LmLoaderOptions(4, 32)).SaveState();
        var error = Assert.Throws<InvalidOperationException>(() => new LmLoader(shards, new LmLoaderOptions(8, 32)).LoadState(state));
        Assert.Contains("batch_size = 4 but this loader has 8", error.Message);
    }

    [Fact]
    public void Sequential_mode_reads_non_overlapping_windows_in_order()
    {
        using var folder = TestPaths.NewTempFolder();
        using var shards = TokenShards.Open(Shakespeare(folder).Directory, "val");
        var loader = new LmLoader(shards, new LmLoaderOptions(2, 10, Shuffle: false));
        Assert.Equal(new long[] { 0, 10 }, loader.WindowStarts(0, 0));
        Assert.Equal(new long[] { 20, 30 }, loader.WindowStarts(0, 1));
    }

    [Fact]
    public void Ranks_take_disjoint_batches()
    {
        using var folder = TestPaths.NewTempFolder();
        using var shards = Shakespeare(folder);
        var rank0 = new LmLoader(shards, new LmLoaderOptions(4, 16, Seed: 1, Rank: 0, WorldSize: 2));
        var rank1 = new LmLoader(shards, new LmLoaderOptions(4, 16, Seed: 1, Rank: 1, WorldSize: 2));
        var starts0 = Enumerable.Range(0, 10).SelectMany(b => rank0.WindowStarts(0, b)).ToHashSet();
        var starts1 = Enumerable.Range(0, 10).SelectMany(b => rank1.WindowStarts(0, b)).ToHashSet();
        Assert.Empty(starts0.Intersect(starts1));
    }

    [Fact]
    public void Too_little_data_for_one_batch_is_explained()
    {
        using var folder = TestPaths.NewTempFolder();
        File.WriteAllText(folder.File("tiny.txt"), "just a few words");
        TokenizeJob.Run([folder.File("tiny.txt")], new Gpt2Tokenizer(), folder.File("ds"), new TokenizeOptions(ValidationFraction: 0));
        using var shards = TokenShards.Open(folder.File("ds"));
        var error = Assert.Throws<ArgumentException>(() => new LmLoader(shards, new LmLoaderOptions(8, 128)));
        Assert.Contains("too few for one batch of 8 × 129 tokens", error.Message);
    }
}
