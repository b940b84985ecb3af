namespace Flint.Config;

/// <summary>A configuration value is missing, of the wrong type or out of range. The message names every bad field.</summary>
public sealed class ConfigException : Exception
{
    /// <summary>Creates the exception from one message per bad field.</summary>
    public ConfigException(string section, IReadOnlyList<string> problems)
        : base($"Invalid {section} configuration:{Environment.NewLine}  - " + string.Join(Environment.NewLine + "  - ", problems))
    {
        Section = section;
        Problems = problems;
    }

    /// <summary>The config section, e.g. <c>trainer</c>.</summary>
    public string Section { get; }

    /// <summary>One message per problem, each naming its field.</summary>
    public IReadOnlyList<string> Problems { get; }
}
