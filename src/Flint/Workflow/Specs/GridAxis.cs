namespace Flint.Workflow.Specs;

/// <summary>One axis of a sweep's grid: a setting (dotted key, as in <c>config.yaml</c>) and the values it takes.</summary>
/// <param name="Key">e.g. <c>optimizer.lr</c>.</param>
/// <param name="Values">The values, as they would be written on the command line.</param>
public sealed record GridAxis(string Key, IReadOnlyList<string> Values);
