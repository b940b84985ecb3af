using System.Net;
using System.Text;

namespace Flint.Reports;

/// <summary>Writes a <see cref="ReportContent"/> as HTML (inline SVG), Markdown or a LaTeX results table; PNGs go in a folder beside it.</summary>
internal static class ReportWriter
{
    const string Style = "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222;padding:0 1em}table{border-collapse:collapse;margin:1em 0;font-size:0.92em}" +
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#f3f3f3}td:first-child,th:first-child,td:last-child{text-align:left}" +
        "figure{margin:1.5em 0}figcaption{color:#555;font-size:0.9em}svg{max-width:100%;height:auto}.headline{background:#f6f8fa;border-left:4px solid #4a7;padding:0.6em 1em}";

    public static IReadOnlyList<string> Write(ReportContent content, ReportFormat format, string outputPath)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(outputPath))!;
        Directory.CreateDirectory(folder);
        var assetsName = Path.GetFileNameWithoutExtension(outputPath) + "_files";
        var written = new List<string>();
        if (format != ReportFormat.Latex && content.Figures.Count > 0)
        {
            var assets = Path.Combine(folder, assetsName);
            Directory.CreateDirectory(assets);
            foreach (var figure in content.Figures)
            {
                var file = Path.Combine(assets, figure.Name + ".png");
                File.WriteAllBytes(file, figure.Png);
                written.Add(file);
            }
        }
        var generated = $"Generated {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC by Flint {FlintInfo.Version}.";
        File.WriteAllText(outputPath, format switch
        {
            ReportFormat.Markdown => Markdown(content, assetsName, generated),
            ReportFormat.Latex => Latex(content, generated),
            _ => Html(content, generated),
        });
        return written;
    }

    static string Html(ReportContent content, string generated)
    {
        static string E(string s) => WebUtility.HtmlEncode(s);
        var text = new StringBuilder($"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{E(content.Title)}</title><style>{Style}</style></head><body>\n");
        text.AppendLine($"<h1>{E(content.Title)}</h1><p>{E(generated)}</p>");
        text.AppendLine("<section id=\"headline\" class=\"headline\"><h2>Result</h2><ul>" + string.Concat(content.Headline.Select(l => $"<li>{E(l)}</li>")) + "</ul></section>");
        foreach (var table in content.Tables.Where(t => t.IsResults)) HtmlTable(text, table);
        text.AppendLine("<section id=\"figures\">");
        foreach (var figure in content.Figures)
        {
            var svg = figure.Svg[Math.Max(0, figure.Svg.IndexOf("<svg", StringComparison.Ordinal))..]; // inline: without the XML declaration
            text.AppendLine($"<figure id=\"{figure.Name}\" class=\"panel\">{svg}<figcaption>{E(figure.Caption)}</figcaption></figure>");
        }
        text.AppendLine("</section>");
        foreach (var table in content.Tables.Where(t => !t.IsResults)) HtmlTable(text, table);
        return text.AppendLine("</body></html>").ToString();
    }

    static void HtmlTable(StringBuilder text, ReportTable table)
    {
        static string E(string s) => WebUtility.HtmlEncode(s);
        text.AppendLine($"<h2>{E(table.Title)}</h2><table><tr>{string.Concat(table.Header.Select(h => $"<th>{E(h)}</th>"))}</tr>");
        foreach (var row in table.Rows) text.AppendLine($"<tr>{string.Concat(row.Select(c => $"<td>{E(c)}</td>"))}</tr>");
        text.AppendLine("</table>");
    }

    static string Markdown(ReportContent content, string assetsName, string generated)
    {
        var text = new StringBuilder($"# {content.Title}\n\n{generated}\n\n## Result\n\n");
        foreach (var line in content.Headline) text.AppendLine($"- {line}");
        text.AppendLine();
        void Table(ReportTable table)
        {
            static string Cell(string s) => s.Replace("|", "\\|", StringComparison.Ordinal);
            text.AppendLine($"## {table.Title}").AppendLine();
            text.AppendLine("| " + string.Join(" | ", table.Header.Select(Cell)) + " |").AppendLine("|" + string.Concat(table.Header.Select(_ => "---|")));
            foreach (var row in table.Rows) text.AppendLine("| " + string.Join(" | ", row.Select(Cell)) + " |");
            text.AppendLine();
        }
        foreach (var table in content.Tables.Where(t => t.IsResults)) Table(table);
        foreach (var figure in content.Figures)
            text.AppendLine($"![{figure.Caption}]({assetsName}/{figure.Name}.png)").AppendLine().AppendLine($"*{figure.Caption}*").AppendLine();
        foreach (var table in content.Tables.Where(t => !t.IsResults)) Table(table);
        return text.ToString();
    }

    /// <summary>The results tables as <c>tabular</c>s (booktabs), ready for <c>\input</c> in a paper.</summary>
    static string Latex(ReportContent content, string generated)
    {
        static string E(string s) => string.Concat(s.Select(c => c switch
        {
            '\\' => "\\textbackslash{}", '&' or '%' or '$' or '#' or '_' or '{' or '}' => "\\" + c, '~' => "\\textasciitilde{}", '^' => "\\textasciicircum{}",
            '±' => "$\\pm$", _ => c.ToString(),
        }));
        var text = new StringBuilder($"% {content.Title}. {generated} Requires \\usepackage{{booktabs}}.\n");
        foreach (var table in content.Tables.Where(t => t.IsResults))
        {
            text.AppendLine($"% {E(table.Title)}").AppendLine("\\begin{tabular}{l" + new string('r', table.Header.Count - 2) + "l}").AppendLine("\\toprule");
            text.AppendLine(string.Join(" & ", table.Header.Select(E)) + " \\\\").AppendLine("\\midrule");
            foreach (var row in table.Rows) text.AppendLine(string.Join(" & ", row.Select(E)) + " \\\\");
            text.AppendLine("\\bottomrule").AppendLine("\\end{tabular}").AppendLine();
        }
        return text.ToString();
    }
}
