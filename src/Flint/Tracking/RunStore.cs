using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Flint.Tracking;

/// <summary>
/// An index of every run under a runs root, in an embedded SQLite database (<c>flint.db</c>). Metrics stay in the run
/// folders; the store can always be rebuilt from them (<see cref="Reindex"/>). WAL mode and a busy timeout let several
/// runs write at once without corrupting it.
/// </summary>
public sealed class RunStore
{
    /// <summary>The database file name inside the runs root.</summary>
    public const string FileName = "flint.db";
    readonly string _connection;

    RunStore(string root)
    {
        Root = Path.GetFullPath(root);
        _connection = new SqliteConnectionStringBuilder { DataSource = Path.Combine(Root, FileName), Pooling = false, DefaultTimeout = 30 }.ToString();
    }

    /// <summary>The runs root.</summary>
    public string Root { get; }

    /// <summary>
    /// Opens (creating if needed) the store of <paramref name="root"/>. A corrupt database, or one made by an incompatible
    /// version, is moved aside (<c>flint.db.corrupt-TIME</c>) and rebuilt from the run folders, which is said on
    /// <paramref name="log"/> (standard output by default). One that cannot be opened at all is an <see cref="IOException"/>.
    /// </summary>
    public static RunStore Open(string root, TextWriter? log = null)
    {
        Directory.CreateDirectory(root);
        var store = new RunStore(root);
        try
        {
            store.Prepare();
        }
        catch (Exception e) when (e is InvalidDataException or SqliteException { SqliteErrorCode: CorruptCode or NotADatabaseCode })
        {
            var aside = store.SetAside();
            store.Prepare();
            int runs = store.Reindex();
            (log ?? Console.Out).WriteLine($"The runs index {store.Database} was unreadable ({e.Message.TrimEnd('.')}): moved it to {Path.GetFileName(aside)} and " +
                $"rebuilt it from {runs} run folder(s). Tags and notes were not recovered (the old file keeps them).");
        }
        catch (SqliteException e)
        {
            throw new IOException($"{store.Database}: cannot open the runs index ({e.Message.TrimEnd('.')}). It is only a cache of the run folders: " +
                "move it away and run 'flint runs reindex'.", e);
        }
        return store;
    }

    /// <summary>Opens the store of an existing runs root; a clear error, and nothing created, when there is no such folder.</summary>
    public static RunStore OpenExisting(string root, TextWriter? log = null) => Directory.Exists(root)
        ? Open(root, log)
        : throw new DirectoryNotFoundException($"{root}: no such runs folder. Pass --runs with the folder that holds your runs (default: runs).");

    // SQLite's result codes for a damaged file and for a file that is not a database.
    const int CorruptCode = 11;
    const int NotADatabaseCode = 26;

    static readonly string[] Columns = ["id", "name", "kind", "status", "started", "finished", "config", "parent", "metrics", "tags", "notes"];

    string Database => Path.Combine(Root, FileName);

    /// <summary>Creates the table if needed, then checks the file's integrity and that the table is the one this version writes.</summary>
    void Prepare()
    {
        Execute("PRAGMA journal_mode=WAL;");
        Execute("""
            CREATE TABLE IF NOT EXISTS runs (
                id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL, started TEXT, finished TEXT,
                config TEXT NOT NULL, parent TEXT, metrics TEXT NOT NULL, tags TEXT NOT NULL DEFAULT '', notes TEXT NOT NULL DEFAULT '');
            """);
        using var connection = Connect();
        using var check = connection.CreateCommand();
        check.CommandText = "PRAGMA quick_check;";
        if (check.ExecuteScalar() is not "ok" and var problem) throw new InvalidDataException($"integrity check: {problem}");
        check.CommandText = "SELECT name FROM pragma_table_info('runs');";
        var present = new HashSet<string>(StringComparer.Ordinal);
        using (var reader = check.ExecuteReader())
            while (reader.Read()) present.Add(reader.GetString(0));
        if (Columns.Where(c => !present.Contains(c)).ToList() is { Count: > 0 } missing)
            throw new InvalidDataException($"its runs table has no {string.Join(", ", missing)} column; another version of Flint made it");
    }

    /// <summary>Moves the database (and its WAL files) to <c>flint.db.corrupt-TIME</c>; returns the new path.</summary>
    string SetAside()
    {
        var aside = $"{Database}.corrupt-{DateTime.Now:yyyyMMdd-HHmmss}";
        for (int n = 2; File.Exists(aside); n++) aside = $"{Database}.corrupt-{DateTime.Now:yyyyMMdd-HHmmss}-{n}";
        File.Move(Database, aside);
        foreach (var suffix in new[] { "-wal", "-shm" })
            if (File.Exists(Database + suffix)) File.Move(Database + suffix, aside + suffix);
        return aside;
    }

    /// <summary>The store for the runs root that holds <paramref name="runFolder"/> (its parent folder, or the demo folder's parent).</summary>
    public static RunStore ForRun(string runFolder)
    {
        var parent = Directory.GetParent(Path.GetFullPath(runFolder))!;
        // Runs inside runs (a demo's arms, a fine-tuning run's adaptation) are indexed in the root that holds the outermost one.
        while ((parent.Name.StartsWith("demo-", StringComparison.Ordinal) || File.Exists(Path.Combine(parent.FullName, RunFolder.ConfigFile))) && parent.Parent is { } grand)
            parent = grand;
        return Open(parent.FullName);
    }

