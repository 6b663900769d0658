using TorchSharp;
using TorchSharp.Modules;
using Uga.Inference;
using Uga.Learning.Inference;
using static TorchSharp.torch;

namespace Uga.Learning.Tests;

public class InferenceFoldingTests
{
    private static UNet TrainedLikeUNet(int seed)
    {
        torch.random.manual_seed(seed);
        var net = new UNet(new UNetOptions { Depth = 2, BaseChannels = 4 });
        // Give every BN non-trivial statistics and affine parameters, as training would.
        using (no_grad())
        {
            foreach (var bn in net.modules().OfType<BatchNorm2d>())
            {
                bn.running_mean!.copy_(randn(bn.num_features) * 0.5);
                bn.running_var!.copy_(rand(bn.num_features) + 0.5);
                bn.weight!.copy_(rand(bn.num_features) + 0.5);
                bn.bias!.copy_(randn(bn.num_features) * 0.2);
            }
        }
        net.eval();
        return net;
    }

    [Fact]
    public void FoldedUNetGivesTheSameOutputs()
    {
        using var net = TrainedLikeUNet(3);
        using var scope = NewDisposeScope();
        using var mode = inference_mode();
        var x = randn(2, 3, 32, 32);
        var before = net.call(x).clone();
        int bnCount = net.modules().OfType<BatchNorm2d>().Count();

        var report = BatchNormFolding.Fold(net);

        Assert.Equal(bnCount, report.Folded);
        Assert.True(report.Removed > 0, "the encoder and decoder blocks live in ModuleLists and lose their BN");
        var after = net.call(x);
        Assert.True((after - before).abs().max().item<float>() < 1e-4);
        var blocks = net.modules().OfType<ModuleList<nn.Module<Tensor, Tensor>>>().SelectMany(l => l).OfType<Sequential>().ToList();
        Assert.Equal(4, blocks.Count); // depth 2: two encoder and two decoder blocks
        Assert.DoesNotContain(blocks.SelectMany(b => b.children()), m => m is BatchNorm2d);
        Assert.Equal(8, report.Removed); // two BN per block; the bottleneck's two stay, neutralised
        Assert.Equal(0, BatchNormFolding.Fold(net).Folded); // idempotent
    }

    [Fact]
    public void FoldIntoMatchesTheFormula()
    {
        // One channel: w = 2, b = 1, μ = 3, var = 4 − ε (σ = 2), γ = 5, β = 0.5
        // → w' = 2·5/2 = 5, b' = (1 − 3)·5/2 + 0.5 = −4.5.
        var conv = nn.Conv2d(1, 1, 1);
        var bn = nn.BatchNorm2d(1);
        using (no_grad())
        {
            conv.weight!.fill_(2);
            conv.bias!.fill_(1);
            bn.running_mean!.fill_(3);
            bn.running_var!.fill_(4 - bn.eps);
            bn.weight!.fill_(5);
            bn.bias!.fill_(0.5);
        }
        BatchNormFolding.FoldInto(conv, bn);
        Assert.Equal(5f, conv.weight!.item<float>(), 5);
        Assert.Equal(-4.5f, conv.bias!.item<float>(), 5);
    }

    [Fact]
    public void FlopCounterCountsConvolutionMacs()
    {
        // 3→8 3×3 conv on 1×3×16×16 (same padding): 8·16·16·3·9 = 55,296 MACs;
        // 8→4 2×2 stride-2 transposed conv: each of 8·16·16 input values scatters 4·4 → 8·16·16·4·4 = 32,768;
        // 4→2 1×1 conv on 32×32: 2·32·32·4 = 8,192. Total 96,256 MACs.
        var model = nn.Sequential(nn.Conv2d(3, 8, 3, padding: 1), nn.ReLU(), nn.ConvTranspose2d(8, 4, 2, stride: 2), nn.Conv2d(4, 2, 1));
        var cost = ConvFlopCounter.Count(model, [1, 3, 16, 16]);
        Assert.Equal([55_296L, 32_768L, 8_192L], cost.Layers.Select(l => l.Macs));
        Assert.Equal(2 * 96_256.0, cost.Flops);
    }

    [Fact]
    public void FlopCounterSeesEveryConvolutionOfTheUNet()
    {
        using var net = new UNet(new UNetOptions { Depth = 2, BaseChannels = 4 });
        var convs = net.modules().Count(m => m is Convolution);
        var cost = ConvFlopCounter.Count(net, [1, 3, 32, 32]);
        Assert.Equal(convs, cost.Layers.Count);
        // First encoder conv 3→4 at 32×32: 4·32·32·3·9 = 110,592 MACs.
        Assert.Equal(110_592L, cost.Layers[0].Macs);
    }
}
