using Flint.Text.Data;
using Flint.Text.Tokenizers;

namespace Flint.Tests.Text;

public sealed class LabeledDataTests
{
    [Fact]
    public void Rt_polarity_reads_as_one_file_per_class()
    {
        var examples = LabeledData.Read(TestPaths.Data("rt-polarity"));
        Assert.Equal(10662, examples.Count);
        var labels = LabelMap.FromExamples(examples);
        Assert.Equal(["neg", "pos"], labels.Labels);
        Assert.Equal(5331, examples.Count(e => e.Label == "pos"));
    }

    [Fact]
    public void Tsv_csv_and_jsonl_read_with_configurable_columns_and_quotes()
    {
        using var folder = TestPaths.NewTempFolder();
        File.WriteAllText(folder.File("d.csv"), "id,sentence,sentiment\n1,\"good, really \"\"good\"\"\",pos\n2,\"multi\nline\",neg\n");
        var csv = LabeledData.Read(folder.File("d.csv"), new LabeledDataOptions("sentence", "sentiment"));
        Assert.Equal(["good, really \"good\"", "multi\nline"], csv.Select(e => e.Text));
        Assert.Equal(3, csv[1].Line);
        File.WriteAllText(folder.File("d.tsv"), "text\tlabel\nhello\ta\nworld\tb\n");
        Assert.Equal(["a", "b"], LabeledData.Read(folder.File("d.tsv")).Select(e => e.Label));
        File.WriteAllText(folder.File("d.jsonl"), "{\"text\": \"x\", \"label\": 1}\n{\"text\": \"y\", \"label\": 0}\n");
        Assert.Equal(["1", "0"], LabeledData.Read(folder.File("d.jsonl")).Select(e => e.Label));
        var missing = Assert.Throws<InvalidDataException>(() => LabeledData.Read(folder.File("d.csv")));
        Assert.Contains("the header has no 'text' column. Columns: id, sentence, sentiment", missing.Message);
    }

    [Fact]
    public void Folder_per_class_reads_one_example_per_file()
    {
        using var folder = TestPaths.NewTempFolder();
        foreach (var (label, n) in new[] { ("neg", 2), ("pos", 3) })
        {
            Directory.CreateDirectory(folder.File(label));
            for (int i = 0; i < n; i++) File.WriteAllText(folder.File(Path.Combine(label, $"{i}.txt")), $"{label} review {i}");
        }
        var examples = LabeledData.Read(folder.Path);
        Assert.Equal(5, examples.Count);
        Assert.Equal(3, examples.Count(e => e.Label == "pos"));
    }

    [Fact]
    public void An_unknown_label_is_named_with_its_file_and_line()
    {
        using var folder = TestPaths.NewTempFolder();
        File.WriteAllText(folder.File("d.tsv"), "text\tlabel\nfine\tpos\nodd\tmaybe\n");
        var map = new LabelMap(["neg", "pos"]);
        var examples = LabeledData.Read(folder.File("d.tsv"));
        var error = Assert.Throws<InvalidDataException>(() => new ClassificationLoader(examples, new Gpt2Tokenizer(), map, new ClassificationLoaderOptions()));
        Assert.Contains("d.tsv:3: unknown label 'maybe'. Known labels: neg, pos", error.Message);
    }

    [Fact]
    public void Stratified_splits_keep_label_proportions_and_are_deterministic()
    {
        var examples = LabeledData.Read(TestPaths.Data("rt-polarity"));
        var (train, validation, test) = LabeledData.StratifiedSplit(examples, 0.1, 0.1, seed: 3);
        Assert.Equal(examples.Count, train.Count + validation.Count + test.Count);
        Assert.Equal(533, test.Count(e => e.Label == "pos"));
        Assert.Equal(533, test.Count(e => e.Label == "neg"));
        Assert.Empty(train.Select(e => e.Text + e.Line).Intersect(test.Select(e => e.Text + e.Line)));
        var again = LabeledData.StratifiedSplit(examples, 0.1, 0.1, seed: 3);
        Assert.Equal(test, again.Test);
    }

    [Fact]
    public void Batches_are_padded_to_their_longest_row_with_a_mask_and_bucketing_cuts_padding()
    {
        var examples = LabeledData.Read(TestPaths.Data("rt-polarity")).Take(2000).ToList();
        examples.AddRange(LabeledData.Read(TestPaths.Data("rt-polarity")).TakeLast(2000));
        var gpt2 = new Gpt2Tokenizer();
        var labels = LabelMap.FromExamples(examples);
        var plain = new ClassificationLoader(examples, gpt2, labels, new ClassificationLoaderOptions(BatchSize: 16, MaxLength: 64, AppendToken: gpt2.Specials.Eos));
        var batch = plain.First();
        long longest = batch.Lengths.max().item<long>();
        Assert.Equal(longest, batch.Input.shape[1]);
        Assert.Equal(batch.Lengths.sum().item<long>(), batch.AttentionMask.sum().item<long>());
        for (int r = 0; r < 16; r++) Assert.Equal(50256, batch.Input[r, batch.Lengths[r].item<long>() - 1].item<long>()); // appended token
        var bucketed = new ClassificationLoader(examples, gpt2, labels, new ClassificationLoaderOptions(BatchSize: 16, MaxLength: 64, BucketByLength: true));
        Assert.True(bucketed.PaddingRatio() < plain.PaddingRatio() / 3, $"{bucketed.PaddingRatio()} vs {plain.PaddingRatio()}");
        Assert.Equal(examples.Count, bucketed.Sum(b => (int)b.Labels.shape[0]));
    }
}
