using Flint.Models;
using Flint.Objectives;
using Flint.Text.Data;
using static TorchSharp.torch;

namespace Flint.Tests.Objectives;

/// <summary>The MLM and ELECTRA heads on selected positions only give the loss (and gradients) of the full-logits path.</summary>
public sealed class SelectedPositionsTests
{
    const int Vocab = 50;
    static readonly MlmMasking Masking = new(3, Vocab, [0, 1, 2], 0.2);

    static LmBatch Batch()
    {
        manual_seed(11);
        var x = randint(4, Vocab, [6, 24]);
        return new LmBatch(x, x);
    }

    [Fact]
    public void Mlm_loss_and_gradients_on_gathered_positions_equal_the_full_logits_path()
    {
        manual_seed(3);
        var bert = new Bert(ModelPresets.Get("bert-nano").ToBert(Vocab, dropout: 0));
        var (input, labels) = Masking.Apply(Batch().Input, new Generator(5));
        (float Loss, Tensor Grad) Run(bool full)
        {
            bert.zero_grad();
            var loss = new MaskedLmObjective(bert, Masking, fullVocabularyLogits: full).LossSum(bert.Encode(input), labels);
            loss.backward();
            return (loss.item<float>(), bert.WordEmbeddings.grad!.clone());
        }
        var gathered = Run(full: false);
        var everywhere = Run(full: true);
        Assert.True(labels.ne(-100).sum().item<long>() > 10);
        Assert.Equal(everywhere.Loss, gathered.Loss, everywhere.Loss * 1e-5);
        Assert.True(gathered.Grad.allclose(everywhere.Grad, rtol: 1e-4, atol: 1e-6));
    }

    [Fact]
    public void Electra_generator_loss_on_gathered_positions_equals_the_full_logits_path_and_only_masked_positions_change()
    {
        manual_seed(4);
        var discriminator = new Bert(ModelPresets.Get("bert-nano").ToBert(Vocab, 0));
        var generator = new Bert(ModelPresets.Get("bert-nano").ToBert(Vocab, 0), discriminator.Embeddings);
        var batch = Batch();
        var gathered = new ElectraObjective(generator, discriminator, Masking).Forward(batch, new Generator(9));
        var everywhere = new ElectraObjective(generator, discriminator, Masking, fullVocabularyLogits: true).Forward(batch, new Generator(9));
        float expected = everywhere.GeneratorLoss.item<float>();
        Assert.Equal(expected, gathered.GeneratorLoss.item<float>(), expected * 1e-5);
        var (_, labels) = Masking.Apply(batch.Input, new Generator(9)); // the same draws as inside Forward
        var unselected = labels.eq(-100);
        Assert.True(gathered.Corrupted.masked_select(unselected).equal(batch.Input.masked_select(unselected)).all().item<bool>());
        Assert.True(gathered.IsReplaced.sum().item<float>() > 0);
    }
}
