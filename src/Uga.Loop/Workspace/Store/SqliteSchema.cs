namespace Uga.Loop.Workspace.Store;

/// <summary>The tables of workspace.db. Ids of versions and rounds are the names people use (v2, r3); seq keeps their order.</summary>
internal static class SqliteSchema
{
    public const string Create = """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE slides (
            id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, path TEXT NOT NULL, content_hash TEXT NOT NULL,
            spacing_um REAL NOT NULL, width INTEGER NOT NULL, height INTEGER NOT NULL, added_at TEXT NOT NULL);
        CREATE TABLE model_versions (
            id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, folder TEXT NOT NULL, parent TEXT REFERENCES model_versions(id),
            created_at TEXT NOT NULL, how TEXT NOT NULL, steps INTEGER NOT NULL, patch_weight REAL NOT NULL, patch_count INTEGER NOT NULL,
            source_model TEXT, trained_on_rounds TEXT NOT NULL, recipe TEXT);
        CREATE TABLE rounds (
            id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, ranked_by TEXT NOT NULL REFERENCES model_versions(id),
            created_at TEXT NOT NULL, candidates_file TEXT);
        CREATE TABLE candidates (
            id INTEGER PRIMARY KEY, round_id TEXT NOT NULL REFERENCES rounds(id), slide TEXT NOT NULL, rank INTEGER NOT NULL,
            level0_x INTEGER NOT NULL, level0_y INTEGER NOT NULL, level0_w INTEGER NOT NULL, level0_h INTEGER NOT NULL, level0_spacing_um REAL,
            grid_x INTEGER, grid_y INTEGER, grid_w INTEGER, grid_h INTEGER, grid_spacing_um REAL,
            score REAL, strategy TEXT, model_version TEXT REFERENCES model_versions(id),
            UNIQUE (round_id, slide, rank));
        CREATE TABLE imports (
            id INTEGER PRIMARY KEY, round_id TEXT NOT NULL REFERENCES rounds(id), file TEXT NOT NULL, sha256 TEXT NOT NULL,
            format TEXT NOT NULL, slide TEXT NOT NULL, imported_at TEXT NOT NULL, spacing_um REAL NOT NULL, unlabelled TEXT NOT NULL,
            candidate_patches INTEGER NOT NULL, extra_regions INTEGER NOT NULL, polygons INTEGER NOT NULL,
            patches TEXT NOT NULL, pixels_per_class TEXT NOT NULL, UNIQUE (round_id, sha256));
        CREATE TABLE annotations (
            id INTEGER PRIMARY KEY, import_id INTEGER NOT NULL REFERENCES imports(id), candidate_id INTEGER REFERENCES candidates(id),
            class TEXT NOT NULL, geometry_wkt TEXT NOT NULL, author TEXT NOT NULL, created_at TEXT NOT NULL,
            source_file TEXT NOT NULL, source_sha256 TEXT NOT NULL);
        CREATE INDEX annotations_candidate ON annotations(candidate_id);
        """ + Reviews;

    /// <summary>
    /// Format 3: the workbench's answer to each candidate (open, annotated, skipped) with a revision for optimistic
    /// concurrency, and imports a later answer replaced (kept as history, left out of training).
    /// </summary>
    public const string Reviews = """
        CREATE TABLE reviews (
            candidate_id INTEGER PRIMARY KEY REFERENCES candidates(id), state TEXT NOT NULL, revision INTEGER NOT NULL,
            author TEXT NOT NULL, updated_at TEXT NOT NULL, import_id INTEGER REFERENCES imports(id));
        CREATE TABLE superseded_imports (import_id INTEGER PRIMARY KEY REFERENCES imports(id), at TEXT NOT NULL);
        """;
}
