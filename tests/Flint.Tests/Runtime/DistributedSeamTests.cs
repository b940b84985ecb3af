using Flint.Runtime;
using Flint.Tests.Training;
using Flint.Training;
using static TorchSharp.torch;

namespace Flint.Tests.Runtime;

public sealed class DistributedSeamTests
{
    /// <summary>A second rank simulated in-process: its summed-loss gradients, loss sum and token count join the reduction.</summary>
    sealed class SimulatedPeer(IReadOnlyList<Tensor> peer) : IDistributedContext
    {
        public int Rank => 0;
        public int WorldSize => 2;
        public void AllReduceSum(IReadOnlyList<Tensor> tensors)
        {
            using var noGrad = no_grad();
            if (tensors.Count == peer.Count) // the step's gradients, loss sum and count
                for (int i = 0; i < tensors.Count; i++) tensors[i].add_(peer[i].to_type(tensors[i].dtype));
            else // agreement flags and log windows: as if the peer held the same values
                foreach (var t in tensors) t.mul_(2);
        }
        public void AllReduceMax(IReadOnlyList<Tensor> tensors) { }
        public void Broadcast(IReadOnlyList<Tensor> tensors, int root = 0) { }
        public void Barrier() { }
    }

    static TinyTokenModel Model()
    {
        manual_seed(21);
        return new TinyTokenModel(configure: (m, _) => Flint.Optim.Optimizers.Sgd(Flint.Optim.ParameterGroups.Single(m), lr: 0.5, momentum: 0));
    }

    [Fact]
    public void Two_ranks_with_unequal_token_counts_step_exactly_like_one_process_with_both_batches()
    {
        // Rank 0 and the peer hold different numbers of real (non-padding) tokens, so a mean of per-rank means would differ.
        var mine = TinyData.Tokens(4, seed: 1);
        var theirs = TinyData.Tokens(4, seed: 2);
        var options = new TrainerOptions { MaxSteps = 1, ProgressBar = false, SanityValidationBatches = 0, ValidateEveryEpoch = false };

        var single = Model();
        using (var trainer = new Trainer(options))
            trainer.Fit(single, [new TokenBatch(cat([mine.Input, theirs.Input]), cat([mine.Target, theirs.Target]))]);

        // What the peer would contribute: gradients of its summed loss, the loss sum and the count.
        var peerModel = Model();
        var output = peerModel.TrainingStep(theirs, null!);
        output.LossSum.backward();
        List<Tensor> peer = [.. peerModel.parameters().Select(p => p.grad!.detach().clone()), output.LossSum.detach().to_type(ScalarType.Float64), output.Count.to_type(ScalarType.Float64)];
        Assert.NotEqual(output.Count.item<long>(), mine.Target.ne(TinyTokenModel.Pad).sum().item<long>());

        var ranked = Model();
        using (var trainer = new Trainer(options with { Runtime = new RuntimeOptions(Distributed: new SimulatedPeer(peer)) }))
            trainer.Fit(ranked, [mine]);
        // Equal up to float summation order (one sum over 8 rows against two sums of 4); a mean of means is off by far more.
        foreach (var (a, b) in single.parameters().Zip(ranked.parameters()))
            Assert.True(a.allclose(b, rtol: 0, atol: 1e-6), $"max difference {(a - b).abs().max().item<float>()}");
    }
}
