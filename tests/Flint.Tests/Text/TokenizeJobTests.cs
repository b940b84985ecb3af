using System.Security.Cryptography;
using Flint.Text.Corpus;
using Flint.Text.Shards;
using Flint.Text.Tokenizers;

namespace Flint.Tests.Text;

public sealed class TokenizeJobTests
{
    static TempFolder Corpus(out string[] files)
    {
        var folder = TestPaths.NewTempFolder();
        Directory.CreateDirectory(folder.File("corpus"));
        files = Enumerable.Range(0, 40).Select(i =>
        {
            var path = folder.File(Path.Combine("corpus", $"doc{i:D2}.txt"));
            File.WriteAllText(path, string.Join("\n", Enumerable.Range(0, 20).Select(j => $"Document {i} says line {j} with some words.")));
            return path;
        }).ToArray();
        return folder;
    }

    [Fact]
    public void Tokenizing_writes_shards_with_eos_between_documents_and_a_header()
    {
        using var folder = Corpus(out var files);
        var gpt2 = new Gpt2Tokenizer();
        var result = TokenizeJob.Run([folder.File("corpus")], gpt2, folder.File("out"), new TokenizeOptions(ValidationFraction: 0.2, Seed: 1));
        var meta = TokenDatasetMeta.Read(folder.File("out"));
        Assert.Equal("uint16", meta.Dtype);
        Assert.Equal(gpt2.Fingerprint, meta.TokenizerFingerprint);
        Assert.Equal(40, meta.Splits["train"].Documents + meta.Splits["val"].Documents);
        Assert.InRange(meta.Splits["val"].Documents, 2, 16);
        long expected = files.Sum(f => gpt2.Encode(File.ReadAllText(f) + "\n").Length + 1);
        Assert.Equal(expected, meta.Splits["train"].Tokens + meta.Splits["val"].Tokens);
        using var shards = TokenShards.Open(folder.File("out"), "train");
        var all = new long[shards.Length];
        shards.Read(0, all);
        Assert.Equal(meta.Splits["train"].Documents, all.Count(t => t == 50256));
        Assert.Equal(50256, all[^1]);
        Assert.Equal(gpt2.Fingerprint, shards.LoadTokenizer().Fingerprint);
        Assert.Equal(result.Meta.Splits["train"].Tokens, meta.Splits["train"].Tokens);
    }

    [Fact]
    public void Output_is_identical_across_runs_and_thread_counts_and_shards_split_cleanly()
    {
        using var folder = Corpus(out _);
        var gpt2 = new Gpt2Tokenizer();
        TokenizeJob.Run([folder.File("corpus")], gpt2, folder.File("a"), new TokenizeOptions(Threads: 1, ShardTokens: 1024));
        TokenizeJob.Run([folder.File("corpus")], gpt2, folder.File("b"), new TokenizeOptions(Threads: 2, ShardTokens: 1024));
        var shardsA = Directory.GetFiles(folder.File("a"), "*.bin").Select(Path.GetFileName).Order().ToList();
        Assert.True(shardsA.Count > 3);
        foreach (var name in shardsA)
            Assert.Equal(SHA256.HashData(File.ReadAllBytes(Path.Combine(folder.File("a"), name!))), SHA256.HashData(File.ReadAllBytes(Path.Combine(folder.File("b"), name!))));
        using var shards = TokenShards.Open(folder.File("a"));
        var across = new long[100];
        shards.Read(1000, across); // spans the first shard boundary at 1024
        var whole = new long[shards.Length];
        shards.Read(0, whole);
        Assert.Equal(whole.Skip(1000).Take(100), across);
    }

