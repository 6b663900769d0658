using System.Globalization;
using Uga.Imaging;
using Uga.Inference;
using Uga.Inference.Artifacts;
using Uga.Learning;
using Uga.Learning.Inference;
using Uga.Loop.Queue;
using Uga.Loop.Workspace.Store;
using Uga.Slides;
using Uga.Slides.Tissue;

namespace Uga.Loop.Workspace;

/// <summary>
/// One of N disjoint parts of a workspace's slides: slide ids sorted ordinally, then dealt round-robin, so the parts
/// are complete, balanced to within one slide and the same however the slides are listed. 1-based in text ("2/3").
/// </summary>
public readonly record struct Shard(int Index, int Count)
{
    public static Shard All => new(1, 1);

    public static Shard Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int i)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1 && i >= 1 && i <= n)
            return new Shard(i, n);
        throw new InvalidInputException(null, $"--shard '{text}' must be i/N with 1 <= i <= N, e.g. 2/3");
    }

    /// <summary>The ids of this part, in ordinal order.</summary>
    public IReadOnlyList<string> Of(IEnumerable<string> ids) => Deal([.. ids.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]);

    /// <summary>This shard's items of an already ordered list, dealt round-robin.</summary>
    public IReadOnlyList<T> Deal<T>(IReadOnlyList<T> ordered)
    {
        var (index, count) = (Index, Count);
        return [.. ordered.Where((_, k) => k % count == index - 1)];
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");
}

/// <summary>
/// What predicting one slide of the workspace (or one band of its rows, <paramref name="Rows"/>) did;
/// <paramref name="MeasuredFeatures"/>: the slide's candidate features were computed and stored with its artifact.
/// </summary>
public sealed record SlideArtifact(string SlideId, string ArtifactPath, bool Reused, long Forwards, string? StaleNote, RowBand? Rows = null,
    bool MeasuredFeatures = false)
{
    public string Name => PredictionPart.Describe(SlideId, Rows);
}

/// <summary>
/// Predicts the prediction artifacts of a workspace's registered slides (all of them, or one shard) with the current
/// model version into W/artifacts, skipping every artifact that is already current — the unit of work a cluster task
/// runs; `uga rank --workspace` is then the reduction that reads them. With a <see cref="RankRequest"/> (the
/// reduction's), a unit also measures each whole slide's candidate features and stores them in its artifact, so the
/// reduction reads features instead of maps (bands are measured by the reduction, after joining). Writes artifacts
/// and display maps only, never the store, so many shards can run at once. A unit may also be a list of slide ids.
/// </summary>
public static class WorkspacePredictor
{
    public static IReadOnlyList<SlideArtifact> Predict(LoopWorkspace workspace, Shard shard, SlidePredictionOptions options,
        double? slideSpacingUm = null, int bandHeight = WorkPartition.DefaultBandHeight, RankRequest? rank = null, List<string>? notes = null, IReadOnlyCollection<string>? only = null)
    {
        rank?.Validate();
        notes ??= [];
        var slides = workspace.Store.Slides().ToDictionary(s => s.Id, StringComparer.Ordinal);
        if (slides.Count == 0) throw new InvalidInputException(workspace.ManifestPath, "no slides registered; run `uga workspace add-slides` first");
        if (only is not null) slides = Only(workspace, slides, only);
        if (bandHeight % options.BlockSize != 0)
            throw new InvalidInputException(null, $"band height {bandHeight} must be a multiple of the block size {options.BlockSize}");
        var modelDir = workspace.ModelDir(workspace.Manifest.Current);
        using var ensemble = EnsembleModels.Load(modelDir);
        var members = EnsembleModels.TorchSharpMembers(ensemble);
        rank = rank?.ForModel(members is not null, notes); // as the reduction will settle it, so the features match
        using var encoder = members is null ? null : new PatchEmbedder(members); // opened only if a slide needs embeddings
        var cache = new ArtifactCache(workspace.ArtifactsDir, modelDir, ensemble);
        var parts = WorkPartition.Parts(slides.Values, ensemble.Manifest.SpacingUm, shard.Count, bandHeight);
        var done = new List<SlideArtifact>();
        foreach (var (id, rows) in shard.Deal(parts))
        {
            options.Cancellation.ThrowIfCancellationRequested();
            // Nothing to do, not even tissue detection: a band of a slide whose whole artifact is current (merged by an
            // earlier reduction), or a slide whose current artifact holds the features asked for.
            if (cache.Current(slides[id].Path, id, options) is { } whole && (rows is not null || rank is null || PoolLoader.HasFeatures(whole, rank, notes)))
            {
                done.Add(new SlideArtifact(id, whole.Path, true, 0, null, rows));
                continue;
            }
            using var slide = SlideFactory.Open(slides[id].Path, slideSpacingUm);
            var tissue = TissueDetector.Detect(slide, cancel: options.Cancellation);
            var outcome = rows is { } band
                ? cache.ForBand(slide, id, tissue, options, band)
                : cache.ForSlide(slide, id, tissue, options, workspace.PathOf("maps"));
            bool measured = rank is not null && rows is null
                && PoolLoader.StoreFeatures(slide, PoolInput.OfSlide(slide, slides[id].Path, id, tissue), outcome, rank, encoder, notes);
            done.Add(new SlideArtifact(id, outcome.Artifact.Path, outcome.Reused, outcome.Forwards, outcome.StaleNote, rows, measured));
        }
        return done;
    }

    // The slides a unit was given by id (`--slides`), every one of them registered.
    private static Dictionary<string, SlideRecord> Only(LoopWorkspace workspace, Dictionary<string, SlideRecord> slides, IReadOnlyCollection<string> ids)
    {
        if (ids.Count == 0) throw new InvalidInputException(null, "--slides lists no slide ids");
        if (ids.FirstOrDefault(id => !slides.ContainsKey(id)) is { } unknown)
            throw new InvalidInputException(workspace.ManifestPath, $"slide '{unknown}' is not registered (registered: {string.Join(", ", slides.Keys.Order(StringComparer.Ordinal).Take(10))}{(slides.Count > 10 ? ", …" : "")})");
        return ids.Distinct(StringComparer.Ordinal).ToDictionary(id => id, id => slides[id], StringComparer.Ordinal);
    }
}
