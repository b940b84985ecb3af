namespace Flint.Config;

/// <summary>Collects field problems so a user sees all of them at once, not one per run.</summary>
public sealed class Validation(string section)
{
    readonly List<string> _problems = [];

    /// <summary>Records <paramref name="message"/> for <paramref name="field"/> when <paramref name="bad"/> holds.</summary>
    public Validation Check(bool bad, string field, string message)
    {
        if (bad) _problems.Add($"{field}: {message}");
        return this;
    }

    /// <summary>A nullable number that, when given, must be at least <paramref name="min"/>.</summary>
    public Validation AtLeast(long? value, long min, string field) =>
        Check(value is { } v && v < min, field, $"must be at least {min}, got {value}.");

    /// <summary>A nullable number that, when given, must be positive and finite.</summary>
    public Validation Positive(double? value, string field) =>
        Check(value is { } v && !(v > 0 && double.IsFinite(v)), field, $"must be a positive number, got {value}.");

    /// <summary>Throws <see cref="ConfigException"/> listing every problem, if any.</summary>
    public void ThrowIfInvalid()
    {
        if (_problems.Count > 0) throw new ConfigException(section, _problems);
    }
}
