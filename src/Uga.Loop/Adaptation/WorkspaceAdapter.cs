using Uga.Imaging;
using Uga.Learning;
using Uga.Loop.Workspace;

namespace Uga.Loop.Adaptation;

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
