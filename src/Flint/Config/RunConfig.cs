using System.Globalization;

namespace Flint.Config;

/// <summary>
/// A resolved configuration: schema defaults, then a YAML file, then command-line overrides — the validated text that
/// <see cref="SpecBinder"/> binds into a settings record at the edge (nothing reads settings from it by name). Every value is checked
/// against the schema (known key, type, range, choices) before any work starts, and all problems are reported together.
/// </summary>
public sealed class RunConfig
{
    readonly Dictionary<string, string> _values;

    RunConfig(ConfigSchema schema, Dictionary<string, string> values)
    {
        Schema = schema;
        _values = values;
    }

    /// <summary>The schema.</summary>
    public ConfigSchema Schema { get; }

    /// <summary>Resolves defaults ← <paramref name="yamlPath"/> ← <paramref name="overrides"/>; throws <see cref="ConfigException"/> listing every problem.</summary>
    public static RunConfig Resolve(ConfigSchema schema, string? yamlPath, IReadOnlyDictionary<string, string> overrides)
    {
        var values = schema.Keys.Values.ToDictionary(k => k.Name, k => k.Default, StringComparer.Ordinal);
        var problems = new List<string>();
        if (yamlPath is not null)
            foreach (var (key, value, line) in SettingsYaml.Read(yamlPath))
                if (key != "kind") // a run folder's config.yaml names the command that wrote it; the file is reusable as --config
                    Set(schema, values, key, value, $"{yamlPath}:{line}: ", problems);
        foreach (var (key, value) in overrides) Set(schema, values, key, value, "", problems);
        var config = new RunConfig(schema, values);
        foreach (var key in schema.Keys.Values) config.Check(key, problems);
        if (problems.Count > 0) throw new ConfigException("run", problems);
        return config;
    }

    static void Set(ConfigSchema schema, Dictionary<string, string> values, string key, string value, string where, List<string> problems)
    {
        var name = key.Replace('-', '_');
        if (!schema.Keys.ContainsKey(name) && schema.Keys.Values.FirstOrDefault(k => k.Alias == "--" + key) is { } aliased) name = aliased.Name;
        if (!schema.Keys.ContainsKey(name) && schema.Keys.Keys.Any(k => k.StartsWith(name + ".", StringComparison.Ordinal)))
        {
            var example = schema.Keys.Keys.First(k => k.StartsWith(name + ".", StringComparison.Ordinal));
            problems.Add($"{where}'{key}' is a section, not a value; give its keys, e.g. {name}:\n    {example[(name.Length + 1)..]}: …  (or --{example.Replace('_', '-')} on the command line)");
            return;
        }
        if (!schema.Keys.ContainsKey(name))
        {
            var closest = schema.Closest(name);
            problems.Add($"{where}unknown key '{key}'{(closest is null ? "" : $"; did you mean '{closest}'?")}");
            return;
        }
        values[name] = value;
    }

    void Check(ConfigKey key, List<string> problems)
    {
        var value = _values[key.Name];
        if (value.Length == 0)
        {
            if (key.Required) problems.Add($"{key.Name}: a value is required{(key.Default.Length > 0 ? $" (the default is {key.Default})" : "")}.");
            return;
        }
        switch (key.Type)
        {
            case "int" when !long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i):
                problems.Add($"{key.Name}: expected a whole number, got '{value}'.");
                return;
            case "float" when !double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) || !double.IsFinite(f):
                problems.Add($"{key.Name}: expected a finite number, got '{value}'.");
                return;
            case "bool" when !bool.TryParse(value, out _):
                problems.Add($"{key.Name}: expected true or false, got '{value}'.");
                return;
        }
        if (key.Type is "int" or "float")
        {
            double number = double.Parse(value, CultureInfo.InvariantCulture);
            string Show(double d) => d.ToString(CultureInfo.InvariantCulture);
            if (key.Min is { } min && number < min) problems.Add($"{key.Name}: must be at least {Show(min)}, got {value}.");
            if (key.Max is { } max && number > max) problems.Add($"{key.Name}: must be at most {Show(max)}, got {value}.");
            if (key.Above is { } above && number <= above) problems.Add($"{key.Name}: must be above {Show(above)}, got {value}.");
            if (key.Below is { } below && number >= below) problems.Add($"{key.Name}: must be below {Show(below)}, got {value}.");
        }
        if (key.Allowed is { } allowed && !allowed.Contains(value) && !allowed.Any(a => a.EndsWith(':') && value.StartsWith(a, StringComparison.Ordinal)))
            problems.Add($"{key.Name}: '{value}' is not one of {string.Join(", ", allowed)}.");
    }

    /// <summary>The resolved configuration as YAML (<see cref="SettingsYaml"/>), grouped by section, every key shown.</summary>
    public string ToYaml() => SettingsYaml.Write(Schema.Keys.Keys.Select(k => KeyValuePair.Create(k, _values[k])), Schema);

    /// <summary>Every value (for run records and comparisons).</summary>
    public IReadOnlyDictionary<string, string> Values => _values;
}
