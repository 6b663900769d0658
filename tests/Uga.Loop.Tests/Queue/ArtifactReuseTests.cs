using Uga.Imaging;
using Uga.Inference;
using Uga.Inference.Artifacts;
using Uga.Inference.Uncertainty;
using Uga.Learning;
using Uga.Loop.Queue;
using Uga.Ranking;
using Uga.Slides.Writing;
using static Uga.Loop.Tests.Queue.RankFixtures;

namespace Uga.Loop.Tests.Queue;

public class ArtifactReuseTests
{
    [Fact]
    public void RankingAnAlreadyPredictedSlideRunsNoNetworkAndChoosesTheSame()
    {
        using var dir = new TempDir();
        var request = Request(dir, TissueSlide(dir, "s.tif", 640, 480, 1.0), TinyModel(dir, 1.0));

        var first = Ranker.Run(request);
        var second = Ranker.Run(request with { OutDir = dir.File("out2") });

        Assert.True(first.Forwards > 0);
        Assert.Equal(0, second.Forwards);
        Assert.Equal(1, second.ReusedPredictions);
        Assert.Equal(Keys(first), Keys(second));
        Assert.Equal(first.Selection.Chosen.Select(c => c.Score), second.Selection.Chosen.Select(c => c.Score));
    }

    [Fact]
    public void ANewModelVersionOrAChangedSlidePredictsAgain()
    {
        using var dir = new TempDir();
        var slide = TissueSlide(dir, "s.tif", 512, 384, 1.0);
        var request = Request(dir, slide, TinyModel(dir, 1.0));
        Ranker.Run(request);

        var other = TinyModels.Save(dir, TinyModels.Classes(3), 1.0, patchSize: 32, members: 2, normalisation: "none", seed: 555, name: "model2");
        var byOther = Ranker.Run(request with { ModelDir = other, OutDir = dir.File("o2") });
        Assert.True(byOther.Forwards > 0);
        Assert.Contains(byOther.Notes, n => n.Contains("another model", StringComparison.Ordinal));

        PyramidalTiffWriter.Write(slide, TissueImage(512, 384, 99), 1.0);
        var changed = Ranker.Run(request with { ModelDir = other, OutDir = dir.File("o3") });
        Assert.True(changed.Forwards > 0);
        Assert.Contains(changed.Notes, n => n.Contains("slide file has changed", StringComparison.Ordinal));
    }

    [Fact]
    public void ATruncatedArtifactIsNamedAndPredictedAgain()
    {
        using var dir = new TempDir();
        var request = Request(dir, TissueSlide(dir, "s.tif", 512, 384, 1.0), TinyModel(dir, 1.0));
        var first = Ranker.Run(request);
        var chunk = Directory.GetFiles(Path.Combine(request.ArtifactsDir!, "s" + PredictionArtifact.Extension, "uncertainty", request.Measure, "c"), "*", SearchOption.AllDirectories)[0];
        File.WriteAllBytes(chunk, File.ReadAllBytes(chunk)[..10]);

        var again = Ranker.Run(request with { OutDir = dir.File("o2") });

        Assert.True(again.Forwards > 0);
        Assert.Contains(again.Notes, n => n.StartsWith(chunk, StringComparison.Ordinal) && n.EndsWith("predicting again", StringComparison.Ordinal));
        Assert.Equal(Keys(first), Keys(again));
    }

    [Fact]
    public void RankChoosesWhatTheInMemoryRankingOfTheSameFullPrecisionMapChooses()
    {
        using var dir = new TempDir();
        var slide = TissueSlide(dir, "s.tif", 640, 480, 1.0);
        var request = Request(dir, slide, TinyModel(dir, 1.0)) with { K = 6, Strategy = "uncertainty-sum" }; // reads the measure map alone
        var ranked = Ranker.Run(request);

        // simulate's path: the float map in memory, the same grid and selector.
        var artifact = PredictionArtifact.Open(Path.Combine(request.ArtifactsDir!, "s" + PredictionArtifact.Extension));
        var (map, spacing) = artifact.ReadMeasure(request.Measure);
        using var opened = Uga.Slides.SlideFactory.Open(slide, null);
        var tissue = Uga.Slides.Tissue.TissueDetector.Detect(opened, cancel: TestContext.Current.CancellationToken);
        var inMemory = new RankingSlide("s", 640, 480, 1.0)
        {
            Measures = new Dictionary<string, SpacedMap> { [request.Measure] = new SpacedMap(map, spacing) },
            Tissue = tissue,
        };
        var pool = CandidateGrid.Build([inMemory], request.GridOptions(1.0));
        var chosen = CandidateSelector.Select(pool, request.CreateStrategy(), request.SelectionOptions()).Chosen;

        Assert.Equal(Keys(ranked), chosen.Select(c => c.Key).ToArray());
    }

