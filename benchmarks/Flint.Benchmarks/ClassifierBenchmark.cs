using System.Diagnostics;
using System.Globalization;
using Flint.Finetuning;
using Flint.Models;
using Flint.Text.Data;
using Flint.Text.Tokenizers;
using Flint.Training;
using static TorchSharp.torch;

namespace Flint.Benchmarks;

/// <summary>
/// Fine-tuning and evaluation sequences/s of a BERT classifier (bert-small shape, bert-base-uncased WordPiece) on
/// rt-polarity's lengths, with the loader's length bucketing and without it, measured in the same run.
/// </summary>
internal sealed class ClassifierBenchmark : IBenchmark
{
    const int Examples = 1024, BatchSize = 32;

    public string Name => "classifier";
    public string Description => "Classifier fine-tuning and evaluation sequences/s with length bucketing vs without (rt-polarity lengths).";

    public int Run(string[] args)
    {
        var (train, evaluate) = Measure(Console.WriteLine);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bucketing_train_speedup={train:F2} bucketing_eval_speedup={evaluate:F2}"));
        return 0;
    }

    /// <summary>Prints a line per setting; returns bucketed ÷ unbucketed sequences/s for training and for evaluation.</summary>
    public static (double Train, double Evaluate) Measure(Action<string> print)
    {
        var tokenizer = new WordPieceTokenizer(BenchmarkData.Data("vocab", "bert-base-uncased", "vocab.txt"), lowerCase: true);
        var all = LabeledData.Read(BenchmarkData.Data("rt-polarity"));
        var examples = LabeledData.StratifiedSplit(all, 0, 1.0 - Examples / (double)all.Count, seed: 0).Train; // a stratified sample
        var labels = new LabelMap(examples.Select(e => e.Label).Distinct().Order(StringComparer.Ordinal));
        var rates = new Dictionary<(bool Bucket, bool Train), double>();
        foreach (bool bucket in new[] { false, true })
        {
            var loader = new ClassificationLoader(examples, tokenizer, labels,
                new ClassificationLoaderOptions(BatchSize, 128, Seed: 0, BucketByLength: bucket, PrependToken: tokenizer.Specials.Cls));
            var batches = loader.Batches(0).ToList();
            manual_seed(0);
            var bert = new Bert(ModelPresets.Get("bert-small").ToBert(tokenizer.VocabSize, dropout: 0));
            var classifier = new SequenceClassifier(bert, new ClassifierOptions(labels.Count, Pooling.First, Dropout: 0));
            double stepSeconds = 0;
            long started = 0;
            using (var trainer = new Trainer(new TrainerOptions { MaxSteps = batches.Count, ProgressBar = false, LogEveryNSteps = 1000, SanityValidationBatches = 0 }))
            {
                trainer.Events.BatchStarted.Subscribe((_, _) => started = Stopwatch.GetTimestamp());
                trainer.Events.BatchEnded.Subscribe((_, _) => stepSeconds += Stopwatch.GetElapsedTime(started).TotalSeconds);
                trainer.Fit(classifier, batches);
                rates[(bucket, true)] = examples.Count / stepSeconds;
                var watch = Stopwatch.StartNew();
                trainer.Validate(classifier, batches);
                rates[(bucket, false)] = examples.Count / watch.Elapsed.TotalSeconds;
            }
            print(string.Create(CultureInfo.InvariantCulture,
                $"classifier {(bucket ? "bucketed  " : "unbucketed")}: padding {loader.PaddingRatio():P0} of real tokens, fine-tuning {rates[(bucket, true)],6:F1} sequences/s, evaluation {rates[(bucket, false)],7:F1} sequences/s"));
        }
        return (rates[(true, true)] / rates[(false, true)], rates[(true, false)] / rates[(false, false)]);
    }
}
