namespace Uga.Inference.Uncertainty;

/// <summary>
/// Turns the probability samples of one pixel (S samples × C classes: ensemble members, MC-dropout passes or
/// test-time augmentations) into one uncertainty value. Implementations are stateless and thread-safe, and are
/// looked up by <see cref="Name"/> in <see cref="UncertaintyMeasures"/>.
/// </summary>
public interface IUncertaintyMeasure
{
    /// <summary>Registry key, lower-case with dashes (e.g. "ensemble-ce").</summary>
    string Name { get; }

    /// <summary>One line for help texts.</summary>
    string Description { get; }

    /// <summary>
    /// Uncertainty of one pixel. <paramref name="probabilities"/> holds <paramref name="samples"/> rows of
    /// <paramref name="classes"/> probabilities each (row-major: sample s, class c at s·C + c).
    /// </summary>
    double Evaluate(ReadOnlySpan<float> probabilities, int samples, int classes);
}
