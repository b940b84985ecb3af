using Flint.Models;
using Flint.Text.Data;
using Flint.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Flint.Objectives;

/// <summary>
/// ELECTRA replaced-token detection (Clark et al. 2020): a small generator fills masked positions by sampling from its MLM
/// distribution; the discriminator labels every real token as original or replaced. Both train in one step with
/// loss = generator MLM + <see cref="DiscriminatorWeight"/> × discriminator BCE (the paper's 50). Generator and
/// discriminator share the token embeddings. Plain code in one TrainingStep: no manual-optimisation mode. The generator's
/// vocabulary projection, softmax and sampling run on the masked positions only (gathered first, as ELECTRA's code does).
/// </summary>
public sealed class ElectraObjective : FlintModule<LmBatch>
{
    readonly Bert generator, discriminator;
    readonly Linear discriminator_head;

    /// <summary>
    /// Creates the pair. Build the generator on the discriminator's embeddings (<c>new Bert(config, discriminator.Embeddings)</c>) so they
    /// are shared, as in the paper; a generator with its own embeddings is refused.
    /// </summary>
    /// <param name="generator">The small generator.</param>
    /// <param name="discriminator">The discriminator.</param>
    /// <param name="masking">The masking rule.</param>
    /// <param name="discriminatorWeight">Weight of the discriminator loss.</param>
    /// <param name="fullVocabularyLogits">Project and sample at every position (the path before gathering), kept for the scaling benchmark's comparison.</param>
    public ElectraObjective(Bert generator, Bert discriminator, MlmMasking masking, double discriminatorWeight = 50, bool fullVocabularyLogits = false) : base("electra")
    {
        if (generator.Width != discriminator.Width || generator.VocabSize != discriminator.VocabSize)
            throw new ArgumentException("The generator and discriminator must share width and vocabulary to share embeddings.");
        this.generator = generator;
        this.discriminator = discriminator;
        discriminator_head = nn.Linear(discriminator.Width, 1);
        Masking = masking;
        DiscriminatorWeight = discriminatorWeight;
        FullVocabularyLogits = fullVocabularyLogits;
        RegisterComponents();
        if (!ReferenceEquals(generator.Embeddings, discriminator.Embeddings))
            throw new ArgumentException("The generator must share the discriminator's embeddings: build it as new Bert(config, discriminator.Embeddings).", nameof(generator));
    }

    /// <summary>The masking rule.</summary>
    public MlmMasking Masking { get; }

    /// <summary>Weight of the discriminator loss.</summary>
    public double DiscriminatorWeight { get; }

    /// <summary>True when the generator's logits are computed at every position (the benchmark's "before").</summary>
    public bool FullVocabularyLogits { get; }

    /// <summary>The discriminator (the model kept for fine-tuning).</summary>
    public Bert Discriminator => discriminator;

    /// <summary>Runs one step's forward pass; returns the corrupted input and its replaced/original labels (for tests).</summary>
    public (Tensor Corrupted, Tensor IsReplaced, Tensor GeneratorLoss, Tensor DiscriminatorLoss) Forward(LmBatch batch, Generator? rng = null)
    {
        var (masked, labels) = Masking.Apply(batch.Input, rng);
        var (genLoss, corrupted) = FullVocabularyLogits ? GenerateEverywhere(batch.Input, masked, labels, rng) : GenerateAtSelected(batch.Input, masked, labels, rng);
        var isReplaced = corrupted.ne(batch.Input).to_type(ScalarType.Float32); // a correct guess counts as original
        var discLogits = discriminator_head.call(discriminator.Encode(corrupted)).squeeze(-1);
        var discLoss = F.binary_cross_entropy_with_logits(discLogits, isReplaced);
        return (corrupted, isReplaced, genLoss, discLoss);
    }

    /// <summary>The generator's mean loss over the S selected positions, and the input with samples there: (S, V) logits, one softmax.</summary>
    (Tensor Loss, Tensor Corrupted) GenerateAtSelected(Tensor input, Tensor masked, Tensor labels, Generator? rng)
    {
        var (hidden, targets, index) = SelectedPositions.Gather(generator.Encode(masked), labels);
        var logits = generator.LmLogits(hidden); // (S, V)
        var loss = F.cross_entropy(logits, targets);
        if (index.shape[0] == 0) return (loss, input); // nothing selected: the mean is NaN, as with ignore_index, and nothing is replaced
        using var noGrad = no_grad();
        var sampled = multinomial(logits.detach().softmax(-1), 1, generator: rng).squeeze(1); // (S)
        return (loss, input.flatten().index_copy(0, index, sampled).view_as(input));
    }

    /// <summary>The path before gathering: (B·T, V) logits and a second (B·T, V) softmax to sample from.</summary>
    (Tensor Loss, Tensor Corrupted) GenerateEverywhere(Tensor input, Tensor masked, Tensor labels, Generator? rng)
    {
        var logits = generator.LmLogits(generator.Encode(masked)); // (B, T, V)
        var loss = F.cross_entropy(logits.flatten(0, 1), labels.flatten(), ignore_index: -100);
        using var noGrad = no_grad();
        var sampled = multinomial(logits.detach().flatten(0, 1).softmax(-1), 1, generator: rng).view(input.shape);
        return (loss, where(labels.ne(-100), sampled, input));
    }

    /// <inheritdoc />
    public override StepOutput TrainingStep(LmBatch batch, LoopContext ctx)
    {
        var (_, _, genLoss, discLoss) = Forward(batch);
        // No stage in the names: validation and test reuse this step, and their parts land under val/ and test/.
        ctx.Log.Log("generator_loss", genLoss);
        ctx.Log.Log("discriminator_loss", discLoss);
        return StepOutput.Mean(genLoss + DiscriminatorWeight * discLoss, batch.Input.shape[0], batch.Input.numel());
    }
}
