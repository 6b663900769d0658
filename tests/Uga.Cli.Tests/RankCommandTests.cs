using System.Diagnostics;
using Uga.Annotations;
using Uga.Imaging;
using Uga.Inference;
using Uga.Learning;

namespace Uga.Cli.Tests;

/// <summary>Runs the real `uga rank` on the CMU-1 small region with a tiny untrained ensemble.</summary>
public sealed class RankCommandTests
{
    private static string TinyModel(TempDir dir) =>
        TinyModels.Save(dir, ["background", "tissue"], 4.0, patchSize: 32, normalisation: "none", seed: 60);

    [Fact]
    public void RanksARealSlideIntoAsapQuPathCsvAndPreview()
    {
        var svs = SharedData.Require("slides", "cmu-1-small-region.svs");
        using var dir = new TempDir();
        var model = TinyModel(dir);
        var outDir = dir.File("queue");

        var (code, stdout, stderr) = UgaProcess.Run("rank", "--model", model, "--slide", svs, "--k", "3", "--patch", "32",
            "--strategy", "uga-paper", "--min-distance", "300", "--pre-annotate", "--out", outDir);

        Assert.True(code == 0, stderr);
        Assert.Contains("UGA 1:", stdout, StringComparison.Ordinal);
        Assert.Contains("level0_", stdout, StringComparison.Ordinal);
        foreach (var name in new[] { "candidates.csv", "candidates.xml", "candidates.geojson", "cmu-1-small-region.preview.png", "rank.json" })
            Assert.True(File.Exists(Path.Combine(outDir, name)), name);
        var boxes = AnnotationFiles.Read(Path.Combine(outDir, "candidates.xml")).Set.Annotations
            .Where(a => a.Shape == AnnotationShape.Rectangle).Select(a => a.Name).Order(StringComparer.Ordinal);
        Assert.Equal(["UGA 1", "UGA 2", "UGA 3"], boxes);
        var (w, h) = ImageFile.ReadSize(Path.Combine(outDir, "cmu-1-small-region.preview.png"));
        Assert.True(w > 200 && h > 200, $"preview {w}x{h}");
    }

    [Fact]
    public void RankAfterPredictSlideReusesItsArtifactWithoutANetworkForward()
    {
        var svs = SharedData.Require("slides", "cmu-1-small-region.svs");
        using var dir = new TempDir();
        var model = TinyModel(dir);
        var predicted = dir.File("predicted");
        var predict = UgaProcess.Run("predict", "--model", model, "--slide", svs, "--out", predicted, "--threads", "1");
        Assert.True(predict.ExitCode == 0, predict.Error);
        Assert.True(Directory.Exists(Path.Combine(predicted, "cmu-1-small-region.prediction.zarr")));

        var (code, stdout, stderr) = UgaProcess.Run("rank", "--model", model, "--slide", svs, "--k", "3", "--patch", "32",
            "--artifacts", predicted, "--out", dir.File("queue"), "--threads", "1");

        Assert.True(code == 0, stderr);
        Assert.Contains("predictions: 1 reused from stored artifacts, 0 patch forwards through the networks", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("predict slide", stderr, StringComparison.Ordinal); // no prediction progress either
    }

    [Theory]
    [InlineData("--strategy", "best-guess", "unknown ranking strategy 'best-guess'")]
    [InlineData("--k-mode", "some", "unknown --k-mode 'some'")]
    [InlineData("--jitter", "2", "jitter fraction must be in [0, 1]")]
    public void BadOptionsExitWithOneLine(string option, string value, string message)
    {
        using var dir = new TempDir();
        var (code, _, stderr) = UgaProcess.Run("rank", "--model", dir.File("none"), "--slide", dir.File("none.svs"), "--k", "2",
            "--out", dir.File("out"), option, value);
        Assert.Equal(2, code);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Trim().Split('\n'));
    }
}