    [Fact]
    public void AnArtifactKeepsTheFeaturesOfItsLatestFewRankingsOnly()
    {
        using var dir = new TempDir();
        var request = Request(dir, TissueSlide(dir, "s.tif", 512, 384, 1.0), TinyModel(dir, 1.0)) with { K = 2 };
        foreach (int patch in new[] { 32, 40, 48, 56, 64, 72 })
            Ranker.Run(request with { PatchSizePx = patch, OutDir = dir.File($"o{patch}") });

        var folder = Path.Combine(request.ArtifactsDir!, "s" + PredictionArtifact.Extension, "features");
        Assert.Equal(4, Directory.GetFiles(folder, "*.bin").Length);
        Assert.Equal(1, Ranker.Run(request with { PatchSizePx = 72, OutDir = dir.File("latest") }).StoredFeatures);
        Assert.Equal(0, Ranker.Run(request with { PatchSizePx = 32, OutDir = dir.File("oldest") }).StoredFeatures);
    }

    // The default strategy reads the measure and 2 maps per class derived from the mean probabilities; rank reads
    // them a chunk of candidates at a time and must measure what the whole maps in memory give.
    [Fact]
    public void ClassMapsReadAChunkAtATimeMeasureWhatTheWholeMapsGive()
    {
        using var dir = new TempDir();
        var slide = TissueSlide(dir, "s.tif", 640, 480, 1.0);
        var request = Request(dir, slide, TinyModel(dir, 1.0)) with { PatchSizePx = 48, Strategy = "class-stratified" };
        var ranked = Ranker.Run(request);

        var artifact = PredictionArtifact.Open(Path.Combine(request.ArtifactsDir!, "s" + PredictionArtifact.Extension));
        var probabilities = Enumerable.Range(0, artifact.Manifest.ClassNames.Count).Select(c => artifact.ReadProbability(c).Map).ToList();
        var measures = ClassMaps.FromProbabilities(probabilities).ToDictionary(kv => kv.Key, kv => new SpacedMap(kv.Value, 1.0));
        measures[request.Measure] = new SpacedMap(artifact.ReadMeasure(request.Measure).Map, 1.0);
        using var opened = Uga.Slides.SlideFactory.Open(slide, null);
        var inMemory = new RankingSlide("s", 640, 480, 1.0)
        {
            Measures = measures,
            Tissue = Uga.Slides.Tissue.TissueDetector.Detect(opened, cancel: TestContext.Current.CancellationToken),
        };
        var pool = CandidateGrid.Build([inMemory], request.GridOptions(1.0));

        Assert.Equal(pool.Count, ranked.Selection.Scored.Count);
        var byRegion = ranked.Selection.Scored.ToDictionary(c => c.Region);
        foreach (var c in pool)
            foreach (var (name, stats) in c.Measures)
                Assert.Equal(stats, byRegion[c.Region].Measures[name]);
    }

    // A 0.5 µm/px image ranked by a 1 µm/px model: the artifact keeps the networks' own grid (a quarter of the
    // image's pixels to summarise and store), and its map is exactly what the networks predicted there.
    [Fact]
    public void AnImageFinerThanTheModelIsStoredAtTheModelsSpacing()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("data/images"));
        var image = Resample.Rgb(TissueImage(300, 220, 1), 600, 440); // the fixture's tissue, scanned twice as fine
        ImageFile.WritePng(image, dir.File("data/images/a.png"));
        var model = TinyModel(dir, 1.0);
        var request = new RankRequest
        {
            ModelDir = model,
            DataDir = dir.File("data"),
            DataSpacingUm = 0.5,
            OutDir = dir.File("out"),
            ArtifactsDir = dir.File("artifacts"),
            K = 2,
            PatchSizePx = 32,
        };

        Ranker.Run(request);

        var artifact = PredictionArtifact.Open(Path.Combine(request.ArtifactsDir!, "a" + PredictionArtifact.Extension));
        var m = artifact.Manifest;
        Assert.Equal((300, 220, 1.0), (m.Width, m.Height, m.SpacingUm));
        Assert.Equal((600, 440, 0.5), (m.SlideWidth, m.SlideHeight, m.SlideSpacingUm));
        using var ensemble = Uga.Learning.Inference.EnsembleModels.Load(model);
        var direct = TiledPredictor.PredictAtModelSpacing(ensemble, image, 0.5, new PredictOptions());
        var expected = UncertaintyMeasures.Map(UncertaintyMeasures.Get(request.Measure), direct.Stack);
        var (stored, spacing) = artifact.ReadMeasure(request.Measure);
        Assert.Equal(1.0, spacing);
        Assert.Equal(expected.Data, stored.Data);
    }

    private static RankRequest Request(TempDir dir, string slide, string model) => new()
    {
        ModelDir = model,
        SlidePaths = [slide],
        OutDir = dir.File("out"),
        ArtifactsDir = dir.File("artifacts"),
        K = 4,
        PatchSizePx = 64,
    };

    private static (string, PixelRegion)[] Keys(RankResult r) => [.. r.Selection.Chosen.Select(c => c.Key)];
}
