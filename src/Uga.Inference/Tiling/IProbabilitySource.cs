namespace Uga.Inference;

/// <summary>
/// The inference contract every backend implements: a source of probability samples for a batch of RGB tiles —
/// the members of an ensemble, stochastic MC-dropout passes of one network, or test-time augmentations of one
/// network. It speaks plain arrays, so tiling, blending, uncertainty and slide prediction know nothing of the
/// backend (TorchSharp today; ONNX Runtime or another plugs in by implementing this). Input normalisation belongs
/// to the model (its manifest says how), so the contract takes the tiles as they come off the slide.
/// </summary>
public interface IProbabilitySource
{
    /// <summary>"ensemble", "mc-dropout" or "tta".</summary>
    string Name { get; }

    /// <summary>S, the number of samples per pixel.</summary>
    int SampleCount { get; }

    /// <summary>
    /// Probabilities (softmax over classes) of <paramref name="count"/> tiles of <paramref name="patchSize"/>² RGB
    /// pixels (<paramref name="tiles"/>: N × P × P × 3 bytes, row-major, channels last), as N × S × C × P × P floats.
    /// </summary>
    float[] Sample(ReadOnlySpan<byte> tiles, int count, int patchSize);
}

/// <summary>A source whose samples are random (MC-dropout); reseeding makes a run repeatable.</summary>
public interface IStochasticSource
{
    void Reseed(long seed);
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

/// <summary>The sample sources by name.</summary>
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
}
