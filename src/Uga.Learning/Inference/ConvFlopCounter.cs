using TorchSharp.Modules;
using Uga.Inference;
using static TorchSharp.torch;

namespace Uga.Learning.Inference;

/// <summary>Multiply-accumulates of one convolution layer for one input size.</summary>
public readonly record struct ConvLayerCost(string Name, long[] InputShape, long[] OutputShape, long Macs);

/// <summary>Convolution cost of a whole network for one input size. FLOPs count a MAC as two operations.</summary>
public sealed record ConvCost(IReadOnlyList<ConvLayerCost> Layers)
{
    public long Macs => Layers.Sum(l => l.Macs);
    public double Flops => 2.0 * Macs;
}

/// <summary>
/// Counts the multiply-accumulates of every Conv2d and ConvTranspose2d of a network from the layer shapes
/// (kernel, channels, groups) and the feature-map sizes each layer sees for a given input:
/// Conv2d: N·C_out·H_out·W_out·(C_in/groups)·k_h·k_w; ConvTranspose2d: N·C_in·H_in·W_in·(C_out/groups)·k_h·k_w
/// (each input pixel scatters a kernel). Biases, norms and activations are ignored: convolutions dominate.
/// The feature-map sizes are observed with forward hooks during one pass on a zero input.
/// </summary>
public static class ConvFlopCounter
{
    public static ConvCost Count(nn.Module<Tensor, Tensor> model, long[] inputShape)
    {
        var layers = new List<ConvLayerCost>();
        var removers = new List<Action>();
        foreach (var (name, module) in model.named_modules())
        {
            if (module is not Convolution conv || module is not nn.HookableModule<Func<nn.Module<Tensor, Tensor>, Tensor, Tensor?>, Func<nn.Module<Tensor, Tensor>, Tensor, Tensor, Tensor?>> hookable)
                continue;
            var layerName = name;
            var remover = hookable.register_forward_hook((_, input, output) =>
            {
                layers.Add(new ConvLayerCost(layerName, input.shape, output.shape, Macs(conv, input.shape, output.shape)));
                return null;
            });
            removers.Add(remover.remove);
        }
        try
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            bool training = model.training;
            model.eval();
            model.call(zeros(inputShape));
            if (training) model.train();
        }
        finally
        {
            foreach (var remove in removers) remove();
        }
        return new ConvCost(layers);
    }

    public static long Macs(Convolution conv, long[] input, long[] output)
    {
        long kernel = conv.kernel_size.Aggregate(1L, (a, k) => a * k);
        return conv.transposed
            ? input[0] * conv.in_channels * input[2] * input[3] * (conv.out_channels / conv.groups) * kernel
            : output[0] * conv.out_channels * output[2] * output[3] * (conv.in_channels / conv.groups) * kernel;
    }
}
