using TorchSharp;
using TorchSharp.Modules;
using Uga.Imaging;
using Uga.Inference;
using Uga.Inference.Uncertainty;
using Uga.Learning.Inference;
using static TorchSharp.torch;

namespace Uga.Learning.Tests;

public class InferenceSourceTests
{
    private static UNet SmallUNet(double dropout, int seed)
    {
        torch.random.manual_seed(seed);
        var net = new UNet(new UNetOptions { Depth = 2, BaseChannels = 4, Dropout = dropout });
        net.eval();
        return net;
    }

    private static float[] Samples(TorchSource source, int seed)
    {
        torch.random.manual_seed(seed);
        using var scope = NewDisposeScope();
        using var mode = inference_mode();
        return source.Sample(randn(2, 3, 16, 16)).data<float>().ToArray();
    }

    [Fact]
    public void McDropoutVariesOnlyWithDropout()
    {
        using var withDropout = SmallUNet(0.5, 1);
        using var without = SmallUNet(0, 1);
        var varying = new McDropoutSource(withDropout, 4, InferenceTestModels.Scale);
        var constant = new McDropoutSource(without, 4, InferenceTestModels.Scale);
        Assert.True(varying.HasActiveDropout);
        Assert.False(constant.HasActiveDropout);

        var a = Samples(varying, 3);
        var b = Samples(constant, 3);
        int sample = a.Length / 2 / 4; // per image: S=4 blocks of C·H·W
        Assert.Equal(a.Length, b.Length);
        Assert.NotEqual(a.AsSpan(0, sample).ToArray(), a.AsSpan(sample, sample).ToArray());
        for (int i = 0; i < sample; i++) Assert.Equal(b[i], b[sample + i], 6);
    }

    [Fact]
    public void McDropoutPredictionIsRepeatableWithASeed()
    {
        using var net = SmallUNet(0.5, 12);
        var image = InferenceTestModels.RandomImage(40, 30, 4);
        SampleProbabilities Run(long seed) => TiledPredictor.PredictStack(new McDropoutSource(net, 3, InferenceTestModels.Scale), 16, image,
            new PredictOptions { Seed = seed, McDropoutPasses = 3 });
        var a = Run(5);
        var b = Run(5);
        var c = Run(6);
        Assert.Equal(a[2, 1].Data, b[2, 1].Data);
        Assert.NotEqual(a[2, 1].Data, c[2, 1].Data);
    }

    [Fact]
    public void McDropoutKeepsBatchNormInEvalMode()
    {
        using var net = SmallUNet(0.5, 2);
        var bn = net.modules().OfType<BatchNorm2d>().First();
        var before = bn.running_mean!.data<float>().ToArray();
        Samples(new McDropoutSource(net, 3, InferenceTestModels.Scale), 4);
        Assert.Equal(before, bn.running_mean!.data<float>().ToArray());
        Assert.All(net.modules().OfType<BatchNorm2d>(), m => Assert.False(m.training));
        Assert.All(net.modules().OfType<Dropout2d>(), m => Assert.False(m.training)); // restored afterwards
    }

    [Fact]
    public void McDropoutIsRefusedForAModelWithoutDropout()
    {
        using var net = SmallUNet(0, 5);
        Assert.Throws<InvalidInputException>(() => TorchSources.Create(SampleSourceKind.McDropout, [net], InferenceTestModels.Scale));
    }

    [Fact]
    public void TtaOfAnEquivariantModelHasZeroUncertainty()
    {
        var conv = InferenceTestModels.PointwiseConv(3, seed: 9);
        var stack = TiledPredictor.PredictStack(new TtaSource(conv, InferenceTestModels.Scale), 32,
            InferenceTestModels.RandomImage(70, 45, 6), new PredictOptions());
        Assert.Equal(8, stack.Samples);
        foreach (var name in new[] { "variance", "mutual-information" })
            Assert.True(UncertaintyMeasures.Map(UncertaintyMeasures.Get(name), stack).Max() < 1e-6, name);
    }

    [Fact]
    public void TtaOfANonEquivariantModelDisagrees()
    {
        // A 3×3 convolution with random weights is not rotation-equivariant, so the augmented samples differ.
        torch.random.manual_seed(11);
        var conv = nn.Conv2d(3, 2, 3, padding: 1);
        var stack = TiledPredictor.PredictStack(new TtaSource(conv, InferenceTestModels.Scale), 32,
            InferenceTestModels.RandomImage(40, 40, 7), new PredictOptions());
        Assert.True(UncertaintyMeasures.Map(UncertaintyMeasures.Get("variance"), stack).Max() > 1e-4);
    }

    [Fact]
    public void DihedralTransformsAreInvertedExactly()
    {
        using var scope = NewDisposeScope();
        var x = arange(2 * 3 * 4 * 4).reshape(2, 3, 4, 4).to_type(ScalarType.Float32);
        Assert.Equal(8, DihedralTransform.All.Distinct().Count());
        foreach (var t in DihedralTransform.All)
            Assert.True(t.Invert(t.Apply(x)).equal(x).all().item<bool>(), t.ToString());
        Assert.False(new DihedralTransform(1, false).Apply(x).equal(x).all().item<bool>());
    }

    [Fact]
    public void EnsemblePredictWorksOnTheImageGridAtAnotherSpacing()
    {
        using var ensemble = TinyModels.Create(["background", "nucleus"], 0.5, patchSize: 32, members: 2, seed: 21);
        // 0.25 µm/px image → 0.5 µm/px model grid (half size), outputs back at 90×70.
        var result = TiledPredictor.Predict(ensemble, InferenceTestModels.RandomImage(90, 70, 8), 0.25,
            new PredictOptions { KeepSamples = true, Uncertainty = "entropy" });
        Assert.Equal((90, 70), (result.Labels.Width, result.Labels.Height));
        Assert.Equal((90, 70), (result.Uncertainty.Width, result.Uncertainty.Height));
        Assert.Equal(2, result.SampleCount);
        Assert.NotNull(result.Samples);
        for (int i = 0; i < result.Labels.Data.Length; i += 97)
        {
            float p0 = result.Probabilities[0].Data[i], p1 = result.Probabilities[1].Data[i];
            Assert.Equal(1f, p0 + p1, 4);
            Assert.Equal(p1 > p0 ? 1 : 0, result.Labels.Data[i]);
            Assert.InRange(result.Uncertainty.Data[i], 0f, (float)Math.Log(2) + 1e-5f);
        }
        Assert.Throws<InvalidInputException>(() => TiledPredictor.Predict(ensemble, InferenceTestModels.RandomImage(10, 10, 1), 0));
        Assert.Throws<InvalidInputException>(() => TiledPredictor.Predict(ensemble, InferenceTestModels.RandomImage(10, 10, 1), 0.5,
            new PredictOptions { Uncertainty = "nope" }));
    }
}
