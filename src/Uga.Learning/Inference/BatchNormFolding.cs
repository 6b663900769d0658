using TorchSharp.Modules;
using Uga.Inference;
using static TorchSharp.torch;

namespace Uga.Learning.Inference;

/// <summary>What <see cref="BatchNormFolding.Fold"/> did.</summary>
public readonly record struct FoldReport(int Folded, int Removed);

/// <summary>
/// Inference-time folding of BatchNorm into the convolution before it. In eval mode BN is the affine map
/// y = (x − μ)·γ/σ + β with σ = √(running_var + ε), so conv-then-BN equals one convolution with
/// w' = w·γ/σ (per output channel) and b' = (b − μ)·γ/σ + β. Only the pattern Conv2d → BatchNorm2d inside a
/// Sequential is folded (there the data flow is known). The BN then computes the identity; where the Sequential
/// sits in a ModuleList it is rebuilt without the BN (TorchSharp has no public way to edit a Sequential in place),
/// elsewhere the neutral BN stays as a cheap element-wise pass. TorchSharp's ModuleList indexer does not update
/// the registry, so modules() and state_dict() still list the old blocks: a folded model is for inference only,
/// never to be trained further or saved.
/// </summary>
public static class BatchNormFolding
{
    public static FoldReport Fold(nn.Module model)
    {
        model.eval();
        int folded = 0, removed = 0;
        using var noGrad = no_grad();
        foreach (var sequential in model.modules().OfType<Sequential>().ToList())
            folded += FoldPairs(sequential);
        foreach (var list in model.modules().OfType<ModuleList<nn.Module<Tensor, Tensor>>>().ToList())
        {
            for (int i = 0; i < list.Count; i++)
            {
                if (list[i] is not Sequential seq) continue;
                var kept = seq.children().Cast<nn.Module<Tensor, Tensor>>().Where(m => m is not BatchNorm2d bn || !IsNeutral(bn)).ToList();
                int dropped = seq.children().Count() - kept.Count;
                if (dropped == 0) continue;
                var rebuilt = nn.Sequential(kept);
                rebuilt.eval();
                list[i] = rebuilt;
                removed += dropped;
            }
        }
        return new FoldReport(folded, removed);
    }

    private static int FoldPairs(Sequential sequential)
    {
        var layers = sequential.children().ToList();
        int folded = 0;
        for (int i = 0; i + 1 < layers.Count; i++)
        {
            if (layers[i] is Conv2d conv && layers[i + 1] is BatchNorm2d bn && bn.num_features == conv.out_channels
                && bn.running_mean is not null && bn.running_var is not null && !IsNeutral(bn))
            {
                FoldInto(conv, bn);
                folded++;
            }
        }
        return folded;
    }

    /// <summary>
    /// The weight and bias of the one convolution equal to <paramref name="conv"/> then <paramref name="bn"/> in eval
    /// mode (computed in float64, returned as float32; the caller's dispose scope owns them). The in-place fold and
    /// the ONNX exporter both use it.
    /// </summary>
    public static (Tensor Weight, Tensor Bias) Folded(Conv2d conv, BatchNorm2d bn)
    {
        using var noGrad = no_grad();
        var sigma = (bn.running_var!.to_type(ScalarType.Float64) + bn.eps).sqrt();
        var scale = (bn.weight is null ? ones_like(sigma) : bn.weight.to_type(ScalarType.Float64)) / sigma;
        var shift = bn.bias is null ? zeros_like(scale) : bn.bias.to_type(ScalarType.Float64);
        var bias = conv.bias is null ? zeros_like(scale) : conv.bias.to_type(ScalarType.Float64);
        var weight = conv.weight!.to_type(ScalarType.Float64) * scale.view(-1, 1, 1, 1);
        var newBias = ((bias - bn.running_mean!.to_type(ScalarType.Float64)) * scale) + shift;
        return (weight.to_type(ScalarType.Float32), newBias.to_type(ScalarType.Float32));
    }

    /// <summary>Rewrites <paramref name="conv"/> to include <paramref name="bn"/> and makes the BN an exact identity.</summary>
    public static void FoldInto(Conv2d conv, BatchNorm2d bn)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (weight, newBias) = Folded(conv, bn);
        conv.weight!.copy_(weight);
        if (conv.bias is null) conv.bias = new Parameter(newBias.detach().clone().MoveToOuterDisposeScope(), requires_grad: false);
        else conv.bias.copy_(newBias);

        // Identity: (x − 0)/√(σ'² + ε)·1 + 0 with σ'² = 1 − ε.
        bn.running_mean!.zero_();
        bn.running_var!.fill_(1 - bn.eps);
        bn.weight?.fill_(1);
        bn.bias?.zero_();
    }

    private static bool IsNeutral(BatchNorm2d bn)
    {
        using var scope = NewDisposeScope();
        bool stats = bn.running_mean!.abs().max().item<float>() == 0 && bn.running_var!.sub(1 - bn.eps).abs().max().item<float>() < 1e-7;
        bool affine = bn.weight is null || (bn.weight.sub(1).abs().max().item<float>() == 0 && bn.bias!.abs().max().item<float>() == 0);
        return stats && affine;
    }
}
