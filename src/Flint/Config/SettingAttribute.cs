namespace Flint.Config;

/// <summary>
/// Marks a property of a settings record as a setting: its help text, and its validation. The key is the property's
/// name in snake_case under its section (<c>Trainer.MaxSteps</c> → <c>trainer.max_steps</c>, flag <c>--trainer.max-steps</c>);
/// its type and default come from the property itself, so each is declared once (HuggingFace's <c>HfArgumentParser</c>).
/// </summary>
/// <param name="help">What the setting does, shown by <c>--help</c>.</param>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SettingAttribute(string help) : Attribute
{
    /// <summary>What the setting does.</summary>
    public string Help { get; } = help;

    /// <summary>The smallest allowed number (NaN: no minimum).</summary>
    public double Min { get; init; } = double.NaN;

    /// <summary>The largest allowed number (NaN: no maximum).</summary>
    public double Max { get; init; } = double.NaN;

    /// <summary>Numbers must be above this (exclusive; NaN: no bound), e.g. a learning rate above 0.</summary>
    public double Above { get; init; } = double.NaN;

    /// <summary>Numbers must be below this (exclusive; NaN: no bound), e.g. a dropout below 1.</summary>
    public double Below { get; init; } = double.NaN;

    /// <summary>The allowed values of a text setting (an entry ending in <c>:</c> allows that prefix); enums list their members.</summary>
    public string[]? Choices { get; init; }

    /// <summary>A short alias flag (e.g. <c>--data</c> for <c>--data.path</c>).</summary>
    public string? Alias { get; init; }
}
