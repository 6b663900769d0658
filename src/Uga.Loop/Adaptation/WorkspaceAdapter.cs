using Uga.Imaging;
using Uga.Learning;
using Uga.Loop.Workspace;

namespace Uga.Loop.Adaptation;

/// <summary>Where the unlabelled target tissue comes from: whole slides, or a dataset folder's images.</summary>
public sealed record AdaptationTarget(IReadOnlyList<string> SlidePaths, string? DataDir, double? DataSpacingUm = null, double? SlideSpacingUm = null)
{
    public void Validate()
    {
        if ((SlidePaths.Count > 0) == (DataDir is not null))
            throw new InvalidInputException(null, "give the target as --slide ... or --data DIR (one of them)");
    }
}

/// <summary>`uga adapt --model`: a model folder adapted to target tissue, written to a new folder.</summary>
public static class ModelAdapter
{
    /// <summary>Adapts the model in <paramref name="modelDir"/> to <paramref name="target"/> and saves it to <paramref name="outDir"/>; returns the tiles used and their side.</summary>
    public static (int Tiles, int TileSize) Adapt(string modelDir, AdaptationTarget target, string outDir, AdaptationOptions options,
        IProgress<WorkProgress>? progress = null, CancellationToken cancel = default)
    {
        target.Validate();
        options.Validate();
        using var start = Ensemble.Load(modelDir);
        int tile = options.TileSize ?? start.Manifest.PatchSize;
        var tiles = target.DataDir is null
            ? TargetTiles.FromSlides(target.SlidePaths, start.Manifest.SpacingUm, tile, options.MaxTiles, target.SlideSpacingUm, progress, cancel)
            : TargetTiles.FromImages([.. Queue.DatasetImages.List(target.DataDir, [], target.DataSpacingUm).Select(c => (c.ImagePath, c.SpacingUm))],
                start.Manifest.SpacingUm, tile, options.MaxTiles);
        using var adapted = BatchNormAdaptation.Adapt(start, tiles, options, progress, cancel);
        adapted.Save(outDir);
        return (tiles.Count, tile);
    }
}

/// <summary>
/// `uga adapt --workspace`: the next model version from the current one with its BatchNorm statistics re-estimated
/// on the workspace's own slides (no annotation needed), registered with its parent like a fine-tuned version.
/// </summary>
public static class WorkspaceAdapter
{
    public static ModelVersion Adapt(LoopWorkspace workspace, AdaptationOptions options, double? slideSpacingUm = null,
        IProgress<WorkProgress>? progress = null, CancellationToken cancel = default)
    {
        options.Validate();
        var parent = workspace.Manifest.Current;
        var slides = workspace.Store.Slides().Select(s => s.Path).ToList();
        if (slides.Count == 0) throw new InvalidInputException(workspace.ManifestPath, "the workspace has no slides to adapt to; add some first");
        using var start = Ensemble.Load(workspace.ModelDir(parent));
        var tiles = TargetTiles.FromSlides(slides, start.Manifest.SpacingUm, options.TileSize ?? start.Manifest.PatchSize,
            options.MaxTiles, slideSpacingUm, progress, cancel);
        using var adapted = BatchNormAdaptation.Adapt(start, tiles, options, progress, cancel);
        return WorkspaceFineTuner.SaveNextVersion(workspace, adapted, new ModelVersion
        {
            Id = "",
            Folder = "",
            CreatedAt = DateTimeOffset.UtcNow,
            Parent = parent.Id,
            TrainedOnRounds = [],
            How = "adapted",
            Steps = 0,
            PatchCount = 0,
            Recipe = $"BatchNorm statistics re-estimated on {tiles.Count} target tiles of {slides.Count} slides",
        });
    }
}
