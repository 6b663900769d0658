using TorchSharp;
using Uga.Imaging;
using Uga.Inference;
using static TorchSharp.torch;

namespace Uga.Learning.Tests;

/// <summary>Tiny hand-made networks and inputs for the inference tests, independent of the U-Net.</summary>
internal static class InferenceTestModels
{
    /// <summary>uint8 1×H×W×3 → float 1×3×H×W in [0, 1] (the tests do not need standardisation).</summary>
    public static Tensor Scale(Tensor bytes)
    {
        using var scope = NewDisposeScope();
        return (bytes.permute(0, 3, 1, 2).to_type(ScalarType.Float32) / 255f).contiguous().MoveToOuterDisposeScope();
    }

    public static RgbImage RandomImage(int width, int height, int seed)
    {
        var data = new byte[width * height * 3];
        new Random(seed).NextBytes(data);
        return new RgbImage(width, height, data);
    }

    /// <summary>A fixed 1×1 convolution 3 → <paramref name="classes"/>: translation-, flip- and rotation-equivariant.</summary>
    public static nn.Module<Tensor, Tensor> PointwiseConv(int classes, int seed)
    {
        torch.random.manual_seed(seed);
        var conv = nn.Conv2d(3, classes, 1);
        conv.eval();
        return conv;
    }
}

/// <summary>Returns the same logits at every pixel, whatever the input.</summary>
internal sealed class ConstantLogits : nn.Module<Tensor, Tensor>
{
    private readonly float[] logits;

    public ConstantLogits(params float[] logits) : base(nameof(ConstantLogits)) => this.logits = logits;

    public override Tensor forward(Tensor input)
    {
        using var l = tensor(logits, [1, logits.Length, 1, 1]);
        using var expanded = l.expand(input.shape[0], logits.Length, input.shape[2], input.shape[3]);
        return expanded.contiguous();
    }
}
