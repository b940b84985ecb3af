using Flint.Config;

namespace Flint.Workflow.Specs;

/// <summary>What an evaluation run records in its <c>config.yaml</c>: the evaluated run and data.</summary>
public sealed record EvaluateSpec
{
    /// <summary>The evaluated run.</summary>
    [Setting("The evaluated run.")] public string? From { get; init; }
    /// <summary>The evaluated data.</summary>
    [Setting("The evaluated data.")] public string? Data { get; init; }
}
