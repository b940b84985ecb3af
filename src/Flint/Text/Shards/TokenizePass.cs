using System.Diagnostics;
using Flint.Text.Corpus;
using Flint.Text.Tokenizers;

namespace Flint.Text.Shards;

/// <summary>
/// One read of the corpus into train and validation shards, splitting as <see cref="Method"/> says. Documents stream
/// from disk in chunks that are encoded in parallel and written in their original order, so output is deterministic and
/// memory stays bounded by a few chunks whatever the corpus size.
/// </summary>
internal sealed class TokenizePass : IDisposable
{
    const int ChunkChars = 1 << 20;

    readonly string _directory;
    readonly long _totalBytes;
    readonly IProgress<TokenizeProgress>? _progress;
    readonly Stopwatch _watch = Stopwatch.StartNew();

    TokenizePass(string directory, bool wide, long shardTokens, ValidationSplit method, long totalBytes, IProgress<TokenizeProgress>? progress)
    {
        _directory = directory;
        _totalBytes = totalBytes;
        _progress = progress;
        Wide = wide;
        Method = method;
        Train = new ShardWriter(directory, "train", wide, shardTokens);
        Validation = new ShardWriter(directory, "val", wide, shardTokens);
    }

    public ValidationSplit Method { get; }
    public bool Wide { get; }
    public ShardWriter Train { get; }
    public ShardWriter Validation { get; }
    public CorpusReport Report { get; } = new();

    /// <summary>Reads, encodes and writes every document of <paramref name="files"/>; each part written is followed by EOS.</summary>
    public static TokenizePass Run(
        IReadOnlyList<string> files, ITokenizer tokenizer, string directory, TokenizeOptions options, CorpusOptions corpus,
        ValidationSplit method, IProgress<TokenizeProgress>? progress)
    {
        var pass = new TokenizePass(directory, tokenizer.VocabSize > ushort.MaxValue + 1, options.ShardTokens, method, files.Sum(f => new FileInfo(f).Length), progress);
        try
        {
            pass.Write(files, tokenizer, options, corpus);
            return pass;
        }
        catch
        {
            pass.Dispose();
            throw;
        }
    }

    void Write(IReadOnlyList<string> files, ITokenizer tokenizer, TokenizeOptions options, CorpusOptions corpus)
    {
        int eos = tokenizer.Specials.Eos!.Value;
        int parallel = options.ThreadsOrDefault;
        double fraction = options.ValidationFraction;
        bool tails = Method == ValidationSplit.DocumentTails;
        long index = 0;

        var chunk = new List<(Document Doc, bool Validation)>();
        var wave = new List<List<(Document Doc, bool Validation)>>();
        int chunkChars = 0;
        void EncodeWave()
        {
            var encoded = new (int[] Ids, int Cut)[wave.Count][];
            Parallel.For(0, wave.Count, new ParallelOptions { MaxDegreeOfParallelism = parallel }, c => encoded[c] = wave[c].Select(d =>
            {
                var ids = tokenizer.Encode(d.Doc.Text);
                return (ids, tails ? DocumentTail.Start(ids, fraction, tokenizer) : ids.Length);
            }).ToArray());
            for (int c = 0; c < wave.Count; c++)
                for (int d = 0; d < wave[c].Count; d++)
                {
                    var (ids, cut) = encoded[c][d];
                    if (wave[c][d].Validation)
                    {
                        Validation.WriteDocument(WithEos(ids, eos));
                        continue;
                    }
                    Train.WriteDocument(WithEos(ids.AsSpan(0, cut), eos));
                    if (cut < ids.Length) Validation.WriteDocument(WithEos(ids.AsSpan(cut), eos));
                }
            wave.Clear();
            ReportProgress();
        }

        foreach (var doc in CorpusReader.Read(files, corpus, Report))
        {
            chunk.Add((doc, !tails && TokenizeJob.IsValidation(options.Seed, index, fraction)));
            index++;
            chunkChars += doc.Text.Length;
            if (chunkChars < ChunkChars) continue;
            wave.Add(chunk);
            chunk = [];
            chunkChars = 0;
            if (wave.Count == 2 * parallel) EncodeWave();
        }
        if (chunk.Count > 0) wave.Add(chunk);
        EncodeWave();
    }

    static int[] WithEos(ReadOnlySpan<int> ids, int eos)
    {
        var withEos = new int[ids.Length + 1];
        ids.CopyTo(withEos);
        withEos[^1] = eos;
        return withEos;
    }

    public void ReportProgress() =>
        _progress?.Report(new TokenizeProgress(Report.BytesRead, _totalBytes, Train.Tokens + Validation.Tokens, Report.Documents, _watch.Elapsed));

    /// <summary>Closes and removes this pass's shard files, to start again.</summary>
    public void Delete()
    {
        Dispose();
        foreach (var shard in Train.Shards.Concat(Validation.Shards)) File.Delete(Path.Combine(_directory, shard));
    }

    public void Dispose()
    {
        Train.Dispose();
        Validation.Dispose();
    }
}
