using TorchSharp.Modules;
using Uga.Imaging;
using Uga.Learning;
using Uga.Testing;
using static TorchSharp.torch;

namespace Uga.Learning.Tests;

public class BatchNormAdaptationTests
{
    // Target tissue with a colour cast the untrained statistics (mean 0, variance 1) know nothing of.
    private static List<RgbImage> Target(int count, int size, int seed)
    {
        var rng = new Random(seed);
        var images = new List<RgbImage>();
        for (int n = 0; n < count; n++)
        {
            var image = new RgbImage(size, size);
            for (int i = 0; i < image.Data.Length; i += 3)
                (image.Data[i], image.Data[i + 1], image.Data[i + 2]) = ((byte)rng.Next(20, 90), (byte)rng.Next(10, 60), (byte)rng.Next(120, 220));
            images.Add(image);
        }
        return images;
    }

    private static float[] Logits(Ensemble model, RgbImage image)
    {
        using var noGrad = no_grad();
        using var x = model.Normalise(image);
        using var y = model.Members[0].call(x);
        return y.data<float>().ToArray();
    }

    // The block whose first convolution reads the RGB input: conv → BN → ReLU → conv → BN → ReLU.
    private static Sequential FirstBlock(Ensemble model) => model.Members[0].modules().OfType<Sequential>()
        .First(s => s.children().FirstOrDefault() is Conv2d c && c.weight!.shape[1] == 3);

    [Fact]
    public void FirstBatchNormHoldsTheMeanOfTheTargetBatchStatisticsAndTheSourceModelIsUntouched()
    {
        using var model = TinyModels.Create(TinyModels.Classes(3), 1.0, patchSize: 32, members: 2, dropout: 0.2);
        var images = Target(4, 64, 7);
        var probe = images[0].Crop(new PixelRegion(0, 0, 32, 32));
        var before = Logits(model, probe);

        using var adapted = BatchNormAdaptation.Adapt(model, images, new AdaptationOptions { BatchSize = 4, MaxTiles = 16 }, null, TestContext.Current.CancellationToken);

        // The input ensemble gives the same outputs as before; the adapted one different ones.
        Assert.Equal(before, Logits(model, probe));
        Assert.NotEqual(before, Logits(adapted, probe));

        // Expected: per batch of 4 tiles, the first convolution's per-channel mean and unbiased variance, averaged.
        var tiles = BatchNormAdaptation.Tiles(images, 32, new AdaptationOptions { BatchSize = 4, MaxTiles = 16 });
        Assert.Equal(16, tiles.Count);
        var conv = (Conv2d)FirstBlock(model).children().First();
        long channels = conv.weight!.shape[0];
        var mean = new double[channels];
        var variance = new double[channels];
        using (no_grad())
        {
            for (int b = 0; b < 4; b++)
            {
                var pixels = tiles.Skip(b * 4).Take(4).SelectMany(t => t.Data).ToArray();
                using var bytes = tensor(pixels, [4, 32, 32, 3]);
                using var x = model.Normalise(bytes);
                using var y = conv.call(x);
                using var m = y.mean([0, 2, 3]);
                using var v = y.var([0, 2, 3], unbiased: true);
                var (mv, vv) = (m.data<float>().ToArray(), v.data<float>().ToArray());
                for (int c = 0; c < channels; c++)
                {
                    mean[c] += mv[c] / 4;
                    variance[c] += vv[c] / 4;
                }
            }
        }
        var bn = FirstBlock(adapted).children().OfType<BatchNorm2d>().First();
        var runningMean = bn.running_mean!.data<float>().ToArray();
        var runningVar = bn.running_var!.data<float>().ToArray();
        for (int c = 0; c < channels; c++)
        {
            Assert.Equal(mean[c], runningMean[c], 3);
            Assert.Equal(variance[c], runningVar[c], 3);
        }
        // The source model's statistics are still the untrained ones; the momentum is back to the layer's own.
        Assert.All(FirstBlock(model).children().OfType<BatchNorm2d>().First().running_mean!.data<float>().ToArray(), v => Assert.Equal(0f, v));
        Assert.Equal(0.1, bn.momentum!.Value, 9);
    }

