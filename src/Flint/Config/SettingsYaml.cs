using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace Flint.Config;

/// <summary>
/// The one YAML format of settings, both ways through YamlDotNet: <c>--config</c> files, <c>--print-config</c> and every
/// run's <c>config.yaml</c>. Keys are grouped into sections (<c>trainer: {max_steps: …}</c>); values are typed by the
/// schema; an unset value is written as null.
/// </summary>
public static class SettingsYaml
{
    static readonly ISerializer Serializer = new SerializerBuilder().Build();

    /// <summary>Renders dotted <paramref name="values"/> as YAML, typed by <paramref name="schema"/>, root keys first.</summary>
    public static string Write(IEnumerable<KeyValuePair<string, string>> values, ConfigSchema schema, IReadOnlyDictionary<string, string>? header = null)
    {
        var root = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in header ?? new Dictionary<string, string>()) root[key] = value;
        var list = values.ToList();
        foreach (var (key, value) in list.Where(kv => !kv.Key.Contains('.')))
            root[key] = Typed(value, schema.Keys.GetValueOrDefault(key));
        foreach (var (key, value) in list.Where(kv => kv.Key.Contains('.')))
        {
            var dot = key.IndexOf('.');
            if (!root.TryGetValue(key[..dot], out var section) || section is not Dictionary<string, object?> map)
                root[key[..dot]] = map = new Dictionary<string, object?>(StringComparer.Ordinal);
            map[key[(dot + 1)..]] = Typed(value, schema.Keys.GetValueOrDefault(key));
        }
        return Serializer.Serialize(root);
    }

    static object? Typed(string value, ConfigKey? key) => value.Length == 0 ? null : key?.Type switch
    {
        "int" when long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) => l,
        "float" when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        "bool" when bool.TryParse(value, out var b) => b,
        _ => value,
    };

    /// <summary>
    /// Reads a settings file as dotted keys with their line numbers. Tolerant of files written before this format: a
    /// key that is both a value and a section (the old <c>data: PATH</c> beside <c>data: {batch_size: …}</c>) keeps both.
    /// </summary>
    public static IReadOnlyList<(string Key, string Value, long Line)> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Config file not found: {path}", path);
        var result = new List<(string, string, long)>();
        try
        {
            var parser = new Parser(new StringReader(File.ReadAllText(path)));
            parser.Consume<StreamStart>();
            if (parser.TryConsume<StreamEnd>(out _)) return result;
            ReadDocument(parser, path, result);
            parser.TryConsume<DocumentEnd>(out _);
            if (parser.Accept<DocumentStart>(out var second))
                throw new ConfigException("run", [$"{path}:{second.Start.Line}: a second YAML document ('---'); a settings file holds one."]);
            var seen = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var (key, _, line) in result)
                if (!seen.TryAdd(key, line))
                    throw new ConfigException("run", [$"{path}:{line}: '{key}' is given twice (also on line {seen[key]}); keep one."]);
        }
        catch (YamlException e)
        {
            throw new ConfigException("run", [$"{path}:{e.Start.Line}: not valid YAML ({e.Message})"]);
        }
        return result;
    }

    static bool ReadDocument(IParser parser, string path, List<(string, string, long)> result)
    {
        parser.Consume<DocumentStart>();
        if (parser.TryConsume<Scalar>(out var empty) && empty.Value.Length == 0) return true; // an empty document
        if (!parser.TryConsume<MappingStart>(out _))
            throw new ConfigException("run", [$"{path}: expected a mapping of sections and keys at the top level."]);
        ReadMapping(parser, "", result);
        return true;
    }

    static bool IsNull(Scalar scalar) => scalar.Style == ScalarStyle.Plain && scalar.Value is "" or "~" or "null" or "Null" or "NULL";

    static void ReadMapping(IParser parser, string prefix, List<(string, string, long)> result)
    {
        while (!parser.TryConsume<MappingEnd>(out _))
        {
            var key = prefix + parser.Consume<Scalar>().Value;
            if (parser.TryConsume<Scalar>(out var scalar))
                result.Add((key, IsNull(scalar) ? "" : scalar.Value, scalar.Start.Line));
            else if (parser.TryConsume<MappingStart>(out _))
                ReadMapping(parser, key + ".", result);
            else
                throw new ConfigException("run", [$"{key} (line {parser.Current?.Start.Line}): lists are not supported here; give a single value."]);
        }
    }
}
