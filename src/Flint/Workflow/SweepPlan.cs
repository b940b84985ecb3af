using System.Globalization;
using Flint.Config;
using Flint.Workflow.Specs;

namespace Flint.Workflow;

/// <summary>
/// A sweep's runs, from its spec: the settings (the grid's product, or a fixed random sample of it) × the seeds. Grid keys
/// and values are checked against the command's settings record through <see cref="SpecBinder"/> and <see cref="RunConfig"/>,
/// exactly as the command itself would check them, and every problem names the flag that caused it.
/// </summary>
public static class SweepPlan
{
    /// <summary>Settings a sweep sets itself, per run.</summary>
    static readonly string[] OwnKeys = ["out", "seed", "resume"];

    /// <summary>The settings record of <paramref name="command"/>.</summary>
    public static Type SpecType(SweepCommand command) => command == SweepCommand.Pretrain ? typeof(PretrainSpec) : typeof(FinetuneSpec);

    /// <summary>Parses <c>--grid key=v1,v2</c> texts (not yet checked against a command).</summary>
    public static IReadOnlyList<GridAxis> ParseGrid(IEnumerable<string> texts) => texts.Select(text =>
    {
        int eq = text.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0) throw new ConfigException("sweep", [$"--grid {text}: expected KEY=V1,V2,… (e.g. --grid optimizer.lr=1e-4,3e-4)."]);
        var values = text[(eq + 1)..].Split(',', StringSplitOptions.TrimEntries).ToList();
        if (values.All(v => v.Length == 0)) throw new ConfigException("sweep", [$"--grid {text}: the grid of {text[..eq]} is empty; give at least one value (KEY=V1,V2,…)."]);
        return new GridAxis(text[..eq].Trim().TrimStart('-').Replace('-', '_'), values);
    }).ToList();

    /// <summary>Parses <c>--seeds</c>: a count N (seeds 0…N−1) or a list <c>a,b,c</c>.</summary>
    public static IReadOnlyList<long> ParseSeeds(string text)
    {
        static long? Number(string s) => long.TryParse(s.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;
        if (!text.Contains(',', StringComparison.Ordinal))
            return Number(text) is { } count and >= 1 and <= 1000 ? [.. Enumerable.Range(0, (int)count).Select(i => (long)i)]
                : throw new ConfigException("sweep", [$"--seeds {text}: expected a count from 1 to 1000 (seeds 0…N−1) or a list of seeds such as 0,1,2."]);
        var seeds = text.Split(',').Select(s => Number(s) ?? throw new ConfigException("sweep", [$"--seeds {text}: '{s.Trim()}' is not a whole number."])).ToList();
        return seeds.Distinct().Count() == seeds.Count ? seeds : throw new ConfigException("sweep", [$"--seeds {text}: a seed is listed twice."]);
    }

    /// <summary>Refuses what cannot work (naming the flag) before any run starts; returns the spec with grid keys in their canonical spelling.</summary>
    public static SweepSpec Checked(SweepSpec spec, int cores)
    {
        var problems = new List<string>();
        var schema = SpecBinder.SchemaOf(SpecType(spec.Command));
        if (spec.Out.Length == 0) problems.Add("--out: required; the sweep's folder (its record, one folder per run, its table).");
        if (spec.Parallel < 1 || spec.Parallel > cores)
            problems.Add($"--parallel {spec.Parallel}: this machine has {cores} core(s); run at most {cores} at once (each run gets cores / N threads).");
        if (spec.Seeds.Count == 0) problems.Add("--seeds: give a count (e.g. 3) or a list (e.g. 0,1,2).");
        foreach (var flag in spec.Arguments.Where(a => a.StartsWith("--", StringComparison.Ordinal)).Select(a => a.Split('=')[0]))
        {
            var key = flag[2..].Replace('-', '_');
            if (OwnKeys.Contains(key)) problems.Add($"{flag}: the sweep sets it for each run (--out is the sweep's folder, seeds come from --seeds, interrupted runs resume by themselves).");
            else if (spec.Grid.Any(a => a.Key == key)) problems.Add($"{flag}: given both as a flag and by --grid {key}=…; keep one.");
        }
        var grid = new List<GridAxis>();
        foreach (var axis in spec.Grid)
        {
            if (OwnKeys.Contains(axis.Key))
            {
                problems.Add(axis.Key == "seed" ? "--grid seed=…: give seeds with --seeds." : $"--grid {axis.Key}=…: the sweep sets {axis.Key} for each run.");
                continue;
            }
            if (grid.Any(a => a.Key == axis.Key)) problems.Add($"--grid {axis.Key}: given twice; list all its values in one --grid {axis.Key}=V1,V2.");
            var before = problems.Count;
            foreach (var value in axis.Values.Distinct())
            {
                try { RunConfig.Resolve(schema, null, new Dictionary<string, string> { [axis.Key] = value }); }
                catch (ConfigException e) { problems.AddRange(e.Problems.Select(p => $"--grid {axis.Key}={string.Join(',', axis.Values)}: {p}")); break; }
            }
            if (axis.Values.Distinct().Count() != axis.Values.Count) problems.Add($"--grid {axis.Key}: a value is listed twice.");
            var key = schema.Keys.ContainsKey(axis.Key) ? axis.Key : schema.Keys.Values.FirstOrDefault(k => k.Alias == "--" + axis.Key.Replace('_', '-'))?.Name;
            if (problems.Count == before && key is not null) grid.Add(axis with { Key = key });
        }
        int settings = grid.Aggregate(1, (n, a) => n * a.Values.Count);
        if (spec.Random is { } k && (k < 1 || k > settings))
            problems.Add($"--random {k}: the grid has {settings} setting(s); sample between 1 and {settings}.");
        if (spec.Grid.Count == 0 && spec.Seeds.Count < 2)
            problems.Add("--grid: nothing to sweep; give --grid KEY=V1,V2 and/or --seeds N with N above 1.");
        if (problems.Count > 0) throw new ConfigException("sweep", problems);
        return spec with { Grid = grid };
    }

    /// <summary>The settings: the grid's product in grid order, or a sample of <see cref="SweepSpec.Random"/> of them (always the same one).</summary>
    public static IReadOnlyList<IReadOnlyList<KeyValuePair<string, string>>> Settings(SweepSpec spec)
    {
        IEnumerable<IReadOnlyList<KeyValuePair<string, string>>> product = [[]];
        foreach (var axis in spec.Grid)
            product = product.SelectMany(s => axis.Values.Select(v => (IReadOnlyList<KeyValuePair<string, string>>)[.. s, KeyValuePair.Create(axis.Key, v)])).ToList();
        var all = product.ToList();
        if (spec.Random is not { } k) return all;
        var random = new Random(20_261_128); // fixed: re-running the same command samples the same settings
        return all.Select((s, i) => (s, Order: random.NextDouble(), i)).OrderBy(x => x.Order).Take(k).OrderBy(x => x.i).Select(x => x.s).ToList();
    }

    /// <summary>Every run of the sweep: each setting × each seed, with a readable, unique folder name.</summary>
    public static IReadOnlyList<SweepPoint> Points(SweepSpec spec)
    {
        // Short names (the last part of each key) unless two axes share one.
        var shortNames = spec.Grid.Select(a => a.Key.Split('.')[^1]).ToList();
        bool unique = shortNames.Distinct().Count() == shortNames.Count;
        return Settings(spec).SelectMany(setting => spec.Seeds.Select(seed =>
        {
            var parts = setting.Select((kv, i) => $"{(unique ? shortNames[i] : kv.Key)}={Safe(kv.Value)}").Append($"seed={seed.ToString(CultureInfo.InvariantCulture)}");
            return new SweepPoint(string.Join('_', parts), setting, seed);
        })).ToList();
    }

    static string Safe(string value) => new(value.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '+' ? c : '~').ToArray());
}
