using System.CommandLine;
using System.Globalization;
using Flint.Reports;
using Flint.Tracking;
using Spectre.Console;

namespace Flint.Cli.Commands;

/// <summary><c>flint runs</c> (list, show, compare, tag, note, reindex) and <c>flint report</c>.</summary>
internal static class RunsCommand
{
    static Option<string> RunsRoot() => new("--runs") { Description = "The runs root (holds flint.db).", DefaultValueFactory = _ => "runs" };

    public static Command Create()
    {
        var root = RunsRoot();
        var kind = new Option<string?>("--kind") { Description = "Only runs of this kind (pretrain, finetune, lr-find)." };
        var tag = new Option<string?>("--tag") { Description = "Only runs with this tag." };
        var status = new Option<string?>("--status") { Description = "Only runs with this status (running, finished, interrupted, failed)." };
        var sort = new Option<string?>("--sort") { Description = "Sort by this metric, best first (e.g. test_accuracy; loss-like names sort ascending)." };
        var list = new Command("runs", "List the runs under the runs root (from its index, flint.db).") { root, kind, tag, status, sort };
        list.SetAction(parse => CliErrors.Guard(() =>
        {
            if (!Directory.Exists(parse.GetValue(root)))
            {
                AnsiConsole.MarkupLine(Markup.Escape($"No runs in {parse.GetValue(root)} (no such folder)."));
                return 0;
            }
            var store = RunStore.Open(parse.GetValue(root)!);
            IEnumerable<RunRecord> runs = store.List(parse.GetValue(kind), parse.GetValue(tag), parse.GetValue(status));
            if (parse.GetValue(sort) is { } metric)
            {
                bool ascending = metric.Contains("loss", StringComparison.OrdinalIgnoreCase);
                runs = runs.OrderBy(r => r.Metrics.TryGetValue(metric, out var v) ? (ascending ? v : -v) : double.MaxValue);
            }
            var table = new Table().Border(TableBorder.Rounded).AddColumns("id", "kind", "status", "started", "steps", "val loss", "val acc", "test acc", "tags");
            foreach (var r in runs)
                table.AddRow(Markup.Escape(r.Id), r.Kind, r.Status, r.Started?.ToLocalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "",
                    M(r, "final_step", "N0"), M(r, "val_loss", "F4"), M(r, "val_accuracy", "P1"), M(r, "test_accuracy", "P1"), Markup.Escape(string.Join(",", r.Tags)));
            AnsiConsole.Write(table);
            return 0;
        }));

        var id = new Argument<string>("id") { Description = "Run id (or a unique prefix)." };
        var show = new Command("show", "Show one run: configuration, metrics, tags, notes.") { id, root };
        show.SetAction(parse => CliErrors.Guard(() =>
        {
            var r = RunStore.OpenExisting(parse.GetValue(root)!).Get(parse.GetValue(id)!);
            var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(r.Id)).AddColumn("key").AddColumn("value");
            table.AddRow("kind / status", $"{r.Kind} / {r.Status}");
            if (r.Parent is not null) table.AddRow("parent", Markup.Escape(r.Parent));
            foreach (var (k, v) in r.Metrics.OrderBy(m => m.Key)) table.AddRow(Markup.Escape(k), v.ToString("G6", CultureInfo.InvariantCulture));
            foreach (var (k, v) in r.Config.OrderBy(m => m.Key)) table.AddRow(Markup.Escape(k), Markup.Escape(v));
            if (r.Tags.Count > 0) table.AddRow("tags", Markup.Escape(string.Join(", ", r.Tags)));
            if (r.Notes.Length > 0) table.AddRow("notes", Markup.Escape(r.Notes));
            AnsiConsole.Write(table);
            return 0;
        }));

        var ids = new Argument<string[]>("ids") { Description = "Runs to compare.", Arity = ArgumentArity.OneOrMore };
        var compare = new Command("compare", "Print the configuration differences and the metrics of several runs side by side.") { ids, root };
        compare.SetAction(parse => CliErrors.Guard(() =>
        {
            var store = RunStore.OpenExisting(parse.GetValue(root)!);
            var runs = parse.GetValue(ids)!.Select(store.Get).ToList();
            var table = new Table().Border(TableBorder.Rounded).AddColumn("key");
            foreach (var r in runs) table.AddColumn(Markup.Escape(r.Id));
            var differing = runs.SelectMany(r => r.Config.Keys).Distinct().Order(StringComparer.Ordinal)
                .Where(k => k is not "out" && runs.Select(r => r.Config.GetValueOrDefault(k)).Distinct().Count() > 1);
            foreach (var k in differing) table.AddRow([Markup.Escape(k), .. runs.Select(r => Markup.Escape(r.Config.GetValueOrDefault(k) ?? "(unset)"))]);
            foreach (var m in runs.SelectMany(r => r.Metrics.Keys).Distinct().Order(StringComparer.Ordinal))
                table.AddRow([Markup.Escape(m), .. runs.Select(r => r.Metrics.TryGetValue(m, out var v) ? v.ToString("G5", CultureInfo.InvariantCulture) : "")]);
            AnsiConsole.Write(table);
            return 0;
        }));

