using Uga.Imaging;

namespace Uga.Ranking;

/// <summary>A region of a slide, in pixels at <see cref="SpacingUm"/> µm/px, whose candidates must not be offered again.</summary>
public sealed record ExcludedRegion(string SlideId, PixelRegion Region, double SpacingUm);

/// <summary>
/// Drops candidates that a pathologist has already been asked about: a candidate goes when more than a fraction of
/// its own area lies inside the excluded regions of its slide (slide ids compared exactly). Areas are measured in
/// µm² from the rectangles' exact edges, so regions given at another spacing (say level-0 pixels) are neither grown
/// nor shrunk by rounding to the candidate grid, and overlapping excluded regions are counted once (their union).
/// </summary>
public static class CandidateExclusion
{
    /// <summary>
    /// More than 10% of a patch already seen excludes it: a neighbour that only grazes an earlier patch (jitter,
    /// a finer stride) still brings mostly new tissue, while one sharing a real part of it would ask twice.
    /// </summary>
    public const double DefaultMinOverlap = 0.1;

    /// <summary>The candidates of <paramref name="pool"/> (in order) that keep; <paramref name="excluded"/> counts the rest.</summary>
    public static IReadOnlyList<Candidate> Apply(IReadOnlyList<Candidate> pool, IReadOnlyList<ExcludedRegion> regions, double minOverlap, out int excluded)
    {
        Validate(regions, minOverlap);
        excluded = 0;
        if (regions.Count == 0) return pool;
        var bySlide = regions.GroupBy(r => r.SlideId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(r => Um(r.Region, r.SpacingUm)).ToArray(), StringComparer.Ordinal);
        var kept = new List<Candidate>(pool.Count);
        foreach (var c in pool)
        {
            if (bySlide.TryGetValue(c.SlideId, out var slideRegions) && OverlapFraction(Um(c.Region, c.SpacingUm), slideRegions) > minOverlap + 1e-9)
                excluded++;
            else
                kept.Add(c);
        }
        return kept;
    }

    /// <summary>Fraction (0..1) of <paramref name="candidate"/>'s area covered by the union of <paramref name="regions"/>.</summary>
    public static double OverlapFraction(Candidate candidate, IEnumerable<ExcludedRegion> regions) =>
        OverlapFraction(Um(candidate.Region, candidate.SpacingUm),
            [.. regions.Where(r => string.Equals(r.SlideId, candidate.SlideId, StringComparison.Ordinal)).Select(r => Um(r.Region, r.SpacingUm))]);

    /// <summary>Checks the fraction and the regions' spacings, so a bad request fails before anything is predicted.</summary>
    public static void Validate(IReadOnlyList<ExcludedRegion> regions, double minOverlap)
    {
        if (minOverlap is < 0 or >= 1 || double.IsNaN(minOverlap))
            throw new InvalidInputException(null, $"exclusion overlap fraction must be in [0, 1), got {minOverlap}");
        foreach (var r in regions) SpacingMath.RequirePositive(r.SpacingUm, r.SlideId);
    }

    private readonly record struct Box(double X0, double Y0, double X1, double Y1)
    {
        public double Area => Math.Max(0, X1 - X0) * Math.Max(0, Y1 - Y0);

        public Box Clip(Box o) => new(Math.Max(X0, o.X0), Math.Max(Y0, o.Y0), Math.Min(X1, o.X1), Math.Min(Y1, o.Y1));
    }

    private static Box Um(PixelRegion r, double spacingUm) =>
        new(r.X * spacingUm, r.Y * spacingUm, r.Right * spacingUm, r.Bottom * spacingUm);

    // Union area of the regions clipped to the candidate: sweep over the distinct x edges, merging y intervals per strip.
    // Few regions touch one candidate, so the quadratic sweep is cheap.
    private static double OverlapFraction(Box candidate, Box[] regions)
    {
        if (candidate.Area <= 0) return 0;
        var clips = regions.Select(candidate.Clip).Where(b => b.Area > 0).ToArray();
        if (clips.Length == 0) return 0;
        var xs = clips.SelectMany(b => new[] { b.X0, b.X1 }).Distinct().Order().ToArray();
        double covered = 0;
        for (int i = 0; i + 1 < xs.Length; i++)
        {
            double mid = (xs[i] + xs[i + 1]) / 2, covering = 0, top = double.NegativeInfinity;
            foreach (var b in clips.Where(b => b.X0 <= mid && mid < b.X1).OrderBy(b => b.Y0))
            {
                double from = Math.Max(b.Y0, top);
                if (b.Y1 > from) covering += b.Y1 - from;
                top = Math.Max(top, b.Y1);
            }
            covered += covering * (xs[i + 1] - xs[i]);
        }
        return covered / candidate.Area;
    }
}
