// A training process for the kill test: tokenizes a small bundled corpus, trains a nano GPT with dropout, gradient
// accumulation and a checkpoint after every step, and always starts with --resume last. The test kills it with SIGKILL
// at random moments (a slow-save option widens the window of a kill during a save) and restarts it until it finishes.
using System.Security.Cryptography;
using Flint.Checkpoints;
using Flint.Models;
using Flint.Objectives;
using Flint.Text.Data;
using Flint.Text.Shards;
using Flint.Text.Tokenizers;
using Flint.Training;

if (args.Length < 3) { Console.Error.WriteLine("usage: Flint.KillWorker CORPUS OUT_DIR STEPS [SLOW_SAVE_MS]"); return 2; }
var (corpus, output, steps) = (args[0], args[1], long.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture));
int slowSave = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 0;

var data = Path.Combine(output, "data");
if (!File.Exists(Path.Combine(data, TokenDatasetMeta.FileName)))
{
    var chars = CharTokenizer.FromCorpus([File.ReadAllText(corpus)]);
    try { TokenizeJob.Run([corpus], chars, data, new TokenizeOptions(ValidationFraction: 0, Overwrite: true)); }
    catch (IOException) when (File.Exists(Path.Combine(data, TokenDatasetMeta.FileName))) { }
}
using var shards = TokenShards.Open(data);
var loader = new LmLoader(shards, new LmLoaderOptions(BatchSize: 4, Context: 32, Seed: 7));

TorchSharp.torch.manual_seed(1);
var model = new CausalLmObjective(new Gpt(GptConfig.Nano(shards.Meta.VocabSize) with { Dropout = 0.1 })) { Optimization = new OptimizerDefaults(LearningRate: 3e-3) };
var checkpoints = new CheckpointOptions(Path.Combine(output, "checkpoints"), EveryNSteps: 1,
    AfterFileWritten: slowSave > 0 ? _ => Thread.Sleep(slowSave) : null);
using var trainer = new Trainer(new TrainerOptions { MaxSteps = steps, AccumulateGradBatches = 2, ProgressBar = false, LogEveryNSteps = 5, Runtime = new(Seed: 3) },
    checkpoints: checkpoints);
var result = trainer.Fit(model, loader, resume: "last");
Console.WriteLine(trainer.ResumeMessage ?? "fresh start");
var weights = Path.Combine(output, "checkpoints", "last", "model.safetensors");
Console.WriteLine($"done steps={result.Steps} sha256={Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(weights)))}");
return 0;
