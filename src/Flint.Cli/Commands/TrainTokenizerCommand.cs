using System.CommandLine;
using Flint.Text.Corpus;
using Flint.Text.Tokenizers;
using Spectre.Console;

namespace Flint.Cli.Commands;

/// <summary><c>flint train-tokenizer</c>: learn a byte-level BPE vocabulary (vocab.json + merges.txt) from a corpus.</summary>
internal static class TrainTokenizerCommand
{
    public static Command Create()
    {
        var inputs = new Argument<string[]>("inputs") { Description = "Text files, folders or globs.", Arity = ArgumentArity.OneOrMore };
        var vocab = new Option<int>("--vocab-size") { Description = "Vocabulary size (256 bytes + merges + <|endoftext|>).", DefaultValueFactory = _ => 8192 };
        var minFrequency = new Option<int>("--min-frequency") { Description = "Never merge pairs seen fewer times.", DefaultValueFactory = _ => 2 };
        var output = new Option<string>("--out") { Description = "Folder for tokenizer.json, vocab.json and merges.txt.", Required = true };
        var command = new Command("train-tokenizer", "Train a byte-level BPE tokenizer (GPT-2's scheme) and save it in the HuggingFace vocab.json + merges.txt format.")
        {
            inputs, vocab, minFrequency, output,
        };
        command.SetAction(parse => CliErrors.Guard(() =>
        {
            using var abort = Flint.Runtime.Interrupts.OnAbort(signal =>
                Console.Out.WriteLine($"Interrupted ({signal}) while training the tokenizer: nothing was saved to {parse.GetValue(output)}."));
            var files = CorpusReader.ExpandInputs(parse.GetValue(inputs)!);
            var texts = CorpusReader.Read(files, new CorpusOptions(), new CorpusReport()).Select(d => d.Text);
            var tokenizer = ProgressReporter.Run("training BPE", report =>
                BpeTrainer.Train(texts, parse.GetValue(vocab), parse.GetValue(minFrequency), (done, wanted) => { if (done % 50 == 0 || done == wanted) report(done / (double)wanted, $"{done:N0}/{wanted:N0} merges"); }));
            tokenizer.Save(parse.GetValue(output)!);
            AnsiConsole.MarkupLine(Markup.Escape($"Saved a {tokenizer.VocabSize:N0}-token byte-level BPE to {parse.GetValue(output)} (fingerprint {tokenizer.Fingerprint[..12]}…)."));
            return 0;
        }));
        return command;
    }
}
