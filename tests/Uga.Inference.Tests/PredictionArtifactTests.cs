using Uga.Imaging;
using Uga.Inference;
using Uga.Inference.Artifacts;
using Uga.Inference.Uncertainty;
using Uga.Learning.Inference;
using Uga.Slides.Tissue;
using static Uga.Inference.Tests.SlidePredictorTests;

namespace Uga.Inference.Tests;

public class PredictionArtifactTests
{
    internal static readonly PredictionKey Key = new("sha256:model", "sample-sha256:slide", "ensemble", 16, 0.01);

    [Fact]
    public void ArtifactHoldsTheFullPrecisionMapsTheDisplayTiffsQuantise()
    {
        using var dir = new TempDir();
        using var ensemble = TinyEnsemble.Create(classes: 3, patch: 32, members: 2);
        using var slide = WriteTexturedSlide(dir.File("slide.tif"), 200, 150);
        var artifactPath = dir.File("slide.prediction.zarr");
        var result = SlidePredictor.Predict(slide, ensemble, FullTissue(200, 150), dir.File("l.tif"), dir.File("u.tif"),
            new SlidePredictionOptions { BlockSize = 64, TileSize = 32, Artifact = new ArtifactTarget(artifactPath, Key) });

        var artifact = PredictionArtifact.Open(artifactPath);
        Assert.Equal(Key, artifact.Manifest.Key);
        Assert.Equal((200, 150), (artifact.Manifest.Width, artifact.Manifest.Height));
        Assert.Equal(UncertaintyMeasures.Names, artifact.Manifest.Measures);
        Assert.Equal(result.PatchesPredicted, artifact.Manifest.PatchesPredicted);

        // Labels are those of the display TIFF exactly; the measure agrees with its 8-bit codes within one step.
        var labels = artifact.ReadLabels(new PixelRegion(0, 0, 200, 150));
        Assert.Equal(ImageFile.ReadLabels(result.LabelsPath).Data, labels.Data);
        var (map, spacing) = artifact.ReadMeasure("ensemble-ce");
        Assert.Equal(result.SpacingUm, spacing);
        var codes = ImageFile.ReadLabels(result.UncertaintyPath).Data;
        double step = result.UncertaintyScale.Max / 255;
        for (int i = 0; i < codes.Length; i++)
            Assert.InRange(map.Data[i], (codes[i] - 0.51) * step, (codes[i] + 0.51) * step);
        Assert.True(map.Data.Distinct().Count() > 256, "more distinct values than 8 bits can hold");

        // Mean probabilities sum to one (float16 rounding) and pick the stored labels.
        var p = Enumerable.Range(0, 3).Select(c => artifact.ReadProbability(c, new PixelRegion(10, 20, 50, 40))).ToArray();
        var crop = labels.Crop(new PixelRegion(10, 20, 50, 40));
        for (int i = 0; i < p[0].Data.Length; i++)
        {
            Assert.InRange(p[0].Data[i] + p[1].Data[i] + p[2].Data[i], 0.99, 1.01);
            Assert.Equal(crop.Data[i], (byte)Enumerable.Range(0, 3).MaxBy(c => p[c].Data[i]));
        }
    }

