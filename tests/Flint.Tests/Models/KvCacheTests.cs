using Flint.Models;
using Flint.Objectives;
using Flint.Text.Data;
using Flint.Training;
using static TorchSharp.torch;

namespace Flint.Tests.Models;

public sealed class KvCacheTests
{
    const int Vocab = 40;

    [Fact]
    public void Cached_generation_gives_the_logits_of_recomputing_the_prefix_at_every_step_on_a_trained_model()
    {
        manual_seed(12);
        var model = new Gpt(GptConfig.Nano(Vocab));
        // Trained a few steps on counting sequences, so the logits are not the near-uniform ones of a fresh model.
        var data = Enumerable.Range(0, 4).Select(i =>
        {
            var x = (randint(0, Vocab, [8, 1]) + arange(33).unsqueeze(0)) % Vocab;
            return new LmBatch(x[.., ..^1].contiguous(), x[.., 1..].contiguous());
        }).ToList();
        var objective = new CausalLmObjective(model) { Optimization = new OptimizerDefaults(LearningRate: 1e-2, WarmupFraction: 0.1) };
        using (var trainer = new Trainer(new TrainerOptions { MaxSteps = 30, ProgressBar = false, SanityValidationBatches = 0, LogEveryNSteps = 10 }))
            Assert.True(trainer.Fit(objective, data).Series("train/loss")[^1].Value < 3.0, "the model did not train");

        model.eval();
        using var noGrad = no_grad();
        using var cache = new KvCache(model.Config.Layers);
        var tokens = new List<long> { 5, 6, 7, 8 };
        var cached = model.Logits(tensor(tokens.ToArray()).unsqueeze(0), cache)[0, -1];
        for (int step = 0; tokens.Count < model.Config.ContextLength; step++)
        {
            var recomputed = model.Logits(tensor(tokens.ToArray()).unsqueeze(0), null)[0, -1]; // (V)
            Assert.True(cached.allclose(recomputed, rtol: 1e-5, atol: 1e-5),
                $"step {step}: max difference {(cached - recomputed).abs().max().item<float>():E2}");
            tokens.Add(recomputed.argmax().item<long>());
            cached = model.Logits(tensor(new[] { tokens[^1] }).unsqueeze(0), cache)[0, -1];
        }
        Assert.Equal(model.Config.ContextLength, cache.Length);
    }
}
