using Uga.Imaging;
using Uga.Learning;
using Uga.Slides;
using Uga.Slides.Tissue;

namespace Uga.Loop.Adaptation;

/// <summary>
/// Unlabelled target tissue for <see cref="BatchNormAdaptation"/>: square tiles at the model's spacing, laid on a
/// grid over each slide's or image's detected tissue (at least half tissue, so glass does not set the statistics),
/// thinned evenly over the whole set to at most the wanted number and only then read, so a cohort of large slides
/// costs the tiles kept, not the slides' area.
/// </summary>
public static class TargetTiles
{
    public const double MinTissueFraction = 0.5;

    public static List<RgbImage> FromSlides(IReadOnlyList<string> paths, double spacingUm, int tile, int maxTiles,
        double? slideSpacingUm = null, IProgress<WorkProgress>? progress = null, CancellationToken cancel = default)
    {
        var slides = new List<Slide>();
        try
        {
            var regions = new List<(int Slide, PixelRegion Region)>();
            foreach (var path in paths)
            {
                if (!File.Exists(path)) throw new InvalidInputException(path, "slide file not found");
                var slide = SlideFactory.Open(path, slideSpacingUm);
                slides.Add(slide);
                var tissue = TissueDetector.Detect(slide, cancel: cancel);
                int width = (int)(slide.Levels[0].Width * slide.Spacing / spacingUm), height = (int)(slide.Levels[0].Height * slide.Spacing / spacingUm);
                regions.AddRange(Grid(width, height, tile, r => tissue.TissueFraction(r, spacingUm)).Select(r => (slides.Count - 1, r)));
            }
            var kept = TileGrid.EvenSample(regions, maxTiles);
            var tiles = new List<RgbImage>(kept.Count);
            foreach (var (s, region) in kept)
            {
                cancel.ThrowIfCancellationRequested();
                tiles.Add(slides[s].ReadRegion(spacingUm, region));
                progress?.Report(new WorkProgress("read target tiles", tiles.Count, kept.Count, Path.GetFileName(paths[s])));
            }
            return tiles;
        }
        finally
        {
            foreach (var s in slides) s.Dispose();
        }
    }

    /// <summary>Tiles of images (each at its own spacing), resampled to <paramref name="spacingUm"/>.</summary>
    public static List<RgbImage> FromImages(IReadOnlyList<(string Path, double SpacingUm)> images, double spacingUm, int tile, int maxTiles)
    {
        var resampled = new List<RgbImage>();
        var regions = new List<(int Image, PixelRegion Region)>();
        foreach (var (path, imageSpacing) in images)
        {
            var image = ImageFile.ReadRgb(path);
            double f = imageSpacing / spacingUm;
            if (Math.Abs(f - 1) > 1e-6) image = Resample.Rgb(image, Resample.Scaled(image.Width, f), Resample.Scaled(image.Height, f));
            var tissue = TissueDetector.Detect(image, spacingUm);
            resampled.Add(image);
            regions.AddRange(Grid(image.Width, image.Height, tile, r => tissue.TissueFraction(r, spacingUm)).Select(r => (resampled.Count - 1, r)));
        }
        return [.. TileGrid.EvenSample(regions, maxTiles).Select(t => resampled[t.Image].Crop(t.Region))];
    }

    // Tissue tiles only: glass would set the statistics otherwise.
    private static IEnumerable<PixelRegion> Grid(int width, int height, int tile, Func<PixelRegion, double> tissue) =>
        TileGrid.Regions(width, height, tile).Where(r => tissue(r) >= MinTissueFraction);
}
