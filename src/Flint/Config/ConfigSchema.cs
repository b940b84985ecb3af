namespace Flint.Config;

/// <summary>The keys a command accepts; values outside the schema are errors with a suggestion.</summary>
public sealed class ConfigSchema(IEnumerable<ConfigKey> keys)
{
    /// <summary>Keys by name.</summary>
    public IReadOnlyDictionary<string, ConfigKey> Keys { get; } = keys.ToDictionary(k => k.Name, StringComparer.Ordinal);

    /// <summary>The closest known key to <paramref name="name"/>, for "did you mean".</summary>
    public string? Closest(string name) =>
        Keys.Keys.Select(k => (Key: k, Distance: Levenshtein(k, name))).Where(x => x.Distance <= Math.Max(3, name.Length / 3)).OrderBy(x => x.Distance).Select(x => x.Key).FirstOrDefault();

    static int Levenshtein(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
        return d[a.Length, b.Length];
    }
}