        var tagValue = new Argument<string>("tag") { Description = "The tag." };
        var tagCommand = new Command("tag", "Tag a run.") { id, tagValue, root };
        tagCommand.SetAction(parse => CliErrors.Guard(() => { RunStore.OpenExisting(parse.GetValue(root)!).Tag(parse.GetValue(id)!, parse.GetValue(tagValue)!); return 0; }));
        var noteValue = new Argument<string>("note") { Description = "The note." };
        var note = new Command("note", "Set a run's note.") { id, noteValue, root };
        note.SetAction(parse => CliErrors.Guard(() => { RunStore.OpenExisting(parse.GetValue(root)!).Note(parse.GetValue(id)!, parse.GetValue(noteValue)!); return 0; }));
        var reindex = new Command("reindex", "Rebuild the index from the run folders (tags and notes are kept).") { root };
        reindex.SetAction(parse => CliErrors.Guard(() =>
        {
            int n = RunStore.OpenExisting(parse.GetValue(root)!).Reindex();
            AnsiConsole.MarkupLine($"Indexed {n} runs.");
            return 0;
        }));
        list.Subcommands.Add(show);
        list.Subcommands.Add(compare);
        list.Subcommands.Add(tagCommand);
        list.Subcommands.Add(note);
        list.Subcommands.Add(reindex);
        return list;
    }

    public static Command Report()
    {
        var root = RunsRoot();
        var ids = new Argument<string[]>("runs") { Description = "Runs, demos or sweeps: ids from 'flint runs', or folders.", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string?>("--out") { Description = "The report file (default: report.html, report.md or results.tex by --format); PNGs go in a folder beside it." };
        var title = new Option<string>("--title") { Description = "Heading.", DefaultValueFactory = _ => "Flint report" };
        var format = new Option<ReportFormat?>("--format") { Description = "html (inline SVG), md (for a README or an issue) or latex (the results table). Default: from --out's extension." };
        format.CustomParser = r => r.Tokens[0].Value.ToLowerInvariant() switch
        {
            "html" => ReportFormat.Html, "md" or "markdown" => ReportFormat.Markdown, "latex" or "tex" => ReportFormat.Latex,
            var other => Fail<ReportFormat?>(r, $"--format {other}: expected html, md or latex."),
        };
        var x = new Option<Charts.Axis>("--x") { Description = "x-axis of curves: step, tokens or time.", DefaultValueFactory = _ => Charts.Axis.Step };
        x.CustomParser = r => r.Tokens[0].Value.ToLowerInvariant() switch
        {
            "step" => Charts.Axis.Step, "tokens" => Charts.Axis.Tokens, "time" or "wall" => Charts.Axis.WallTime,
            var other => Fail<Charts.Axis>(r, $"--x {other}: expected step, tokens or time."),
        };
        var smoothing = new Option<double>("--smoothing") { Description = "EMA weight for long curves, 0 (raw) to below 1, as TensorBoard's slider.", DefaultValueFactory = _ => 0.6 };
        smoothing.Validators.Add(r => { if (r.GetValueOrDefault<double>() is < 0 or >= 1) r.AddError($"--smoothing {r.GetValueOrDefault<double>()}: expected 0 (raw) up to below 1."); });
        var chart = new Option<string[]>("--chart") { Description = "Add a chart of exact metric keys: 'TITLE=key1,key2' (repeatable), e.g. --chart 'Detection=train/detect_acc,val/detect_acc'." };
        var command = new Command("report", "Write a report of runs, a demo or a sweep: the headline result with its uncertainty, every logged metric by phase and scale " +
            "(seeds as mean ± sd bands), final-metric bars, confusion heatmaps, label-efficiency curves, and tables naming the run behind every number.")
        {
            ids, output, title, format, x, smoothing, chart, root,
        };
        command.SetAction(parse => CliErrors.Guard(() =>
        {
            var folders = parse.GetValue(ids)!.Select(i => Directory.Exists(i) && File.Exists(Path.Combine(i, "config.yaml")) ? i
                : RunStore.OpenExisting(parse.GetValue(root)!) is var store ? store.FolderOf(store.Get(i)) : i).ToList();
            var extra = (parse.GetValue(chart) ?? []).Select(c => c.Split('=', 2) is [var t, var keys] && keys.Length > 0
                ? new ReportChart(t, keys.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                : throw new ArgumentException($"--chart {c}: expected TITLE=key1,key2 (exact metric keys as logged, e.g. train/loss).")).ToList();
            var chosen = parse.GetValue(format);
            var path = parse.GetValue(output) ?? chosen switch { ReportFormat.Markdown => "report.md", ReportFormat.Latex => "results.tex", _ => "report.html" };
            var request = new ReportRequest(parse.GetValue(title)!, folders) { X = parse.GetValue(x), Smoothing = parse.GetValue(smoothing), Extra = extra, Format = chosen };
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var images = ReportBuilder.Write(request, path);
            AnsiConsole.MarkupLine(Markup.Escape($"Wrote {Path.GetFullPath(path)} ({folders.Count} folder(s), {images.Count} chart(s), {watch.Elapsed.TotalSeconds:F1} s)."));
            return 0;
        }));
        return command;
    }

    static T Fail<T>(System.CommandLine.Parsing.ArgumentResult result, string message)
    {
        result.AddError(message);
        return default!;
    }

    static string M(RunRecord r, string key, string format) => r.Metrics.TryGetValue(key, out var v) ? v.ToString(format, CultureInfo.InvariantCulture) : "";
}