    [Fact]
    public void GlassChunksAreNotStoredAndReadAsCertainBackground()
    {
        using var dir = new TempDir();
        using var ensemble = TinyEnsemble.Create(classes: 2, patch: 32, members: 2);
        using var slide = WriteTexturedSlide(dir.File("slide.tif"), 96, 80);
        var glass = new TissueMask(new LabelMap(12, 10), 8.0);
        var path = dir.File("glass.prediction.zarr");
        SlidePredictor.Predict(slide, ensemble, glass, dir.File("l.tif"), dir.File("u.tif"),
            new SlidePredictionOptions { BlockSize = 256, Artifact = new ArtifactTarget(path, Key) });

        var artifact = PredictionArtifact.Open(path);
        Assert.DoesNotContain(Directory.GetFiles(path, "*", SearchOption.AllDirectories), f => f.Contains("/c/", StringComparison.Ordinal));
        Assert.All(artifact.ReadMeasure("entropy").Map.Data, v => Assert.Equal(0f, v));
        Assert.All(artifact.ReadProbability(0, new PixelRegion(0, 0, 96, 80)).Data, v => Assert.Equal(1f, v));
        Assert.All(artifact.ReadProbability(1, new PixelRegion(0, 0, 96, 80)).Data, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void PoolingKeepsTheMeanWithinThePixelBudget()
    {
        using var dir = new TempDir();
        var path = WriteArtifact(dir, 100, 60, chunk: 32);
        var artifact = PredictionArtifact.Open(path);
        var (full, s1) = artifact.ReadMeasure("entropy");
        var (pooled, s2) = artifact.ReadMeasure("entropy", maxPixels: 100 * 60 / 4);
        Assert.Equal((50, 30), (pooled.Width, pooled.Height));
        Assert.Equal(2 * s1, s2);
        Assert.Equal(full.Data.Average(), pooled.Data.Average(), 4);
    }

    [Fact]
    public void StaleOrDamagedArtifactsSayWhy()
    {
        using var dir = new TempDir();
        var path = WriteArtifact(dir, 80, 70, chunk: 32);
        Assert.NotNull(PredictionArtifact.TryReuse(path, Key, out var none));
        Assert.Null(none);
        Assert.Null(PredictionArtifact.TryReuse(path, Key with { ModelHash = "sha256:other" }, out var why));
        Assert.Equal($"{path}: it was predicted by another model", why);
        Assert.Null(PredictionArtifact.TryReuse(path, Key with { SlideFingerprint = "x" }, out why));
        Assert.Equal($"{path}: the slide file has changed since", why);

        // A truncated chunk is named in one line.
        var chunk = Path.Combine(path, "uncertainty", "entropy", "c", "1", "1");
        File.WriteAllBytes(chunk, File.ReadAllBytes(chunk)[..20]);
        var e = Assert.Throws<InvalidInputException>(() => PredictionArtifact.Open(path).ReadMeasure("entropy"));
        Assert.Equal(chunk, e.Path);
        Assert.Contains("truncated", e.Problem);

        // A manifest from a newer Uga is refused, not misread.
        var group = Path.Combine(path, PredictionArtifact.GroupFile);
        File.WriteAllText(group, File.ReadAllText(group).Replace("\"format_version\": 1", "\"format_version\": 9", StringComparison.Ordinal));
        e = Assert.Throws<InvalidInputException>(() => PredictionArtifact.Open(path));
        Assert.Contains("newer than this uga", e.Problem);
    }

    [Fact]
    public void AnInterruptedWriteLeavesNoArtifact()
    {
        using var dir = new TempDir();
        var path = dir.File("a.prediction.zarr");
        using (var writer = ArtifactWriter.Create(path, Draft(40, 40, 32)))
            writer.WriteStack(new PixelRegion(0, 0, 32, 32), Stack(32, 32));
        Assert.False(Directory.Exists(path));
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    private static string WriteArtifact(TempDir dir, int w, int h, int chunk)
    {
        var path = dir.File("a.prediction.zarr");
        using var writer = ArtifactWriter.Create(path, Draft(w, h, chunk));
        for (int y = 0; y < h; y += chunk)
            for (int x = 0; x < w; x += chunk)
                writer.WriteStack(new PixelRegion(x, y, Math.Min(chunk, w - x), Math.Min(chunk, h - y)), Stack(Math.Min(chunk, w - x), Math.Min(chunk, h - y), (x * 31) + y));
        writer.Complete(7);
        return path;
    }

    private static ArtifactManifest Draft(int w, int h, int chunk) => new()
    {
        Key = Key,
        SlidePath = "slide.tif",
        SlideWidth = w,
        SlideHeight = h,
        SlideSpacingUm = 1,
        Width = w,
        Height = h,
        SpacingUm = 1,
        ClassNames = ["background", "tumour"],
        Measures = ArtifactWriter.AllMeasures,
        Chunk = chunk,
        PatchesPredicted = 0,
        CreatedAt = DateTimeOffset.UtcNow,
    };

    // Two samples, two classes, probabilities that vary smoothly over the region.
    private static SampleProbabilities Stack(int w, int h, int seed = 0)
    {
        var random = new Random(seed);
        var planes = new FloatMap[4];
        for (int s = 0; s < 2; s++)
        {
            var p0 = new FloatMap(w, h);
            for (int i = 0; i < p0.Data.Length; i++) p0.Data[i] = (float)random.NextDouble();
            var p1 = new FloatMap(w, h, [.. p0.Data.Select(v => 1 - v)]);
            planes[2 * s] = p0;
            planes[(2 * s) + 1] = p1;
        }
        return new SampleProbabilities(2, 2, planes);
    }
}