    [Fact]
    public void TooFewTilesOrANonBatchNormModelAreInputErrors()
    {
        using var model = TinyModels.Create(TinyModels.Classes(2), 1.0, patchSize: 32);
        var e = Assert.Throws<InvalidInputException>(() => BatchNormAdaptation.Adapt(model, Target(1, 40, 1), new AdaptationOptions { BatchSize = 4 }, null, TestContext.Current.CancellationToken));
        Assert.Contains("only 1 target tiles", e.Message);
        using var instance = TinyModels.Create(TinyModels.Classes(2), 1.0, patchSize: 32, normalisation: "instance");
        Assert.Throws<InvalidInputException>(() => BatchNormAdaptation.Adapt(instance, Target(4, 64, 1), new AdaptationOptions { BatchSize = 4 }, null, TestContext.Current.CancellationToken));
    }
}

public class PatchEmbeddingTests
{
    // The embeddings come from ONNX Runtime; TorchSharp's own encoder is the reference they must match, with
    // BatchNorm's running statistics moved off their defaults so that its folding is exercised too.
    [Theory]
    [InlineData("batch")]
    [InlineData("instance")]
    public void EmbeddingIsTheMemberAverageOfTheSpatiallyPooledBottleneck(string normalisation)
    {
        using var model = TinyModels.Create(TinyModels.Classes(2), 1.0, patchSize: 32, members: 2, normalisation: normalisation, depth: 2, baseChannels: 4);
        var rng = new Random(2);
        var patches = Enumerable.Range(0, 4).Select(i =>
        {
            var p = new RgbImage(i < 3 ? 32 : 64, 32);
            rng.NextBytes(p.Data);
            return p;
        }).ToList();
        using (no_grad())
        {
            using var batch = model.Normalise(patches[0]);
            foreach (var member in model.Members)
            {
                member.train();
                member.forward(batch * 1.5 + 0.3).Dispose();
                member.eval();
            }
        }
        var reads = new List<int>();
        var done = new List<long>();
        using var embedder = new PatchEmbedder(model);
        var embeddings = embedder.Compute(patches.Count, i =>
        {
            reads.Add(i);
            return patches[i];
        }, batchSize: 2, progress: new TrainingTests.SyncProgress(p => done.Add(p.Done)), cancel: TestContext.Current.CancellationToken);
        Assert.Equal([0, 1, 2, 3], reads);   // each patch read once, in order, batch by batch
        Assert.Equal([2, 3, 4], done);       // the 64-wide patch ends the second batch early
        // The sessions are kept for the next call (the next slide of a cohort), which gives the same features.
        Assert.Equal(embeddings[3], embedder.Compute(1, _ => patches[3], cancel: TestContext.Current.CancellationToken)[0]);
        using (var fresh = new PatchEmbedder(model))
            Assert.Equal(embeddings[0], fresh.Compute([patches[0]], TestContext.Current.CancellationToken)[0]);
        Assert.All(embeddings, e => Assert.Equal(16, e.Length)); // 4 base channels · 2^2
        using (no_grad())
        {
            for (int p = 0; p < patches.Count; p++)
            {
                using var x = model.Normalise(patches[p]);
                var expected = new double[16];
                foreach (var member in model.Members)
                {
                    using var pooled = member.Encode(x).mean([2, 3]);
                    var v = pooled.data<float>().ToArray();
                    for (int c = 0; c < 16; c++) expected[c] += v[c] / 2;
                }
                for (int c = 0; c < 16; c++) Assert.Equal(expected[c], embeddings[p][c], 1e-4); // float32 summation order differs
            }
        }
        Assert.NotEqual(embeddings[0], embeddings[1]);
    }
}
