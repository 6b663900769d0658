using Uga.Inference;
using static TorchSharp.torch;

namespace Uga.Learning.Inference;

/// <summary>
/// An element of the dihedral group of the square: rotate by <see cref="QuarterTurns"/>·90° after an optional
/// horizontal flip. Patches are square, so every element maps a patch onto itself.
/// </summary>
public readonly record struct DihedralTransform(int QuarterTurns, bool Flip)
{
    /// <summary>All eight symmetries of the square, identity first.</summary>
    public static readonly IReadOnlyList<DihedralTransform> All =
        [.. from flip in new[] { false, true } from k in Enumerable.Range(0, 4) select new DihedralTransform(k, flip)];

    public Tensor Apply(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = Flip ? x.flip(3) : x.alias();
        if (QuarterTurns % 4 != 0) y = y.rot90(QuarterTurns, (2, 3));
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>Undoes <see cref="Apply"/>: rotate back, then flip back.</summary>
    public Tensor Invert(Tensor y)
    {
        using var scope = NewDisposeScope();
        var x = QuarterTurns % 4 != 0 ? y.rot90(-QuarterTurns, (2, 3)) : y.alias();
        if (Flip) x = x.flip(3);
        return x.MoveToOuterDisposeScope();
    }
}

/// <summary>
/// Test-time augmentation: one network applied to flipped/rotated copies of the input, each output mapped back
/// to the original orientation before it becomes a sample. A network that is equivariant to these transforms
/// gives identical samples (zero disagreement).
/// </summary>
public sealed class TtaSource : TorchSource
{
    private readonly nn.Module<Tensor, Tensor> model;
    private readonly IReadOnlyList<DihedralTransform> transforms;

    public TtaSource(nn.Module<Tensor, Tensor> model, Func<Tensor, Tensor> normalise, IReadOnlyList<DihedralTransform>? transforms = null)
        : base(normalise)
    {
        this.model = model;
        this.transforms = transforms ?? DihedralTransform.All;
        if (this.transforms.Count == 0) throw new ArgumentException("need at least one transform", nameof(transforms));
        model.eval();
    }

    public override string Name => "tta";
    public override int SampleCount => transforms.Count;

    public override Tensor Sample(Tensor input)
    {
        using var scope = NewDisposeScope();
        var samples = transforms.Select(t => t.Invert(TorchSources.Softmax(model.call(t.Apply(input))))).ToList();
        return stack(samples, 1).MoveToOuterDisposeScope();
    }
}
