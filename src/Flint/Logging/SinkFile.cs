using System.Text.Json.Nodes;

namespace Flint.Logging;

/// <summary>The file side of the text sinks: opened for appending, and cut back to its length at a checkpoint on resume.</summary>
internal static class SinkFile
{
    /// <summary>Opens <paramref name="path"/> at its end. Not <see cref="FileMode.Append"/>: a resume must be able to cut the file.</summary>
    public static StreamWriter OpenForAppend(string path)
    {
        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read);
        stream.Seek(0, SeekOrigin.End);
        return new StreamWriter(stream);
    }

    /// <summary>The length written so far (each sink write flushes, so this is what is on disk).</summary>
    public static JsonNode SaveLength(StreamWriter writer)
    {
        writer.Flush();
        return new JsonObject { ["bytes"] = writer.BaseStream.Length };
    }

    /// <summary>Cuts what a run wrote after the checkpoint it resumes from, so the resumed run's records follow on exactly.</summary>
    public static void CutBack(StreamWriter writer, JsonNode state)
    {
        long bytes = state["bytes"]!.GetValue<long>();
        writer.Flush();
        if (writer.BaseStream.Length > bytes) writer.BaseStream.SetLength(bytes);
        writer.BaseStream.Seek(0, SeekOrigin.End);
    }
}
