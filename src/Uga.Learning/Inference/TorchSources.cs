using Uga.Inference;
using static TorchSharp.torch;

namespace Uga.Learning.Inference;

/// <summary>
/// The TorchSharp side of <see cref="IProbabilitySource"/>: tiles become a uint8 tensor, the model's normalisation
/// turns them into network input, <see cref="Sample(Tensor)"/> runs the networks, and the N×S×C×H×W result comes
/// back as floats. Runs under inference mode.
/// </summary>
public abstract class TorchSource(Func<Tensor, Tensor> normalise) : IProbabilitySource
{
    public abstract string Name { get; }
    public abstract int SampleCount { get; }

    public float[] Sample(ReadOnlySpan<byte> tiles, int count, int patchSize)
    {
        if (tiles.Length != count * patchSize * patchSize * 3)
            throw new ArgumentException($"{tiles.Length} bytes are not {count} tiles of {patchSize}x{patchSize}x3", nameof(tiles));
        using var inference = inference_mode();
        using var scope = NewDisposeScope();
        var bytes = tensor(tiles.ToArray(), [count, patchSize, patchSize, 3]);
        var samples = Sample(normalise(bytes));
        return samples.contiguous().data<float>().ToArray();
    }

    /// <summary>Probabilities of normalised input N×3×H×W as N×S×C×H×W float32; the caller owns the result.</summary>
    public abstract Tensor Sample(Tensor input);
}

/// <summary>The TorchSharp sources by kind.</summary>
public static class TorchSources
{
    /// <summary>
    /// The source of <paramref name="kind"/> over <paramref name="members"/>. MC-dropout and TTA are single-model
    /// techniques and use the first member only, so their uncertainty is comparable with a one-model setting.
    /// MC-dropout on a network without active dropout would give identical samples, which is refused.
    /// </summary>
    public static IProbabilitySource Create(SampleSourceKind kind, IReadOnlyList<nn.Module<Tensor, Tensor>> members,
        Func<Tensor, Tensor> normalise, int passes = 8)
    {
        if (members.Count == 0) throw new ArgumentException("need at least one network", nameof(members));
        switch (kind)
        {
            case SampleSourceKind.Ensemble:
                return new EnsembleSource(members, normalise);
            case SampleSourceKind.McDropout:
                var source = new McDropoutSource(members[0], passes, normalise);
                if (!source.HasActiveDropout)
                    throw new Uga.Imaging.InvalidInputException(null, "mc-dropout needs a model trained with dropout > 0; this one has none (use --samples ensemble or tta)");
                return source;
            default:
                return new TtaSource(members[0], normalise);
        }
    }

    internal static Tensor Softmax(Tensor logits) => nn.functional.softmax(logits, 1);
}

/// <summary>One sample per network: the members of a deep ensemble, each in eval mode.</summary>
public sealed class EnsembleSource : TorchSource
{
    private readonly IReadOnlyList<nn.Module<Tensor, Tensor>> members;

    public EnsembleSource(IReadOnlyList<nn.Module<Tensor, Tensor>> members, Func<Tensor, Tensor> normalise)
        : base(normalise)
    {
        if (members.Count == 0) throw new ArgumentException("an ensemble needs at least one member", nameof(members));
        this.members = members;
        foreach (var m in members) m.eval();
    }

    public override string Name => "ensemble";
    public override int SampleCount => members.Count;

    public override Tensor Sample(Tensor input)
    {
        using var scope = NewDisposeScope();
        var probabilities = members.Select(m => TorchSources.Softmax(m.call(input))).ToList();
        return stack(probabilities, 1).MoveToOuterDisposeScope();
    }
}
