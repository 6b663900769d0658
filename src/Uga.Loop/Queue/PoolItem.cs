using Uga.Imaging;
using Uga.Inference.Artifacts;
using Uga.Ranking;

namespace Uga.Loop.Queue;

/// <summary>
/// One slide or tile image of the pool after its features were measured: what the export needs (level-0 size and
/// spacing, a preview and the predicted labels). It holds no full-resolution map, so a cohort's reduction keeps
/// one slide's maps in memory at a time; the preview is read only for slides the export draws.
/// </summary>
internal sealed record PoolItem
{
    /// <summary>Id = file stem; Width/Height/SpacingUm are the slide's level 0 (the image itself for tiles).</summary>
    public required RankingSlide Slide { get; init; }

    public required string SourcePath { get; init; }

    /// <summary>Spacing of the uncertainty map ranking read (coarser than the artifact's beyond the pixel budget).</summary>
    public required double MapSpacingUm { get; init; }

    /// <summary>The slide at <see cref="PreviewSpacingUm"/> and its uncertainty on the same grid.</summary>
    public required Lazy<RgbImage> Thumbnail { get; init; }

    public required Lazy<FloatMap> PreviewMap { get; init; }

    public required double PreviewSpacingUm { get; init; }

    public required ILabelSource Labels { get; init; }

    /// <summary>Network forwards spent predicting it (0 when its artifact was reused).</summary>
    public long Forwards { get; init; }

    /// <summary>A candidate's shown patch in the slide's level-0 pixels (what ASAP and QuPath use), inside the slide.</summary>
    public PixelRegion Level0(Candidate c) =>
        c.ShownRegionAt(Slide.SpacingUm).Intersect(new PixelRegion(0, 0, Slide.Width, Slide.Height));
}

/// <summary>The model's predicted labels of a slide, read a region at a time.</summary>
public interface ILabelSource
{
    /// <summary>Spacing of the label grid (µm/px).</summary>
    double SpacingUm { get; }

    int Width { get; }

    int Height { get; }

    /// <summary>Labels of <paramref name="region"/> (inside the grid).</summary>
    LabelMap Read(PixelRegion region);
}

/// <summary>Labels held in memory (tile images).</summary>
internal sealed class MemoryLabels(LabelMap labels, double spacingUm) : ILabelSource
{
    public double SpacingUm => spacingUm;
    public int Width => labels.Width;
    public int Height => labels.Height;

    public LabelMap Read(PixelRegion region) => labels.Crop(region);
}

/// <summary>Labels from a prediction artifact; only the chunks under the asked region are decoded.</summary>
public sealed class ArtifactLabels(PredictionArtifact artifact) : ILabelSource
{
    public double SpacingUm => artifact.Manifest.SpacingUm;
    public int Width => artifact.Manifest.Width;
    public int Height => artifact.Manifest.Height;

    public LabelMap Read(PixelRegion region) => artifact.ReadLabels(region);
}
