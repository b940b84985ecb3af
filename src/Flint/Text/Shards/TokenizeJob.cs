using System.Diagnostics;
using Flint.Text.Corpus;
using Flint.Text.Tokenizers;

namespace Flint.Text.Shards;

/// <summary>
/// Corpus → token shards (nanoGPT's recipe: tokenize once, memory-map, sample windows). Documents stream from disk in
/// chunks that are encoded in parallel and written in their original order, so output is deterministic and memory stays
/// bounded by a few chunks whatever the corpus size. Each document is followed by EOS. The result appears under
/// <c>outDir</c> only when complete: it is built in a temporary sibling folder and renamed at the end.
/// </summary>
public static class TokenizeJob
{
    const int ChunkChars = 1 << 20;

    /// <summary>Tokenizes <paramref name="inputs"/> into <paramref name="outDir"/>.</summary>
    public static TokenizeResult Run(
        IReadOnlyList<string> inputs, ITokenizer tokenizer, string outDir, TokenizeOptions? options = null,
        CorpusOptions? corpus = null, IProgress<TokenizeProgress>? progress = null)
    {
        options ??= new TokenizeOptions();
        corpus ??= new CorpusOptions();
        options.Validate();
        var files = CorpusReader.ExpandInputs(inputs);
        var fullOut = Path.GetFullPath(outDir);
        if (Directory.Exists(fullOut) && Directory.EnumerateFileSystemEntries(fullOut).Any() && !options.Overwrite)
            throw new IOException($"{outDir} already exists and is not empty. Choose another --out, or pass --overwrite to replace it.");
        if (tokenizer.Specials.Eos is null)
            throw new ArgumentException($"The {tokenizer.Kind} tokenizer has no end-of-sequence token to separate documents with.", nameof(tokenizer));

        var temp = $"{fullOut}.partial-{Guid.NewGuid():N}";
        Directory.CreateDirectory(temp);
        try
        {
            var report = new CorpusReport();
            var meta = Write(files, tokenizer, temp, options, corpus, report, progress);
            if (Directory.Exists(fullOut)) Directory.Delete(fullOut, recursive: true);
            Directory.Move(temp, fullOut);
            return new TokenizeResult(meta, report);
        }
        catch
        {
            try { Directory.Delete(temp, recursive: true); } catch (IOException) { }
            throw;
        }
    }

    static TokenDatasetMeta Write(
        IReadOnlyList<string> files, ITokenizer tokenizer, string dir, TokenizeOptions options, CorpusOptions corpus, CorpusReport report, IProgress<TokenizeProgress>? progress)
    {
        bool wide = tokenizer.VocabSize > ushort.MaxValue + 1;
        int eos = tokenizer.Specials.Eos!.Value;
        long totalBytes = files.Sum(f => new FileInfo(f).Length);
        var watch = Stopwatch.StartNew();
        using var train = new ShardWriter(dir, "train", wide, options.ShardTokens);
        using var validation = new ShardWriter(dir, "val", wide, options.ShardTokens);
        int parallel = options.ThreadsOrDefault;
        long index = 0;

        var chunk = new List<(Document Doc, bool Validation)>();
        var wave = new List<List<(Document Doc, bool Validation)>>();
        int chunkChars = 0;
        void EncodeWave()
        {
            var encoded = new int[wave.Count][][];
            Parallel.For(0, wave.Count, new ParallelOptions { MaxDegreeOfParallelism = parallel },
                c => encoded[c] = wave[c].Select(d => tokenizer.Encode(d.Doc.Text)).ToArray());
            for (int c = 0; c < wave.Count; c++)
                for (int d = 0; d < wave[c].Count; d++)
                {
                    var ids = encoded[c][d];
                    var withEos = new int[ids.Length + 1];
                    ids.CopyTo(withEos, 0);
                    withEos[^1] = eos;
                    (wave[c][d].Validation ? validation : train).WriteDocument(withEos);
                }
            wave.Clear();
            progress?.Report(new TokenizeProgress(report.BytesRead, totalBytes, train.Tokens + validation.Tokens, report.Documents, watch.Elapsed));
        }

        foreach (var doc in CorpusReader.Read(files, corpus, report))
        {
            chunk.Add((doc, IsValidation(options.Seed, index++, options.ValidationFraction)));
            chunkChars += doc.Text.Length;
            if (chunkChars < ChunkChars) continue;
            wave.Add(chunk);
            chunk = [];
            chunkChars = 0;
            if (wave.Count == 2 * parallel) EncodeWave();
        }
        if (chunk.Count > 0) wave.Add(chunk);
        EncodeWave();

        if (report.Documents == 0) throw new CorpusException($"The corpus ({string.Join(", ", files)}) holds no text.");
        if (train.Tokens == 0)
            throw new CorpusException($"All {report.Documents} documents went to validation; lower the validation fraction or add documents.");
        train.Flush();
        validation.Flush();
        tokenizer.Save(Path.Combine(dir, "tokenizer"));
        var meta = new TokenDatasetMeta(
            TokenDatasetMeta.CurrentFormat, tokenizer.Kind, tokenizer.Fingerprint, tokenizer.VocabSize, eos, wide ? "uint32" : "uint16",
            new Dictionary<string, TokenSplit>
            {
                ["train"] = new(train.Tokens, train.Documents, train.Shards),
                ["val"] = new(validation.Tokens, validation.Documents, validation.Shards),
            },
            files.Select(Path.GetFullPath).ToList(), report.BytesRead, report.InvalidUtf8Replaced, options.ValidationFraction, options.Seed);
        meta.Write(dir);
        progress?.Report(new TokenizeProgress(report.BytesRead, totalBytes, train.Tokens + validation.Tokens, report.Documents, watch.Elapsed));
        return meta;
    }

    /// <summary>Deterministic split: a hash of (seed, document index) against the fraction.</summary>
    public static bool IsValidation(long seed, long documentIndex, double fraction) =>
        fraction > 0 && Runtime.Seeds.Uniform(seed, documentIndex, "validation-split") < fraction;
}
