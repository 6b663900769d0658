using System.Globalization;
using System.Text.Json;
using Uga.Imaging;
using Uga.Inference;
using Uga.Learning;
using Uga.Learning.Inference;
using Uga.Loop.Workspace.Store;

namespace Uga.Loop.Workspace;

/// <summary>
/// A human-in-the-loop workspace folder: the store (workspace.db: slides, versions, rounds, candidates, annotations),
/// models/vN (never overwritten), rounds/rN (imported patches) and artifacts/ (predictions). Files are written before
/// the store records them, so a failed or killed command leaves the store describing only what exists.
/// </summary>
public sealed class LoopWorkspace : IDisposable
{
    private readonly IWorkspaceStore store;

    private LoopWorkspace(string root, IWorkspaceStore store)
    {
        Root = Path.GetFullPath(root);
        this.store = store;
        Manifest = store.Load();
    }

    public string Root { get; }

    /// <summary>The state as of the last change made through this object (or its opening).</summary>
    public WorkspaceManifest Manifest { get; private set; }

    public IWorkspaceStore Store => store;

    /// <summary>The store file, named in messages about the workspace's state.</summary>
    public string ManifestPath => store.Location;

    public string PathOf(string relative) => Path.Combine(Root, relative);

    public string ModelDir(ModelVersion version) => PathOf(version.Folder);

    /// <summary>Prediction artifacts of the workspace's slides (one per slide; a new model version replaces them).</summary>
    public string ArtifactsDir => ArtifactsDirOf(Root);

    /// <summary>The artifacts folder of the workspace at <paramref name="root"/>, without opening its store.</summary>
    public static string ArtifactsDirOf(string root) => Path.Combine(Path.GetFullPath(root), "artifacts");

    /// <summary>
    /// Opens the store; a round-1 workspace.json is migrated into one first (the JSON file is kept).
    /// <paramref name="storeFault"/> is called at named points inside the store's transactions (tests inject failures).
    /// </summary>
    public static LoopWorkspace Open(string root, Action<string>? storeFault = null)
    {
        var db = Path.Combine(root, SqliteWorkspaceStore.FileName);
        if (File.Exists(db)) return new LoopWorkspace(root, SqliteWorkspaceStore.Open(db, storeFault));
        var json = Path.Combine(root, WorkspaceManifest.FileName);
        if (!File.Exists(json))
            throw new InvalidInputException(db, "not a workspace (no workspace.db or workspace.json); run `uga workspace init` first");
        WorkspaceMigration.FromJson(root, json, db);
        return new LoopWorkspace(root, SqliteWorkspaceStore.Open(db, storeFault));
    }

    /// <summary>Creates the workspace with <paramref name="modelDir"/> copied in as v1; the data folder is only registered.</summary>
    public static LoopWorkspace Init(string root, string modelDir, SourceData source)
    {
        var db = Path.Combine(root, SqliteWorkspaceStore.FileName);
        if (File.Exists(db) || File.Exists(Path.Combine(root, WorkspaceManifest.FileName)))
            throw new InvalidInputException(db, "a workspace already exists here");
        if (!Directory.Exists(source.DataDir)) throw new InvalidInputException(source.DataDir, "dataset folder not found");
        var where = source.Where.Select(CaseFilter.Parse).ToArray();
        // Fails now, not at the first fine-tuning, when the data or its filters are wrong.
        SegmentationDataset.ListCases(source.DataDir, new DatasetOptions { Where = where, DataSpacingUm = source.DataSpacingUm });
        var v1 = new ModelVersion
        {
            Id = "v1",
            Folder = Path.Combine("models", "v1"),
            CreatedAt = DateTimeOffset.UtcNow,
            How = "registered",
            SourceModel = Path.GetFullPath(modelDir),
        };
        EnsembleModels.Copy(modelDir, Path.Combine(root, v1.Folder));
        // Built under a temporary name: an interrupted init leaves no half-made store behind.
        AtomicFile.Write(db, tmp =>
        {
            using var created = SqliteWorkspaceStore.Create(tmp);
            created.Initialise(source with { DataDir = Path.GetFullPath(source.DataDir) }, v1);
        });
        return new LoopWorkspace(root, SqliteWorkspaceStore.Open(db));
    }

    public ModelVersion Version(string id) =>
        Manifest.Versions.FirstOrDefault(v => v.Id == id)
        ?? throw new InvalidInputException(ManifestPath, $"no model version '{id}' (have {string.Join(", ", Manifest.Versions.Select(v => v.Id))})");

