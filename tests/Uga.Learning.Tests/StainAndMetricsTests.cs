using Uga.Imaging;
using Uga.Inference;
using Uga.Learning;

namespace Uga.Learning.Tests;

public class StainModelTests
{
    [Fact]
    public void DeconvolutionThenCompositionRestoresTheImage()
    {
        var (image, _) = TestData.Discs(24, new Random(1));
        var model = StainModel.HAndE;
        var back = model.Compose(model.Concentrations(image), image.Width, image.Height);
        Assert.All(image.Data.Zip(back.Data), p => Assert.InRange(p.First - p.Second, -1, 1));
    }

    [Fact]
    public void PureHaematoxylinHasOnlyHaematoxylin()
    {
        var h = StainModel.HAndE.Vector(0);
        var image = new RgbImage(1, 1, h.Select(v => StainModel.Intensity(v * 0.8)).ToArray());
        var c = StainModel.HAndE.Concentrations(image);
        Assert.InRange(c[0], 0.75, 0.85);
        Assert.InRange(c[1], -0.03, 0.03);
        Assert.InRange(c[2], -0.03, 0.03);
    }

    [Fact]
    public void MoreHaematoxylinDarkensNucleiAndIdentityChangesNothing()
    {
        var (image, labels) = TestData.Discs(24, new Random(2));
        var same = StainModel.HAndE.Perturb(image, [1, 1, 1], [0, 0, 0]);
        Assert.All(image.Data.Zip(same.Data), p => Assert.InRange(p.First - p.Second, -1, 1));
        var darker = StainModel.HAndE.Perturb(image, [1.5, 1, 1], [0, 0, 0]);
        long Sum(RgbImage im) => Enumerable.Range(0, labels.Data.Length).Where(i => labels.Data[i] == 1).Sum(i => (long)im.Data[i * 3] + im.Data[(i * 3) + 1] + im.Data[(i * 3) + 2]);
        Assert.True(Sum(darker) < Sum(image) - 1000);
    }
}

public class SegmentationMetricsTests
{
    [Fact]
    public void DicePerClassHonoursIgnoreAndPoolsCounts()
    {
        var reference = new LabelMap(4, 1, [0, 1, 1, LabelMap.Ignore]);
        var prediction = new LabelMap(4, 1, [1, 1, 0, 1]);
        var counts = SegmentationMetrics.Count(prediction, reference, 3);
        Assert.Equal(3, counts.Pixels);
        Assert.Equal(2.0 * 1 / (2 + 1 + 1), counts.Dice(1), 9);
        Assert.Equal(0, counts.Dice(0));
        Assert.True(double.IsNaN(counts.Dice(2)));               // absent in both: undefined
        Assert.Equal(0.5, counts.MeanDice(), 9);                 // class 2 skipped, background excluded
        Assert.Equal(0.25, counts.MeanDice(includeBackground: true), 9);

        var perfect = SegmentationMetrics.Count(new LabelMap(2, 1, [1, 1]), new LabelMap(2, 1, [1, 1]), 3);
        Assert.Equal(1, perfect.Dice(1));
        counts.Add(perfect);
        Assert.Equal(2.0 * 3 / ((2 * 3) + 1 + 1), counts.Dice(1), 9);  // pooled, not the mean of 0.5 and 1
    }

    [Fact]
    public void PredictedIgnoreIsAMiss()
    {
        var counts = SegmentationMetrics.Count(new LabelMap(2, 1, [LabelMap.Ignore, 1]), new LabelMap(2, 1, [1, 1]), 2);
        Assert.Equal(1, counts.FalseNegatives[1]);
        Assert.Equal(0, counts.FalsePositives.Sum());
    }
}

public class SamplingAndAugmentationTests
{
    [Fact]
    public void TransformsKeepImageAndLabelsAligned()
    {
        var (image, labels) = TestData.Discs(20, new Random(3));
        for (int turns = 0; turns < 4; turns++)
            foreach (var flip in new[] { false, true })
            {
                var ti = Augmentation.Transform(image, flip, turns);
                var tl = Augmentation.Transform(labels, flip, turns);
                for (int i = 0; i < tl.Data.Length; i++)
                    Assert.Equal(tl.Data[i] == 1, ti.Data[i * 3] < 150);
                Assert.Equal(labels.Data.Count(v => v == 1), tl.Data.Count(v => v == 1));
            }
        var once = Augmentation.Transform(labels, false, 1);
        Assert.Equal(labels[2, 17], once[20 - 1 - 17, 2]);   // clockwise quarter turn
        Assert.Equal(labels.Data, Augmentation.Transform(once, false, 3).Data);
    }

    [Fact]
    public void ClassBalancedSamplingCentresRareClassesHalfTheTime()
    {
        var labels = new LabelMap(64, 64);
        labels[40, 20] = 1;   // a single foreground pixel
        var sample = new SegmentationSample("s", new RgbImage(64, 64), labels);
        var balanced = new PatchSampler([sample], 8, 2, true, AugmentationOptions.None, new Random(1));
        int hits = Enumerable.Range(0, 400).Count(_ => balanced.Next().Labels[4, 4] == 1);
        Assert.InRange(hits, 150, 250);
        var plain = new PatchSampler([sample], 8, 2, false, AugmentationOptions.None, new Random(1));
        Assert.InRange(Enumerable.Range(0, 400).Count(_ => plain.Next().Labels.Data.Contains((byte)1)), 0, 40);
    }

    [Fact]
    public void OutsideTheImageIsIgnored()
    {
        var sample = new SegmentationSample("small", new RgbImage(4, 4), new LabelMap(4, 4));
        var sampler = new PatchSampler([sample], 16, 2, false, AugmentationOptions.None, new Random(2));
        var (image, labels) = sampler.Next();
        Assert.Equal(16, labels.Width);
        Assert.Equal(16, labels.Data.Count(v => v == 0));
        Assert.Equal(16 * 16 - 16, labels.Data.Count(v => v == LabelMap.Ignore));
        Assert.Equal(255, image.Data.Max());
    }
}
