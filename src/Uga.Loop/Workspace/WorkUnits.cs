using Uga.Imaging;
using Uga.Inference;
using Uga.Inference.Artifacts;

namespace Uga.Loop.Workspace;

/// <summary>One slide of a work unit and what is wrong with its artifact (null: current).</summary>
public sealed record UnitSlide(string SlideId, string? Problem);

/// <summary>One of N prediction units (a <see cref="Shard"/> of the workspace's slides) and the state of its artifacts.</summary>
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
    public static IReadOnlyList<WorkUnit> Status(LoopWorkspace workspace, int count, SlidePredictionOptions? options = null)
    {
        options ??= new SlidePredictionOptions();
        if (count < 1) throw new InvalidInputException(null, $"--units must be at least 1, got {count}");
        var slides = workspace.Store.Slides().ToDictionary(s => s.Id, StringComparer.Ordinal);
        if (slides.Count == 0) throw new InvalidInputException(workspace.ManifestPath, "no slides registered; run `uga workspace add-slides` first");
        var modelDir = workspace.ModelDir(workspace.Manifest.Current);
        var manifest = ModelManifest.Read(Path.Combine(modelDir, ModelManifest.FileName));
        var modelHash = Fingerprints.Model(modelDir, manifest);
        return [.. Enumerable.Range(1, count).Select(i => new Shard(i, count)).Select(shard => new WorkUnit(shard,
            [.. shard.Of(slides.Keys).Select(id =>
            {
                var path = PredictionArtifact.PathFor(workspace.ArtifactsDir, id);
                if (!Directory.Exists(path)) return new UnitSlide(id, "no artifact");
                var key = PredictionKey.Of(modelHash, slides[id].Path, options, manifest.PatchSize, options.MinTissueFraction);
                return PredictionArtifact.TryReuse(path, key, out var why) is null ? new UnitSlide(id, why ?? "unreadable") : new UnitSlide(id, null);
            })]))];
    }

    /// <summary>Throws, naming the units and slides, when any unit is not done (the reduction must not predict).</summary>
    public static void RequireDone(IReadOnlyList<WorkUnit> units, string workspaceRoot)
    {
        var missing = units.Where(u => !u.Done).ToList();
        if (missing.Count == 0) return;
        var slides = missing.SelectMany(u => u.Slides.Where(s => s.Problem is not null).Select(s => $"{s.SlideId} ({s.Problem})"));
        throw new InvalidInputException(workspaceRoot,
            $"{missing.Count} of {units.Count} prediction units not done: {string.Join(", ", missing.Select(u => u.Shard))}; "
            + $"slides {string.Join("; ", slides.Take(5))}{(missing.Sum(u => u.Slides.Count(s => s.Problem is not null)) > 5 ? "; …" : "")}. "
            + $"Run them again (`uga cluster status --workspace {workspaceRoot} --units {units.Count}`)");
    }
}
