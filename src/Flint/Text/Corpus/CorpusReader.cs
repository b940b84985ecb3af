using System.Text;
using System.Text.Json;

namespace Flint.Text.Corpus;

/// <summary>
/// Turns inputs (files, folders, globs) into a stream of documents: plain text, JSONL with a text field, and WikiText
/// (<c>.tokens</c>, one document per article). Streams with bounded memory; errors name the file and line.
/// </summary>
public static class CorpusReader
{
    static readonly string[] FolderExtensions = [".txt", ".jsonl", ".tokens"];

    /// <summary>Expands files, folders (recursively: .txt, .jsonl, .tokens) and globs (<c>*</c>, <c>?</c> in the last part) into a sorted file list.</summary>
    public static IReadOnlyList<string> ExpandInputs(IEnumerable<string> inputs)
    {
        var files = new List<string>();
        foreach (var input in inputs)
        {
            if (File.Exists(input)) files.Add(input);
            else if (Directory.Exists(input))
            {
                var found = Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories)
                    .Where(f => FolderExtensions.Contains(Path.GetExtension(f).ToLowerInvariant())).Order(StringComparer.Ordinal).ToList();
                if (found.Count == 0) throw new CorpusException($"{input}: the folder holds no .txt, .jsonl or .tokens files.");
                files.AddRange(found);
            }
            else if (input.IndexOfAny(['*', '?']) >= 0)
            {
                var folder = Path.GetDirectoryName(input) is { Length: > 0 } d ? d : ".";
                var matches = Directory.Exists(folder) ? Directory.GetFiles(folder, Path.GetFileName(input)).Order(StringComparer.Ordinal).ToList() : [];
                if (matches.Count == 0) throw new CorpusException($"{input}: the pattern matches no file.");
                files.AddRange(matches);
            }
            else throw new CorpusException($"{input}: no such file or folder.");
        }
        if (files.Count == 0) throw new CorpusException("No input was given: name at least one file or folder.");
        return files.Distinct().ToList();
    }

    /// <summary>The documents of <paramref name="files"/>, in order.</summary>
    public static IEnumerable<Document> Read(IReadOnlyList<string> files, CorpusOptions options, CorpusReport report)
    {
        var split = options.Split == DocumentSplit.Auto ? (files.Count == 1 ? DocumentSplit.BlankLine : DocumentSplit.File) : options.Split;
        foreach (var file in files)
        {
            var extension = Path.GetExtension(file).ToLowerInvariant();
            var documents = extension switch
            {
                ".jsonl" => Jsonl(file, options, report),
                ".tokens" when options.Split == DocumentSplit.Auto => WikiText(file, options, report),
                _ => Plain(file, split, options, report),
            };
            foreach (var doc in documents)
            {
                report.Documents++;
                yield return doc;
            }
        }
    }

    static IEnumerable<Document> Plain(string file, DocumentSplit split, CorpusOptions options, CorpusReport report)
    {
        var text = new StringBuilder();
        int startLine = 1;
        foreach (var (line, content) in Utf8Lines.Read(file, options.Strict, report))
        {
            if (split == DocumentSplit.Line)
            {
                if (content.Trim().Length > 0) yield return new Document(file, line, content);
                continue;
            }
            if (split == DocumentSplit.BlankLine && content.Trim().Length == 0)
            {
                if (text.Length > 0) yield return new Document(file, startLine, text.ToString());
                text.Clear();
                startLine = line + 1;
                continue;
            }
            if (text.Length == 0) startLine = line;
            text.Append(content).Append('\n');
        }
        if (text.Length > 0) yield return new Document(file, startLine, text.ToString());
    }

    static IEnumerable<Document> WikiText(string file, CorpusOptions options, CorpusReport report)
    {
        var text = new StringBuilder();
        int startLine = 1;
        foreach (var (line, content) in Utf8Lines.Read(file, options.Strict, report))
        {
            // An article starts with a level-1 heading: " = Title = " (level 2 is " = = Section = = ").
            bool heading = content.StartsWith(" = ", StringComparison.Ordinal) && !content.StartsWith(" = = ", StringComparison.Ordinal) && content.TrimEnd().EndsWith(" =", StringComparison.Ordinal);
            if (heading && text.Length > 0)
            {
                yield return new Document(file, startLine, text.ToString());
                text.Clear();
            }
            if (heading) startLine = line;
            if (content.Trim().Length > 0) text.Append(content).Append('\n');
        }
        if (text.Length > 0) yield return new Document(file, startLine, text.ToString());
    }

    static IEnumerable<Document> Jsonl(string file, CorpusOptions options, CorpusReport report)
    {
        foreach (var (line, content) in Utf8Lines.Read(file, options.Strict, report))
        {
            if (content.Trim().Length == 0) continue;
            string? text;
            try
            {
                using var json = JsonDocument.Parse(content);
                if (json.RootElement.ValueKind != JsonValueKind.Object)
                    throw new CorpusException($"{file}:{line}: expected a JSON object per line, found {json.RootElement.ValueKind}.");
                if (!json.RootElement.TryGetProperty(options.TextField, out var field))
                    throw new CorpusException(
                        $"{file}:{line}: no field '{options.TextField}'. Fields on this line: {string.Join(", ", json.RootElement.EnumerateObject().Select(p => p.Name))}. " +
                        "Pick the text field with --text-field.");
                text = field.ValueKind == JsonValueKind.String ? field.GetString()
                    : throw new CorpusException($"{file}:{line}: field '{options.TextField}' is {field.ValueKind}, not a string.");
            }
            catch (JsonException e)
            {
                throw new CorpusException($"{file}:{line}: not valid JSON ({e.Message}).");
            }
            if (!string.IsNullOrEmpty(text)) yield return new Document(file, line, text);
        }
    }
}
