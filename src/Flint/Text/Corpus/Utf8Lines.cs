using System.Text;
using System.Text.Unicode;

namespace Flint.Text.Corpus;

/// <summary>Reads a file line by line as bytes, so invalid UTF-8 can be counted (or refused) with its line number. Bounded memory.</summary>
internal static class Utf8Lines
{
    public static IEnumerable<(int Line, string Text)> Read(string path, bool strict, CorpusReport report)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        var buffer = new byte[1 << 20];
        var carry = new List<byte>();
        int lineNumber = 0, read;
        bool first = true;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            report.BytesRead += read;
            int start = 0;
            for (int i; (i = Array.IndexOf(buffer, (byte)'\n', start, read - start)) >= 0;) // vectorised search
            {
                ReadOnlySpan<byte> line = buffer.AsSpan(start, i - start);
                if (carry.Count > 0)
                {
                    carry.AddRange(line);
                    line = carry.ToArray();
                    carry.Clear();
                }
                yield return (++lineNumber, Decode(path, lineNumber, line, strict, report, ref first));
                start = i + 1;
            }
            carry.AddRange(buffer.AsSpan(start, read - start));
        }
        if (carry.Count > 0) yield return (++lineNumber, Decode(path, lineNumber, carry.ToArray(), strict, report, ref first));
    }

    static string Decode(string path, int line, ReadOnlySpan<byte> bytes, bool strict, CorpusReport report, ref bool first)
    {
        if (first)
        {
            first = false;
            if (bytes.StartsWith("\uFEFF"u8)) bytes = bytes[3..]; // a UTF-8 byte-order mark is not text
        }
        if (bytes.Length > 0 && bytes[^1] == (byte)'\r') bytes = bytes[..^1];
        if (Utf8.IsValid(bytes)) return Encoding.UTF8.GetString(bytes);
        if (strict)
            throw new CorpusException($"{path}:{line}: invalid UTF-8. Convert the file to UTF-8 (e.g. iconv -f latin1 -t utf-8), or drop --strict to replace and count such bytes.");
        var text = Encoding.UTF8.GetString(bytes);
        int replaced = text.Count(c => c == '\uFFFD') - CountValidReplacementChars(bytes);
        report.Replaced(path, line, Math.Max(1, replaced));
        return text;
    }

    static int CountValidReplacementChars(ReadOnlySpan<byte> bytes)
    {
        int count = 0;
        for (int i = bytes.IndexOf("\uFFFD"u8); i >= 0; i = bytes.IndexOf("\uFFFD"u8))
        {
            count++;
            bytes = bytes[(i + 3)..];
        }
        return count;
    }
}
