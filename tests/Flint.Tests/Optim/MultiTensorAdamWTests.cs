using Flint.Models;
using Flint.Objectives;
using Flint.Optim;
using Flint.Text.Data;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Flint.Tests.Optim;

public sealed class MultiTensorAdamWTests
{
    const int Vocab = 48;

    static List<Tensor> Batches(int count)
    {
        manual_seed(77);
        return Enumerable.Range(0, count).Select(_ => randint(4, Vocab, [4, 16])).ToList();
    }

    /// <summary>An ELECTRA pair: it has a head no step ever reaches (the discriminator's MLM head), so some tensors never get a gradient.</summary>
    static ElectraObjective Electra()
    {
        manual_seed(5);
        var discriminator = new Bert(ModelPresets.Get("bert-nano").ToBert(Vocab, 0));
        return new ElectraObjective(new Bert(ModelPresets.Get("bert-nano").ToBert(Vocab, 0), discriminator.Embeddings), discriminator, new MlmMasking(3, Vocab, [0, 1, 2], 0.3));
    }

    static OptimizerSetup Setup(nn.Module model, bool multiTensor) => Optimizers.AdamW(
        ParameterGroups.WithWeightDecay(model, 0.1, name => name.Contains("embeddings", StringComparison.Ordinal) ? 0.3 : 1.0),
        lr: 3e-3, multiTensor: multiTensor);

    static void Train(ElectraObjective model, OptimizerSetup setup, IEnumerable<Tensor> batches, int seed)
    {
        int step = 0;
        foreach (var x in batches)
        {
            using var scope = NewDisposeScope();
            setup.ApplyMultiplier(1.0 - 0.1 * step++); // a changing LR, as schedules do
            var (_, _, gen, disc) = model.Forward(new LmBatch(x, x), new Generator((ulong)(seed + step)));
            (gen + 50 * disc).backward();
            setup.Optimizer.step();
            setup.Optimizer.zero_grad();
        }
    }

    static void AssertSameWeights(nn.Module a, nn.Module b)
    {
        foreach (var ((name, p), (_, q)) in a.named_parameters().Zip(b.named_parameters()))
            Assert.True(p.bytes.SequenceEqual(q.bytes), $"'{name}' differs");
    }

    [Fact]
    public void Multi_tensor_adamw_gives_the_per_parameter_update_bit_for_bit_over_several_steps()
    {
        var (flat, reference) = (Electra(), Electra());
        using var flatSetup = Setup(flat, multiTensor: true);
        using var referenceSetup = Setup(reference, multiTensor: false);
        Assert.True(flatSetup.Groups.Count >= 3, "want groups with different LRs and weight decays");
        var batches = Batches(6);
        Train(flat, flatSetup, batches, seed: 1);
        Train(reference, referenceSetup, batches, seed: 1);
        Assert.True(((Flint.Optim.MultiTensor.AdamW)flatSetup.Optimizer).IsFlat);
        AssertSameWeights(flat, reference);
        var unreached = flat.named_parameters().Single(p => p.name == "discriminator.cls.predictions.bias").parameter;
        Assert.True(unreached.eq(0).all().item<bool>(), "a tensor without a gradient must not move (no decay, no momentum)");
    }

    [Fact]
    public void Checkpoints_cross_between_the_per_parameter_and_multi_tensor_adamw_in_both_directions()
    {
        var batches = Batches(6);
        foreach (bool savedByMultiTensor in new[] { false, true })
        {
            var (resumed, reference) = (Electra(), Electra());
            using var referenceSetup = Setup(reference, multiTensor: false);
            Train(reference, referenceSetup, batches.Take(3), seed: 1);
            // The saved run: three steps with one optimizer, its state written in TorchSharp's format.
            var saved = Electra();
            using var savedSetup = Setup(saved, savedByMultiTensor);
            Train(saved, savedSetup, batches.Take(3), seed: 1);
            var stream = new MemoryStream();
            ((OptimizerHelper)savedSetup.Optimizer).save_state_dict(new BinaryWriter(stream));
            // Resume in the other optimizer: weights copied, state read back.
            using (no_grad())
                foreach (var ((_, p), (_, q)) in resumed.named_parameters().Zip(saved.named_parameters())) p.copy_(q);
            using var resumedSetup = Setup(resumed, !savedByMultiTensor);
            stream.Position = 0;
            ((OptimizerHelper)resumedSetup.Optimizer).load_state_dict(new BinaryReader(stream));
            Train(resumed, resumedSetup, batches.Skip(3), seed: 4);
            Train(reference, referenceSetup, batches.Skip(3), seed: 4);
            AssertSameWeights(resumed, reference);
        }
    }

    [Fact]
    public void A_layer_unfrozen_after_the_first_step_is_updated_as_the_per_parameter_adamw_does()
    {
        var (flat, reference) = (Electra(), Electra());
        bool Late(string name) => name.StartsWith("discriminator.bert.encoder.layer.1.", StringComparison.Ordinal);
        foreach (var m in new[] { flat, reference })
            foreach (var (name, p) in m.named_parameters()) if (Late(name)) p.requires_grad = false;
        OptimizerSetup Build(ElectraObjective m, bool multi) => Optimizers.AdamW(ParameterGroups.WithWeightDecay(m, 0.1, includeFrozen: true), lr: 3e-3, multiTensor: multi);
        using var flatSetup = Build(flat, true);
        using var referenceSetup = Build(reference, false);
        var batches = Batches(6);
        Train(flat, flatSetup, batches.Take(2), seed: 1);
        Train(reference, referenceSetup, batches.Take(2), seed: 1);
        foreach (var m in new[] { flat, reference })
            foreach (var (name, p) in m.named_parameters()) if (Late(name)) p.requires_grad = true;
        Train(flat, flatSetup, batches.Skip(2), seed: 3);
        Train(reference, referenceSetup, batches.Skip(2), seed: 3);
        AssertSameWeights(flat, reference);
    }
}
