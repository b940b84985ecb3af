using System.Text.Json;

namespace Flint.Text.Data;

/// <summary>Label names ↔ class ids, saved with the data and the model so ids mean the same thing everywhere.</summary>
public sealed class LabelMap
{
    readonly Dictionary<string, int> _ids;

    /// <summary>A map over <paramref name="labels"/> in the given order (id = position).</summary>
    public LabelMap(IEnumerable<string> labels)
    {
        Labels = labels.ToList();
        _ids = Labels.Select((l, i) => (l, i)).ToDictionary(x => x.l, x => x.i, StringComparer.Ordinal);
        if (_ids.Count != Labels.Count) throw new ArgumentException("Label names must be unique.", nameof(labels));
        if (Labels.Count < 2) throw new ArgumentException($"A classification task needs at least two labels, found {Labels.Count}: {string.Join(", ", Labels)}.", nameof(labels));
    }

    /// <summary>The labels sorted by ordinal comparison (a stable, data-order-independent id assignment).</summary>
    public static LabelMap FromExamples(IEnumerable<LabeledExample> examples) =>
        new(examples.Select(e => e.Label).Distinct().Order(StringComparer.Ordinal));

    /// <summary>Label names by id.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>Number of classes.</summary>
    public int Count => Labels.Count;

    /// <summary>The id of <paramref name="example"/>'s label; an unknown label is an error naming the file and line.</summary>
    public int IdOf(LabeledExample example) => _ids.TryGetValue(example.Label, out var id) ? id
        : throw new InvalidDataException(
            $"{example.Source}{(example.Line > 0 ? $":{example.Line}" : "")}: unknown label '{example.Label}'. Known labels: {string.Join(", ", Labels)}.");

    /// <summary>Writes <c>labels.json</c>.</summary>
    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(Labels));

    /// <summary>Reads <c>labels.json</c>.</summary>
    public static LabelMap Load(string path) =>
        new(JsonSerializer.Deserialize<List<string>>(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path} holds no labels."));
}
