using Flint.Text.Shards;
using Flint.Text.Tokenizers;

namespace Flint.Tests.Text;

public sealed class WordCountTests
{
    [Fact]
    public void Words_are_runs_of_non_whitespace_and_documents_never_merge()
    {
        using var folder = TestPaths.NewTempFolder();
        File.WriteAllText(folder.File("a.jsonl"), "{\"text\": \"to be,\\tor  not\"}\n{\"text\": \"end\"}\n{\"text\": \"start\"}\n");
        var chars = CharTokenizer.FromCorpus(["to be, or not end start\t"]);
        TokenizeJob.Run([folder.File("a.jsonl")], chars, folder.File("data"), new TokenizeOptions(ValidationFraction: 0));
        using var shards = TokenShards.Open(folder.File("data"), "train");

        Assert.Equal(6, WordCount.Of(shards, 0, shards.Length, chars)); // to, be,, or, not, end, start: "end" and "start" are two documents
        Assert.Equal(6, WordCount.Of(shards, 1, shards.Length - 1, chars)); // from "o be,…": the cut word still counts, once
        Assert.Equal(5, WordCount.Of(shards, 2, shards.Length - 2, chars)); // from " be,…"
    }
}
