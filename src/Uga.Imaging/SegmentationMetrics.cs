namespace Uga.Imaging;

/// <summary>
/// Per-class true-positive, false-positive and false-negative pixel counts of a prediction against a reference.
/// Counts add up, so per-image counts can be pooled over a dataset (sum TP/FP/FN, then Dice) as well as averaged.
/// </summary>
public sealed class ClassCounts
{
    public ClassCounts(int classCount)
    {
        if (classCount is < 1 or > LabelMap.Ignore) throw new ArgumentOutOfRangeException(nameof(classCount));
        TruePositives = new long[classCount];
        FalsePositives = new long[classCount];
        FalseNegatives = new long[classCount];
    }

    public int ClassCount => TruePositives.Length;
    public long[] TruePositives { get; }
    public long[] FalsePositives { get; }
    public long[] FalseNegatives { get; }

    /// <summary>Pixels compared (reference not <see cref="LabelMap.Ignore"/>).</summary>
    public long Pixels { get; set; }

    /// <summary>Adds <paramref name="other"/>'s counts to these (pooling).</summary>
    public void Add(ClassCounts other)
    {
        if (other.ClassCount != ClassCount) throw new ArgumentException("class counts differ", nameof(other));
        for (int c = 0; c < ClassCount; c++)
        {
            TruePositives[c] += other.TruePositives[c];
            FalsePositives[c] += other.FalsePositives[c];
            FalseNegatives[c] += other.FalseNegatives[c];
        }
        Pixels += other.Pixels;
    }

    /// <summary>Dice of class <paramref name="c"/>; NaN when the class is absent from both prediction and reference.</summary>
    public double Dice(int c) => SegmentationMetrics.Dice(TruePositives[c], FalsePositives[c], FalseNegatives[c]);

    public double[] DicePerClass() => Enumerable.Range(0, ClassCount).Select(Dice).ToArray();

    /// <summary>Mean Dice over classes whose Dice is defined; class 0 (background) is left out unless asked for.</summary>
    public double MeanDice(bool includeBackground = false) =>
        SegmentationMetrics.MeanDefined(DicePerClass().Skip(includeBackground ? 0 : 1));
}

/// <summary>
/// Dice overlap between label maps. Conventions (shared by every report in Uga):
/// pixels whose reference is <see cref="LabelMap.Ignore"/> are not counted at all; a predicted Ignore (or a predicted
/// value outside the class range) where the reference is valid counts as a miss (false negative) of the reference
/// class. Dice = 2TP / (2TP + FP + FN); for a class absent from both prediction and reference it is undefined (NaN)
/// and means skip it rather than count it as 0 or 1.
/// </summary>
public static class SegmentationMetrics
{
    public static ClassCounts Count(LabelMap prediction, LabelMap reference, int classCount)
    {
        if (prediction.Width != reference.Width || prediction.Height != reference.Height)
            throw new ArgumentException(
                $"prediction is {prediction.Width}x{prediction.Height} but reference is {reference.Width}x{reference.Height}");
        var counts = new ClassCounts(classCount);
        var p = prediction.Data;
        var r = reference.Data;
        for (int i = 0; i < r.Length; i++)
        {
            int truth = r[i];
            if (truth == LabelMap.Ignore) continue;
            if (truth >= classCount)
                throw new ArgumentException($"reference label {truth} is outside 0..{classCount - 1}", nameof(reference));
            counts.Pixels++;
            int guess = p[i];
            if (guess == truth)
            {
                counts.TruePositives[truth]++;
                continue;
            }
            counts.FalseNegatives[truth]++;
            if (guess < classCount) counts.FalsePositives[guess]++;
        }
        return counts;
    }

    public static double Dice(long truePositives, long falsePositives, long falseNegatives)
    {
        long denominator = (2 * truePositives) + falsePositives + falseNegatives;
        return denominator == 0 ? double.NaN : 2.0 * truePositives / denominator;
    }

    /// <summary>Per-class Dice of one image pair.</summary>
    public static double[] Dice(LabelMap prediction, LabelMap reference, int classCount) =>
        Count(prediction, reference, classCount).DicePerClass();

    /// <summary>Mean of the values that are not NaN; NaN if none is.</summary>
    public static double MeanDefined(IEnumerable<double> values)
    {
        double sum = 0;
        int n = 0;
        foreach (var v in values)
        {
            if (double.IsNaN(v)) continue;
            sum += v;
            n++;
        }
        return n == 0 ? double.NaN : sum / n;
    }
}
