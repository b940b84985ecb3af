using Flint.Optim;
using Flint.Optim.Schedules;
using Flint.Tests.Training;
using Flint.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Flint.Tests.Optim;

public sealed class OptimizerTests
{
    sealed class WithNorm : nn.Module
    {
        readonly Embedding wte = nn.Embedding(10, 4);
        readonly LayerNorm ln = nn.LayerNorm(4);
        readonly Linear proj = nn.Linear(4, 4);
        public WithNorm() : base("m") => RegisterComponents();
    }

    [Fact]
    public void Weight_decay_skips_biases_norms_and_embeddings()
    {
        var groups = ParameterGroups.WithWeightDecay(new WithNorm(), 0.1);
        var decay = groups.Single(g => g.Name == "decay");
        var noDecay = groups.Single(g => g.Name == "no_decay");
        Assert.Equal(["proj.weight"], decay.Parameters.Select(p => p.Name));
        Assert.Equal(0.1, decay.WeightDecay);
        Assert.Equal(["wte.weight", "ln.weight", "ln.bias", "proj.bias"], noDecay.Parameters.Select(p => p.Name).OrderBy(n => n.StartsWith("wte", StringComparison.Ordinal) ? 0 : n.StartsWith("ln", StringComparison.Ordinal) ? 1 : 2));
        Assert.Equal(0.0, noDecay.WeightDecay);
    }

    [Fact]
    public void Frozen_parameters_are_left_out_and_a_fully_frozen_module_is_an_error()
    {
        var m = new WithNorm();
        foreach (var (name, p) in m.named_parameters()) p.requires_grad = name.StartsWith("proj", StringComparison.Ordinal);
        Assert.All(ParameterGroups.WithWeightDecay(m, 0.1).SelectMany(g => g.Parameters), p => Assert.StartsWith("proj", p.Name));
        foreach (var p in m.parameters()) p.requires_grad = false;
        var error = Assert.Throws<InvalidOperationException>(() => ParameterGroups.WithWeightDecay(m, 0.1));
        Assert.Contains("no trainable parameters", error.Message);
    }

    [Fact]
    public void Discriminative_lrs_scale_each_group_and_follow_the_schedule()
    {
        var m = new WithNorm();
        using var setup = Optimizers.AdamW(
            ParameterGroups.WithWeightDecay(m, 0.01, name => name.StartsWith("proj", StringComparison.Ordinal) ? 1.0 : 0.1),
            lr: 1e-3, schedule: new StepDecaySchedule(10, 0.5));
        setup.ApplySchedule(10);
        var byName = setup.Groups.Select((g, i) => (g.Name, Lr: setup.LearningRate(i))).ToDictionary(x => x.Name, x => x.Lr);
        Assert.Equal(5e-4, byName["decay@x1"], 15);
        Assert.Equal(5e-5, byName["no_decay@x0.1"], 15);
    }

    [Fact]
    public void One_cycle_sets_adam_beta1_each_step()
    {
        var m = new WithNorm();
        using var setup = Optimizers.AdamW(ParameterGroups.Single(m), lr: 1e-2, schedule: new OneCycleSchedule(100));
        setup.ApplySchedule(25);
        var options = (AdamW.Options)((AdamW.ParamGroup)setup.Optimizer.ParamGroups.First()).Options;
        Assert.Equal(0.85, options.beta1!.Value, 9);
    }

    [Fact]
    public void Lr_finder_suggests_a_learning_rate_inside_the_sweep_and_restores_the_model()
    {
        manual_seed(0);
        var model = new TinyTokenModel(configure: (m, _) => Optimizers.Sgd(ParameterGroups.Single(m), lr: 1e-3, momentum: 0.9));
        var before = model.parameters().Select(p => p.detach().clone()).ToList();
        var rngBefore = TorchSharp.torch.random.get_rng_state();

        var result = LrFinder.Run(model, TinyData.Batches(8, 16), new LrFinderOptions(StartLr: 1e-4, EndLr: 100, Steps: 60));

        Assert.True(result.LearningRates.Count >= 10);
        Assert.Equal(result.LearningRates.Count, result.Losses.Count);
        Assert.InRange(result.Valley, result.LearningRates[0], result.LearningRates[^1]);
        Assert.InRange(result.Steepest, result.LearningRates[0], result.LearningRates[^1]);
        Assert.True(result.Losses.Min() < result.Losses[0], "the loss never fell during the sweep");
        Assert.Matches("^(completed 60 steps|loss diverged at LR|loss became non-finite at LR)", result.StopReason);
        foreach (var (a, b) in model.parameters().Zip(before)) Assert.True(a.allclose(b, 0, 0), "the model was not restored");
        Assert.True(TorchSharp.torch.random.get_rng_state().allclose(rngBefore, 0, 0), "the RNG was not restored");
    }

    [Fact]
    public void Lr_finder_valley_sits_in_the_longest_falling_stretch()
    {
        double[] lrs = Enumerable.Range(0, 10).Select(i => Math.Pow(10, i - 5)).ToArray();
        double[] losses = [5, 5.1, 4, 3, 2, 1, 0.5, 3, 9, 20];
        var valley = LrFinder.Valley(lrs, losses);
        Assert.InRange(Array.IndexOf(lrs, valley), 2, 6);
    }
}
