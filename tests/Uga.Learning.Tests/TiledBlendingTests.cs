using Uga.Imaging;
using Uga.Inference;
using Uga.Learning.Inference;
using static TorchSharp.torch;

namespace Uga.Learning.Tests;

public class TiledBlendingTests
{
    [Theory]
    [InlineData(300, 217, 64, 32)]
    [InlineData(300, 217, 64, 0)]
    [InlineData(37, 20, 64, 32)] // smaller than one patch
    [InlineData(129, 65, 32, 10)]
    public void ConstantModelGivesConstantOutputAcrossSeams(int width, int height, int patch, int overlap)
    {
        var source = new EnsembleSource([new ConstantLogits(0f, 1f, -1f)], InferenceTestModels.Scale);
        var stack = TiledPredictor.PredictStack(source, patch, InferenceTestModels.RandomImage(width, height, 1),
            new PredictOptions { Overlap = overlap, BatchSize = 3 });

        // softmax(0, 1, −1) = e^x / (1 + e + e^−1)
        double z = 1 + Math.E + Math.Exp(-1);
        double[] expected = [1 / z, Math.E / z, Math.Exp(-1) / z];
        Assert.Equal((1, 3, width, height), (stack.Samples, stack.Classes, stack.Width, stack.Height));
        for (int c = 0; c < 3; c++)
            Assert.All(stack[0, c].Data, v => Assert.Equal(expected[c], v, 5));
    }

    [Theory]
    [InlineData(300, 217, 64, 32)]
    [InlineData(300, 217, 48, 20)]
    public void PointwiseModelTiledEqualsWholeImage(int width, int height, int patch, int overlap)
    {
        var image = InferenceTestModels.RandomImage(width, height, 2);
        var conv = InferenceTestModels.PointwiseConv(3, seed: 5);
        var tiled = TiledPredictor.PredictStack(new EnsembleSource([conv], InferenceTestModels.Scale), patch, image,
            new PredictOptions { Overlap = overlap, BatchSize = 4 });

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var bytes = tensor(image.Data, [1, height, width, 3]);
        var whole = nn.functional.softmax(conv.call(InferenceTestModels.Scale(bytes)), 1).contiguous().data<float>().ToArray();
        for (int c = 0; c < 3; c++)
        {
            var plane = tiled[0, c].Data;
            for (int i = 0; i < plane.Length; i++)
                Assert.True(Math.Abs(plane[i] - whole[(c * plane.Length) + i]) < 1e-5, $"class {c} pixel {i}: {plane[i]} vs {whole[(c * plane.Length) + i]}");
        }
    }

    [Theory]
    [InlineData(300, 64, 32)]
    [InlineData(217, 64, 32)]
    [InlineData(10, 64, 32)]
    [InlineData(256, 256, 0)]
    [InlineData(1000, 256, 128)]
    public void LayoutCoversTheRegionAndItsMargin(int length, int patch, int overlap)
    {
        var layout = new TileLayout(patch, overlap);
        var region = new PixelRegion(5, 7, length, length);
        var tiles = layout.Cover(region);
        var covered = new bool[length + (2 * layout.Margin)];
        foreach (var (x, y) in tiles.Where(t => t.Y == tiles[0].Y))
        {
            Assert.True(x == tiles[^1].X || (x - tiles[0].X) % layout.Stride == 0, $"tile at {x} is off the stride");
            for (int i = Math.Max(0, x - region.X + layout.Margin); i < Math.Min(covered.Length, x - region.X + layout.Margin + patch); i++) covered[i] = true;
        }
        Assert.All(covered, Assert.True);
        Assert.Equal(region.X - layout.Margin, tiles[0].X);
        var extent = layout.Extent(region);
        Assert.True(extent.Contains(new PixelRegion(region.X - layout.Margin, region.Y - layout.Margin, length + (2 * layout.Margin), length + (2 * layout.Margin))));
    }

    [Fact]
    public void AccumulatorNormalisesOverlappingPatchesAndDropsContext()
    {
        // Two 4×4 patches of one channel, constant 1 and 3, overlapping in columns 2..3 of a 6×2 region.
        var window = new BlendWindow(4);
        var acc = new BlendAccumulator(new PixelRegion(0, 0, 6, 2), 1, window);
        acc.Add(0, -1, Enumerable.Repeat(1f, 16).ToArray());
        Assert.False(acc.IsComplete);
        acc.Add(2, -1, Enumerable.Repeat(3f, 16).ToArray());
        var plane = acc.ToStack(1, 1)[0, 0];
        // Columns 0..1 only see the first patch, 4..5 only the second; the overlap is a weighted mean in (1, 3),
        // symmetric in this layout: w(col 2 of patch 1) = w(col 0 of patch 2)... so value = (w_a·1 + w_b·3)/(w_a + w_b).
        Assert.Equal(1f, plane[0, 0], 6);
        Assert.Equal(3f, plane[5, 1], 6);
        var profile = Enumerable.Range(0, 4).Select(i => Math.Max(Math.Pow(Math.Sin(Math.PI * (i + 0.5) / 4), 2), BlendWindow.Floor)).ToArray();
        double expected = ((profile[2] * 1) + (profile[0] * 3)) / (profile[2] + profile[0]);
        Assert.Equal(expected, plane[2, 0], 5);
        // The stack took over the sums: the accumulator is used up.
        Assert.Throws<InvalidOperationException>(() => acc.Add(0, -1, Enumerable.Repeat(1f, 16).ToArray()));
        Assert.Throws<InvalidOperationException>(() => acc.ToStack(1, 1));
    }

    [Fact]
    public void HalfOverlapHannWindowsSumToOne()
    {
        var window = new BlendWindow(8);
        for (int i = 0; i < 4; i++)
            Assert.Equal(1.0, Math.Sqrt(window.Weights[i * 9]) + Math.Sqrt(window.Weights[(i + 4) * 9]), 5);
    }

    [Theory]
    [InlineData(-1, 5, 1)]
    [InlineData(-3, 5, 3)]
    [InlineData(5, 5, 3)]
    [InlineData(9, 5, 1)]
    [InlineData(-20, 1, 0)]
    [InlineData(2, 5, 2)]
    public void ReflectMirrorsWithoutRepeatingTheEdge(int i, int n, int expected) =>
        Assert.Equal(expected, TiledPredictor.Reflect(i, n));

    [Theory]
    [InlineData(64, 1)]
    [InlineData(65, 1)]
    [InlineData(-1, 1)]
    [InlineData(32, 0)]
    public void AbsurdParametersAreBadInput(int overlap, int batch)
    {
        var source = new EnsembleSource([new ConstantLogits(0f, 1f)], InferenceTestModels.Scale);
        Assert.Throws<InvalidInputException>(() => TiledPredictor.PredictStack(source, 64,
            InferenceTestModels.RandomImage(70, 70, 3), new PredictOptions { Overlap = overlap, BatchSize = batch }));
    }
}
