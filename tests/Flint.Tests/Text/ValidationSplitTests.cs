using System.Security.Cryptography;
using Flint.Text.Corpus;
using Flint.Text.Shards;
using Flint.Text.Tokenizers;

namespace Flint.Tests.Text;

public sealed class ValidationSplitTests
{
    const int Eos = 50256;

    /// <summary>Deterministic prose: lines of words, with a blank line between paragraphs when asked.</summary>
    static string Prose(int seed, int lines, bool paragraphs)
    {
        string[] words = ["the", "river", "ran", "past", "a", "quiet", "town", "where", "nobody", "spoke", "of", "winter", "and", "bread", "was", "cheap"];
        var random = Flint.Runtime.Seeds.Random(seed, 0, "prose");
        var text = new System.Text.StringBuilder();
        for (int line = 0; line < lines; line++)
        {
            text.AppendJoin(' ', Enumerable.Range(0, 8 + random.Next(8)).Select(_ => words[random.Next(words.Length)])).Append(".\n");
            if (paragraphs && line % 6 == 5) text.Append('\n');
        }
        return text.ToString();
    }

    static string Novels(TempFolder folder, int count)
    {
        Directory.CreateDirectory(folder.File("novels"));
        for (int i = 0; i < count; i++) File.WriteAllText(folder.File(Path.Combine("novels", $"novel{i}.txt")), Prose(i, 400, paragraphs: true));
        return folder.File("novels");
    }

    static long[] Tokens(string dataset, string split)
    {
        using var shards = TokenShards.Open(dataset, split);
        var all = new long[shards.Length];
        shards.Read(0, all);
        return all;
    }

    static List<long[]> Documents(long[] tokens)
    {
        var documents = new List<long[]>();
        int start = 0;
        for (int i = 0; i < tokens.Length; i++)
            if (tokens[i] == Eos)
            {
                documents.Add(tokens[start..i]);
                start = i + 1;
            }
        return documents;
    }

    /// <summary>Checks that each document's train head followed by its validation tail is exactly its tokens, in order.</summary>
    static void AssertTailsPartitionEveryDocument(string dataset, IReadOnlyList<int[]> documents)
    {
        var heads = Documents(Tokens(dataset, "train"));
        var tails = Documents(Tokens(dataset, "val"));
        Assert.Equal(documents.Count, heads.Count);
        Assert.Equal(documents.Count, tails.Count);
        for (int d = 0; d < documents.Count; d++)
        {
            Assert.NotEmpty(heads[d]);
            Assert.NotEmpty(tails[d]);
            Assert.Equal(documents[d].Select(id => (long)id), heads[d].Concat(tails[d]));
            Assert.InRange(tails[d].Length, documents[d].Length * 0.025, documents[d].Length * 0.075);
        }
    }

    [Fact]
    public void A_folder_of_a_few_long_files_holds_out_the_tail_of_each_file()
    {
        using var folder = TestPaths.NewTempFolder();
        var novels = Novels(folder, 6);
        var gpt2 = new Gpt2Tokenizer();
        var result = TokenizeJob.Run([novels], gpt2, folder.File("out"));
        var unsplit = TokenizeJob.Run([novels], gpt2, folder.File("whole"), new TokenizeOptions(ValidationFraction: 0));

        var meta = TokenDatasetMeta.Read(folder.File("out"));
        Assert.Equal(ValidationSplit.DocumentTails, meta.ValidationSplit);
        Assert.Equal(6, meta.CorpusDocuments);
        Assert.Equal(6, meta.Splits["val"].Documents);
        Assert.True(meta.Splits["val"].Tokens > 0);
        // Every token lands once; the only extra tokens are the EOS that ends each validation tail.
        Assert.Equal(unsplit.Meta.Splits["train"].Tokens + 6, meta.Splits["train"].Tokens + meta.Splits["val"].Tokens);
        var files = CorpusReader.ExpandInputs([novels]);
        AssertTailsPartitionEveryDocument(folder.File("out"), files.Select(f => gpt2.Encode(File.ReadAllText(f))).ToList());
        Assert.Equal($"validation: the last 5% of each of 6 documents ({meta.Splits["val"].Tokens:N0} tokens)", result.Meta.DescribeValidation());
    }

    [Fact]
    public void A_tail_starts_at_a_paragraph_break_when_one_is_near()
    {
        using var folder = TestPaths.NewTempFolder();
        var novels = Novels(folder, 3);
        var gpt2 = new Gpt2Tokenizer();
        TokenizeJob.Run([novels], gpt2, folder.File("out"));
        var heads = Documents(Tokens(folder.File("out"), "train"));
        Assert.All(heads, head => Assert.EndsWith("\n\n", gpt2.Decode(head.Select(id => (int)id))));
    }

