using System.Text.Json;
using Flint.Text.Tokenizers;
using Microsoft.ML.Tokenizers;

namespace Flint.Tests.Text;

public sealed class TokenizerTests
{
    sealed record Reference(string file, int line, string text, int[] ids);

    [Fact]
    public void Gpt2_ids_equal_the_reference_ids_from_tiktoken_on_the_bundled_corpora()
    {
        var references = JsonSerializer.Deserialize<List<Reference>>(File.ReadAllText(TestPaths.TestData("gpt2-reference-ids.json")))!;
        Assert.Equal(200, references.Count);
        var gpt2 = new Gpt2Tokenizer();
        foreach (var r in references)
        {
            Assert.True(r.ids.SequenceEqual(gpt2.Encode(r.text)), $"{r.file}:{r.line} differs");
            Assert.Equal(r.text, gpt2.Decode(r.ids));
        }
        Assert.Equal(50256, gpt2.Specials.Eos);
    }

    [Fact]
    public void WordPiece_splits_unknown_words_into_pieces_and_knows_berts_specials()
    {
        var wp = new Flint.Text.Tokenizers.WordPieceTokenizer(TestPaths.Data("vocab", "bert-base-uncased", "vocab.txt"));
        Assert.Equal(30522, wp.VocabSize);
        Assert.Equal((0, 100, 101, 102, 103), (wp.Specials.Pad!.Value, wp.Specials.Unk!.Value, wp.Specials.Cls!.Value, wp.Specials.Sep!.Value, wp.Specials.Mask!.Value));
        var ids = wp.Encode("Hello, Tokenization!");
        Assert.Equal("hello, tokenization!", wp.Decode(ids));
        Assert.Contains(ids, wp.IsContinuation); // "tokenization" -> "token", "##ization"
    }

    [Fact]
    public void Char_tokenizer_round_trips_and_maps_unknown_characters_to_unk()
    {
        var chars = CharTokenizer.FromCorpus(["hello world"]);
        Assert.Equal(8 + 4, chars.VocabSize);
        Assert.Equal("hello", chars.Decode(chars.Encode("hello")));
        Assert.Equal(chars.Specials.Unk, chars.Encode("z")[0]);
    }

    [Fact]
    public void A_trained_bpe_vocabulary_round_trips_through_microsoft_ml_tokenizers()
    {
        using var folder = TestPaths.NewTempFolder();
        var corpus = File.ReadLines(TestPaths.Data("tinyshakespeare", "input.txt")).Take(3000).ToList();
        int progressCalls = 0;
        var trained = BpeTrainer.Train(corpus, vocabSize: 600, progress: (_, _) => progressCalls++);
        Assert.Equal(600, trained.VocabSize);
        Assert.Equal(600 - 256 - 3, progressCalls); // 256 bytes, then merges, then <|endoftext|>, <pad>, <mask>
        trained.Save(folder.Path);

        // Load the files with Microsoft.ML.Tokenizers alone, as any other tool would.
        var options = new BpeOptions(folder.File("vocab.json"), folder.File("merges.txt"))
        {
            ByteLevel = true,
            PreTokenizer = new RegexPreTokenizer(new System.Text.RegularExpressions.Regex(ByteLevel.Pattern), null),
        };
        var external = BpeTokenizer.Create(options);
        var text = "First Citizen:\nBefore we proceed any further, hear me speak. Ünïcödé too!";
        var ids = external.EncodeToIds(text);
        Assert.Equal(text, external.Decode(ids));
        Assert.Equal(trained.Encode(text), ids);
        Assert.True(ids.Count < System.Text.Encoding.UTF8.GetByteCount(text) * 0.6, "merges did not shorten the text");
        Assert.Single(trained.Encode(" the")); // the most frequent word became one token
        Assert.Equal(trained.Fingerprint, Flint.Text.Tokenizers.Tokenizers.Load(folder.Path).Fingerprint);
    }

    [Fact]
    public void Bpe_training_is_deterministic()
    {
        var corpus = File.ReadLines(TestPaths.Data("tinyshakespeare", "input.txt")).Take(500).ToList();
        Assert.Equal(BpeTrainer.Train(corpus, 400).Fingerprint, BpeTrainer.Train(corpus, 400).Fingerprint);
    }

    [Fact]
    public void A_saved_tokenizer_whose_files_changed_is_refused_by_fingerprint()
    {
        using var folder = TestPaths.NewTempFolder();
        CharTokenizer.FromCorpus(["abc"]).Save(folder.Path);
        Assert.Equal("char", Flint.Text.Tokenizers.Tokenizers.Load(folder.Path).Kind);
        File.WriteAllText(folder.File("chars.json"), "\"abcd\"");
        var error = Assert.Throws<InvalidDataException>(() => Flint.Text.Tokenizers.Tokenizers.Load(folder.Path));
        Assert.Contains("do not match the recorded fingerprint", error.Message);
    }

    [Fact]
    public void Unknown_tokenizer_names_list_the_known_ones()
    {
        var error = Assert.Throws<ArgumentException>(() => Flint.Text.Tokenizers.Tokenizers.FromName("gtp2"));
        Assert.Contains("Use gpt2, wordpiece", error.Message);
        // 'char' is built from a corpus, so naming it here gets its own message instead of a list that offers it.
        var charError = Assert.Throws<ArgumentException>(() => Flint.Text.Tokenizers.Tokenizers.FromName("char"));
        Assert.Contains("only 'flint pretrain' can make one", charError.Message);
    }
}
