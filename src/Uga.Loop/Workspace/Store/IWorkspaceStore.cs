using Uga.Imaging;

namespace Uga.Loop.Workspace.Store;

/// <summary>
/// Where a workspace keeps its state: source data, slides, model versions with lineage, rounds, the candidates each
/// round put in front of the pathologist and the annotations that answered them. Every mutation is atomic: it
/// happens whole or not at all, and two processes may write at once. <see cref="SqliteWorkspaceStore"/> is the one
/// implementation; another store (a server database, a DSA/XNAT adapter) implements this interface.
/// </summary>
public interface IWorkspaceStore : IDisposable
{
    /// <summary>Where the store lives (for messages).</summary>
    string Location { get; }

    /// <summary>Source data, versions (oldest first) and rounds (oldest first, each with its imports).</summary>
    WorkspaceManifest Load();

    void Initialise(SourceData source, ModelVersion first);

    void AddVersion(ModelVersion version);

    /// <summary>Opens a round and stores its candidates in one transaction; returns them with their ids.</summary>
    IReadOnlyList<StoredCandidate> AddRound(AnnotationRound round, IReadOnlyList<StoredCandidate> candidates);

    /// <summary>Records an import and its annotations in one transaction; a second import of the same file into the round is refused.</summary>
    void AddImport(string roundId, AnnotationImport import, IReadOnlyList<StoredAnnotation> annotations);

    /// <summary>Candidates of one round, or of every round when <paramref name="roundId"/> is null (round order, then rank).</summary>
    IReadOnlyList<StoredCandidate> Candidates(string? roundId = null);

    /// <summary>Annotations imported into one round.</summary>
    IReadOnlyList<StoredAnnotation> Annotations(string roundId);

    /// <summary>Registered slides in the order they were added.</summary>
    IReadOnlyList<SlideRecord> Slides();

    /// <summary>Registers a slide, or returns the one already registered under its path (updating its content hash).</summary>
    SlideRecord AddSlide(SlideRecord slide);

    /// <summary>The workbench's reviews of one round's candidates (every round's when null).</summary>
    IReadOnlyList<CandidateReview> Reviews(string? roundId = null);

    /// <summary>
    /// Saves a candidate's review (and its import, which replaces the candidate's earlier one) in one transaction,
    /// if the candidate is still at <paramref name="expectedRevision"/>; otherwise <see cref="StaleRevisionException"/>.
    /// </summary>
    CandidateReview SaveReview(long candidateId, int expectedRevision, ReviewState state, string author, ReviewImport? import);
}

/// <summary>A slide of the workspace; <see cref="Id"/> is its file stem, which names its outputs.</summary>
public sealed record SlideRecord(string Id, string Path, string ContentHash, double SpacingUm, int Width, int Height, DateTimeOffset AddedAt);

/// <summary>
/// A region a round asked about: rank within the round, the slide, where it is in level-0 pixels (and on the
/// model's grid when ranking said), score, strategy and model version. <see cref="Id"/> is stable; 0 until stored.
/// </summary>
public sealed record StoredCandidate(long Id, string RoundId, string Slide, int Rank, PixelRegion Level0, double? Level0SpacingUm)
{
    public PixelRegion? Grid { get; init; }
    public double? GridSpacingUm { get; init; }
    public double? Score { get; init; }
    public string? Strategy { get; init; }
    public string? ModelVersion { get; init; }
}

/// <summary>One annotated polygon as WKT in the slide's level-0 pixels, the candidate it answers (if any) and its provenance.</summary>
public sealed record StoredAnnotation(string ClassName, string GeometryWkt, long? CandidateId, string Author, DateTimeOffset CreatedAt,
    string SourceFile, string SourceSha256);

/// <summary>Where a candidate stands in the workbench's queue.</summary>
public enum ReviewState { Open, Annotated, Skipped }

/// <summary>
/// The latest answer to a candidate: its state, who gave it and when. <see cref="Revision"/> counts saves (0 = never
/// saved); a save names the revision it saw, so a stale one is refused instead of overwriting another annotator.
/// </summary>
public sealed record CandidateReview(long CandidateId, ReviewState State, int Revision, string Author, DateTimeOffset UpdatedAt)
{
    /// <summary>The import holding the annotation (null for skipped); the import it replaced is left out of training.</summary>
    public long? ImportId { get; init; }
}

/// <summary>An import saved together with a review, in the same transaction.</summary>
public sealed record ReviewImport(string RoundId, AnnotationImport Import, IReadOnlyList<StoredAnnotation> Annotations);

/// <summary>A save that did not see the candidate's current revision (someone else saved in between).</summary>
public sealed class StaleRevisionException(long candidateId, int expected, CandidateReview? current)
    : Exception($"candidate {candidateId} was saved by {current?.Author ?? "nobody"} at {current?.UpdatedAt:yyyy-MM-dd HH:mm:ss}Z (revision {current?.Revision ?? 0}); this save saw revision {expected}. Reload it before saving again")
{
    public long CandidateId { get; } = candidateId;
    public CandidateReview? Current { get; } = current;

    /// <summary>Throws unless the candidate, whose latest review is <paramref name="current"/>, is at <paramref name="expected"/>.</summary>
    public static void ThrowIfStale(long candidateId, int expected, CandidateReview? current)
    {
        if ((current?.Revision ?? 0) != expected) throw new StaleRevisionException(candidateId, expected, current);
    }
}
