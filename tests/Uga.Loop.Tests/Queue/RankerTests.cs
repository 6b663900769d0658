using Uga.Annotations;
using Uga.Imaging;
using Uga.Loop.Queue;
using Uga.Ranking;
using Uga.Slides.Writing;
using static Uga.Loop.Tests.Queue.RankFixtures;

namespace Uga.Loop.Tests.Queue;

public class RankerTests
{
    [Fact]
    public void SlideExportMatchesCsvInLevelZeroPixelsAndPreAnnotatesThePrediction()
    {
        using var dir = new TempDir();
        // Level 0 at 0.25 µm/px, model (and grid) at 1.0: level-0 coordinates are four times the grid's.
        var slide = TissueSlide(dir, "tissue.tif", 1600, 1200, 0.25);
        var request = new RankRequest
        {
            ModelDir = TinyModel(dir, 1.0),
            SlidePaths = [slide],
            OutDir = dir.File("out"),
            K = 4,
            PatchSizePx = 64,
            PreAnnotate = true,
            // Without the clean-up the outlines must give back the predicted labels exactly (checked below).
            PreAnnotationCleanup = new OutlineCleanupOptions { MinAreaUm2 = 0, ToleranceUm = 0 },
        };

        var result = Ranker.Run(request);

        Assert.Equal(4, result.Selection.Chosen.Count);
        foreach (var name in new[] { "candidates.csv", "pool.csv", "candidates.xml", "candidates.geojson", "tissue.preview.png", "rank.json", "maps/tissue.labels.tif", "maps/tissue.uncertainty.tif" })
            Assert.True(File.Exists(Path.Combine(request.OutDir, name)), name);
        var rows = ReadCsv(Path.Combine(request.OutDir, "candidates.csv"));
        Assert.Equal(["1", "2", "3", "4"], rows.Select(r => r["rank"]));
        var preview = ImageFile.ReadRgb(Path.Combine(request.OutDir, "tissue.preview.png"));
        int cyan = Enumerable.Range(0, (int)preview.PixelCount).Count(i => preview.Data[3 * i] < 40 && preview.Data[(3 * i) + 1] > 215 && preview.Data[(3 * i) + 2] > 215);
        Assert.True(cyan > 4 * 50, $"the preview shows the candidate boxes ({cyan} box pixels)");
        foreach (var row in rows)
        {
            Assert.Equal(4 * Int(row, "x"), Int(row, "level0_x"));
            Assert.Equal(4 * Int(row, "y"), Int(row, "level0_y"));
            Assert.Equal(256, Int(row, "level0_width"));
        }

        foreach (var (file, className) in new[] { ("candidates.xml", CandidateAnnotations.AsapGroup), ("candidates.geojson", CandidateAnnotations.QuPathClass) })
        {
            var set = AnnotationFiles.Read(Path.Combine(request.OutDir, file)).Set;
            var boxes = set.Annotations.Where(a => a.ClassName == className).ToList();
            AssertBoxesMatch(rows, boxes);
            var predicted = set.Annotations.Where(a => a.ClassName != className).ToList();
            Assert.All(predicted, a => Assert.Contains(a.ClassName, new[] { "class1", "class2" }));
            Assert.All(predicted, a => Assert.Contains(boxes, b => b.Geometry.Covers(a.Geometry)));
            AssertPredictedAreaMatchesLabels(rows[0], predicted.Where(a => a.Name.StartsWith("UGA 1:", StringComparison.Ordinal)),
                Path.Combine(request.OutDir, "maps", "tissue.labels.tif"));
        }
    }

