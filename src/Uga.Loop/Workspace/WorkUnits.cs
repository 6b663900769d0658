using Uga.Imaging;
using Uga.Inference;
using Uga.Inference.Artifacts;

namespace Uga.Loop.Workspace;

/// <summary>One slide (or band of a slide's rows) of a work unit and what is wrong with its artifact (null: current).</summary>
public sealed record UnitSlide(string SlideId, string? Problem, RowBand? Rows = null)
{
    public string Name => PredictionPart.Describe(SlideId, Rows);
}

/// <summary>One of N prediction units (a <see cref="Shard"/> of the workspace's slides and bands) and the state of its artifacts.</summary>
public sealed record WorkUnit(Shard Shard, IReadOnlyList<UnitSlide> Slides)
{
    public bool Done => Slides.All(s => s.Problem is null);
}

/// <summary>
/// The state of a round's prediction units, read from the artifacts alone (no scheduler needed): a unit is done when
/// every slide of it has a current artifact for the current model version. Cluster status and the reduction's
/// check both ask here, so what "done" means is decided once.
/// </summary>
public static class WorkUnits
{
    /// <param name="options">How the units predicted; default: `uga predict --workspace`'s defaults, which the cluster scripts use.</param>
    /// <param name="bandHeight">Rows per band of a very large slide (<see cref="WorkPartition"/>).</param>
    public static IReadOnlyList<WorkUnit> Status(LoopWorkspace workspace, int count, SlidePredictionOptions? options = null,
        int bandHeight = WorkPartition.DefaultBandHeight)
    {
        options ??= new SlidePredictionOptions();
        var (parts, keys) = Plan(workspace, count, options, bandHeight);
        return [.. Enumerable.Range(1, count).Select(i => new Shard(i, count)).Select(shard => new WorkUnit(shard,
            [.. shard.Deal(parts).Select(part => new UnitSlide(part.SlideId, Problem(workspace, part, keys[part.SlideId]), part.Rows))]))];
    }

    /// <summary>
    /// The reduction's first step: joins the bands of every slide the units predicted in bands into its one artifact
    /// (<see cref="ArtifactBands.Merge"/>), unless that artifact is already current. Call after
    /// <see cref="RequireDone"/>. Returns the slides merged.
    /// </summary>
    public static IReadOnlyList<string> Gather(LoopWorkspace workspace, int count, SlidePredictionOptions? options = null,
        int bandHeight = WorkPartition.DefaultBandHeight)
    {
        options ??= new SlidePredictionOptions();
        var (parts, keys) = Plan(workspace, count, options, bandHeight);
        var merged = new List<string>();
        foreach (var id in WorkPartition.BandedSlides(parts).Order(StringComparer.Ordinal))
        {
            if (PredictionArtifact.TryReuse(PredictionArtifact.PathFor(workspace.ArtifactsDir, id), keys[id], out _) is not null) continue;
            ArtifactBands.Merge(workspace.ArtifactsDir, id, keys[id]);
            merged.Add(id);
        }
        return merged;
    }

    private static (IReadOnlyList<PredictionPart> Parts, Dictionary<string, PredictionKey> Keys) Plan(LoopWorkspace workspace, int count,
        SlidePredictionOptions options, int bandHeight)
    {
        if (count < 1) throw new InvalidInputException(null, $"--units must be at least 1, got {count}");
        var slides = workspace.Store.Slides().ToList();
        if (slides.Count == 0) throw new InvalidInputException(workspace.ManifestPath, "no slides registered; run `uga workspace add-slides` first");
        var modelDir = workspace.ModelDir(workspace.Manifest.Current);
        var manifest = ModelManifest.Read(Path.Combine(modelDir, ModelManifest.FileName));
        var modelHash = Fingerprints.Model(modelDir, manifest);
        var keys = slides.ToDictionary(s => s.Id, s => PredictionKey.Of(modelHash, s.Path, options, manifest.PatchSize, options.MinTissueFraction), StringComparer.Ordinal);
        return (WorkPartition.Parts(slides, manifest.SpacingUm, count, bandHeight), keys);
    }

    // A band is done when its band artifact is current, or when the slide's merged artifact already is.
    private static string? Problem(LoopWorkspace workspace, PredictionPart part, PredictionKey key)
    {
        var whole = PredictionArtifact.PathFor(workspace.ArtifactsDir, part.SlideId);
        string? why;
        if (part.Rows is not { } rows)
        {
            if (!Directory.Exists(whole)) return "no artifact";
            return PredictionArtifact.TryReuse(whole, key, out why) is null ? why ?? "unreadable" : null;
        }
        if (PredictionArtifact.TryReuse(whole, key, out _) is not null) return null;
        var band = ArtifactBands.PathFor(workspace.ArtifactsDir, part.SlideId, rows.Y0);
        if (!Directory.Exists(band)) return "no band artifact";
        return PredictionArtifact.TryReuse(band, key, out why, rows) is null ? why ?? "unreadable" : null;
    }

    /// <summary>Throws, naming the units and slides, when any unit is not done (the reduction must not predict).</summary>
    public static void RequireDone(IReadOnlyList<WorkUnit> units, string workspaceRoot)
    {
        var missing = units.Where(u => !u.Done).ToList();
        if (missing.Count == 0) return;
        var slides = missing.SelectMany(u => u.Slides.Where(s => s.Problem is not null).Select(s => $"{s.Name} ({s.Problem})"));
        throw new InvalidInputException(workspaceRoot,
            $"{missing.Count} of {units.Count} prediction units not done: {string.Join(", ", missing.Select(u => u.Shard))}; "
            + $"slides {string.Join("; ", slides.Take(5))}{(missing.Sum(u => u.Slides.Count(s => s.Problem is not null)) > 5 ? "; …" : "")}. "
            + $"Run them again (`uga cluster status --workspace {workspaceRoot} --units {units.Count}`)");
    }
}
