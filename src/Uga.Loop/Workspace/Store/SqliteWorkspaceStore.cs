using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Uga.Imaging;

namespace Uga.Loop.Workspace.Store;

/// <summary>
/// The workspace store in one SQLite file (workspace.db): WAL journal so readers never block the writer and a crash
/// loses nothing committed, foreign keys on, every mutation one IMMEDIATE transaction (taken before the first read,
/// so two processes writing at once queue on the busy timeout instead of failing).
/// </summary>
public sealed partial class SqliteWorkspaceStore : IWorkspaceStore
{
    public const string FileName = "workspace.db";
    public const int CurrentFormatVersion = 3; // 1 was workspace.json; 3 added the workbench's reviews

    /// <summary>Named points inside transactions where tests inject a failure (and UGA_STORE_KILL_AT a process kill).</summary>
    public const string AfterImportRow = "import:after-import-row";

    private readonly SqliteConnection connection;
    private readonly Action<string>? fault;

    // The provider asks for "sqlite3", which only the -dev package's unversioned symlink answers; the runtime
    // library is libsqlite3.so.0 (the same one libopenslide loads, so one SQLite serves the whole process).
    static SqliteWorkspaceStore()
    {
        NativeLibrary.SetDllImportResolver(typeof(SQLitePCL.SQLite3Provider_sqlite3).Assembly, (name, _, _) =>
            name == "sqlite3" && NativeLibrary.TryLoad("libsqlite3.so.0", out var handle) ? handle : IntPtr.Zero);
    }

