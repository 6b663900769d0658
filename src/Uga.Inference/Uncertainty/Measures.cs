using static Uga.Inference.Uncertainty.UncertaintyMeasures;

namespace Uga.Inference.Uncertainty;

/// <summary>
/// The paper's measure (Khalili et al. 2024): the mean over samples m of CrossEntropy(target = p̄, prediction = p_m)
/// = −(1/S) Σ_m Σ_c p̄_c log p_m,c, which equals H(p̄) + (1/S) Σ_m KL(p̄‖p_m): high when the mean is unsure
/// and when members disagree with it.
/// </summary>
public sealed class EnsembleCrossEntropy : IUncertaintyMeasure
{
    public string Name => "ensemble-ce";
    public string Description => "mean over members of the cross-entropy between the mean prediction and the member (the paper's measure)";

    public double Evaluate(ReadOnlySpan<float> probabilities, int samples, int classes)
    {
        Span<double> mean = stackalloc double[classes];
        Mean(probabilities, samples, classes, mean);
        double sum = 0;
        for (int s = 0; s < samples; s++)
            sum += CrossEntropy(mean, probabilities.Slice(s * classes, classes));
        return sum / samples;
    }
}

/// <summary>Predictive entropy H(p̄) of the mean prediction: total uncertainty, blind to disagreement.</summary>
public sealed class PredictiveEntropy : IUncertaintyMeasure
{
    public string Name => "entropy";
    public string Description => "entropy of the mean prediction H(mean)";

    public double Evaluate(ReadOnlySpan<float> probabilities, int samples, int classes)
    {
        Span<double> mean = stackalloc double[classes];
        Mean(probabilities, samples, classes, mean);
        return Entropy(mean);
    }
}

/// <summary>
/// Mutual information (BALD) H(p̄) − (1/S) Σ_m H(p_m): the disagreement part of the uncertainty. It is non-negative
/// in exact arithmetic (entropy is concave); rounding can make it a hair below zero, so it is clamped at 0.
/// </summary>
public sealed class MutualInformation : IUncertaintyMeasure
{
    public string Name => "mutual-information";
    public string Description => "entropy of the mean minus the mean member entropy (disagreement)";

    public double Evaluate(ReadOnlySpan<float> probabilities, int samples, int classes)
    {
        Span<double> mean = stackalloc double[classes];
        Mean(probabilities, samples, classes, mean);
        double memberEntropy = 0;
        for (int s = 0; s < samples; s++)
            memberEntropy += Entropy(probabilities.Slice(s * classes, classes));
        return Math.Max(0, Entropy(mean) - (memberEntropy / samples));
    }
}

/// <summary>
/// Mean over classes of the population variance over samples (divided by S, not S − 1, so one sample gives 0).
/// </summary>
public sealed class MemberVariance : IUncertaintyMeasure
{
    public string Name => "variance";
    public string Description => "mean over classes of the variance of the class probability across members";

    public double Evaluate(ReadOnlySpan<float> probabilities, int samples, int classes)
    {
        Span<double> mean = stackalloc double[classes];
        Mean(probabilities, samples, classes, mean);
        double sum = 0;
        for (int s = 0; s < samples; s++)
            for (int c = 0; c < classes; c++)
            {
                double d = probabilities[(s * classes) + c] - mean[c];
                sum += d * d;
            }
        return sum / samples / classes;
    }
}

/// <summary>
/// Member disagreement on the label: the share of sample pairs whose most probable class differs at the pixel. Its
/// patch mean is the mean pairwise label disagreement of the members (1 − pairwise pixel agreement), the per-pixel
/// form of "mean pairwise Dice between members" that can be summed over any window.
/// </summary>
public sealed class LabelDisagreement : IUncertaintyMeasure
{
    public string Name => "label-disagreement";
    public string Description => "share of member pairs whose predicted label differs";

    public double Evaluate(ReadOnlySpan<float> probabilities, int samples, int classes)
    {
        if (samples < 2) return 0;
        Span<int> label = stackalloc int[samples];
        for (int s = 0; s < samples; s++)
        {
            var row = probabilities.Slice(s * classes, classes);
            int best = 0;
            for (int c = 1; c < classes; c++) if (row[c] > row[best]) best = c;
            label[s] = best;
        }
        int differ = 0;
        for (int a = 0; a < samples; a++)
            for (int b = a + 1; b < samples; b++)
                if (label[a] != label[b]) differ++;
        return differ / (samples * (samples - 1) / 2.0);
    }
}
