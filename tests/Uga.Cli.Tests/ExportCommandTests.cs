using System.Globalization;
using System.Text.RegularExpressions;
using Uga.Imaging;
using Uga.Loop.Queue;

namespace Uga.Cli.Tests;

/// <summary>`uga export` to ONNX, then the exported folder used like any model: predict, a workspace, and the refusals.</summary>
public sealed partial class ExportCommandTests
{
    [GeneratedRegex(@"largest probability difference vs TorchSharp on (\d+) tiles of crop\.png: (\S+)")]
    private static partial Regex Difference();

    [Fact]
    public void ExportedModelPredictsAsTheOriginal()
    {
        using var dir = new TempDir();
        var crop = dir.File("crop.png");
        ImageFile.WritePng(ImageFile.ReadRgb(SharedData.Require("monuseg", "images", "TCGA-18-5592-01Z-00-DX1.jpg")).Crop(new PixelRegion(200, 200, 140, 100)), crop);
        var model = TinyModels.Save(dir, ["background", "nucleus"], 0.5, patchSize: 32, members: 2);
        var export = UgaProcess.Run("export", "--model", model, "--out", dir.File("onnx"), "--check-image", crop);
        Assert.True(export.ExitCode == 0, export.Error);
        var match = Difference().Match(export.Out);
        Assert.True(match.Success, export.Out);
        Assert.True(double.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture) < 1e-4, match.Value);

        foreach (var (name, m) in new[] { ("torch", model), ("onnx", dir.File("onnx")) })
        {
            var run = UgaProcess.Run("predict", "--model", m, "--image", crop, "--image-spacing", "0.25", "--out", dir.File(name), "--threads", "1");
            Assert.True(run.ExitCode == 0, run.Error);
        }
        var a = FloatMapFile.ReadTiff(Path.Combine(dir.File("torch"), "crop.uncertainty.tif"));
        var b = FloatMapFile.ReadTiff(Path.Combine(dir.File("onnx"), "crop.uncertainty.tif"));
        Assert.True(a.Data.Zip(b.Data, (x, y) => Math.Abs(x - y)).Max() < 1e-4);
        Assert.True(a.Data.Max() > 0);
    }

    [Fact]
    public void AWorkspaceServesAnOnnxModelButDoesNotFineTuneIt()
    {
        using var dir = new TempDir();
        var (model, data, slide) = WorkspaceCommandTests.Inputs(dir);
        Assert.Equal(0, UgaProcess.Run("export", "--model", model, "--out", dir.File("onnx")).ExitCode);
        var ws = dir.File("ws");
        var init = UgaProcess.Run("workspace", "init", "--workspace", ws, "--model", dir.File("onnx"), "--data", data, "--data-spacing", "1");
        Assert.True(init.ExitCode == 0, init.Error);
        Assert.True(File.Exists(Path.Combine(ws, "models", "v1", "member-0.onnx")));
        Assert.Equal(0, UgaProcess.Run("workspace", "add-slides", "--workspace", ws, slide).ExitCode);
        var predict = UgaProcess.Run("predict", "--workspace", ws, "--threads", "1");
        Assert.True(predict.ExitCode == 0, predict.Error);
        Assert.Contains("1 slides with model v1, 1 predicted", predict.Out, StringComparison.Ordinal);
        var adapt = UgaProcess.Run("adapt", "--workspace", ws, "--tiles", "16", "--batch", "4");
        Assert.NotEqual(0, adapt.ExitCode);
        Assert.Contains("is an ONNX model", adapt.Error);
        Assert.Single(adapt.Error.Trim().Split('\n'));
    }

    /// <summary>An ONNX model exposes no bottleneck: the default ranks with the fallback, `--strategy clue` refuses.</summary>
    [Fact]
    public void RankingWithAnOnnxModelFallsBackFromTheDefaultButRefusesClueAskedForByName()
    {
        using var dir = new TempDir();
        var (model, _, _) = WorkspaceCommandTests.Inputs(dir);
        var data = KillDurabilityTests.Glas(dir);
        Assert.Equal(0, UgaProcess.Run("export", "--model", model, "--out", dir.File("onnx")).ExitCode);

        var rank = UgaProcess.Run("rank", "--model", dir.File("onnx"), "--data", data, "--data-spacing", "0.5", "--k", "1", "--patch", "32", "--out", dir.File("q"), "--threads", "1");
        Assert.True(rank.ExitCode == 0, rank.Error);
        Assert.Contains($"ranked with {RankRequest.FallbackStrategy}", rank.Out + rank.Error, StringComparison.Ordinal);
        Assert.Contains($"\"{RankRequest.FallbackStrategy}\"", File.ReadAllText(Path.Combine(dir.File("q"), "rank.json")), StringComparison.Ordinal);

        var clue = UgaProcess.Run("rank", "--model", dir.File("onnx"), "--data", data, "--data-spacing", "0.5", "--k", "1", "--patch", "32", "--out", dir.File("q2"), "--strategy", "clue");
        Assert.Equal(2, clue.ExitCode);
        Assert.Contains("does not expose", Assert.Single(clue.Error.Trim().Split('\n')), StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.File("q2")));
    }

    [Fact]
    public void ExportRefusesAnExistingFolderAndAnOnnxInput()
    {
        using var dir = new TempDir();
        var model = TinyModels.Save(dir, ["background", "nucleus"], 0.5);
        var again = UgaProcess.Run("export", "--model", model, "--out", model);
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("already exists", again.Error);
        Assert.Equal(0, UgaProcess.Run("export", "--model", model, "--out", dir.File("onnx")).ExitCode);
        var twice = UgaProcess.Run("export", "--model", dir.File("onnx"), "--out", dir.File("onnx2"));
        Assert.Equal(2, twice.ExitCode);
        Assert.Contains("is an ONNX model", twice.Error);
        Assert.False(Directory.Exists(dir.File("onnx2")));
    }
}
