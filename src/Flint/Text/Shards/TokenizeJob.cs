using Flint.Runtime;
using Flint.Text.Corpus;
using Flint.Text.Tokenizers;

namespace Flint.Text.Shards;

/// <summary>
/// Corpus → token shards (nanoGPT's recipe: tokenize once, memory-map, sample windows). Output is deterministic and memory
/// stays bounded whatever the corpus size (see <see cref="TokenizePass"/>). Each document is followed by EOS. Validation
/// holds out whole documents, or, when that would give an empty or tiny split (few documents), the tail of each document
/// (<see cref="ValidationSplit"/>). The result appears under <c>outDir</c> only when complete: it is built in a temporary
/// sibling folder (<c>OUT.partial-GUID</c>, locked while written) and renamed at the end; partial folders an interrupted
/// run left are removed when the same output is made again. <c>Overwrite</c> replaces only a tokenized dataset.
/// </summary>
public static class TokenizeJob
{
    // A whole-document split holding out less than this share of the asked-for tokens is too small to trust; with few
    // documents it is usually empty (six novels at 5% hold out none), so each document's tail is held out instead.
    const double TooSmallShare = 0.25;

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
        if (Directory.Exists(fullOut) && Directory.EnumerateFileSystemEntries(fullOut).Any())
        {
            if (!options.Overwrite)
                throw new IOException($"{outDir} already exists and is not empty. Choose another --out, or pass --overwrite to replace it.");
            if (!File.Exists(Path.Combine(fullOut, TokenDatasetMeta.FileName)))
                throw new IOException($"{outDir} is not a tokenized dataset (it has no {TokenDatasetMeta.FileName}), so it is not replaced: --overwrite replaces only " +
                    "datasets Flint made. Choose another --out, or move its files away.");
        }
        if (tokenizer.Specials.Eos is null)
            throw new ArgumentException($"The {tokenizer.Kind} tokenizer has no end-of-sequence token to separate documents with.", nameof(tokenizer));

        var removed = RemoveLeftovers(fullOut);
        var temp = $"{fullOut}{PartialMarker}{Guid.NewGuid():N}";
        Directory.CreateDirectory(temp);
        // Locked while it is written, so a tokenization of the same output started meanwhile leaves it alone.
        var owner = FolderLock.Acquire(temp);
        try
        {
            var result = Write(files, tokenizer, temp, options, corpus, progress);
            owner.Dispose();
            if (Directory.Exists(fullOut)) Directory.Delete(fullOut, recursive: true);
            Directory.Move(temp, fullOut);
            return result with { RemovedLeftovers = removed };
        }
        catch
        {
            owner.Dispose();
            try { Directory.Delete(temp, recursive: true); } catch (IOException) { }
            throw;
        }
    }

    const string PartialMarker = ".partial-";

    /// <summary>
    /// Removes <c>OUT.partial-GUID</c> folders that an interrupted tokenization into <paramref name="fullOut"/> left (a
    /// killed process cannot clean up after itself); one still locked by a live process is kept. Returns the removed paths.
    /// </summary>
    static List<string> RemoveLeftovers(string fullOut)
    {
        var removed = new List<string>();
        var parent = Path.GetDirectoryName(fullOut);
        if (parent is null || !Directory.Exists(parent)) return removed;
        foreach (var partial in Directory.EnumerateDirectories(parent, Path.GetFileName(fullOut) + PartialMarker + "*"))
        {
            var suffix = Path.GetFileName(partial)[(Path.GetFileName(fullOut).Length + PartialMarker.Length)..];
            if (!Guid.TryParseExact(suffix, "N", out _) || FolderLock.IsHeld(partial)) continue; // not a name Flint gives, or still being written
            try
            {
                Directory.Delete(partial, recursive: true);
                removed.Add(partial);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // left for the next start
        }
        return removed;
    }

    static TokenizeResult Write(
        IReadOnlyList<string> files, ITokenizer tokenizer, string dir, TokenizeOptions options, CorpusOptions corpus, IProgress<TokenizeProgress>? progress)
    {
        double fraction = options.ValidationFraction;
        using var documents = TokenizePass.Run(files, tokenizer, dir, options, corpus, ValidationSplit.Documents, progress);
        if (documents.Report.Documents == 0) throw new CorpusException($"The corpus ({string.Join(", ", files)}) holds no text.");
        long total = documents.Train.Tokens + documents.Validation.Tokens;
        if (fraction == 0 || documents.Train.Tokens > 0 && documents.Validation.Tokens >= TooSmallShare * fraction * total)
            return Finish(documents, files, tokenizer, dir, options);

        // Few documents: reading and encoding again costs time only for such corpora, and keeps memory bounded.
        documents.Delete();
        using var tails = TokenizePass.Run(files, tokenizer, dir, options, corpus, ValidationSplit.DocumentTails, progress);
        if (tails.Validation.Tokens == 0)
            throw new CorpusException(
                $"{Names(files)}: too little text for a validation split: {tails.Report.Documents:N0} document(s) of {tails.Train.Tokens - tails.Train.Documents:N0} tokens " +
                $"in all, and the last {fraction * 100:0.##}% of each is less than one token. Add text, raise --data.val-fraction (flint tokenize: --val-fraction), " +
                "or set it to 0 to train without validation.");
        return Finish(tails, files, tokenizer, dir, options);
    }

    static TokenizeResult Finish(TokenizePass pass, IReadOnlyList<string> files, ITokenizer tokenizer, string dir, TokenizeOptions options)
    {
        if (pass.Train.Tokens == 0)
            throw new CorpusException(
                $"{Names(files)}: all {pass.Report.Documents:N0} documents went to validation. Lower --data.val-fraction (flint tokenize: --val-fraction) or add text.");
        pass.Train.Flush();
        pass.Validation.Flush();
        tokenizer.Save(Path.Combine(dir, "tokenizer"));
        var meta = new TokenDatasetMeta(
            TokenDatasetMeta.CurrentFormat, tokenizer.Kind, tokenizer.Fingerprint, tokenizer.VocabSize, tokenizer.Specials.Eos!.Value, pass.Wide ? "uint32" : "uint16",
            new Dictionary<string, TokenSplit>
            {
                ["train"] = new(pass.Train.Tokens, pass.Train.Documents, pass.Train.Shards),
                ["val"] = new(pass.Validation.Tokens, pass.Validation.Documents, pass.Validation.Shards),
            },
            files.Select(Path.GetFullPath).ToList(), pass.Report.BytesRead, pass.Report.InvalidUtf8Replaced, options.ValidationFraction, options.Seed,
            pass.Method, pass.Report.Documents);
        meta.Write(dir);
        pass.ReportProgress();
        return new TokenizeResult(meta, pass.Report);
    }

    static string Names(IReadOnlyList<string> files) =>
        files.Count <= 5 ? string.Join(", ", files) : $"{string.Join(", ", files.Take(5))} and {files.Count - 5} more files";

    /// <summary>Deterministic whole-document split: a hash of (seed, document index) against the fraction.</summary>
    public static bool IsValidation(long seed, long documentIndex, double fraction) =>
        fraction > 0 && Runtime.Seeds.Uniform(seed, documentIndex, "validation-split") < fraction;
}
