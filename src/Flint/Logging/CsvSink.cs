using System.Globalization;

namespace Flint.Logging;

/// <summary>
/// Writes records as CSV in long format (<c>step,epoch,tokens,samples,wall_s,name,value</c>): new metric names never
/// change the columns, and any column can be a plot's x-axis. Flushed on every write, so a crash loses nothing written.
/// </summary>
public sealed class CsvSink : ILogSink
{
    readonly StreamWriter _writer;

    /// <summary>Creates (or appends to, when resuming) <paramref name="path"/>.</summary>
    public CsvSink(string path)
    {
        Path = path;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        bool fresh = !File.Exists(path) || new FileInfo(path).Length == 0;
        _writer = new StreamWriter(path, append: true);
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
    public void Dispose() => _writer.Dispose();
}
