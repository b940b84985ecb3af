namespace Flint.Config;

/// <summary>One configuration entry: its dotted name, type, default, meaning and allowed values.</summary>
/// <param name="Name">Dotted snake_case name, e.g. <c>trainer.max_steps</c>.</param>
/// <param name="Type"><c>string</c>, <c>int</c>, <c>float</c> or <c>bool</c>.</param>
/// <param name="Default">Default as text; empty means "unset" (or "pick for me" where the command says so).</param>
/// <param name="Description">What it does, shown by <c>--help</c>.</param>
/// <param name="Allowed">The allowed values, for choices.</param>
/// <param name="Min">The smallest allowed number.</param>
/// <param name="Alias">A short alias flag, e.g. <c>--data</c>.</param>
public sealed record ConfigKey(string Name, string Type, string Default, string Description, IReadOnlyList<string>? Allowed = null, double? Min = null, string? Alias = null)
{
    /// <summary>The largest allowed number.</summary>
    public double? Max { get; init; }
    /// <summary>Numbers must be above this.</summary>
    public double? Above { get; init; }
    /// <summary>Numbers must be below this.</summary>
    public double? Below { get; init; }
    /// <summary>An empty value is refused (a setting with no "unset" meaning).</summary>
    public bool Required { get; init; }

    /// <summary>The command-line spelling: <c>--trainer.max-steps</c>.</summary>
    public string Option => "--" + Name.Replace('_', '-');
}
