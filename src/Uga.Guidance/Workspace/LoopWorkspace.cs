using System.Globalization;
using Uga.Imaging;
using Uga.Learning;

namespace Uga.Guidance.Workspace;

/// <summary>
/// A human-in-the-loop workspace folder: workspace.json, models/vN (never overwritten) and rounds/rN (copied
/// candidates, imported patches). Every change rewrites workspace.json atomically after its files are in place,
/// so a failed command leaves the manifest describing what exists.
/// </summary>
public sealed class LoopWorkspace
{
    private LoopWorkspace(string root, WorkspaceManifest manifest)
    {
        Root = Path.GetFullPath(root);
        Manifest = manifest;
    }

    public string Root { get; }

    public WorkspaceManifest Manifest { get; private set; }

    public string ManifestPath => Path.Combine(Root, WorkspaceManifest.FileName);

    public string PathOf(string relative) => Path.Combine(Root, relative);

    public string ModelDir(ModelVersion version) => PathOf(version.Folder);

    /// <summary>Prediction artifacts of the workspace's slides (one per slide; a new model version replaces them).</summary>
    public string ArtifactsDir => PathOf("artifacts");

    public static LoopWorkspace Open(string root) =>
        new(root, WorkspaceManifest.Read(Path.Combine(root, WorkspaceManifest.FileName)));

    /// <summary>Creates the workspace with <paramref name="modelDir"/> copied in as v1; the data folder is only registered.</summary>
    public static LoopWorkspace Init(string root, string modelDir, SourceData source)
    {
        var manifestPath = Path.Combine(root, WorkspaceManifest.FileName);
        if (File.Exists(manifestPath)) throw new InvalidInputException(manifestPath, "a workspace already exists here");
        if (!Directory.Exists(source.DataDir)) throw new InvalidInputException(source.DataDir, "dataset folder not found");
        var where = source.Where.Select(CaseFilter.Parse).ToArray();
        // Fails now, not at the first fine-tuning, when the data or its filters are wrong.
        SegmentationDataset.ListCases(source.DataDir, new DatasetOptions { Where = where, DataSpacingUm = source.DataSpacingUm });
        using var ensemble = Ensemble.Load(modelDir);
        var v1 = new ModelVersion
        {
            Id = "v1",
            Folder = Path.Combine("models", "v1"),
            CreatedAt = DateTimeOffset.UtcNow,
            How = "registered",
            SourceModel = Path.GetFullPath(modelDir),
        };
        ensemble.Save(Path.Combine(root, v1.Folder));
        var manifest = new WorkspaceManifest
        {
            Source = source with { DataDir = Path.GetFullPath(source.DataDir) },
            Versions = [v1],
        };
        manifest.Write(manifestPath);
        return new LoopWorkspace(root, manifest);
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

    /// <summary>Id the next <see cref="AddRound"/> gives its round (r1, r2, …).</summary>
    public string NextRoundId => "r" + (Manifest.Rounds.Count + 1).ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Opens a new round ranked by the current model. <paramref name="candidatesCsv"/> (a `uga rank` candidates.csv)
    /// is copied into rounds/rN/; without it the annotation files' "UGA n" rectangles define the candidates.
    /// </summary>
    public AnnotationRound AddRound(string? candidatesCsv)
    {
        var id = NextRoundId;
        string? copied = null;
        if (candidatesCsv is not null)
        {
            var rows = CandidateRegions.ReadCsv(candidatesCsv); // validate before copying
            if (rows.Count == 0) throw new InvalidInputException(candidatesCsv, "no candidates in the file");
            copied = Path.Combine("rounds", id, "candidates.csv");
            AtomicFile.WriteAllBytes(PathOf(copied), File.ReadAllBytes(candidatesCsv));
        }
        var round = new AnnotationRound { Id = id, RankedBy = Manifest.Current.Id, CreatedAt = DateTimeOffset.UtcNow, CandidatesFile = copied };
        Directory.CreateDirectory(PathOf(round.Folder));
        Save(Manifest with { Rounds = [.. Manifest.Rounds, round] });
        return round;
    }

    /// <summary>Records a new import in <paramref name="roundId"/>.</summary>
    internal void AddImport(string roundId, AnnotationImport import)
    {
        var rounds = Manifest.Rounds.Select(r => r.Id == roundId ? r with { Imports = [.. r.Imports, import] } : r).ToList();
        Save(Manifest with { Rounds = rounds });
    }

    internal void AddVersion(ModelVersion version) => Save(Manifest with { Versions = [.. Manifest.Versions, version] });

    private void Save(WorkspaceManifest manifest)
    {
        manifest.Write(ManifestPath);
        Manifest = manifest;
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
}
