using TorchSharp;
using Uga.Imaging;
using Uga.Inference;
using Uga.Learning;
using Uga.Learning.Inference;

namespace Uga.Onnx.Tests;

/// <summary>Uga's own U-Nets written as ONNX and run by ONNX Runtime give TorchSharp's probabilities.</summary>
public sealed class OnnxExportTests
{
    /// <summary>Tiles of a real H&amp;E image (MoNuSeg) when the shared data is there, else seeded noise.</summary>
    internal static (byte[] Tiles, int Count) RealTiles(int patch, int count)
    {
        var image = ImageFile.ReadRgb(Directory.GetFiles(SharedData.Require("monuseg", "images")).Order(StringComparer.Ordinal).First());
        var regions = TileGrid.EvenSample([.. TileGrid.Regions(image.Width, image.Height, patch)], count);
        return ([.. regions.SelectMany(r => image.Crop(r).Data)], regions.Count);
    }

    /// <summary>BatchNorm statistics as after training: a few train-mode passes over the tiles.</summary>
    private static void GiveStatistics(Ensemble ensemble, byte[] tiles, int count)
    {
        using var scope = torch.NewDisposeScope();
        using var input = ensemble.Normalise(torch.tensor(tiles, [count, ensemble.Manifest.PatchSize, ensemble.Manifest.PatchSize, 3]));
        using var noGrad = torch.no_grad();
        foreach (var member in ensemble.Members)
        {
            member.train();
            for (int i = 0; i < 3; i++) member.call(input);
            member.eval();
        }
    }

    [Theory]
    [InlineData("batch", 0.0)]
    [InlineData("instance", 0.2)]
    [InlineData("none", 0.0)]
    public void ExportedMembersMatchTorchSharpWithin1e4(string normalisation, double dropout)
    {
        var (tiles, count) = RealTiles(64, 4);
        using var dir = new TempDir();
        using var ensemble = TinyModels.Create(TinyModels.Classes(3), 0.5, patchSize: 64, members: 2, normalisation: normalisation, dropout: dropout);
        GiveStatistics(ensemble, tiles, count);
        OnnxExport.Write(ensemble, dir.File("onnx"));
        using var exported = EnsembleModels.Load(dir.File("onnx"));
        Assert.IsType<OnnxEnsemble>(exported);
        Assert.Equal(ensemble.Manifest.ClassNames, exported.Manifest.ClassNames);
        double diff = OnnxExport.MaxDifference(ensemble, exported, tiles, count);
        Assert.True(diff < 1e-4, $"max probability difference {diff}");
        Assert.True(diff > 0 || normalisation == "none", "two backends agreeing bit for bit would suggest one ran twice");
    }

    [Fact]
    public void AnExportedModelPredictsAWholeImageLikeTheOriginal()
    {
        var path = Directory.GetFiles(SharedData.Require("monuseg", "images")).Order(StringComparer.Ordinal).First();
        var image = ImageFile.ReadRgb(path).Crop(new PixelRegion(0, 0, 300, 260));
        var (tiles, count) = RealTiles(32, 8);
        using var dir = new TempDir();
        using var ensemble = TinyModels.Create(TinyModels.Classes(2), 0.5, patchSize: 32, members: 3);
        GiveStatistics(ensemble, tiles, count);
        OnnxExport.Write(ensemble, dir.File("onnx"));
        using var exported = EnsembleModels.Load(dir.File("onnx"));
        var a = TiledPredictor.Predict(ensemble, image, 0.25);
        var b = TiledPredictor.Predict(exported, image, 0.25);
        Assert.Equal(a.Uncertainty.Data.Length, b.Uncertainty.Data.Length);
        double maxUncertainty = a.Uncertainty.Data.Zip(b.Uncertainty.Data, (x, y) => Math.Abs(x - y)).Max();
        Assert.True(maxUncertainty < 1e-4, $"uncertainty differs by {maxUncertainty}");
        int labelsDiffer = a.Labels.Data.Zip(b.Labels.Data).Count(p => p.First != p.Second);
        Assert.True(labelsDiffer <= a.Labels.Data.Length / 10000, $"{labelsDiffer} labels differ");
    }

    [Fact]
    public void AnInt8ExportIsQuantisedAndStaysCloseToFloat()
    {
        var (tiles, count) = RealTiles(64, 8);
        using var dir = new TempDir();
        using var ensemble = TinyModels.Create(TinyModels.Classes(3), 0.5, patchSize: 64, members: 2, normalisation: "batch");
        GiveStatistics(ensemble, tiles, count);
        OnnxExport.Write(ensemble, dir.File("int8"), (tiles[..(4 * 64 * 64 * 3)], 4)); // calibrated on half the tiles
        OnnxExport.Write(ensemble, dir.File("fp32"));
        using var int8 = EnsembleModels.Load(dir.File("int8"));
        using var fp32 = EnsembleModels.Load(dir.File("fp32"));

        var graph = File.ReadAllBytes(Path.Combine(dir.File("int8"), "member-0.onnx"));
        Assert.True(graph.AsSpan().IndexOf("QuantizeLinear"u8) >= 0, "the int8 graph has no QuantizeLinear node");
        var a = fp32.CreateSource(SampleSourceKind.Ensemble).Sample(tiles, count, 64);
        var b = int8.CreateSource(SampleSourceKind.Ensemble).Sample(tiles, count, 64);
        double max = a.Zip(b, (x, y) => Math.Abs(x - y)).Max(), mean = a.Zip(b, (x, y) => Math.Abs(x - y)).Average();
        Assert.True(max > 1e-4, $"int8 gave float32's probabilities (max |Δp| {max}): nothing was quantised");
        Assert.True(mean < 0.01 && max < 0.2, $"int8 strays from float32: mean |Δp| {mean}, max {max}");
    }
}