    /// <summary>Records that a run started (status running) or updates it from its folder (config.yaml, summary.json).</summary>
    public void Upsert(string runFolder, RunStatus? status = null)
    {
        var run = RunFolder.Existing(runFolder);
        var id = Path.GetRelativePath(Root, run.Path);
        var config = run.Config();
        RunSummary? summary = File.Exists(run.File(RunSummary.FileName)) ? RunSummary.Read(run.Path) : null;
        var metrics = new Dictionary<string, double>();
        if (summary is not null)
        {
            void Add(string key, double? value) { if (value is { } v && double.IsFinite(v)) metrics[key] = v; }
            Add("val_loss", summary.ValLoss); Add("val_accuracy", summary.ValAccuracy); Add("test_accuracy", summary.TestAccuracy);
            Add("tokens_per_s", summary.TokensPerSecond); Add("wall_s", summary.WallSeconds); Add("params", summary.Params);
            Add("final_step", summary.FinalStep); Add("tokens", summary.Tokens);
            foreach (var (k, v) in summary.Metrics) Add(k, v);
        }
        var parent = summary?.Parent is { } p && p.StartsWith(Root, StringComparison.Ordinal) ? Path.GetRelativePath(Root, p) : summary?.Parent;
        Execute("""
            INSERT INTO runs (id, name, kind, status, started, finished, config, parent, metrics) VALUES ($id, $name, $kind, $status, $started, $finished, $config, $parent, $metrics)
            ON CONFLICT(id) DO UPDATE SET kind = $kind, status = $status, started = COALESCE(runs.started, $started), finished = $finished,
                config = $config, parent = $parent, metrics = $metrics;
            """,
            ("$id", id), ("$name", run.Name), ("$kind", config.GetValueOrDefault("kind") ?? summary?.Kind ?? "unknown"),
            ("$status", (status ?? summary?.Status ?? RunStatus.Running).Text()), ("$started", (summary?.Started ?? DateTimeOffset.UtcNow).ToString("O")),
            ("$finished", summary is null ? null : summary.Finished.ToString("O")), ("$config", JsonSerializer.Serialize(config)),
            ("$parent", parent), ("$metrics", JsonSerializer.Serialize(metrics)));
    }

    /// <summary>Rebuilds the index from the run folders under the root (tags and notes are kept).</summary>
    public int Reindex()
    {
        int count = 0;
        foreach (var config in Directory.EnumerateFiles(Root, "config.yaml", new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 3 }))
        {
            var folder = Path.GetDirectoryName(config)!;
            if (Path.GetRelativePath(Root, folder).Split(Path.DirectorySeparatorChar).Any(p => p is "checkpoints" or "data")) continue;
            Upsert(folder, File.Exists(Path.Combine(folder, RunSummary.FileName)) ? null : RunStatus.Incomplete); // running, or stopped without a summary
            count++;
        }
        return count;
    }

    /// <summary>Runs, newest first, filtered by kind, tag and status.</summary>
    public IReadOnlyList<RunRecord> List(string? kind = null, string? tag = null, string? status = null)
    {
        var runs = new List<RunRecord>();
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, name, kind, status, started, finished, config, parent, metrics, tags, notes FROM runs ORDER BY started DESC, id";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var record = new RunRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), Date(reader, 4), Date(reader, 5),
                JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(6))!, reader.IsDBNull(7) ? null : reader.GetString(7),
                JsonSerializer.Deserialize<Dictionary<string, double>>(reader.GetString(8))!,
                reader.GetString(9).Split(',', StringSplitOptions.RemoveEmptyEntries), reader.GetString(10));
            if ((kind is null || record.Kind == kind) && (status is null || record.Status == status) && (tag is null || record.Tags.Contains(tag))) runs.Add(record);
        }
        return runs;
    }

    /// <summary>One run by id (or unique id prefix / folder name).</summary>
    public RunRecord Get(string id)
    {
        var all = List();
        var matches = all.Where(r => r.Id == id || r.Name == id).ToList();
        if (matches.Count == 0) matches = all.Where(r => r.Id.StartsWith(id, StringComparison.Ordinal)).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new RunNotFoundException($"No run '{id}' in {Root}. 'flint runs' lists them; 'flint runs reindex' rebuilds the index from the folders."),
            _ => throw new RunNotFoundException($"'{id}' matches {matches.Count} runs ({string.Join(", ", matches.Take(5).Select(m => m.Id))}); give more of the id."),
        };
    }

    /// <summary>Adds a tag.</summary>
    public void Tag(string id, string tag)
    {
        var run = Get(id);
        Execute("UPDATE runs SET tags = $tags WHERE id = $id", ("$tags", string.Join(',', run.Tags.Append(tag).Distinct())), ("$id", run.Id));
    }

    /// <summary>Sets the note.</summary>
    public void Note(string id, string note) => Execute("UPDATE runs SET notes = $notes WHERE id = $id", ("$notes", note), ("$id", Get(id).Id));

    /// <summary>The run folder of a record.</summary>
    public string FolderOf(RunRecord run) => Path.Combine(Root, run.Id);

    static DateTimeOffset? Date(SqliteDataReader reader, int column) =>
        reader.IsDBNull(column) ? null : DateTimeOffset.Parse(reader.GetString(column), CultureInfo.InvariantCulture);

    SqliteConnection Connect()
    {
        var connection = new SqliteConnection(_connection);
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA busy_timeout = 30000;";
        pragma.ExecuteNonQuery();
        return connection;
    }

    void Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        command.ExecuteNonQuery();
    }
}
