using System.Text;
using System.Text.Json;
using Flint.Runtime;
using Flint.Text.Corpus;

namespace Flint.Text.Data;

/// <summary>
/// Reads labelled text in the layouts people actually have: TSV/CSV with a header, JSONL, one file per class
/// (<c>rt-polarity.pos</c>/<c>.neg</c>: the label is the extension, one example per line), and one folder per class
/// (IMDb's <c>train/pos/*.txt</c>: the label is the folder, one example per file).
/// </summary>
public static class LabeledData
{
    /// <summary>Reads <paramref name="path"/>: a .tsv/.csv/.jsonl file, or a folder of per-class files or per-class folders.</summary>
    public static List<LabeledExample> Read(string path, LabeledDataOptions? options = null)
    {
        options ??= new LabeledDataOptions();
        if (Directory.Exists(path))
        {
            var folders = Directory.GetDirectories(path).Order(StringComparer.Ordinal).ToList();
            if (folders.Count > 0) return FolderPerClass(path, folders);
            var files = Directory.GetFiles(path).Where(f => !f.EndsWith(".md", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal).ToList();
            return FilePerClass(path, files);
        }
        if (!File.Exists(path)) throw new FileNotFoundException($"Labelled data not found: {path}", path);
        var examples = Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".tsv" or ".txt" => Delimited(path, '\t', options),
            ".csv" => Delimited(path, ',', options),
            ".jsonl" => Jsonl(path, options),
            var other => throw new InvalidDataException($"{path}: unknown labelled-data format '{other}'. Use .tsv, .csv, .jsonl, or a folder of per-class files or folders."),
        };
        if (examples.Count == 0) throw new InvalidDataException($"{path} holds no examples.");
        return examples;
    }

    /// <summary>
    /// Splits examples into train/validation/test with each label's proportion kept in every part (stratified), deterministically from <paramref name="seed"/>.
    /// </summary>
    public static (List<LabeledExample> Train, List<LabeledExample> Validation, List<LabeledExample> Test) StratifiedSplit(
        IReadOnlyList<LabeledExample> examples, double validationFraction, double testFraction, long seed)
    {
        if (validationFraction < 0 || testFraction < 0 || validationFraction + testFraction >= 1)
            throw new ArgumentException($"Validation ({validationFraction}) and test ({testFraction}) fractions must be non-negative and sum to less than 1.");
        var (train, validation, test) = (new List<LabeledExample>(), new List<LabeledExample>(), new List<LabeledExample>());
        foreach (var group in examples.GroupBy(e => e.Label).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var items = group.ToList();
            var random = Seeds.Random(seed, 0, "stratified:" + group.Key);
            for (int i = items.Count - 1; i > 0; i--)
            {
                int j = random.Next(i + 1);
                (items[i], items[j]) = (items[j], items[i]);
            }
            int nTest = (int)Math.Round(items.Count * testFraction), nValidation = (int)Math.Round(items.Count * validationFraction);
            test.AddRange(items.Take(nTest));
            validation.AddRange(items.Skip(nTest).Take(nValidation));
            train.AddRange(items.Skip(nTest + nValidation));
        }
        return (train, validation, test);
    }

