using System.Text.Json;

namespace Uga.Loop.Workspace.Store;

/// <summary>The workbench's answers to candidates: one row per candidate, replaced only by a save that saw its revision.</summary>
public sealed partial class SqliteWorkspaceStore
{
    public IReadOnlyList<CandidateReview> Reviews(string? roundId = null) => Query(
        "SELECT v.candidate_id, v.state, v.revision, v.author, v.updated_at, v.import_id FROM reviews v JOIN candidates c ON c.id = v.candidate_id " +
        "WHERE $r IS NULL OR c.round_id = $r ORDER BY v.candidate_id",
        r => new CandidateReview(r.GetInt64(0), Enum.Parse<ReviewState>(r.GetString(1), ignoreCase: true), r.GetInt32(2), r.GetString(3), Time(r.GetString(4)))
        {
            ImportId = r.IsDBNull(5) ? null : r.GetInt64(5),
        }, ("$r", roundId));

    public CandidateReview SaveReview(long candidateId, int expectedRevision, ReviewState state, string author, ReviewImport? import) => InTransaction(() =>
    {
        // Checked inside the IMMEDIATE transaction: two saves of one candidate cannot both see the same revision.
        var current = Reviews().FirstOrDefault(r => r.CandidateId == candidateId);
        if (Scalar("SELECT COUNT(*) FROM candidates WHERE id = $c", ("$c", candidateId)) is not long n || n == 0)
            throw new KeyNotFoundException($"no candidate {candidateId}");
        StaleRevisionException.ThrowIfStale(candidateId, expectedRevision, current);
        long? importId = import is null ? null : InsertImport(import.RoundId, import.Import, import.Annotations);
        if (current?.ImportId is { } replaced)
            Execute("INSERT OR IGNORE INTO superseded_imports(import_id, at) VALUES ($i, $t)", ("$i", replaced), ("$t", Text(DateTimeOffset.UtcNow)));
        var saved = new CandidateReview(candidateId, state, expectedRevision + 1, author, DateTimeOffset.UtcNow) { ImportId = importId };
        Execute("INSERT INTO reviews(candidate_id, state, revision, author, updated_at, import_id) VALUES ($c, $s, $v, $a, $t, $i) " +
            "ON CONFLICT(candidate_id) DO UPDATE SET state = excluded.state, revision = excluded.revision, author = excluded.author, updated_at = excluded.updated_at, import_id = excluded.import_id",
            ("$c", candidateId), ("$s", state.ToString().ToLowerInvariant()), ("$v", saved.Revision), ("$a", author), ("$t", Text(saved.UpdatedAt)), ("$i", importId));
        return saved;
    });

    private long InsertImport(string roundId, AnnotationImport import, IReadOnlyList<StoredAnnotation> annotations)
    {
        long id = Insert("INSERT INTO imports(round_id, file, sha256, format, slide, imported_at, spacing_um, unlabelled, candidate_patches, extra_regions, polygons, patches, pixels_per_class) " +
            "VALUES ($r, $f, $s, $fmt, $sl, $at, $sp, $u, $cp, $er, $p, $pa, $px)",
            ("$r", roundId), ("$f", import.File), ("$s", import.Sha256), ("$fmt", import.Format), ("$sl", import.Slide), ("$at", Text(import.ImportedAt)), ("$sp", import.SpacingUm),
            ("$u", import.Unlabelled), ("$cp", import.CandidatePatches), ("$er", import.ExtraRegions), ("$p", import.Polygons),
            ("$pa", JsonSerializer.Serialize(import.Patches)), ("$px", JsonSerializer.Serialize(import.PixelsPerClass)));
        Fault(AfterImportRow);
        foreach (var a in annotations)
            Insert("INSERT INTO annotations(import_id, candidate_id, class, geometry_wkt, author, created_at, source_file, source_sha256) VALUES ($i, $c, $k, $g, $a, $t, $f, $s)",
                ("$i", id), ("$c", a.CandidateId), ("$k", a.ClassName), ("$g", a.GeometryWkt), ("$a", a.Author), ("$t", Text(a.CreatedAt)), ("$f", a.SourceFile), ("$s", a.SourceSha256));
        return id;
    }
}
