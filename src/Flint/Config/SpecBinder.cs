using System.Globalization;
using System.Reflection;
using System.Text;

namespace Flint.Config;

/// <summary>
/// The binding edge between text and typed settings. A spec is an immutable record whose properties are settings
/// (<see cref="SettingAttribute"/>) or sections of them (<see cref="SectionAttribute"/>); defaults are the properties'
/// initial values. From a spec type this derives the <see cref="ConfigSchema"/> (so <c>--help</c>, YAML keys,
/// <c>--print-config</c> and "did you mean" all come from the records) and binds a validated <see cref="RunConfig"/> back
/// into the record. Nothing outside this edge reads settings by name.
/// </summary>
public static class SpecBinder
{
    /// <summary>One setting of a spec: where it lives in the record and how it is spelled.</summary>
    sealed record Field(string Key, PropertyInfo? Section, PropertyInfo Property, SettingAttribute Setting)
    {
        public bool IsRoot => Section is null;
    }

    /// <summary>The schema of <typeparamref name="T"/>: every setting with its type, default, help and validation.</summary>
    public static ConfigSchema SchemaOf<T>() where T : new() => SchemaOf(typeof(T));

    /// <summary>The schema of <paramref name="spec"/> (a settings record type).</summary>
    public static ConfigSchema SchemaOf(Type spec)
    {
        var defaults = Activator.CreateInstance(spec)!;
        var nullability = new NullabilityInfoContext();
        static double? Bound(double value) => double.IsNaN(value) ? null : value;
        return new ConfigSchema(Fields(spec).Select(f => new ConfigKey(f.Key, TypeName(f.Property.PropertyType), Format(ValueOf(defaults, f)),
            f.Setting.Help, Choices(f), Bound(f.Setting.Min), f.Setting.Alias)
        {
            // An int setting holds at most int.MaxValue; a long one is checked by parsing.
            Max = Bound(f.Setting.Max) ?? (Core(f.Property.PropertyType) == typeof(int) ? int.MaxValue : null),
            Above = Bound(f.Setting.Above), Below = Bound(f.Setting.Below),
            Required = nullability.Create(f.Property).WriteState == NullabilityState.NotNull,
        }));
    }

    /// <summary>Binds validated values into a new <typeparamref name="T"/>; a value not given keeps the record's default.</summary>
    public static T Bind<T>(RunConfig config) where T : new() => (T)Bind(typeof(T), config.Values);

    /// <summary>Binds dotted <paramref name="values"/> (already validated against the schema) into a new <paramref name="spec"/>.</summary>
    public static object Bind(Type spec, IReadOnlyDictionary<string, string> values)
    {
        var root = Activator.CreateInstance(spec)!;
        var sections = new Dictionary<PropertyInfo, object>();
        foreach (var field in Fields(spec))
        {
            var target = field.Section is null ? root : sections.TryGetValue(field.Section, out var s) ? s : sections[field.Section] = Clone(field.Section.GetValue(root)!);
            if (values.TryGetValue(field.Key, out var text)) field.Property.SetValue(target, Parse(text, field.Property.PropertyType, field.Key));
        }
        foreach (var (section, value) in sections) section.SetValue(root, value);
        return root;
    }

    /// <summary>Every setting of <paramref name="spec"/> as dotted key → text (unset: empty), in schema order.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> ValuesOf(object spec) =>
        Fields(spec.GetType()).Select(f => KeyValuePair.Create(f.Key, Format(ValueOf(spec, f)))).ToList();

    static object? ValueOf(object root, Field f) => f.Property.GetValue(f.Section is null ? root : f.Section.GetValue(root)!);

    static IEnumerable<Field> Fields(Type spec)
    {
        foreach (var property in Ordered(spec))
        {
            if (property.GetCustomAttribute<SettingAttribute>() is { } setting)
                yield return new Field(Snake(property.Name), null, property, setting);
            else if (property.GetCustomAttribute<SectionAttribute>() is not null)
                foreach (var inner in Ordered(property.PropertyType))
                    if (inner.GetCustomAttribute<SettingAttribute>() is { } innerSetting)
                        yield return new Field($"{Snake(property.Name)}.{Snake(inner.Name)}", property, inner, innerSetting);
        }
    }

    /// <summary>Declaration order, base types first (reflection's own order is not guaranteed).</summary>
    static IEnumerable<PropertyInfo> Ordered(Type type)
    {
        var chain = new List<Type>();
        for (var t = type; t is not null && t != typeof(object); t = t.BaseType) chain.Insert(0, t);
        return chain.SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly).OrderBy(p => p.MetadataToken));
    }

    static object Clone(object section) =>
        section.GetType().GetMethod("<Clone>$")?.Invoke(section, null) ?? throw new InvalidOperationException($"{section.GetType().Name} must be a record.");

    /// <summary><c>MaxSteps</c> → <c>max_steps</c>.</summary>
    public static string Snake(string name)
    {
        var text = new StringBuilder();
        for (int i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0 && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1])))) text.Append('_');
            text.Append(char.ToLowerInvariant(name[i]));
        }
        return text.ToString();
    }

    static Type Core(Type type) => Nullable.GetUnderlyingType(type) ?? type;

    static string TypeName(Type type) => Core(type) switch
    {
        var t when t == typeof(int) || t == typeof(long) => "int",
        var t when t == typeof(double) => "float",
        var t when t == typeof(bool) => "bool",
        _ => "string",
    };

    static IReadOnlyList<string>? Choices(Field f)
    {
        if (f.Setting.Choices is { } choices) return choices;
        var core = Core(f.Property.PropertyType);
        if (!core.IsEnum) return null;
        var names = Enum.GetNames(core).Select(Snake);
        return Nullable.GetUnderlyingType(f.Property.PropertyType) is not null ? ["", .. names] : [.. names];
    }

    static string Format(object? value) => value switch
    {
        null => "",
        double d when double.IsInteger(d) && Math.Abs(d) < 1e15 => d.ToString("0.0", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        Enum e => Snake(e.ToString()),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    static object? Parse(string text, Type type, string key)
    {
        var core = Core(type);
        if (text.Length == 0) return core == typeof(string) || Nullable.GetUnderlyingType(type) is not null ? null
            : throw new ConfigException("run", [$"{key}: a value is required."]);
        if (core == typeof(string)) return text;
        if (core == typeof(int)) return int.Parse(text, CultureInfo.InvariantCulture);
        if (core == typeof(long)) return long.Parse(text, CultureInfo.InvariantCulture);
        if (core == typeof(double)) return double.Parse(text, CultureInfo.InvariantCulture);
        if (core == typeof(bool)) return bool.Parse(text);
        if (core.IsEnum) return Enum.GetValues(core).Cast<Enum>().First(e => Snake(e.ToString()) == text);
        throw new InvalidOperationException($"{key}: settings of type {core.Name} are not supported.");
    }
}