    [Fact]
    public void DatasetOfTwoImagesGetsOneExportPerImage()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("data/images"));
        ImageFile.WritePng(TissueImage(300, 220, 1), dir.File("data/images/a.png"));
        ImageFile.WritePng(TissueImage(260, 260, 2), dir.File("data/images/b.png"));
        var request = new RankRequest
        {
            ModelDir = TinyModel(dir, 1.0),
            DataDir = dir.File("data"),
            DataSpacingUm = 1.0,
            OutDir = dir.File("out"),
            K = 2,
            KMode = KMode.PerSlide,
            PatchSizePx = 48,
            Strategy = "uncertainty-sum",
        };

        var result = Ranker.Run(request);

        Assert.Equal(4, result.Selection.Chosen.Count);
        var rows = ReadCsv(Path.Combine(request.OutDir, "candidates.csv"));
        foreach (var stem in new[] { "a", "b" })
        {
            Assert.True(File.Exists(Path.Combine(request.OutDir, $"{stem}.preview.png")));
            var mine = rows.Where(r => r["slide"] == stem).ToList();
            Assert.Equal(2, mine.Count);
            Assert.All(mine, r => Assert.Equal(r["x"], r["level0_x"])); // the image is its own level 0
            var xml = AnnotationFiles.Read(Path.Combine(request.OutDir, $"{stem}.candidates.xml")).Set;
            AssertBoxesMatch(mine, [.. xml.Annotations]);
            var geo = AnnotationFiles.Read(Path.Combine(request.OutDir, $"{stem}.candidates.geojson")).Set;
            AssertBoxesMatch(mine, [.. geo.Annotations]);
        }
        var scores = rows.Select(r => double.Parse(r["score"], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.All(scores, s => Assert.True(s > 0));
    }

    // The class-aware strategies read per-class maps derived from the artifact's stored probabilities.
    [Theory]
    [InlineData("class-stratified")]
    [InlineData("impurity")]
    [InlineData("foreground-random")]
    public void ClassAwareStrategiesRankFromTheStoredProbabilities(string strategy)
    {
        using var dir = new TempDir();
        var (request, result) = RankOneImage(dir, strategy, strategy == "impurity" ? 4 : null);
        Assert.Equal(3, result.Selection.Chosen.Count);
        Assert.All(result.Selection.Scored, c => Assert.True(ClassMaps.ClassCount(c) >= 2));
        Assert.All(result.Selection.Chosen, c => Assert.False(double.IsNaN(c.Score)));
        Assert.Equal(3, ReadCsv(Path.Combine(request.OutDir, "candidates.csv")).Count);
    }

    [Theory]
    [InlineData("clue")]
    [InlineData("typical")]
    public void EmbeddingStrategiesPoolTheBottleneckOfEveryCandidate(string strategy)
    {
        using var dir = new TempDir();
        var (_, result) = RankOneImage(dir, strategy, null);
        Assert.Equal(3, result.Selection.Chosen.Count);
        // The tiny model: 4 base channels, depth 2 → a 16-channel bottleneck.
        Assert.All(result.Selection.Scored, c => Assert.Equal(16, c.Embedding!.Length));
        Assert.Equal(3, result.Selection.Chosen.Select(c => c.Embedding!).Distinct().Count());
    }

    [Theory]
    [InlineData("oracle")]
    [InlineData("density-ratio")]
    public void SimulateOnlyStrategiesAreRefusedBeforeAnyPrediction(string strategy)
    {
        using var dir = new TempDir();
        var request = new RankRequest { ModelDir = TinyModel(dir, 1.0), DataDir = dir.Path, OutDir = dir.File("out"), K = 1, Strategy = strategy };
        AssertFails(request, "exists only in `uga simulate`");
        // The request itself refuses them, so a cluster unit given these options (`--rank-args`) stops before predicting.
        Assert.Contains("exists only in `uga simulate`", Assert.Throws<InvalidInputException>(request.Validate).Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The default pools the U-Net's bottleneck; a model without one (ONNX) falls back to the default that needs no
    /// embeddings, with a note, while a strategy asked for by name is never swapped behind the user's back.
    /// </summary>
    [Fact]
    public void TheDefaultStrategyFallsBackOnlyWhenItWasNotAskedForAndTheModelCannotEmbed()
    {
        var request = new RankRequest { ModelDir = "m", DataDir = "d", OutDir = "o", K = 1 };
        Assert.True(RankingStrategies.NeedsEmbeddings(RankRequest.DefaultStrategy));
        Assert.False(RankingStrategies.NeedsEmbeddings(RankRequest.FallbackStrategy));

        var notes = new List<string>();
        Assert.Equal(RankRequest.DefaultStrategy, request.ForModel(poolsBottleneck: true, notes).Strategy);
        Assert.Empty(notes);
        Assert.Equal(RankRequest.FallbackStrategy, request.ForModel(poolsBottleneck: false, notes).Strategy);
        Assert.Contains($"ranked with {RankRequest.FallbackStrategy}", Assert.Single(notes), StringComparison.Ordinal);
        notes.Clear();
        var asked = request with { Strategy = RankRequest.DefaultStrategy };
        Assert.Equal(RankRequest.DefaultStrategy, asked.ForModel(poolsBottleneck: false, notes).Strategy);
        Assert.Empty(notes);
    }

    [Fact]
    public void BadInputIsReportedBeforeAnyPrediction()
    {
        using var dir = new TempDir();
        var slide = TissueSlide(dir, "s.tif", 400, 320, 1.0);
        var model = TinyModel(dir, 1.0, members: 1);
        RankRequest Request() => new() { ModelDir = model, SlidePaths = [slide], OutDir = dir.File("out"), K = 2, PatchSizePx = 32 };

        AssertFails(Request() with { Strategy = "most-confusing" }, "unknown ranking strategy 'most-confusing'");
        AssertFails(Request() with { ModelDir = dir.File("nope") }, "model folder not found");
        AssertFails(Request() with { K = 500 }, "K = 500 but only");
        AssertFails(Request() with { MinTissueFraction = 1, PatchSizePx = 300 }, "candidate pool is empty");
        AssertFails(Request() with { SlidePaths = [] }, "nothing to rank");
        ImageFile.WritePng(TissueImage(100, 100, 3), dir.File("nospacing.png"));
        AssertFails(Request() with { SlidePaths = [dir.File("nospacing.png")] }, "pass --spacing");
        Assert.False(File.Exists(dir.File("out/candidates.csv")));
    }

    [Fact]
    public void RealSlideRanksIntoLevelZeroBoxesInsideTheSlide()
    {
        var svs = SharedData.Require("slides", "cmu-1-small-region.svs");
        using var dir = new TempDir();
        var result = Ranker.Run(new RankRequest
        {
            ModelDir = TinyModel(dir, 4.0, classes: 2),
            SlidePaths = [svs],
            OutDir = dir.File("out"),
            K = 5,
            PatchSizePx = 32,
            MinDistanceUm = 200,
            PreAnnotate = true,
        });

        var rows = ReadCsv(dir.File("out/candidates.csv"));
        Assert.Equal(5, rows.Count);
        var boxes = AnnotationFiles.Read(dir.File("out/candidates.xml")).Set.Annotations
            .Where(a => a.ClassName == CandidateAnnotations.AsapGroup).ToList();
        AssertBoxesMatch(rows, boxes);
        // 32 px at 4 µm/px = 128 µm = 257 level-0 pixels at 0.499 µm/px (rounded outwards), inside the 2220x2967 slide.
        Assert.All(rows, r => Assert.InRange(Int(r, "level0_width"), 256, 258));
        Assert.All(boxes, b => Assert.True(b.Geometry.EnvelopeInternal.MaxX <= 2220 && b.Geometry.EnvelopeInternal.MaxY <= 2967));
        Assert.All(result.Selection.Chosen, c => Assert.True(c.TissueFraction >= 0.5));
    }

    [Theory]
    [InlineData("uga-paper", "entropy", "ensemble-ce")]
    [InlineData("mutual-information", "ensemble-ce", "mutual-information")]
    [InlineData("uncertainty-sum", "entropy", "entropy")]
    [InlineData("random", "variance", "variance")]
    public void EachStrategyGetsTheMapItReads(string strategy, string requested, string expected) =>
        Assert.Equal(expected, RankingStrategies.MeasureFor(strategy, requested));

    // K = 3 of one 300×220 tissue image with the tiny model, 48-px patches.
    private static (RankRequest Request, RankResult Result) RankOneImage(TempDir dir, string strategy, double? beta)
    {
        Directory.CreateDirectory(dir.File("data/images"));
        ImageFile.WritePng(TissueImage(300, 220, 1), dir.File("data/images/a.png"));
        var request = new RankRequest
        {
            ModelDir = TinyModel(dir, 1.0),
            DataDir = dir.File("data"),
            DataSpacingUm = 1.0,
            OutDir = dir.File("out"),
            K = 3,
            PatchSizePx = 48,
            Strategy = strategy,
            StochasticBeta = beta,
        };
        return (request, Ranker.Run(request));
    }

    private static void AssertFails(RankRequest request, string message)
    {
        var e = Assert.ThrowsAny<InvalidInputException>(() => Ranker.Run(request));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    private static void AssertBoxesMatch(List<Dictionary<string, string>> rows, List<Annotation> boxes)
    {
        Assert.Equal(rows.Count, boxes.Count);
        foreach (var row in rows)
        {
            var box = Assert.Single(boxes, b => b.Name == $"UGA {row["rank"]}");
            Assert.Equal(AnnotationShape.Rectangle, box.Shape);
            var e = box.Geometry.EnvelopeInternal;
            Assert.Equal((Int(row, "level0_x"), Int(row, "level0_y")), ((int)e.MinX, (int)e.MinY));
            Assert.Equal((Int(row, "level0_width"), Int(row, "level0_height")), ((int)e.Width, (int)e.Height));
            Assert.Equal(4 * e.Width * e.Height, 4 * box.Geometry.Area); // a full rectangle, not a skewed shape
        }
    }

    // The pre-annotation of candidate 1 covers exactly its predicted non-background pixels (each 4x4 level-0 px).
    private static void AssertPredictedAreaMatchesLabels(Dictionary<string, string> row, IEnumerable<Annotation> predicted, string labelsTif)
    {
        using var labels = NetVips.Image.Tiffload(labelsTif, page: 0);
        using var crop = labels.Crop(Int(row, "x"), Int(row, "y"), Int(row, "width"), Int(row, "height"));
        long foreground = crop.WriteToMemory<byte>().Count(v => v != 0);
        Assert.True(foreground > 0, "the untrained model predicts some foreground in the most uncertain patch");
        Assert.Equal(foreground * 16.0, predicted.Sum(a => a.Geometry.Area), 6);
    }
}
