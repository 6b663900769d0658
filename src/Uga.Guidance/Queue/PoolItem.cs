using NetVips;
using Uga.Engine.Artifacts;
using Uga.Guidance.Ranking;
using Uga.Imaging;
using Uga.Slides.Writing;

namespace Uga.Guidance.Queue;

/// <summary>
/// One slide or tile image of the pool: what ranking needs (<see cref="Slide"/>: level-0 size and spacing, the
/// uncertainty map, the tissue) and what the export needs afterwards (a preview and the predicted labels).
/// </summary>
internal sealed record PoolItem
{
    /// <summary>Id = file stem; Width/Height/SpacingUm are the slide's level 0 (the image itself for tiles).</summary>
    public required RankingSlide Slide { get; init; }

    public required string SourcePath { get; init; }

    /// <summary>The slide at <see cref="PreviewSpacingUm"/> and its uncertainty on the same grid.</summary>
    public required RgbImage Thumbnail { get; init; }

    public required FloatMap PreviewMap { get; init; }

    public required double PreviewSpacingUm { get; init; }

    public required ILabelSource Labels { get; init; }

    /// <summary>Network forwards spent predicting it (0 when its artifact was reused).</summary>
    public long Forwards { get; init; }

    /// <summary>A candidate's shown patch in the slide's level-0 pixels (what ASAP and QuPath use), inside the slide.</summary>
    public PixelRegion Level0(Candidate c) =>
        c.ShownRegionAt(Slide.SpacingUm).Intersect(new PixelRegion(0, 0, Slide.Width, Slide.Height));
}

/// <summary>The model's predicted labels of a slide, read a region at a time.</summary>
internal interface ILabelSource
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
internal sealed class ArtifactLabels(PredictionArtifact artifact) : ILabelSource
{
    public double SpacingUm => artifact.Manifest.SpacingUm;
    public int Width => artifact.Manifest.Width;
    public int Height => artifact.Manifest.Height;

    public LabelMap Read(PixelRegion region) => artifact.ReadLabels(region);
}

/// <summary>Reads an 8-bit uncertainty TIFF (value = the scale's value of each code) back as floats.</summary>
public static class UncertaintyTiff
{
    /// <summary>
    /// The map at the finest pyramid level with at most <paramref name="maxPixels"/> pixels (the coarsest level when
    /// none is that small). <paramref name="level0SpacingUm"/> is the spacing of the TIFF's first page.
    /// </summary>
    public static (SpacedMap Map, int Level) Read(string path, double level0SpacingUm, Gray8Scale scale, long maxPixels)
    {
        int pages;
        int width0;
        using (var first = Image.Tiffload(path, page: 0))
        {
            pages = first.GetTypeOf("n-pages") != 0 ? (int)first.Get("n-pages") : 1;
            width0 = first.Width;
        }
        for (int page = 0; page < pages; page++)
        {
            using var image = Image.Tiffload(path, page: page);
            if ((long)image.Width * image.Height > maxPixels && page < pages - 1) continue;
            using var band = image.Bands > 1 ? image.ExtractBand(0) : image.Copy();
            var codes = band.WriteToMemory<byte>();
            var values = new float[256];
            for (int v = 0; v < values.Length; v++) values[v] = (float)scale.Value((byte)v);
            var map = new FloatMap(image.Width, image.Height);
            for (int i = 0; i < codes.Length; i++) map.Data[i] = values[codes[i]];
            return (new SpacedMap(map, level0SpacingUm * width0 / image.Width), page);
        }
        throw new InvalidInputException(path, "uncertainty TIFF has no pages");
    }
}
