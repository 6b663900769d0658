using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Uga.Learning;

/// <summary>Which of a member's weights fine-tuning may change.</summary>
public enum TrainableParameters
{
    /// <summary>Every weight (the recipe of the committed results).</summary>
    All,

    /// <summary>
    /// Surgical fine-tuning (Lee et al., arXiv 2210.11466): for an input-level shift such as another lab's stain, only
    /// the first encoder block and the affine scale and shift of every normalisation layer; the rest stays as the
    /// source training left it, so a handful of patches cannot overwrite what thousands taught.
    /// </summary>
    Surgical,
}

/// <summary>Picks the weights <see cref="TrainableParameters"/> names and freezes the others.</summary>
internal static class TrainableSelection
{
    /// <summary>Names of the trainable parameters of <paramref name="net"/>, in its own order.</summary>
    public static IReadOnlyList<string> Names(UNet net, TrainableParameters which)
    {
        var all = net.named_parameters().Select(p => p.name).ToList();
        if (which == TrainableParameters.All) return all;
        var norms = net.named_modules().Where(m => m.module is BatchNorm2d or InstanceNorm2d).Select(m => m.name + ".").ToList();
        return [.. all.Where(n => n.StartsWith(UNet.FirstEncoderPrefix, StringComparison.Ordinal)
            || norms.Any(prefix => n.StartsWith(prefix, StringComparison.Ordinal)))];
    }

    /// <summary>
    /// The trainable parameters, with gradients switched off for the rest (they are then neither updated nor decayed);
    /// disposing switches them back on.
    /// </summary>
    public static (IReadOnlyList<Tensor> Trainable, IDisposable Restore) Apply(UNet net, TrainableParameters which)
    {
        var names = Names(net, which).ToHashSet(StringComparer.Ordinal);
        var frozen = net.named_parameters().Where(p => !names.Contains(p.name)).Select(p => p.parameter).ToList();
        foreach (var p in frozen) p.requires_grad = false;
        return ([.. net.named_parameters().Where(p => names.Contains(p.name)).Select(p => (Tensor)p.parameter)], new Unfreeze(frozen));
    }

    private sealed class Unfreeze(List<Parameter> frozen) : IDisposable
    {
        public void Dispose()
        {
            foreach (var p in frozen) p.requires_grad = true;
        }
    }
}
