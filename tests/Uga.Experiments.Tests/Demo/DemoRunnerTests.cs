using Uga.Experiments;
using Uga.Experiments.Demo;
using Uga.Imaging;
using Uga.Loop.Queue;
using Uga.Phantom;
using Uga.Ranking;

namespace Uga.Experiments.Tests.Demo;

public sealed class DemoRunnerTests
{
    /// <summary>
    /// The quick demo end to end: every arm is evaluated, the report and its pictures exist, and each Dice in the
    /// result is exactly what the written label maps give against the references (so nothing is a constant).
    /// </summary>
    [Fact]
    public void QuickDemoRunsTheLoopAndItsNumbersMatchTheWrittenLabelMaps()
    {
        using var dir = new TempDir();
        var options = DemoOptions.Quick(dir.Path) with { Threads = 2, Cancellation = TestContext.Current.CancellationToken };
        var result = DemoRunner.Run(options);

        Assert.Equal(["baseline", DemoRunner.AdaptArm, "control K=0", $"{RankRequest.DefaultStrategy} K=2", $"{RankRequest.DefaultStrategy} K=4", "random K=2", "random K=4"],
            result.Arms.Select(a => a.Name));
        Assert.True(File.Exists(result.ReportPath));
        var html = File.ReadAllText(result.ReportPath);
        foreach (var name in new[] { "dice-vs-patches.png", "dice-vs-patches.svg", "patch-01.png", "patch-04.png", "eval-phantom-B-000.png" })
        {
            Assert.True(File.Exists(Path.Combine(dir.Path, "report-files", name)), name);
            Assert.Contains("report-files/" + name, html, StringComparison.Ordinal);
        }
        Assert.True(File.Exists(Path.Combine(dir.Path, "rank", RankRequest.DefaultStrategy, "phantom-B-000-pool.preview.png")));
        Assert.Equal(8, result.Stages.Count);

        foreach (var arm in result.Arms)
        {
            Assert.All(arm.Dice, d => Assert.True(double.IsNaN(d) || d is >= 0 and <= 1, $"{arm.Name}: {d}"));
            var counts = new ClassCounts(3);
            foreach (var reference in Directory.GetFiles(result.EvalReferenceDir, "*.png"))
            {
                var predicted = ImageFile.ReadLabels(Path.Combine(result.EvalDir, DemoRunner.Slug(arm.Name), Path.GetFileName(reference)));
                counts.Add(SegmentationMetrics.Count(predicted, ImageFile.ReadLabels(reference), 3));
            }
            Assert.Equal(counts.DicePerClass(), arm.Dice);
        }
    }

    [Fact]
    public void OracleReturnsTheSlidePixelsAndReferenceLabelsOfTheCandidate()
    {
        using var dir = new TempDir();
        var spec = PhantomDataset.Series(PhantomCentre.B, 1, 256, 5, 1.0, clearCell: false)[0];
        var phantom = new PhantomSlide(spec);
        var path = dir.File("s.tif");
        PhantomSlideWriter.Write(phantom, path, "s", tileSize: 128, cancellation: TestContext.Current.CancellationToken);
        var candidate = new Candidate { SlideId = "s", Region = new PixelRegion(64, 96, 64, 64), SpacingUm = 1.0, SlideWidth = 256, SlideHeight = 256, Rank = 3 };

        var sample = new OracleAnnotator(path, PhantomSlideWriter.LabelsPathFor(path)).Annotate(candidate, 0.5);

        var (image, labels) = phantom.RenderRegion(candidate.Region);
        Assert.Equal(labels.Data, sample.Labels.Data);
        Assert.Equal(image.Data, sample.Image.Data);
        Assert.Equal(0.5, sample.Weight);
        Assert.Equal("s#3", sample.Name);
    }

    [Fact]
    public void OracleMarksPixelsOutsideTheSlideAsIgnore()
    {
        using var dir = new TempDir();
        var spec = PhantomDataset.Series(PhantomCentre.A, 1, 128, 9, 1.0, clearCell: false)[0];
        var path = dir.File("s.tif");
        PhantomSlideWriter.Write(new PhantomSlide(spec), path, "s", tileSize: 64, cancellation: TestContext.Current.CancellationToken);
        var labels = new OracleAnnotator(path, PhantomSlideWriter.LabelsPathFor(path)).ReadReference(new PixelRegion(96, 0, 64, 64), 1.0);
        Assert.Equal(LabelMap.Ignore, labels[40, 10]);
        Assert.NotEqual(LabelMap.Ignore, labels[10, 10]);
    }

    [Fact]
    public void InvalidOptionsAreInputErrors()
    {
        Assert.Throws<InvalidInputException>(() => (DemoOptions.Quick("x") with { Ks = [0] }).Validate());
        Assert.Throws<InvalidInputException>(() => (DemoOptions.Quick("x") with { Baseline = "nope" }).Validate());
        Assert.Throws<InvalidInputException>(() => (DemoOptions.Quick("x") with { PoolSize = 32 }).Validate());
    }
}
