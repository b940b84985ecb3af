using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flint.Logging;

/// <summary>Writes one JSON object per record (<c>{"name","value","step","epoch","tokens","samples","wall_s"}</c>); NaN/Infinity as strings.</summary>
public sealed class JsonlSink : ILogSink, Training.IStateful
{
    static readonly JsonSerializerOptions Json = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };
    readonly StreamWriter _writer;

    /// <summary>Creates (or appends to, when resuming) <paramref name="path"/>.</summary>
    public JsonlSink(string path)
    {
        Path = path;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        _writer = SinkFile.OpenForAppend(path);
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
    public string StateKey => $"sink/jsonl/{System.IO.Path.GetFileName(Path)}";

    /// <summary>The file's length at a checkpoint (everything written up to then is on disk: each write flushes).</summary>
    public System.Text.Json.Nodes.JsonNode SaveState() => SinkFile.SaveLength(_writer);

    /// <summary>Cuts what a run wrote after the checkpoint it resumes from, so the resumed run's records follow on exactly.</summary>
    public void LoadState(System.Text.Json.Nodes.JsonNode state) => SinkFile.CutBack(_writer, state);

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
