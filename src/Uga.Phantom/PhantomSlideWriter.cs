using System.Globalization;
using Uga.Imaging;
using Uga.Slides.Writing;

namespace Uga.Phantom;

/// <summary>Writes a phantom as a pyramidal RGB slide plus a matching label slide (STEM.tif + STEM.labels.tif).</summary>
public static class PhantomSlideWriter
{
    public static readonly IReadOnlyList<string> ClassNames = ["background", "benign", "tumour"];

    /// <summary>The label slide written beside <paramref name="slidePath"/>.</summary>
    public static string LabelsPathFor(string slidePath) => Path.ChangeExtension(slidePath, ".labels.tif");

    /// <summary>Streams the phantom tile by tile (memory: one row of tiles); progress counts tile rows.</summary>
    public static PhantomCase Write(PhantomSlide slide, string path, string stem, int tileSize = 256,
        IProgress<WorkProgress>? progress = null, CancellationToken cancellation = default)
    {
        var properties = new Dictionary<string, string>
        {
            ["source"] = "uga data phantom",
            ["centre"] = slide.Spec.Centre.ToString(),
            ["seed"] = slide.Spec.Seed.ToString(CultureInfo.InvariantCulture),
        };
        var options = new PyramidalTiffOptions { TileSize = tileSize, Properties = properties };
        using var rgb = PyramidalTiffWriter.Create(path, slide.Width, slide.Height, PixelKind.Rgb, slide.SpacingUm, options);
        using var labels = PyramidalTiffWriter.Create(LabelsPathFor(path), slide.Width, slide.Height, PixelKind.Labels, slide.SpacingUm,
            options with { ClassNames = ClassNames });
        var counts = new LabelCounts();
        int rows = (slide.Height + tileSize - 1) / tileSize, columns = (slide.Width + tileSize - 1) / tileSize;
        foreach (var tile in PhantomTiling.Tiles(slide, tileSize, cancellation))
        {
            rgb.WriteTile(tile.Column, tile.Row, tile.Image.Data);
            labels.WriteTile(tile.Column, tile.Row, tile.Labels.Data);
            counts.Add(tile.Labels);
            if (tile.Column == columns - 1) progress?.Report(new WorkProgress("phantom " + stem, tile.Row + 1, rows));
        }
        rgb.Complete();
        labels.Complete();
        return new PhantomCase(stem, slide.Spec, counts.TissueFraction, counts.TumourFraction);
    }
}
