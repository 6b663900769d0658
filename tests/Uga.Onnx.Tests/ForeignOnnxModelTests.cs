using System.Diagnostics;
using Uga.Imaging;
using Uga.Inference;
using Uga.Learning.Inference;

namespace Uga.Onnx.Tests;

/// <summary>
/// A model Uga never trained: a PyTorch network exported by Debian's python3-torch (scripts/onnx-fixture.py), with
/// PyTorch's own probabilities for real MoNuSeg tiles beside it. Uga runs the file through ONNX Runtime.
/// </summary>
public sealed class ForeignOnnxModelTests
{
    private const string Python = "/usr/bin/python3";

    private static string MakeFixture(TempDir dir, byte[] tiles, int count, int patch)
    {
        if (!File.Exists(Python)) Assert.Skip($"{Python} not found (scripts/setup.sh --onnx-fixture installs python3-torch)");
        File.WriteAllBytes(dir.File("tiles.u8"), tiles);
        var out_ = dir.File("foreign");
        var info = new ProcessStartInfo(Python, [Path.Combine(SharedData.RepoRoot, "scripts", "onnx-fixture.py"), "--out", out_,
            "--tiles", dir.File("tiles.u8"), "--count", count.ToString(), "--size", patch.ToString()])
        { RedirectStandardError = true, RedirectStandardOutput = true };
        using var process = Process.Start(info)!;
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0 && stderr.Contains("No module named 'torch'"))
            Assert.Skip("python3-torch is not installed (scripts/setup.sh --onnx-fixture installs it)");
        Assert.True(process.ExitCode == 0, stderr);
        return out_;
    }

    [Fact]
    public void UgaAgreesWithPyTorchOnRealTiles()
    {
        var (tiles, count) = OnnxExportTests.RealTiles(64, 3);
        using var dir = new TempDir();
        var folder = MakeFixture(dir, tiles, count, 64);
        using var model = EnsembleModels.Load(folder);
        Assert.Equal(["background", "benign", "tumour"], model.Manifest.ClassNames);
        var ours = model.CreateSource(SampleSourceKind.Ensemble).Sample(tiles, count, 64);
        var bytes = File.ReadAllBytes(Path.Combine(folder, "reference.f32"));
        var theirs = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, theirs, 0, bytes.Length);
        Assert.Equal(theirs.Length, ours.Length);
        double max = ours.Zip(theirs, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(max < 1e-4, $"largest difference from PyTorch {max}");
        Assert.True(theirs.Max() - theirs.Min() > 0.1, "the reference is not a constant");
    }

    [Fact]
    public void AForeignModelPredictsARealImageWithUncertainty()
    {
        var path = Directory.GetFiles(SharedData.Require("monuseg", "images")).Order(StringComparer.Ordinal).First();
        var (tiles, count) = OnnxExportTests.RealTiles(64, 1);
        using var dir = new TempDir();
        using var model = EnsembleModels.Load(MakeFixture(dir, tiles, count, 64));
        var image = ImageFile.ReadRgb(path).Crop(new PixelRegion(100, 100, 250, 200));
        var result = TiledPredictor.Predict(model, image, 0.25);   // 0.25 µm/px image, 0.5 µm/px model: resampled both ways
        Assert.Equal((250, 200), (result.Labels.Width, result.Labels.Height));
        Assert.Equal(2, result.SampleCount);
        Assert.True(result.Uncertainty.Data.Max() > 0, "two different members must disagree somewhere");
        for (int i = 0; i < 250 * 200; i += 997)
        {
            float sum = 0;
            for (int c = 0; c < 3; c++) sum += result.Probabilities[c].Data[i];
            Assert.Equal(1, sum, 4);
        }
    }
}
