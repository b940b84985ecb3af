using Flint.Optim;
using Flint.Training;
using static TorchSharp.torch;

namespace Flint.Tests.Training;

/// <summary>A tiny model whose validation loss follows a script: one value per validation run.</summary>
public sealed class ScriptedValidationModel : FlintModule<TokenBatch>
{
    readonly TinyTokenModel inner;
    readonly double[] _script;
    int _validations;

    public ScriptedValidationModel(params double[] script) : base("scripted")
    {
        inner = new TinyTokenModel();
        _script = script;
        RegisterComponents();
    }

    public override StepOutput TrainingStep(TokenBatch batch, LoopContext ctx) => inner.TrainingStep(batch, ctx);

    public override StepOutput ValidationStep(TokenBatch batch, LoopContext ctx) =>
        StepOutput.Mean(tensor(_script[Math.Min(_validations, _script.Length - 1)]), samples: 1);

    /// <summary>Advances the script; subscribe it to ValidationEnded.</summary>
    public void Advance() => _validations++;

    public override OptimizerSetup ConfigureOptimizers(OptimizerPlan plan) =>
        Optimizers.AdamW(ParameterGroups.WithWeightDecay(this, 0.01), lr: 1e-2);
}

/// <summary>A tiny model whose loss is NaN from optimizer step <c>poisonAtStep</c> (1-based) on, for <c>poisonedSteps</c> steps (default: for ever).</summary>
public sealed class PoisonedModel : FlintModule<TokenBatch>
{
    readonly TinyTokenModel inner;
    readonly long _poisonAtStep, _poisonedSteps;

    public PoisonedModel(long poisonAtStep, long poisonedSteps = long.MaxValue) : base("poisoned")
    {
        inner = new TinyTokenModel();
        _poisonAtStep = poisonAtStep;
        _poisonedSteps = poisonedSteps;
        RegisterComponents();
    }

    public override StepOutput TrainingStep(TokenBatch batch, LoopContext ctx)
    {
        var output = inner.TrainingStep(batch, ctx);
        long step = ctx.State.Step + 1;
        if (step < _poisonAtStep || step - _poisonAtStep >= _poisonedSteps) return output;
        return StepOutput.Sum(output.LossSum * float.NaN, output.Count, output.Samples, output.Tokens);
    }

    public override OptimizerSetup ConfigureOptimizers(OptimizerPlan plan) =>
        Optimizers.Sgd(ParameterGroups.Single(this), lr: 0.1, momentum: 0);
}