    /// <summary>The round named <paramref name="id"/>, or the latest when null (null when there is none).</summary>
    public AnnotationRound? Round(string? id)
    {
        if (id is null) return Manifest.Rounds.Count > 0 ? Manifest.Rounds[^1] : null;
        return Manifest.Rounds.FirstOrDefault(r => r.Id == id)
            ?? throw new InvalidInputException(ManifestPath, $"no round '{id}' (have {(Manifest.Rounds.Count == 0 ? "none" : string.Join(", ", Manifest.Rounds.Select(r => r.Id)))})");
    }

    /// <summary>Id the next <see cref="AddRound(string?, Func{StoredCandidate, StoredCandidate}?)"/> gives its round (r1, r2, …).</summary>
    public string NextRoundId => "r" + (Manifest.Rounds.Count + 1).ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Opens a new round ranked by the current model. <paramref name="candidatesCsv"/> (a `uga rank` candidates.csv)
    /// is copied into rounds/rN/ and its rows stored as the round's candidates, each completed by
    /// <paramref name="describe"/> when the caller knows more (score, strategy, grid region); without a file the
    /// annotation files' "UGA n" rectangles define the candidates.
    /// </summary>
    public AnnotationRound AddRound(string? candidatesCsv, Func<StoredCandidate, StoredCandidate>? describe = null)
    {
        var id = NextRoundId;
        var rows = new List<StoredCandidate>();
        string? copied = null;
        if (candidatesCsv is not null)
        {
            var read = CandidateRegions.ReadCsv(candidatesCsv); // validate before copying
            if (read.Count == 0) throw new InvalidInputException(candidatesCsv, "no candidates in the file");
            rows.AddRange(read.Select(r => new StoredCandidate(0, id, r.Slide, r.Rank, r.Level0, r.Level0SpacingUm) { ModelVersion = Manifest.Current.Id })
                .Select(describe ?? (c => c)));
            copied = Path.Combine("rounds", id, "candidates.csv");
            AtomicFile.WriteAllBytes(PathOf(copied), File.ReadAllBytes(candidatesCsv));
        }
        return AddRound(rows, copied);
    }

    // Opens the round and stores its candidates in one transaction.
    private AnnotationRound AddRound(IReadOnlyList<StoredCandidate> candidates, string? candidatesFile)
    {
        var round = new AnnotationRound { Id = NextRoundId, RankedBy = Manifest.Current.Id, CreatedAt = DateTimeOffset.UtcNow, CandidatesFile = candidatesFile };
        Directory.CreateDirectory(PathOf(round.Folder));
        store.AddRound(round, candidates);
        Manifest = store.Load();
        return Manifest.Rounds.First(r => r.Id == round.Id);
    }

    /// <summary>Records a new import in <paramref name="roundId"/> with its annotations, in one transaction.</summary>
    internal void AddImport(string roundId, AnnotationImport import, IReadOnlyList<StoredAnnotation> annotations)
    {
        store.AddImport(roundId, import, annotations);
        Manifest = store.Load();
    }

    /// <summary>Saves a candidate's review (with its import, if any) in one transaction; refuses a stale revision.</summary>
    public CandidateReview SaveReview(ReviewTarget target, ReviewState state, string author, ReviewImport? import = null)
    {
        var saved = store.SaveReview(target.CandidateId, target.ExpectedRevision, state, author, import);
        Manifest = store.Load();
        return saved;
    }

    internal void AddVersion(ModelVersion version)
    {
        store.AddVersion(version);
        Manifest = store.Load();
    }

    /// <summary>Everything the store holds, as text: equal snapshots mean nothing changed.</summary>
    public string Snapshot()
    {
        var manifest = store.Load();
        return JsonSerializer.Serialize(new
        {
            Manifest = manifest,
            Slides = store.Slides(),
            Candidates = store.Candidates(),
            Annotations = manifest.Rounds.SelectMany(r => store.Annotations(r.Id)),
        }, WorkspaceManifest.Json);
    }

    /// <summary>All imported patches of all rounds as training samples with <paramref name="weight"/>, and the rounds they came from.</summary>
    public (IReadOnlyList<SegmentationSample> Samples, IReadOnlyList<string> Rounds) ImportedSamples(double weight)
    {
        var samples = new List<SegmentationSample>();
        var rounds = new List<string>();
        foreach (var round in Manifest.Rounds)
        {
            var dir = PathOf(Path.Combine(round.Folder, "patches"));
            foreach (var stem in round.Imports.SelectMany(i => i.Patches))
            {
                var image = ImageFile.ReadRgb(Path.Combine(dir, "images", stem + ".png"));
                var labels = ImageFile.ReadLabels(Path.Combine(dir, "masks", stem + ".png"));
                samples.Add(new SegmentationSample($"{round.Id}/{stem}", image, labels, weight));
            }
            if (round.Imports.Any(i => i.Patches.Count > 0)) rounds.Add(round.Id);
        }
        return (samples, rounds);
    }

    public void Dispose() => store.Dispose();
}