    [Fact]
    public void A_single_file_without_blank_lines_is_one_document_and_holds_out_its_tail()
    {
        using var folder = TestPaths.NewTempFolder();
        File.WriteAllText(folder.File("book.txt"), Prose(7, 1500, paragraphs: false));
        var gpt2 = new Gpt2Tokenizer();
        var result = TokenizeJob.Run([folder.File("book.txt")], gpt2, folder.File("out"), new TokenizeOptions(ValidationFraction: 0.05, Seed: 3));
        var unsplit = TokenizeJob.Run([folder.File("book.txt")], gpt2, folder.File("whole"), new TokenizeOptions(ValidationFraction: 0));

        Assert.Equal(ValidationSplit.DocumentTails, result.Meta.ValidationSplit);
        Assert.Equal(1, result.Meta.CorpusDocuments);
        Assert.Equal(unsplit.Meta.Splits["train"].Tokens + 1, result.Meta.Splits["train"].Tokens + result.Meta.Splits["val"].Tokens);
        AssertTailsPartitionEveryDocument(folder.File("out"), [gpt2.Encode(File.ReadAllText(folder.File("book.txt")))]);
        Assert.StartsWith("validation: the last 5% of the document (", result.Meta.DescribeValidation());
    }

    [Fact]
    public void Many_small_documents_are_still_held_out_whole()
    {
        using var folder = TestPaths.NewTempFolder();
        File.WriteAllText(folder.File("stories.txt"), Prose(11, 1200, paragraphs: true)); // 200 paragraphs, one document each
        var result = TokenizeJob.Run([folder.File("stories.txt")], new Gpt2Tokenizer(), folder.File("out"), new TokenizeOptions(ValidationFraction: 0.1, Seed: 2));

        var meta = result.Meta;
        Assert.Equal(ValidationSplit.Documents, meta.ValidationSplit);
        Assert.Equal(200, meta.CorpusDocuments);
        Assert.Equal(200, meta.Splits["train"].Documents + meta.Splits["val"].Documents);
        long expectedHeldOut = Enumerable.Range(0, 200).Count(i => TokenizeJob.IsValidation(2, i, 0.1));
        Assert.Equal(expectedHeldOut, meta.Splits["val"].Documents);
        Assert.Equal($"validation: {expectedHeldOut} of 200 documents, held out whole ({meta.Splits["val"].Tokens:N0} tokens)", meta.DescribeValidation());
    }

    [Fact]
    public void Tail_splits_are_byte_identical_across_runs_and_thread_counts()
    {
        using var folder = TestPaths.NewTempFolder();
        var novels = Novels(folder, 4);
        TokenizeJob.Run([novels], new Gpt2Tokenizer(), folder.File("a"), new TokenizeOptions(Seed: 5, Threads: 1, ShardTokens: 4096));
        TokenizeJob.Run([novels], new Gpt2Tokenizer(), folder.File("b"), new TokenizeOptions(Seed: 5, Threads: 2, ShardTokens: 4096));
        var names = Directory.GetFiles(folder.File("a")).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(names, Directory.GetFiles(folder.File("b")).Select(Path.GetFileName).Order().ToList());
        Assert.Contains("val-00000.bin", names);
        foreach (var name in names)
            Assert.Equal(SHA256.HashData(File.ReadAllBytes(Path.Combine(folder.File("a"), name!))), SHA256.HashData(File.ReadAllBytes(Path.Combine(folder.File("b"), name!))));
    }

    [Fact]
    public void A_corpus_too_small_to_split_names_the_files_and_the_setting()
    {
        using var folder = TestPaths.NewTempFolder();
        File.WriteAllText(folder.File("a.txt"), "Hello there.");
        File.WriteAllText(folder.File("b.txt"), "General Kenobi.");
        var error = Assert.Throws<CorpusException>(() => TokenizeJob.Run([folder.File("a.txt"), folder.File("b.txt")], new Gpt2Tokenizer(), folder.File("out")));
        Assert.Contains(folder.File("a.txt"), error.Message);
        Assert.Contains(folder.File("b.txt"), error.Message);
        Assert.Contains("--data.val-fraction", error.Message);
        Assert.DoesNotContain("Parameter", error.Message);
        Assert.False(Directory.Exists(folder.File("out")));
        Assert.Empty(Directory.GetDirectories(folder.Path));
    }

    [Fact]
    public void A_meta_file_from_before_the_split_method_was_recorded_reads_as_whole_documents()
    {
        using var folder = TestPaths.NewTempFolder();
        File.WriteAllText(folder.File(TokenDatasetMeta.FileName), """
            {
              "format": "flint-tokens/1", "tokenizer_kind": "char", "tokenizer_fingerprint": "abc", "vocab_size": 65, "eos": 0, "dtype": "uint16",
              "splits": { "train": { "tokens": 900, "documents": 9, "shards": ["train-00000.bin"] }, "val": { "tokens": 100, "documents": 1, "shards": ["val-00000.bin"] } },
              "sources": ["/data/input.txt"], "bytes": 1000, "invalid_utf8_replaced": 0, "validation_fraction": 0.1, "seed": 0
            }
            """);
        var meta = TokenDatasetMeta.Read(folder.Path);
        Assert.Equal(ValidationSplit.Documents, meta.ValidationSplit);
        Assert.Equal("validation: 1 of 10 documents, held out whole (100 tokens)", meta.DescribeValidation());
    }
}
