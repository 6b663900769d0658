using Uga.Imaging;

namespace Uga.Ranking;

/// <summary>Baseline errors inside one candidate patch (pixels of the error map; Ignore pixels not counted).</summary>
public readonly record struct PatchErrors(long ErrorPixels, long Pixels)
{
    public double Fraction => Pixels == 0 ? 0 : ErrorPixels / (double)Pixels;
}

/// <summary>How well a strategy's choice and scores find the baseline model's errors.</summary>
/// <param name="TopN">N of "top-N worst patches" (patches with no error never count as worst).</param>
/// <param name="TopNFound">Fraction of the top-N worst-error patches that were chosen (ties at the N-th count kept).</param>
/// <param name="MeanErrorFractionChosen">Mean error fraction of the chosen patches.</param>
/// <param name="MeanErrorFractionPool">Mean error fraction of all pool patches (what random picking gets on average).</param>
/// <param name="Spearman">Rank correlation between the strategy's scores and the patches' error pixel counts.</param>
public sealed record AgreementReport(
    int TopN, double TopNFound, double MeanErrorFractionChosen, double MeanErrorFractionPool, double Spearman, int ChosenCount);

/// <summary>
/// "Does uncertainty find the model's errors?": counts baseline error pixels per candidate (integral image per
/// slide) and compares them with a strategy's scores and choice.
/// </summary>
public static class ErrorAgreement
{
    /// <summary>Error mask: 1 where prediction and reference differ, Ignore where the reference is Ignore.</summary>
    public static LabelMap ErrorMask(LabelMap prediction, LabelMap reference)
    {
        if (prediction.Width != reference.Width || prediction.Height != reference.Height)
            throw new InvalidInputException(null,
                $"prediction is {prediction.Width}x{prediction.Height} but reference is {reference.Width}x{reference.Height}");
        var mask = new LabelMap(reference.Width, reference.Height);
        for (int i = 0; i < mask.Data.Length; i++)
        {
            byte r = reference.Data[i];
            mask.Data[i] = r == LabelMap.Ignore ? LabelMap.Ignore : prediction.Data[i] != r ? (byte)1 : (byte)0;
        }
        return mask;
    }

    /// <summary>Error pixels per candidate (same order as <paramref name="pool"/>), from error masks keyed by slide id.</summary>
    public static PatchErrors[] CountErrors(IReadOnlyList<Candidate> pool, IReadOnlyDictionary<string, SpacedMask> errorMasks)
    {
        var integrals = new Dictionary<string, (IntegralImage Errors, IntegralImage Valid, double Spacing)>(StringComparer.Ordinal);
        var result = new PatchErrors[pool.Count];
        for (int i = 0; i < pool.Count; i++)
        {
            var c = pool[i];
            if (!integrals.TryGetValue(c.SlideId, out var slide))
            {
                if (!errorMasks.TryGetValue(c.SlideId, out var mask))
                    throw new InvalidInputException(c.SlideId, "no baseline error map for this slide");
                SpacingMath.RequirePositive(mask.SpacingUm, $"{c.SlideId} error map");
                slide = (IntegralImage.OfMask(mask.Mask, v => v != 0 && v != LabelMap.Ignore),
                    IntegralImage.OfMask(mask.Mask, v => v != LabelMap.Ignore), mask.SpacingUm);
                integrals[c.SlideId] = slide;
            }
            var r = SpacingMath.Convert(c.Region, c.SpacingUm, slide.Spacing);
            result[i] = new PatchErrors((long)Math.Round(slide.Errors.Sum(r)), (long)Math.Round(slide.Valid.Sum(r)));
        }
        return result;
    }

    /// <summary>Compares a selection: its scored pool (input order, aligned with <paramref name="errors"/>) and its choice.</summary>
    public static AgreementReport Evaluate(Selection selection, IReadOnlyList<PatchErrors> errors, int topN) =>
        Evaluate(selection.Scored, errors, selection.Chosen, topN);

    /// <summary>
    /// Compares <paramref name="scored"/> candidates (each with its Score, aligned with <paramref name="errors"/>)
    /// and the <paramref name="chosen"/> ones (matched by slide and grid region, so jitter does not matter).
    /// </summary>
    public static AgreementReport Evaluate(
        IReadOnlyList<Candidate> scored, IReadOnlyList<PatchErrors> errors, IReadOnlyList<Candidate> chosen, int topN)
    {
        if (scored.Count != errors.Count)
            throw new ArgumentException($"{scored.Count} candidates but {errors.Count} error counts", nameof(errors));
        if (topN < 1) throw new InvalidInputException(null, $"top-N must be at least 1, got {topN}");
        if (scored.Count == 0) throw new InvalidInputException(null, "candidate pool is empty");

        var index = new Dictionary<(string, PixelRegion), int>();
        for (int i = 0; i < scored.Count; i++) index[scored[i].Key] = i;
        var chosenIdx = chosen.Select(c => index.TryGetValue(c.Key, out int i) ? i
            : throw new ArgumentException($"chosen patch {c.SlideId} {c.Region} is not in the pool", nameof(chosen))).ToHashSet();

        return new AgreementReport(
            topN,
            TopNFound(errors, chosenIdx, topN),
            chosenIdx.Count == 0 ? double.NaN : chosenIdx.Average(i => errors[i].Fraction),
            errors.Average(e => e.Fraction),
            RankStatistics.Spearman([.. scored.Select(c => c.Score)], [.. errors.Select(e => (double)e.ErrorPixels)]),
            chosenIdx.Count);
    }

    // The worst set holds every patch with at least the N-th largest error count (ties are not split arbitrarily),
    // and patches without errors are never "worst"; found = min(chosen ∩ worst, N') / N'.
    private static double TopNFound(IReadOnlyList<PatchErrors> errors, HashSet<int> chosen, int topN)
    {
        var withErrors = errors.Select(e => e.ErrorPixels).Where(e => e > 0).OrderDescending().ToArray();
        int n = Math.Min(topN, withErrors.Length);
        if (n == 0) return double.NaN;
        long cut = withErrors[n - 1];
        int found = chosen.Count(i => errors[i].ErrorPixels >= cut);
        return Math.Min(found, n) / (double)n;
    }
}