    [Fact]
    public void Jsonl_and_wikitext_inputs_become_documents()
    {
        using var folder = TestPaths.NewTempFolder();
        File.WriteAllLines(folder.File("a.jsonl"), ["{\"text\": \"one\", \"id\": 1}", "", "{\"text\": \"two\"}"]);
        File.WriteAllLines(folder.File("w.tokens"), [" = Alpha = ", " text of alpha ", " = = Section = = ", " more ", " = Beta = ", " text of beta "]);
        var report = new CorpusReport();
        var docs = CorpusReader.Read(CorpusReader.ExpandInputs([folder.File("a.jsonl"), folder.File("w.tokens")]), new CorpusOptions(), report).ToList();
        Assert.Equal(["one", "two"], docs.Take(2).Select(d => d.Text));
        Assert.Equal(4, docs.Count);
        Assert.Contains("Section", docs[2].Text);
        Assert.StartsWith(" = Beta = ", docs[3].Text);
        Assert.Equal(5, docs[3].Line);
    }

    [Fact]
    public void A_jsonl_line_without_the_field_is_named_by_file_and_line_and_nothing_is_left_behind()
    {
        using var folder = TestPaths.NewTempFolder();
        File.WriteAllLines(folder.File("a.jsonl"), ["{\"text\": \"fine\"}", "{\"body\": \"oops\"}"]);
        var error = Assert.Throws<CorpusException>(() => TokenizeJob.Run([folder.File("a.jsonl")], new Gpt2Tokenizer(), folder.File("out")));
        Assert.Contains("a.jsonl:2: no field 'text'. Fields on this line: body", error.Message);
        Assert.False(Directory.Exists(folder.File("out")));
        Assert.Empty(Directory.GetDirectories(folder.Path));
    }

    [Fact]
    public void Missing_and_empty_inputs_are_reported()
    {
        using var folder = TestPaths.NewTempFolder();
        var missing = Assert.Throws<CorpusException>(() => TokenizeJob.Run([folder.File("nope.txt")], new Gpt2Tokenizer(), folder.File("out")));
        Assert.Contains("nope.txt: no such file or folder", missing.Message);
        File.WriteAllText(folder.File("empty.txt"), "\n\n");
        var empty = Assert.Throws<CorpusException>(() => TokenizeJob.Run([folder.File("empty.txt")], new Gpt2Tokenizer(), folder.File("out")));
        Assert.Contains("holds no text", empty.Message);
        Assert.False(Directory.Exists(folder.File("out")));
    }

    [Fact]
    public void Invalid_utf8_is_counted_with_its_place_or_refused_in_strict_mode()
    {
        using var folder = TestPaths.NewTempFolder();
        File.WriteAllBytes(folder.File("bad.txt"), [.. "good line\nbad "u8, 0xFF, 0xFE, .. " line\n"u8, .. "caf\u00e9 \uFFFD ok\n"u8]);
        var result = TokenizeJob.Run([folder.File("bad.txt")], new Gpt2Tokenizer(), folder.File("out"), new TokenizeOptions(ValidationFraction: 0));
        Assert.Equal(2, result.Report.InvalidUtf8Replaced);
        Assert.Equal([$"{folder.File("bad.txt")}:2"], result.Report.InvalidUtf8Places);
        Assert.Equal(2, result.Meta.InvalidUtf8Replaced);

        var strict = Assert.Throws<CorpusException>(() =>
            TokenizeJob.Run([folder.File("bad.txt")], new Gpt2Tokenizer(), folder.File("out2"), corpus: new CorpusOptions(Strict: true)));
        Assert.Contains("bad.txt:2: invalid UTF-8", strict.Message);
    }

    [Fact]
    public void An_existing_output_folder_is_not_overwritten_without_permission()
    {
        using var folder = Corpus(out _);
        Directory.CreateDirectory(folder.File("out"));
        File.WriteAllText(folder.File(Path.Combine("out", "keep.txt")), "mine");
        var error = Assert.Throws<IOException>(() => TokenizeJob.Run([folder.File("corpus")], new Gpt2Tokenizer(), folder.File("out")));
        Assert.Contains("--overwrite", error.Message);
        Assert.True(File.Exists(folder.File(Path.Combine("out", "keep.txt"))));
    }

    [Fact]
    public void A_folder_without_meta_is_not_a_dataset()
    {
        using var folder = TestPaths.NewTempFolder();
        var error = Assert.Throws<FileNotFoundException>(() => TokenShards.Open(folder.Path));
        Assert.Contains("not a tokenized dataset", error.Message);
    }
}
