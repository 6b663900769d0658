using System.Diagnostics;
using System.Text.Json;
using Uga.Imaging;
using Uga.Inference;
using Uga.Learning;

namespace Uga.Cli.Tests;

/// <summary>Runs the real `uga predict` on a crop of a MoNuSeg image with a tiny (untrained) two-member ensemble.</summary>
public sealed class PredictCommandTests
{

    private static string TinyModel(TempDir dir, double dropout = 0) =>
        TinyModels.Save(dir, ["background", "nucleus"], 0.5, patchSize: 32, dropout: dropout, seed: 40);

    private static string MonusegCrop(TempDir dir)
    {
        var image = ImageFile.ReadRgb(SharedData.Require("monuseg", "images", "TCGA-18-5592-01Z-00-DX1.jpg"));
        var path = dir.File("crop.png");
        ImageFile.WritePng(image.Crop(new PixelRegion(300, 300, 120, 90)), path);
        return path;
    }

    [Theory]
    [InlineData("ensemble", "ensemble-ce")]
    [InlineData("tta", "mutual-information")]
    public void Predict_writes_labels_overlay_heatmap_raw_uncertainty_and_summary(string samples, string measure)
    {
        using var dir = new TempDir();
        var image = MonusegCrop(dir);
        var model = TinyModel(dir);
        var outDir = dir.File("out");
        var (code, stdout, stderr) = UgaProcess.Run("predict", "--model", model, "--image", image, "--out", outDir,
            "--image-spacing", "0.25", "--samples", samples, "--uncertainty", measure, "--batch", "3", "--precision", "fp32");
        Assert.True(code == 0, stderr);
        Assert.Contains("predicted crop", stdout);

        Assert.Equal((120, 90), ImageFile.ReadSize(Path.Combine(outDir, "crop.labels.png")));
        Assert.Equal((120, 90), ImageFile.ReadSize(Path.Combine(outDir, "crop.overlay.png")));
        Assert.True(ImageFile.ReadSize(Path.Combine(outDir, "crop.uncertainty.png")).Width > 120, "heatmap has a colour scale beside it");
        var raw = FloatMapFile.ReadTiff(Path.Combine(outDir, "crop.uncertainty.tif"));
        Assert.Equal((120, 90), (raw.Width, raw.Height));
        Assert.All(raw.Data, v => Assert.True(float.IsFinite(v) && v >= 0));
        Assert.True(ImageFile.ReadLabels(Path.Combine(outDir, "crop.labels.png")).MaxLabel() <= 1);

        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "crop.summary.json")));
        var root = summary.RootElement;
        Assert.Equal(samples, root.GetProperty("sampleSource").GetString());
        Assert.Equal(samples == "tta" ? 8 : 2, root.GetProperty("sampleCount").GetInt32());
        Assert.Equal(measure, root.GetProperty("uncertainty").GetProperty("measure").GetString());
        Assert.Equal(raw.Max(), root.GetProperty("uncertainty").GetProperty("max").GetSingle(), 4);
        double fractions = root.GetProperty("classFractions").EnumerateArray().Sum(c => c.GetProperty("fraction").GetDouble());
        Assert.Equal(1.0, fractions, 9);
        Assert.Equal(5, Directory.GetFiles(outDir).Length); // no temporary files left
    }

    // bf16 runs wherever TorchSharp does; where the CPU only emulates it, the user is told why it is slow.
    [Fact]
    public void Precision_bf16_predicts_and_says_when_it_is_emulated()
    {
        using var dir = new TempDir();
        var image = MonusegCrop(dir);
        var model = TinyModel(dir);
        var (code, stdout, stderr) = UgaProcess.Run("predict", "--model", model, "--image", image, "--out", dir.File("out"),
            "--image-spacing", "0.25", "--precision", "bf16");
        Assert.True(code == 0, stderr);
        Assert.Contains("predicted crop", stdout);
        Assert.Contains("2 ensemble-bf16 samples", stdout, StringComparison.Ordinal);
        Assert.Equal(!Uga.Inference.CpuFeatures.Current.Bf16, stderr.Contains("bf16 is emulated", StringComparison.Ordinal));
        Assert.Equal((120, 90), ImageFile.ReadSize(Path.Combine(dir.File("out"), "crop.labels.png")));
    }

    [Theory]
    [InlineData("--overlap", "32", "overlap must be 0..31")]
    [InlineData("--batch", "0", "batch size must be >= 1")]
    [InlineData("--uncertainty", "bald", "valid: ensemble-ce, entropy, label-disagreement, mutual-information, variance")]
    [InlineData("--samples", "bootstrap", "unknown sample source 'bootstrap'")]
    [InlineData("--samples", "mc-dropout", "mc-dropout needs a model trained with dropout > 0")]
    public void Absurd_parameters_are_user_errors_and_write_nothing(string option, string value, string message)
    {
        using var dir = new TempDir();
        var image = MonusegCrop(dir);
        var model = TinyModel(dir);
        var outDir = dir.File("out");
        var (code, _, stderr) = UgaProcess.Run("predict", "--model", model, "--image", image, "--out", outDir, option, value);
        Assert.Equal(2, code);
        Assert.Contains(message, stderr);
        Assert.False(Directory.Exists(outDir) && Directory.GetFiles(outDir).Length > 0);
    }
}
