using Uga.Imaging;
using Uga.Inference;
using Uga.Learning;
using static TorchSharp.torch;

namespace Uga.Learning.Tests;

public class UNetAndLossTests
{
    [Theory]
    [InlineData(1, "batch", 2)]
    [InlineData(2, "instance", 3)]
    [InlineData(3, "none", 2)]
    [InlineData(4, "batch", 4)]
    public void OutputHasClassChannelsAndInputSize(int depth, string normalisation, int classes)
    {
        using var net = new UNet(new UNetOptions { Depth = depth, BaseChannels = 4, Normalisation = normalisation, Classes = classes, Dropout = 0.2 });
        int side = 1 << depth;
        using var input = randn(2, 3, side * 3, side * 2);
        net.eval();
        using var output = net.call(input);
        Assert.Equal([2L, classes, side * 3, side * 2], output.shape);
    }

    [Fact]
    public void SizeNotDivisibleByTwoToTheDepthIsRejected()
    {
        using var net = new UNet(new UNetOptions { Depth = 3, BaseChannels = 2 });
        using var input = randn(1, 3, 20, 16);
        Assert.Throws<ArgumentException>(() => net.call(input));
    }

    [Fact]
    public void AbsurdOptionsAreInvalidInput()
    {
        Assert.Throws<InvalidInputException>(() => new UNet(new UNetOptions { Classes = 1 }));
        Assert.Throws<InvalidInputException>(() => new UNet(new UNetOptions { Normalisation = "group" }));
        Assert.Throws<InvalidInputException>(() => new UNet(new UNetOptions { Dropout = 1 }));
    }

    [Fact]
    public void LossIgnoresPixelsLabelledIgnore()
    {
        manual_seed(5);
        using var logits = randn(2, 3, 8, 8).requires_grad_();
        using var target = randint(0, 3, [2, 8, 8], dtype: ScalarType.Int64);
        target[0, 0..4] = tensor((long)LabelMap.Ignore);
        target[1, .., 0..2] = tensor((long)LabelMap.Ignore);
        using var loss = SegmentationLoss.Compute(logits, target);
        loss.backward();
        var ignored = target.eq(LabelMap.Ignore).unsqueeze(1).expand(-1, 3, -1, -1);
        using var gradAtIgnored = logits.grad!.masked_select(ignored);
        Assert.Equal(0f, gradAtIgnored.abs().max().item<float>());
        using var gradElsewhere = logits.grad!.masked_select(ignored.logical_not());
        Assert.True(gradElsewhere.abs().max().item<float>() > 0);

        // Changing logits where the label is ignored changes nothing.
        using var changed = logits.detach().clone();
        changed.masked_fill_(ignored, 100f);
        using var again = SegmentationLoss.Compute(changed, target);
        Assert.Equal(loss.item<float>(), again.item<float>(), 5);
    }

    [Fact]
    public void LossIsFiniteWhenEverythingIsIgnoredAndSmallWhenPerfect()
    {
        using var logits = zeros(1, 2, 4, 4);
        using var allIgnored = full([1, 4, 4], (long)LabelMap.Ignore, dtype: ScalarType.Int64);
        using var l1 = SegmentationLoss.Compute(logits, allIgnored);
        Assert.True(float.IsFinite(l1.item<float>()));

        using var target = randint(0, 2, [1, 4, 4], dtype: ScalarType.Int64);
        using var perfect = nn.functional.one_hot(target, 2).permute(0, 3, 1, 2).to_type(ScalarType.Float32) * 50;
        using var l2 = SegmentationLoss.Compute(perfect, target);
        using var wrong = SegmentationLoss.Compute(-perfect, target);
        Assert.True(l2.item<float>() < 0.05f);
        Assert.True(wrong.item<float>() > 1f);
    }

    [Fact]
    public void ScheduleWarmsUpThenDecaysToTheFloor()
    {
        Assert.Equal(0.1, LearningRateSchedule.At(0, 100, 10, 1.0, 0.01), 9);
        Assert.Equal(1.0, LearningRateSchedule.At(9, 100, 10, 1.0, 0.01), 9);
        Assert.Equal(1.0, LearningRateSchedule.At(10, 100, 10, 1.0, 0.01), 9);
        Assert.True(LearningRateSchedule.At(50, 100, 10, 1.0, 0.01) < 1.0);
        Assert.Equal(0.01, LearningRateSchedule.At(100, 100, 10, 1.0, 0.01), 9);
    }
}
