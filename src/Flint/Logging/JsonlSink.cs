using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flint.Logging;

/// <summary>Writes one JSON object per record (<c>{"name","value","step","epoch","tokens","samples","wall_s"}</c>); NaN/Infinity as strings.</summary>
public sealed class JsonlSink : ILogSink
{
    static readonly JsonSerializerOptions Json = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };
    readonly StreamWriter _writer;

    /// <summary>Creates (or appends to, when resuming) <paramref name="path"/>.</summary>
    public JsonlSink(string path)
    {
        Path = path;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        _writer = new StreamWriter(path, append: true);
    }

    /// <summary>The file written.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public void Write(IReadOnlyList<LogRecord> records)
    {
        foreach (var r in records)
            _writer.WriteLine(JsonSerializer.Serialize(new Line(r.Name, r.Value, r.Step, r.Epoch, r.Tokens, r.Samples, Math.Round(r.WallSeconds, 3)), Json));
        _writer.Flush();
    }

    /// <inheritdoc />
    public void Dispose() => _writer.Dispose();

    sealed record Line(
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("value")] double Value,
        [property: JsonPropertyName("step")] long Step,
        [property: JsonPropertyName("epoch")] int Epoch,
        [property: JsonPropertyName("tokens")] long Tokens,
        [property: JsonPropertyName("samples")] long Samples,
        [property: JsonPropertyName("wall_s")] double WallSeconds);
}