    /// <summary>
    /// A label budget: <paramref name="count"/> examples drawn from <paramref name="examples"/> with each label's share kept
    /// (largest remainders; every label keeps at least one), in a random order fixed by <paramref name="seed"/>. Learning
    /// curves are one loop over <paramref name="count"/>; a smaller budget is not a subset of a larger one.
    /// </summary>
    public static List<LabeledExample> StratifiedSample(IReadOnlyList<LabeledExample> examples, int count, long seed)
    {
        var groups = examples.GroupBy(e => e.Label).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => g.ToList()).ToList();
        if (count > examples.Count) throw new ArgumentOutOfRangeException(nameof(count), count, $"A budget of {count} examples is larger than the {examples.Count} available.");
        if (count < groups.Count) throw new ArgumentOutOfRangeException(nameof(count), count, $"A budget of {count} examples cannot hold one of each of the {groups.Count} labels.");
        // Each label's exact share, floored (at least 1); the examples still owed go to the largest remainders.
        var exact = groups.Select(g => (double)count * g.Count / examples.Count).ToList();
        var take = exact.Select((e, i) => Math.Min(groups[i].Count, Math.Max(1, (int)Math.Floor(e)))).ToArray();
        var byRemainder = Enumerable.Range(0, groups.Count).OrderByDescending(i => exact[i] - Math.Floor(exact[i])).ThenBy(i => i).ToList();
        for (int k = 0; take.Sum() < count; k++)
            if (take[byRemainder[k % groups.Count]] < groups[byRemainder[k % groups.Count]].Count) take[byRemainder[k % groups.Count]]++;
        while (take.Sum() > count) take[Array.IndexOf(take, take.Max())]--; // only when the "at least one" floor overshot
        var sample = new List<LabeledExample>(count);
        for (int i = 0; i < groups.Count; i++)
        {
            var items = groups[i];
            var random = Seeds.Random(seed, 0, "budget:" + items[0].Label);
            var order = Enumerable.Range(0, items.Count).ToArray();
            random.Shuffle(order);
            sample.AddRange(order.Take(take[i]).Order().Select(k => items[k]));
        }
        return sample;
    }

    static List<LabeledExample> FilePerClass(string folder, List<string> files)
    {
        if (files.Count < 2) throw new InvalidDataException($"{folder}: a one-file-per-class folder needs at least two files (e.g. data.pos and data.neg), found {files.Count}.");
        var labels = files.Select(f => Path.GetExtension(f).TrimStart('.')).ToList();
        if (labels.Any(l => l.Length == 0) || labels.Distinct().Count() != labels.Count)
            labels = files.Select(f => Path.GetFileNameWithoutExtension(f)).ToList(); // e.g. pos.txt, neg.txt
        var examples = new List<LabeledExample>();
        var report = new CorpusReport();
        for (int i = 0; i < files.Count; i++)
            foreach (var (line, text) in Utf8Lines.Read(files[i], strict: false, report))
                if (text.Trim().Length > 0) examples.Add(new LabeledExample(text.Trim(), labels[i], files[i], line));
        return examples;
    }

    static List<LabeledExample> FolderPerClass(string root, List<string> folders)
    {
        var examples = new List<LabeledExample>();
        foreach (var folder in folders)
            foreach (var file in Directory.GetFiles(folder).Order(StringComparer.Ordinal))
            {
                var text = File.ReadAllText(file, Encoding.UTF8).Trim();
                if (text.Length > 0) examples.Add(new LabeledExample(text, Path.GetFileName(folder), file, 0));
            }
        if (examples.Count == 0) throw new InvalidDataException($"{root}: the class folders hold no files.");
        return examples;
    }

    static List<LabeledExample> Delimited(string path, char delimiter, LabeledDataOptions options)
    {
        var examples = new List<LabeledExample>();
        using var reader = new StreamReader(path, Encoding.UTF8);
        var header = ReadRecord(reader, delimiter, out _) ?? throw new InvalidDataException($"{path} is empty.");
        int textAt = header.IndexOf(options.TextColumn), labelAt = header.IndexOf(options.LabelColumn);
        if (textAt < 0 || labelAt < 0)
            throw new InvalidDataException(
                $"{path}: the header has no '{(textAt < 0 ? options.TextColumn : options.LabelColumn)}' column. Columns: {string.Join(", ", header)}. " +
                "Name the columns with --data.text-column/--data.label-column.");
        int line = 1;
        while (ReadRecord(reader, delimiter, out var lines) is { } fields)
        {
            int at = line + 1;
            line += lines;
            if (fields.Count == 1 && fields[0].Length == 0) continue;
            if (fields.Count <= Math.Max(textAt, labelAt))
                throw new InvalidDataException($"{path}:{at}: expected at least {Math.Max(textAt, labelAt) + 1} fields, found {fields.Count}.");
            examples.Add(new LabeledExample(fields[textAt], fields[labelAt].Trim(), path, at));
        }
        return examples;
    }

    // RFC 4180: quoted fields may hold delimiters, doubled quotes and newlines.
    static List<string>? ReadRecord(StreamReader reader, char delimiter, out int lines)
    {
        lines = 0;
        var first = reader.ReadLine();
        if (first is null) return null;
        lines = 1;
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        var line = first;
        for (int i = 0; ; i++)
        {
            if (i == line.Length)
            {
                if (!quoted) break;
                var next = reader.ReadLine();
                if (next is null) break;
                lines++;
                field.Append('\n');
                line = next;
                i = -1;
                continue;
            }
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"' && field.Length == 0) quoted = true;
            else if (c == delimiter) { fields.Add(field.ToString()); field.Clear(); }
            else field.Append(c);
        }
        fields.Add(field.ToString());
        return fields;
    }

    static List<LabeledExample> Jsonl(string path, LabeledDataOptions options)
    {
        var examples = new List<LabeledExample>();
        int line = 0;
        foreach (var content in File.ReadLines(path))
        {
            line++;
            if (content.Trim().Length == 0) continue;
            JsonDocument json;
            try
            {
                json = JsonDocument.Parse(content);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}:{line}: not valid JSON ({e.Message.Split(" Path:")[0].Split(" LineNumber:")[0].TrimEnd('.')}). " +
                    "Each line must be one JSON object such as {\"text\": \"...\", \"label\": \"...\"}.");
            }
            using (json)
            {
                var root = json.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                    throw new InvalidDataException($"{path}:{line}: a JSON {Kind(root)}, expected an object such as {{\"text\": \"...\", \"label\": \"...\"}}.");
                string Field(string name, bool label)
                {
                    if (!root.TryGetProperty(name, out var v))
                        throw new InvalidDataException($"{path}:{line}: no field '{name}'. Fields: {string.Join(", ", root.EnumerateObject().Select(p => p.Name))}.");
                    return v.ValueKind switch
                    {
                        JsonValueKind.String => v.GetString()!,
                        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False when label => v.GetRawText(),
                        _ => throw new InvalidDataException($"{path}:{line}: field '{name}' is a JSON {Kind(v)}; expected " +
                            (label ? "a string, number or boolean naming one class." : "a string.")),
                    };
                }
                examples.Add(new LabeledExample(Field(options.TextColumn, label: false), Field(options.LabelColumn, label: true), path, line));
            }
        }
        return examples;
    }

    static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Array => "list",
        JsonValueKind.Object => "object",
        JsonValueKind.Null => "null",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        _ => "boolean",
    };
}
