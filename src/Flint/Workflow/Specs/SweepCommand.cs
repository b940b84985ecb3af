namespace Flint.Workflow.Specs;

/// <summary>The training command a sweep repeats.</summary>
public enum SweepCommand
{
    /// <summary><c>flint pretrain</c>.</summary>
    Pretrain,
    /// <summary><c>flint finetune</c>.</summary>
    Finetune,
}
