using static TorchSharp.torch;

namespace Uga.Learning.Inference;

/// <summary>
/// A source of probability samples for a batch of patches: the members of an ensemble, stochastic MC-dropout
/// passes of one network, or test-time augmentations of one network. Uncertainty measures only see the samples,
/// so any source can feed any measure.
/// </summary>
public interface IProbabilitySource
{
    /// <summary>"ensemble", "mc-dropout" or "tta".</summary>
    string Name { get; }

    /// <summary>S, the number of samples per pixel.</summary>
    int SampleCount { get; }

    /// <summary>
    /// Probabilities (softmax over classes) of normalised input N×3×H×W as N×S×C×H×W float32. Called under
    /// inference mode; the caller owns and disposes the result.
    /// </summary>
    Tensor Sample(Tensor input);
}

/// <summary>How to obtain the samples from which uncertainty is computed.</summary>
public enum SampleSourceKind
{
    /// <summary>One sample per ensemble member (the paper).</summary>
    Ensemble,

    /// <summary>Several passes of the first member with dropout active.</summary>
    McDropout,

    /// <summary>The first member applied to flipped and rotated copies of the input.</summary>
    Tta,
}

public static class SampleSources
{
    public static readonly IReadOnlyList<string> Names = ["ensemble", "mc-dropout", "tta"];

    public static string NameOf(SampleSourceKind kind) => Names[(int)kind];

    public static SampleSourceKind Parse(string name)
    {
        int i = Names.ToList().IndexOf(name);
        return i >= 0
            ? (SampleSourceKind)i
            : throw new Uga.Imaging.InvalidInputException(null, $"unknown sample source '{name}' (valid: {string.Join(", ", Names)})");
    }

    /// <summary>
    /// The source of <paramref name="kind"/> over <paramref name="members"/>. MC-dropout and TTA are single-model
    /// techniques and use the first member only, so their uncertainty is comparable with a one-model setting.
    /// MC-dropout on a network without active dropout would give identical samples, which is refused.
    /// </summary>
    public static IProbabilitySource Create(SampleSourceKind kind, IReadOnlyList<nn.Module<Tensor, Tensor>> members, int passes = 8)
    {
        if (members.Count == 0) throw new ArgumentException("need at least one network", nameof(members));
        switch (kind)
        {
            case SampleSourceKind.Ensemble:
                return new EnsembleSource(members);
            case SampleSourceKind.McDropout:
                var source = new McDropoutSource(members[0], passes);
                if (!source.HasActiveDropout)
                    throw new Uga.Imaging.InvalidInputException(null, "mc-dropout needs a model trained with dropout > 0; this one has none (use --samples ensemble or tta)");
                return source;
            default:
                return new TtaSource(members[0]);
        }
    }

    internal static Tensor Softmax(Tensor logits) => nn.functional.softmax(logits, 1);
}

/// <summary>One sample per network: the members of a deep ensemble, each in eval mode.</summary>
public sealed class EnsembleSource : IProbabilitySource
{
    private readonly IReadOnlyList<nn.Module<Tensor, Tensor>> members;

    public EnsembleSource(IReadOnlyList<nn.Module<Tensor, Tensor>> members)
    {
        if (members.Count == 0) throw new ArgumentException("an ensemble needs at least one member", nameof(members));
        this.members = members;
        foreach (var m in members) m.eval();
    }

    public string Name => "ensemble";
    public int SampleCount => members.Count;

    public Tensor Sample(Tensor input)
    {
        using var scope = NewDisposeScope();
        var probabilities = members.Select(m => SampleSources.Softmax(m.call(input))).ToList();
        return stack(probabilities, 1).MoveToOuterDisposeScope();
    }
}
