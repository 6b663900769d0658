using Uga.Imaging;
using Uga.Inference;
using Uga.Inference.Artifacts;
using static Uga.Inference.Tests.PredictionArtifactTests;
using static Uga.Inference.Tests.SlidePredictorTests;

namespace Uga.Inference.Tests;

public class ArtifactBandsTests
{
    // Three units' bands of a slide, joined, are the whole-slide artifact bit for bit: the same global patch grid
    // gives every pixel the same patches whichever unit computes it.
    [Fact]
    public void BandsJoinIntoTheWholeSlidesArtifactWithoutSeams()
    {
        using var dir = new TempDir();
        using var ensemble = TinyEnsemble.Create(classes: 3, patch: 32, members: 2);
        using var slide = WriteTexturedSlide(dir.File("slide.tif"), 150, 200);
        var tissue = FullTissue(150, 200);
        var options = new SlidePredictionOptions { BlockSize = 64, TileSize = 32 };
        var whole = dir.File("whole/s.prediction.zarr");
        SlidePredictor.Predict(slide, ensemble, tissue, dir.File("l.tif"), dir.File("u.tif"), options with { Artifact = new ArtifactTarget(whole, Key) });

        var folder = dir.File("units");
        long forwards = 0;
        foreach (var rows in new[] { new RowBand(128, RowBand.ToTheEnd), new RowBand(0, 64), new RowBand(64, 128) })
            forwards += SlidePredictor.PredictRows(slide, ensemble, tissue, rows,
                options with { Artifact = new ArtifactTarget(ArtifactBands.PathFor(folder, "s", rows.Y0), Key) });
        var joined = ArtifactBands.Merge(folder, "s", Key);

        Assert.True(forwards > 0);
        Assert.False(Directory.Exists(ArtifactBands.FolderFor(folder, "s")), "the bands are removed once joined");
        Assert.Null(joined.Manifest.Rows);
        var expected = PredictionArtifact.Open(whole);
        var all = new PixelRegion(0, 0, 150, 200);
        Assert.Equal(expected.ReadLabels(all).Data, joined.ReadLabels(all).Data);
        foreach (var measure in expected.Manifest.Measures)
            Assert.Equal(expected.ReadMeasure(measure).Map.Data, joined.ReadMeasure(measure).Map.Data);
        for (int c = 0; c < 3; c++)
            Assert.Equal(expected.ReadProbability(c, all).Data, joined.ReadProbability(c, all).Data);
        Assert.NotNull(PredictionArtifact.TryReuse(joined.Path, Key, out _));
    }

    [Fact]
    public void AMissingBandIsNamedAndABandNeverStandsForTheSlide()
    {
        using var dir = new TempDir();
        using var ensemble = TinyEnsemble.Create(classes: 2, patch: 32, members: 2);
        using var slide = WriteTexturedSlide(dir.File("slide.tif"), 96, 192);
        var options = new SlidePredictionOptions { BlockSize = 64, TileSize = 32 };
        var folder = dir.File("units");
        foreach (var rows in new[] { new RowBand(0, 64), new RowBand(128, RowBand.ToTheEnd) })
            SlidePredictor.PredictRows(slide, ensemble, FullTissue(96, 192), rows,
                options with { Artifact = new ArtifactTarget(ArtifactBands.PathFor(folder, "s", rows.Y0), Key) });

        var e = Assert.Throws<InvalidInputException>(() => ArtifactBands.Merge(folder, "s", Key));
        Assert.Contains("rows 64-128 are missing", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(PredictionArtifact.PathFor(folder, "s")), "nothing joined");

        var band = ArtifactBands.PathFor(folder, "s", 0);
        Assert.Null(PredictionArtifact.TryReuse(band, Key, out var why));
        Assert.Contains("rows 0-64 only", why, StringComparison.Ordinal);
        Assert.NotNull(PredictionArtifact.TryReuse(band, Key, out _, new RowBand(0, 64)));
        Assert.Null(PredictionArtifact.TryReuse(band, Key with { ModelHash = "sha256:other" }, out why, new RowBand(0, 64)));
        Assert.Contains("another model", why, StringComparison.Ordinal);
        Assert.NotNull(PredictionArtifact.TryReuse(ArtifactBands.PathFor(folder, "s", 128), Key, out _, new RowBand(128, RowBand.ToTheEnd)));
        Assert.Throws<ArgumentException>(() => SlidePredictor.PredictRows(slide, ensemble, FullTissue(96, 192), new RowBand(32, 96),
            options with { Artifact = new ArtifactTarget(dir.File("x.prediction.zarr"), Key) }));
    }
}