    private SqliteWorkspaceStore(string path, Action<string>? fault)
    {
        Location = path;
        this.fault = fault;
        connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, ForeignKeys = true, DefaultTimeout = 60, Pooling = false }.ToString());
        connection.Open();
        Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=60000;");
    }

    public string Location { get; }

    /// <summary>Creates an empty store at <paramref name="path"/> (which must not exist).</summary>
    public static SqliteWorkspaceStore Create(string path, Action<string>? fault = null)
    {
        if (File.Exists(path)) throw new InvalidInputException(path, "a workspace store already exists here");
        var store = new SqliteWorkspaceStore(path, fault);
        store.InTransaction(() => store.Execute(SqliteSchema.Create + $"INSERT INTO meta(key, value) VALUES ('format_version', '{CurrentFormatVersion}');"));
        return store;
    }

    /// <summary>Opens an existing store; one written by a newer Uga is refused.</summary>
    public static SqliteWorkspaceStore Open(string path, Action<string>? fault = null)
    {
        if (!File.Exists(path)) throw new InvalidInputException(path, "workspace store not found");
        SqliteWorkspaceStore? store = null;
        try
        {
            store = new SqliteWorkspaceStore(path, fault);
            var version = store.Scalar("SELECT value FROM meta WHERE key = 'format_version'") as string;
            if (!int.TryParse(version, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v))
                throw new InvalidInputException(path, "not a Uga workspace store (no format version)");
            if (v > CurrentFormatVersion)
                throw new InvalidInputException(path, $"workspace format {v} is newer than this uga understands ({CurrentFormatVersion}); upgrade uga");
            if (v < 3) store.InTransaction(() => store.Execute(SqliteSchema.Reviews + "UPDATE meta SET value = '3' WHERE key = 'format_version';"));
            return store;
        }
        catch (SqliteException e)
        {
            store?.Dispose();
            // Opening in WAL mode creates the -wal and -shm files; on a full disk SQLite calls that an I/O error.
            if (IsDiskFull(e, path)) throw new DiskFullException(path, e);
            throw new InvalidInputException(path, $"unreadable workspace store ({e.Message.Split('\n')[0]})", e);
        }
        catch
        {
            store?.Dispose();
            throw;
        }
    }

    public WorkspaceManifest Load()
    {
        var sourceJson = Scalar("SELECT value FROM meta WHERE key = 'source'") as string
            ?? throw new InvalidInputException(Location, "workspace store has no source data (interrupted `uga workspace init`?)");
        var source = JsonSerializer.Deserialize<SourceData>(sourceJson, WorkspaceManifest.Json)!;
        var versions = Query("SELECT id, folder, parent, created_at, how, steps, patch_weight, patch_count, source_model, trained_on_rounds, recipe FROM model_versions ORDER BY seq",
            r => new ModelVersion
            {
                Id = r.GetString(0),
                Folder = r.GetString(1),
                Parent = r.IsDBNull(2) ? null : r.GetString(2),
                CreatedAt = Time(r.GetString(3)),
                How = r.GetString(4),
                Steps = r.GetInt32(5),
                PatchWeight = r.GetDouble(6),
                PatchCount = r.GetInt32(7),
                SourceModel = r.IsDBNull(8) ? null : r.GetString(8),
                TrainedOnRounds = Json<List<string>>(r.GetString(9)),
                Recipe = r.IsDBNull(10) ? null : r.GetString(10),
            });
        var imports = Query("SELECT round_id, file, sha256, format, slide, imported_at, spacing_um, unlabelled, candidate_patches, extra_regions, polygons, patches, pixels_per_class FROM imports WHERE id NOT IN (SELECT import_id FROM superseded_imports) ORDER BY id",
            r => (Round: r.GetString(0), Import: new AnnotationImport
            {
                File = r.GetString(1),
                Sha256 = r.GetString(2),
                Format = r.GetString(3),
                Slide = r.GetString(4),
                ImportedAt = Time(r.GetString(5)),
                SpacingUm = r.GetDouble(6),
                Unlabelled = r.GetString(7),
                CandidatePatches = r.GetInt32(8),
                ExtraRegions = r.GetInt32(9),
                Polygons = r.GetInt32(10),
                Patches = Json<List<string>>(r.GetString(11)),
                PixelsPerClass = Json<Dictionary<string, long>>(r.GetString(12)),
            }));
        var rounds = Query("SELECT id, ranked_by, created_at, candidates_file FROM rounds ORDER BY seq",
            r => new AnnotationRound
            {
                Id = r.GetString(0),
                RankedBy = r.GetString(1),
                CreatedAt = Time(r.GetString(2)),
                CandidatesFile = r.IsDBNull(3) ? null : r.GetString(3),
            });
        foreach (var round in rounds) round.Imports.AddRange(imports.Where(i => i.Round == round.Id).Select(i => i.Import));
        if (versions.Count == 0) throw new InvalidInputException(Location, "workspace store lists no model version");
        return new WorkspaceManifest { Source = source, Versions = versions, Rounds = rounds };
    }

    public void Initialise(SourceData source, ModelVersion first) => InTransaction(() =>
    {
        Execute("INSERT INTO meta(key, value) VALUES ('source', $v)", ("$v", JsonSerializer.Serialize(source, WorkspaceManifest.Json)));
        InsertVersion(first);
    });

    public void AddVersion(ModelVersion version) => InTransaction(() => InsertVersion(version));

    public IReadOnlyList<StoredCandidate> AddRound(AnnotationRound round, IReadOnlyList<StoredCandidate> candidates) => InTransaction(() =>
    {
        Execute("INSERT INTO rounds(id, seq, ranked_by, created_at, candidates_file) VALUES ($id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM rounds), $by, $at, $file)",
            ("$id", round.Id), ("$by", round.RankedBy), ("$at", Text(round.CreatedAt)), ("$file", round.CandidatesFile));
        return candidates.Select(c => c with { Id = InsertCandidate(c with { RoundId = round.Id }), RoundId = round.Id }).ToList();
    });

    public void AddImport(string roundId, AnnotationImport import, IReadOnlyList<StoredAnnotation> annotations) => InTransaction(() =>
    {
        if (Scalar("SELECT COUNT(*) FROM imports WHERE round_id = $r AND sha256 = $s", ("$r", roundId), ("$s", import.Sha256)) is long n && n > 0)
            throw new InvalidInputException(import.File, $"already imported into round {roundId} (same SHA-256)");
        InsertImport(roundId, import, annotations);
    });

    public IReadOnlyList<StoredCandidate> Candidates(string? roundId = null) => Query(
        "SELECT c.id, c.round_id, c.slide, c.rank, c.level0_x, c.level0_y, c.level0_w, c.level0_h, c.level0_spacing_um, c.grid_x, c.grid_y, c.grid_w, c.grid_h, c.grid_spacing_um, c.score, c.strategy, c.model_version " +
        "FROM candidates c JOIN rounds r ON r.id = c.round_id WHERE $r IS NULL OR c.round_id = $r ORDER BY r.seq, c.rank, c.slide",
        r => new StoredCandidate(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetInt32(3),
            new PixelRegion(r.GetInt32(4), r.GetInt32(5), r.GetInt32(6), r.GetInt32(7)), r.IsDBNull(8) ? null : r.GetDouble(8))
        {
            Grid = r.IsDBNull(9) ? null : new PixelRegion(r.GetInt32(9), r.GetInt32(10), r.GetInt32(11), r.GetInt32(12)),
            GridSpacingUm = r.IsDBNull(13) ? null : r.GetDouble(13),
            Score = r.IsDBNull(14) ? null : r.GetDouble(14),
            Strategy = r.IsDBNull(15) ? null : r.GetString(15),
            ModelVersion = r.IsDBNull(16) ? null : r.GetString(16),
        }, ("$r", roundId));

    public IReadOnlyList<StoredAnnotation> Annotations(string roundId) => Query(
        "SELECT a.class, a.geometry_wkt, a.candidate_id, a.author, a.created_at, a.source_file, a.source_sha256 FROM annotations a JOIN imports i ON i.id = a.import_id WHERE i.round_id = $r AND i.id NOT IN (SELECT import_id FROM superseded_imports) ORDER BY a.id",
        r => new StoredAnnotation(r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetInt64(2), r.GetString(3), Time(r.GetString(4)), r.GetString(5), r.GetString(6)),
        ("$r", roundId));

    public IReadOnlyList<SlideRecord> Slides() => Query("SELECT id, path, content_hash, spacing_um, width, height, added_at FROM slides ORDER BY seq",
        r => new SlideRecord(r.GetString(0), r.GetString(1), r.GetString(2), r.GetDouble(3), r.GetInt32(4), r.GetInt32(5), Time(r.GetString(6))));

    public SlideRecord AddSlide(SlideRecord slide) => InTransaction(() =>
    {
        var existing = Query("SELECT id, path FROM slides WHERE id = $id", r => (Id: r.GetString(0), Path: r.GetString(1)), ("$id", slide.Id));
        if (existing.Count > 0 && existing[0].Path != slide.Path)
            throw new InvalidInputException(slide.Path, $"has the same file stem '{slide.Id}' as the registered {existing[0].Path}; slides are named by stem");
        Execute("INSERT INTO slides(id, seq, path, content_hash, spacing_um, width, height, added_at) VALUES ($id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM slides), $p, $h, $s, $w, $ht, $at) " +
            "ON CONFLICT(id) DO UPDATE SET content_hash = excluded.content_hash, spacing_um = excluded.spacing_um, width = excluded.width, height = excluded.height",
            ("$id", slide.Id), ("$p", slide.Path), ("$h", slide.ContentHash), ("$s", slide.SpacingUm), ("$w", slide.Width), ("$ht", slide.Height), ("$at", Text(slide.AddedAt)));
        return Slides().First(s => s.Id == slide.Id);
    });

    public void Dispose()
    {
        connection.Dispose();
    }

    private void InsertVersion(ModelVersion v) =>
        Execute("INSERT INTO model_versions(id, seq, folder, parent, created_at, how, steps, patch_weight, patch_count, source_model, trained_on_rounds, recipe) " +
            "VALUES ($id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM model_versions), $f, $p, $at, $how, $st, $w, $n, $src, $r, $recipe)",
            ("$id", v.Id), ("$f", v.Folder), ("$p", v.Parent), ("$at", Text(v.CreatedAt)), ("$how", v.How), ("$st", v.Steps), ("$w", v.PatchWeight),
            ("$n", v.PatchCount), ("$src", v.SourceModel), ("$r", JsonSerializer.Serialize(v.TrainedOnRounds)), ("$recipe", v.Recipe));

    private long InsertCandidate(StoredCandidate c) =>
        Insert("INSERT INTO candidates(round_id, slide, rank, level0_x, level0_y, level0_w, level0_h, level0_spacing_um, grid_x, grid_y, grid_w, grid_h, grid_spacing_um, score, strategy, model_version) " +
            "VALUES ($r, $s, $k, $x, $y, $w, $h, $sp, $gx, $gy, $gw, $gh, $gs, $score, $strategy, $mv)",
            ("$r", c.RoundId), ("$s", c.Slide), ("$k", c.Rank), ("$x", c.Level0.X), ("$y", c.Level0.Y), ("$w", c.Level0.Width), ("$h", c.Level0.Height),
            ("$sp", c.Level0SpacingUm), ("$gx", c.Grid?.X), ("$gy", c.Grid?.Y), ("$gw", c.Grid?.Width), ("$gh", c.Grid?.Height), ("$gs", c.GridSpacingUm),
            ("$score", c.Score is { } s && double.IsFinite(s) ? s : null), ("$strategy", c.Strategy), ("$mv", c.ModelVersion));

    private void Fault(string point)
    {
        if (Environment.GetEnvironmentVariable("UGA_STORE_KILL_AT") == point) Environment.FailFast($"UGA_STORE_KILL_AT={point}: killed inside the transaction");
        fault?.Invoke(point);
    }

    private void InTransaction(Action body) => InTransaction(() => { body(); return 0; });

    private T InTransaction<T>(Func<T> body)
    {
        try
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            var result = body();
            transaction.Commit();
            return result;
        }
        catch (SqliteException e) when (IsDiskFull(e, Location))
        {
            throw new DiskFullException(Location, e);   // rolled back: the store is as it was
        }
    }

    // SQLITE_FULL, or an I/O error where the disk has nothing left (how SQLite reports a failed -shm/-wal write).
    private static bool IsDiskFull(SqliteException e, string path) =>
        e.SqliteErrorCode == 13 || (e.SqliteErrorCode == 10 && DiskFullException.IsAlmostFull(path));

    private void Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql, parameters);
        command.ExecuteNonQuery();
    }

    private long Insert(string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql + "; SELECT last_insert_rowid();", parameters);
        return (long)command.ExecuteScalar()!;
    }

    private object? Scalar(string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql, parameters);
        return command.ExecuteScalar();
    }

    private List<T> Query<T>(string sql, Func<SqliteDataReader, T> read, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql, parameters);
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read()) rows.Add(read(reader));
        return rows;
    }

    private SqliteCommand Command(string sql, (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    private static string Text(DateTimeOffset t) => t.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset Time(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    private static T Json<T>(string text) => JsonSerializer.Deserialize<T>(text)!;
}
