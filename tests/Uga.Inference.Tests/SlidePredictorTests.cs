using Uga.Imaging;
using Uga.Inference;
using Uga.Learning;
using Uga.Slides;
using Uga.Slides.Tissue;
using Uga.Slides.Writing;

namespace Uga.Inference.Tests;

public class SlidePredictorTests
{
    private const double Spacing = 1.0;

    [Fact]
    public void BlocksJoinWithoutSeams()
    {
        using var dir = new TempDir();
        using var ensemble = TinyEnsemble.Create(classes: 3, patch: 32, members: 2);
        using var slide = WriteTexturedSlide(dir.File("slide.tif"), 200, 150);
        var tissue = FullTissue(200, 150);

        var small = SlidePredictor.Predict(slide, ensemble, tissue, dir.File("a.labels.tif"), dir.File("a.unc.tif"),
            new SlidePredictionOptions { BlockSize = 64, TileSize = 32 });
        var whole = SlidePredictor.Predict(slide, ensemble, tissue, dir.File("b.labels.tif"), dir.File("b.unc.tif"),
            new SlidePredictionOptions { BlockSize = 256, TileSize = 32 });

        // One global patch grid: the same pixel gets the same patches whichever block computes it.
        Assert.Equal(ReadLevel0(whole.LabelsPath), ReadLevel0(small.LabelsPath));
        Assert.Equal(ReadLevel0(whole.UncertaintyPath), ReadLevel0(small.UncertaintyPath));
        Assert.True(small.PatchesPredicted > whole.PatchesPredicted, "small blocks recompute border patches");
        Assert.Equal(200L * 150, small.ClassPixels.Sum());
    }

    [Fact]
    public void NoTissueMeansNoNetworkCallsAndCertainBackground()
    {
        using var dir = new TempDir();
        using var ensemble = TinyEnsemble.Create(classes: 2, patch: 32, members: 2);
        using var slide = WriteTexturedSlide(dir.File("slide.tif"), 96, 80);
        var glass = new TissueMask(new LabelMap(12, 10), 8 * Spacing);

        var result = SlidePredictor.Predict(slide, ensemble, glass, dir.File("l.tif"), dir.File("u.tif"));

        Assert.Equal(0, result.PatchesPredicted);
        Assert.All(ReadLevel0(result.LabelsPath), v => Assert.Equal(0, v));
        Assert.All(ReadLevel0(result.UncertaintyPath), v => Assert.Equal(0, v));
    }

    [Fact]
    public void MapsReopenThroughOpenSlideWithLevelsAndSpacing()
    {
        Assert.SkipUnless(SlideFactory.IsOpenSlideAvailable, "libopenslide is not installed (scripts/setup.sh installs it)");
        using var dir = new TempDir();
        using var ensemble = TinyEnsemble.Create(classes: 3, patch: 32, members: 2);
        using var slide = WriteTexturedSlide(dir.File("slide.tif"), 700, 540);
        var result = SlidePredictor.Predict(slide, ensemble, FullTissue(700, 540), dir.File("s.labels.tif"), dir.File("s.uncertainty.tif"),
            new SlidePredictionOptions { BlockSize = 256 });

        foreach (var path in new[] { result.LabelsPath, result.UncertaintyPath })
        {
            using var map = SlideFactory.Open(path);
            Assert.Equal("generic-tiff", map.Vendor);
            Assert.Equal(2, map.Levels.Count);
            Assert.Equal((700L, 540L), (map.Levels[0].Width, map.Levels[0].Height));
            Assert.Equal((350L, 270L), (map.Levels[1].Width, map.Levels[1].Height));
            Assert.Equal(ensemble.Manifest.SpacingUm, map.Spacing, 3);
        }
    }

    [Fact]
    public void CancellationLeavesNothingUnderTheFinalNames()
    {
        using var dir = new TempDir();
        using var ensemble = TinyEnsemble.Create(classes: 2, patch: 32, members: 1);
        using var slide = WriteTexturedSlide(dir.File("slide.tif"), 128, 128);
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => SlidePredictor.Predict(slide, ensemble, FullTissue(128, 128),
            dir.File("l.tif"), dir.File("u.tif"), new SlidePredictionOptions { Cancellation = cancel.Token }));
        Assert.Equal(["slide.tif"], Directory.GetFiles(dir.Path).Select(Path.GetFileName).ToArray());
    }

    internal static Slide WriteTexturedSlide(string path, int width, int height)
    {
        var image = new RgbImage(width, height);
        var random = new Random(7);
        random.NextBytes(image.Data);
        PyramidalTiffWriter.Write(path, image, Spacing);
        return SlideFactory.Open(path);
    }

    internal static TissueMask FullTissue(int width, int height)
    {
        var mask = new LabelMap(width, height);
        Array.Fill(mask.Data, (byte)1);
        return new TissueMask(mask, Spacing);
    }

    private static byte[] ReadLevel0(string path)
    {
        using var image = NetVips.Image.Tiffload(path, page: 0);
        return image.WriteToMemory<byte>();
    }
}

internal static class TinyEnsemble
{
    public static Ensemble Create(int classes, int patch, int members) =>
        TinyModels.Create(TinyModels.Classes(classes), 1.0, patch, members, normalisation: "none", seed: 100);
}
