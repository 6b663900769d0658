using Uga.Imaging;
using Uga.Inference;

namespace Uga.Onnx.Tests;

/// <summary>The hand-written ONNX writer, checked by ONNX Runtime running what it wrote on values worked out by hand.</summary>
public sealed class OnnxGraphTests
{
    /// <summary>
    /// A 1×1 convolution 3 → 2 channels with bias, then ReLU: channel 0 = relu(x_r − x_b + 0.1), channel 1 =
    /// relu(2·x_g − 0.5). Wrapped in a manifest with output "probabilities" so the source returns the raw outputs.
    /// </summary>
    internal static byte[] LinearModel(int inputChannels = 3, string[]? fixedSize = null)
    {
        var graph = new OnnxGraph("linear");
        graph.Input("x", fixedSize is null ? ["N", inputChannels.ToString(), "H", "W"] : ["N", inputChannels.ToString(), .. fixedSize]);
        var w = new float[2 * inputChannels];
        w[0] = 1;
        w[inputChannels - 1] -= 1;
        w[inputChannels + Math.Min(1, inputChannels - 1)] = 2;
        var conv = graph.Node("Conv", ["x", graph.Initializer("w", [2, inputChannels, 1, 1], w), graph.Initializer("b", [2], [0.1f, -0.5f])],
            OnnxAttr.Of("kernel_shape", 1L, 1L));
        graph.Output(graph.Node("Relu", [conv]), "y", "N", "2", "H", "W");
        return graph.ToModel("uga-tests", "1");
    }

    internal static string WriteModel(TempDir dir, byte[] onnx, string output = "probabilities", int patch = 4, string name = "model")
    {
        var folder = dir.File(name);
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, "net.onnx"), onnx);
        var manifest = new ModelManifest
        {
            Backend = ModelManifest.OnnxBackend,
            Output = output,
            ClassNames = ["a", "b"],
            SpacingUm = 1,
            PatchSize = patch,
            InputMean = [0, 0, 0],
            InputStd = [1, 1, 1],
            Members = 1,
            MemberFiles = ["net.onnx"],
        };
        File.WriteAllText(Path.Combine(folder, ModelManifest.FileName), manifest.ToJson());
        return folder;
    }

    [Fact]
    public void RuntimeRunsTheWrittenGraphAsWorkedOutByHand()
    {
        using var dir = new TempDir();
        var folder = WriteModel(dir, LinearModel());
        using var model = OnnxEnsemble.Load(folder, ModelManifest.Read(Path.Combine(folder, ModelManifest.FileName)));
        var tiles = new byte[2 * 4 * 4 * 3];
        new Random(3).NextBytes(tiles);
        var output = model.CreateSource(SampleSourceKind.Ensemble).Sample(tiles, 2, 4);
        Assert.Equal(2 * 1 * 2 * 16, output.Length);
        for (int n = 0; n < 2; n++)
            for (int i = 0; i < 16; i++)
            {
                float r = tiles[(n * 16 + i) * 3] / 255f, g = tiles[(n * 16 + i) * 3 + 1] / 255f, b = tiles[(n * 16 + i) * 3 + 2] / 255f;
                Assert.Equal(Math.Max(0, r - b + 0.1f), output[(n * 2 * 16) + i], 5);
                Assert.Equal(Math.Max(0, 2 * g - 0.5f), output[(n * 2 * 16) + 16 + i], 5);
            }
    }

    [Fact]
    public void LogitsGetASoftmaxOverClasses()
    {
        using var dir = new TempDir();
        var folder = WriteModel(dir, LinearModel(), output: "logits");
        using var model = OnnxEnsemble.Load(folder, ModelManifest.Read(Path.Combine(folder, ModelManifest.FileName)));
        var tiles = new byte[4 * 4 * 3];
        new Random(4).NextBytes(tiles);
        var p = model.CreateSource(SampleSourceKind.Ensemble).Sample(tiles, 1, 4);
        for (int i = 0; i < 16; i++)
        {
            float r = tiles[i * 3] / 255f, g = tiles[i * 3 + 1] / 255f, b = tiles[i * 3 + 2] / 255f;
            double a0 = Math.Max(0, r - b + 0.1), a1 = Math.Max(0, 2 * g - 0.5);
            Assert.Equal(Math.Exp(a0) / (Math.Exp(a0) + Math.Exp(a1)), p[i], 5);
            Assert.Equal(1, p[i] + p[16 + i], 5);
        }
    }

    [Fact]
    public void ProtoVarintsMatchTheSpecificationExamples()
    {
        // protobuf encoding guide: field 1 = 150 → 08 96 01; a string "testing" in field 2 → 12 07 74 65 73 74 69 6e 67.
        var w = new ProtoWriter();
        w.Varint(1, 150);
        w.String(2, "testing");
        Assert.Equal(Convert.FromHexString("089601120774657374696e67"), w.ToArray());
        var negative = new ProtoWriter();
        negative.Varint(1, -1);   // int64 −1 is ten bytes
        Assert.Equal(11, negative.ToArray().Length);
    }

    [Fact]
    public void ACorruptMemberFileIsNamed()
    {
        using var dir = new TempDir();
        var folder = WriteModel(dir, [1, 2, 3, 4]);
        var e = Assert.Throws<InvalidInputException>(() => OnnxEnsemble.Load(folder, ModelManifest.Read(Path.Combine(folder, ModelManifest.FileName))));
        Assert.Contains("net.onnx", e.Message);
        Assert.Contains("not a loadable ONNX model", e.Message);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.9)]
    [InlineData(0.0)]
    public void ATruncatedMemberFileIsNamedNotCrashedOn(double keep)
    {
        using var dir = new TempDir();
        var whole = LinearModel();
        var folder = WriteModel(dir, whole[..(int)(whole.Length * keep)]);
        var e = Assert.Throws<InvalidInputException>(() => Uga.Learning.Inference.EnsembleModels.Load(folder).Dispose());
        Assert.Contains("net.onnx", e.Message);
    }
}
