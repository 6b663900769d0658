using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Uga.Learning.Tests;

/// <summary>Our AdamW and BatchNorm counter handling exist only to dodge a TorchSharp Scalar lifetime race; they
/// must not change a single number the library's own versions would give.</summary>
public class OptimiserTests
{
    [Fact]
    public void AdamWFollowsTorchSharpsAdamWStepForStep()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var ours = nn.Linear(5, 3);
        using var theirs = nn.Linear(5, 3);
        theirs.load_state_dict(ours.state_dict());
        var x = randn(16, 5);
        var y = randn(16, 3);
        using var mine = new AdamW(ours.parameters(), weightDecay: 0.05);
        using var reference = optim.AdamW(theirs.parameters(), 0.01, weight_decay: 0.05);
        for (int step = 0; step < 25; step++)
        {
            double rate = 0.01 * (1 + (step % 3));   // a schedule: the rate changes between steps
            mine.LearningRate = rate;
            foreach (var group in reference.ParamGroups) group.LearningRate = rate;
            mine.ZeroGrad();
            reference.zero_grad();
            nn.functional.mse_loss(ours.call(x), y).backward();
            nn.functional.mse_loss(theirs.call(x), y).backward();
            mine.Step();
            reference.step();
        }
        Assert.True(ours.weight.allclose(theirs.weight, rtol: 1e-5, atol: 1e-7), "weights diverged from torch's AdamW");
        Assert.True(ours.bias!.allclose(theirs.bias!, rtol: 1e-5, atol: 1e-7), "biases diverged from torch's AdamW");
        Assert.False(ours.weight.allclose(randn(3, 5)), "sanity: the weights moved");
    }

    [Fact]
    public void BatchNormCounterIsAwayDuringTrainingAndAdvancedAfter()
    {
        using var scope = NewDisposeScope();
        using var net = nn.Sequential(nn.Conv2d(3, 4, 3, padding: 1), nn.BatchNorm2d(4));
        var bn = (BatchNorm2d)net[1];
        var statsBefore = bn.running_mean!.clone();
        net.train();
        using (var counters = BatchNormCounters.Detach(net))
        {
            Assert.Null(bn.num_batches_tracked);
            for (int i = 0; i < 3; i++)
            {
                net.call(randn(2, 3, 8, 8));
                counters.Seen();
            }
        }
        Assert.Equal(3L, bn.num_batches_tracked!.item<long>());
        Assert.Contains(net.state_dict().Keys, k => k.EndsWith("num_batches_tracked", StringComparison.Ordinal));
        Assert.False(bn.running_mean!.allclose(statsBefore), "running statistics still update at momentum 0.1");
    }

    /// <summary>
    /// The channels-last layout of training batches keeps oneDNN's convolution backward from reading padding out of
    /// uninitialised memory. Memory that last held NaN is handed back by the allocator before each step here, which
    /// made 5–15 % of these steps produce NaN gradients in the default layout on an AVX-512 host.
    /// </summary>
    [Fact]
    public void GradientsStayFiniteWhenRecycledMemoryHeldNaN()
    {
        int poisoned = PoisonedRuns(100, net =>
        {
            net.train();
            net.call(InputTensor.ChannelsLast(randn(2, 3, 16, 16))).square().mean().backward();
            return net.parameters().Any(p => p.grad is { } g && !g.isfinite().all().item<bool>());
        });
        Assert.Equal(0, poisoned);
    }

    /// <summary>Inference runs the default layout: its forward reads no padding, so recycled NaN cannot reach it.</summary>
    [Fact]
    public void InferenceStaysFiniteWhenRecycledMemoryHeldNaN()
    {
        int poisoned = PoisonedRuns(50, net =>
        {
            net.eval();
            using var noGrad = no_grad();
            return !net.call(randn(2, 3, 16, 16)).isfinite().all().item<bool>();
        });
        Assert.Equal(0, poisoned);
    }

    /// <summary>
    /// How many of <paramref name="trials"/> runs of a fresh tiny U-Net saw a non-finite value, each run right after
    /// NaN-filled tensors of several sizes were freed (so the allocator's next blocks hold NaN).
    /// </summary>
    private static int PoisonedRuns(int trials, Func<UNet, bool> nonFinite)
    {
        int poisoned = 0;
        for (int trial = 0; trial < trials; trial++)
        {
            using var scope = NewDisposeScope();
            foreach (long size in (long[])[64, 256, 1024, 4096, 16384, 65536])
            {
                using var junk = full(size, float.NaN);
            }
            manual_seed(trial);
            using var net = new UNet(new UNetOptions { Depth = 2, BaseChannels = 4, Classes = 3 });
            if (nonFinite(net)) poisoned++;
        }
        return poisoned;
    }

    /// <summary>The layout changes no number: gradients match a float64 reference (float64 convolutions do not go
    /// through oneDNN, so the reference cannot be poisoned the way the default float32 layout can).</summary>
    [Fact]
    public void ChannelsLastGradientsMatchAFloat64Reference()
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        using var net = new UNet(new UNetOptions { Depth = 2, BaseChannels = 4, Classes = 3, Normalisation = "batch" });
        var x = randn(2, 3, 16, 16);
        Tensor[] Gradients(Tensor input)
        {
            foreach (var p in net.parameters()) p.grad = null;
            net.call(input).square().mean().backward();
            return [.. net.parameters().Select(p => p.grad!.to_type(ScalarType.Float64).contiguous())];
        }
        var nhwc = InputTensor.ChannelsLast(x);
        Assert.Equal(1, nhwc.stride(1));
        Assert.True(nhwc.equal(x).all().item<bool>(), "the layout changed values");
        var channelsLast = Gradients(nhwc);
        net.to(ScalarType.Float64);
        var reference = Gradients(x.to_type(ScalarType.Float64));
        for (int i = 0; i < reference.Length; i++)
        {
            double scale = reference[i].abs().max().item<double>(), error = (reference[i] - channelsLast[i]).abs().max().item<double>();
            Assert.True(error <= 1e-4 * Math.Max(scale, 1e-3), $"gradient {i}: max error {error} at scale {scale}");
        }
    }

    /// <summary>The libtorch TorchSharp-cpu ships for Linux x64 has the entry points; NNPACK is off once a UNet exists.</summary>
    [Fact]
    public void NnpackIsSwitchedOffBeforeTheFirstConvolution()
    {
        using var net = new UNet(new UNetOptions { Depth = 1, BaseChannels = 2 });
        Assert.False(TorchRuntime.NnpackEnabled(), "NNPACK is still on after a UNet was made");
    }
}
