using System.Globalization;

namespace Flint.Logging;

/// <summary>
/// Writes records as CSV in long format (<c>step,epoch,tokens,samples,wall_s,name,value</c>): new metric names never
/// change the columns, and any column can be a plot's x-axis. Flushed on every write, so a crash loses nothing written.
/// </summary>
public sealed class CsvSink : ILogSink, Training.IStateful
{
    readonly StreamWriter _writer;

    /// <summary>Creates (or appends to, when resuming) <paramref name="path"/>.</summary>
    public CsvSink(string path)
    {
        Path = path;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        bool fresh = !File.Exists(path) || new FileInfo(path).Length == 0;
        _writer = SinkFile.OpenForAppend(path);
        if (fresh) _writer.WriteLine("step,epoch,tokens,samples,wall_s,name,value");
        _writer.Flush();
    }

    /// <summary>The file written.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public void Write(IReadOnlyList<LogRecord> records)
    {
        foreach (var r in records)
            _writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Step},{r.Epoch},{r.Tokens},{r.Samples},{r.WallSeconds:0.###},{Escape(r.Name)},{r.Value:R}"));
        _writer.Flush();
    }

    static string Escape(string name) => name.IndexOfAny([',', '"', '\n']) >= 0 ? $"\"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : name;

    /// <inheritdoc />
    public string StateKey => $"sink/csv/{System.IO.Path.GetFileName(Path)}";

    /// <summary>The file's length at a checkpoint (everything written up to then is on disk: each write flushes).</summary>
    public System.Text.Json.Nodes.JsonNode SaveState() => SinkFile.SaveLength(_writer);

    /// <summary>Cuts what a run wrote after the checkpoint it resumes from, so the resumed run's records follow on exactly.</summary>
    public void LoadState(System.Text.Json.Nodes.JsonNode state) => SinkFile.CutBack(_writer, state);

    /// <inheritdoc />
    public void Dispose() => _writer.Dispose();
}
