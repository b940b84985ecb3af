using System.CommandLine;
using Flint.Text.Corpus;
using Flint.Text.Shards;
using Flint.Text.Tokenizers;
using Spectre.Console;

namespace Flint.Cli.Commands;

/// <summary><c>flint tokenize</c>: corpus files → memory-mappable token shards with a train/validation split.</summary>
internal static class TokenizeCommand
{
    public static Command Create()
    {
        var inputs = new Argument<string[]>("inputs") { Description = "Text files, folders (.txt/.jsonl/.tokens, recursive) or globs.", Arity = ArgumentArity.OneOrMore };
        var tokenizer = new Option<string>("--tokenizer") { Description = "gpt2 | char | wordpiece:VOCAB.txt | wordpiece-cased:VOCAB.txt | bpe:FOLDER | a saved tokenizer folder.", DefaultValueFactory = _ => "gpt2" };
        var output = new Option<string>("--out") { Description = "Output folder (created; must not exist unless --overwrite).", Required = true };
        var validation = new Option<double>("--val-fraction") { Description = "Fraction held out for validation: whole documents, or the last part of each document when there are too few documents.", DefaultValueFactory = _ => 0.05 };
        var seed = new Option<long>("--seed") { Description = "Seed of the train/validation split.", DefaultValueFactory = _ => 0 };
        var threads = new Option<int>("--threads") { Description = "Encoding threads (0 = all cores).", DefaultValueFactory = _ => 0 };
        var textField = new Option<string>("--text-field") { Description = "JSONL field holding the text.", DefaultValueFactory = _ => "text" };
        var split = new Option<DocumentSplit>("--split") { Description = "How plain text is cut into documents.", DefaultValueFactory = _ => DocumentSplit.Auto };
        var strict = new Option<bool>("--strict") { Description = "Refuse invalid UTF-8 instead of replacing and counting it." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace an existing output folder." };
        var command = new Command("tokenize", "Tokenize a corpus into memory-mapped shards (uint16/uint32 ids, EOS between documents) with a deterministic train/validation split.")
        {
            inputs, tokenizer, output, validation, seed, threads, textField, split, strict, overwrite,
        };
        command.SetAction(parse => CliErrors.Guard(() =>
        {
            using var abort = Flint.Runtime.Interrupts.OnAbort(signal =>
                Console.Out.WriteLine($"Interrupted ({signal}) while tokenizing: nothing was written to {parse.GetValue(output)} (the unfinished folder beside it is removed by the next tokenize into it)."));
            var corpus = new CorpusOptions(parse.GetValue(textField)!, parse.GetValue(split), parse.GetValue(strict));
            var files = CorpusReader.ExpandInputs(parse.GetValue(inputs)!);
            var chosen = Resolve(parse.GetValue(tokenizer)!, files, corpus);
            var options = new TokenizeOptions(parse.GetValue(validation), parse.GetValue(seed), parse.GetValue(threads), Overwrite: parse.GetValue(overwrite));
            var result = ProgressReporter.Run("tokenizing", report => TokenizeJob.Run(files, chosen, parse.GetValue(output)!, options, corpus,
                new Progress<TokenizeProgress>(p => report(p.TotalBytes == 0 ? 1 : p.BytesRead / (double)p.TotalBytes, $"{p.MegabytesPerSecond:F1} MB/s, {p.Tokens:N0} tokens"))));
            if (result.RemovedLeftovers.Count > 0)
                AnsiConsole.MarkupLine(Markup.Escape($"Removed {string.Join(", ", result.RemovedLeftovers)} (left by an interrupted tokenization)."));
            Summarise(result, parse.GetValue(output)!);
            return 0;
        }));
        return command;
    }

    internal static ITokenizer Resolve(string name, IReadOnlyList<string> files, CorpusOptions corpus) =>
        name == "char" ? CharTokenizer.FromCorpus(CorpusReader.Read(files, corpus, new CorpusReport()).Select(d => d.Text)) : Tokenizers.FromName(name);

    static void Summarise(TokenizeResult result, string output)
    {
        var m = result.Meta;
        var table = new Table().Border(TableBorder.Rounded).AddColumn("split").AddColumn("documents").AddColumn("tokens").AddColumn("shards");
        foreach (var (name, s) in m.Splits) table.AddRow(name, s.Documents.ToString("N0"), s.Tokens.ToString("N0"), s.Shards.Count.ToString());
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(Markup.Escape($"{output}: {m.TokenizerKind} tokenizer (vocab {m.VocabSize:N0}, {m.Dtype}), {m.Bytes / 1e6:F1} MB read."));
        AnsiConsole.MarkupLine(Markup.Escape(m.DescribeValidation()));
        if (result.Report.InvalidUtf8Replaced > 0)
            AnsiConsole.MarkupLine(Markup.Escape(
                $"Replaced {result.Report.InvalidUtf8Replaced} invalid UTF-8 sequences, first at: {string.Join(", ", result.Report.InvalidUtf8Places.Take(5))}. Use --strict to refuse them."));
    }
}
