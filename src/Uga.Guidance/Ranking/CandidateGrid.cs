using Uga.Imaging;

namespace Uga.Guidance.Ranking;

/// <summary>How the candidate grid is laid over the slides.</summary>
public sealed record GridOptions
{
    /// <summary>Patch side in pixels at <see cref="SpacingUm"/>.</summary>
    public required int PatchSizePx { get; init; }

    /// <summary>Spacing (µm/px) of the grid; candidates' regions are in pixels at this spacing.</summary>
    public required double SpacingUm { get; init; }

    /// <summary>Step between patches in pixels at <see cref="SpacingUm"/>; null = patch size (no overlap).</summary>
    public int? StridePx { get; init; }

    /// <summary>Patches with less tissue than this fraction are background and dropped.</summary>
    public double MinTissueFraction { get; init; } = 0.5;

    /// <summary>Add a last row/column flush with the slide edge when the stride does not end exactly there.</summary>
    public bool CoverEdges { get; init; }

    /// <summary>The "0.8" of count(u &gt; 0.8 · max u): the fraction of a maximum above which pixels are counted.</summary>
    public double CountThresholdFactor { get; init; } = 0.8;
}

/// <summary>
/// Lays a grid of square patches over the tissue of every slide in the pool and measures, for every uncertainty
/// map, sum, mean, max and the three threshold counts (patch max, slide max, pool max) of each kept patch.
/// Slide and pool maxima are taken over the kept (tissue) patches, so glass artefacts cannot set the threshold.
/// </summary>
public static class CandidateGrid
{
    public static IReadOnlyList<Candidate> Build(
        IReadOnlyList<RankingSlide> slides, GridOptions options, IProgress<WorkProgress>? progress = null)
    {
        Validate(slides, options);
        var kept = new List<Pending>();
        for (int s = 0; s < slides.Count; s++)
        {
            kept.AddRange(LayOut(slides[s], s, options));
            progress?.Report(new WorkProgress("grid", s + 1, slides.Count, slides[s].Id));
        }

        var names = slides.SelectMany(sl => sl.Measures.Keys).Distinct().Order(StringComparer.Ordinal).ToArray();
        foreach (var name in names) MeasureFirstPass(slides, kept, name, options.SpacingUm);
        foreach (var name in names) CountAboveThresholds(slides, kept, name, options);

        var colours = slides.Select(sl => sl.Colour is null ? null : new ColourIntegrals(sl.Colour)).ToArray();
        return kept.Select(p => ToCandidate(p, slides[p.Slide], colours[p.Slide], options)).ToArray();
    }

    private sealed class Pending(int slide, PixelRegion region, double tissue)
    {
        public int Slide { get; } = slide;
        public PixelRegion Region { get; } = region;
        public double Tissue { get; } = tissue;
        public Dictionary<string, MeasureStats> Stats { get; } = new(StringComparer.Ordinal);
    }

    private static void Validate(IReadOnlyList<RankingSlide> slides, GridOptions options)
    {
        if (options.PatchSizePx <= 0) throw new InvalidInputException(null, $"patch size must be positive, got {options.PatchSizePx}");
        if (options.StridePx is <= 0) throw new InvalidInputException(null, $"stride must be positive, got {options.StridePx}");
        SpacingMath.RequirePositive(options.SpacingUm, "grid");
        if (options.MinTissueFraction is < 0 or > 1)
            throw new InvalidInputException(null, $"minimum tissue fraction must be in [0, 1], got {options.MinTissueFraction}");
        if (options.CountThresholdFactor is <= 0 or > 1)
            throw new InvalidInputException(null, $"count threshold factor must be in (0, 1], got {options.CountThresholdFactor}");
        if (slides.Count == 0) throw new InvalidInputException(null, "no slides given to lay the candidate grid over");
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var slide in slides)
        {
            if (!ids.Add(slide.Id)) throw new InvalidInputException(slide.Id, "slide id appears twice in the pool");
            SpacingMath.RequirePositive(slide.SpacingUm, slide.Id);
            if (slide.Width <= 0 || slide.Height <= 0) throw new InvalidInputException(slide.Id, $"slide size {slide.Width}x{slide.Height} is empty");
            foreach (var (name, map) in slide.Measures) CheckCoverage(slide, name, map);
        }
    }

    // A map that covers a different area than the slide means maps and slides were mixed up; tolerate rounding only.
    private static void CheckCoverage(RankingSlide slide, string name, SpacedMap map)
    {
        SpacingMath.RequirePositive(map.SpacingUm, $"{slide.Id} '{name}' map");
        double wUm = slide.Width * slide.SpacingUm, hUm = slide.Height * slide.SpacingUm;
        double mwUm = map.Map.Width * map.SpacingUm, mhUm = map.Map.Height * map.SpacingUm;
        double tolerance = (2 * map.SpacingUm) + (0.01 * Math.Max(wUm, hUm));
        if (Math.Abs(wUm - mwUm) > tolerance || Math.Abs(hUm - mhUm) > tolerance)
            throw new InvalidInputException(slide.Id,
                $"'{name}' map covers {mwUm:0.#}x{mhUm:0.#} µm but the slide is {wUm:0.#}x{hUm:0.#} µm (wrong map or spacing?)");
    }

    private static IEnumerable<Pending> LayOut(RankingSlide slide, int index, GridOptions o)
    {
        int width = GridExtent(slide.Width, slide.SpacingUm, o.SpacingUm);
        int height = GridExtent(slide.Height, slide.SpacingUm, o.SpacingUm);
        int stride = o.StridePx ?? o.PatchSizePx;
        foreach (int y in Positions(height, o.PatchSizePx, stride, o.CoverEdges))
        {
            foreach (int x in Positions(width, o.PatchSizePx, stride, o.CoverEdges))
            {
                var region = new PixelRegion(x, y, o.PatchSizePx, o.PatchSizePx);
                double tissue = slide.Tissue?.TissueFraction(region, o.SpacingUm) ?? 1.0;
                if (tissue >= o.MinTissueFraction && tissue > 0) yield return new Pending(index, region, tissue);
            }
        }
    }

    internal static int GridExtent(int size, double slideSpacing, double gridSpacing) =>
        (int)Math.Floor((size * slideSpacing / gridSpacing) + 1e-6);

    private static IEnumerable<int> Positions(int extent, int patch, int stride, bool coverEdges)
    {
        int last = -1;
        for (int p = 0; p + patch <= extent; p += stride)
        {
            last = p;
            yield return p;
        }
        if (coverEdges && extent >= patch && last != extent - patch) yield return extent - patch;
    }

    // Pass 1 over each patch window: sum, max and pixel count (the per-patch threshold needs the max first).
    private static void MeasureFirstPass(IReadOnlyList<RankingSlide> slides, List<Pending> kept, string name, double gridSpacing)
    {
        foreach (var p in kept)
        {
            if (!slides[p.Slide].Measures.TryGetValue(name, out var map)) continue;
            var (sum, max, pixels) = WindowScan.SumMax(map.Map, Window(p.Region, gridSpacing, map));
            p.Stats[name] = new MeasureStats(sum, pixels == 0 ? 0 : sum / pixels, pixels == 0 ? 0 : max, 0, 0, 0, pixels);
        }
    }

    // Pass 2: counts above factor × (patch max, slide max, pool max); maxima over the kept patches only.
    private static void CountAboveThresholds(IReadOnlyList<RankingSlide> slides, List<Pending> kept, string name, GridOptions o)
    {
        var slideMax = new double[slides.Count];
        Array.Fill(slideMax, double.NegativeInfinity);
        foreach (var p in kept)
            if (p.Stats.TryGetValue(name, out var st)) slideMax[p.Slide] = Math.Max(slideMax[p.Slide], st.Max);
        double poolMax = slideMax.Max();
        double f = o.CountThresholdFactor;
        foreach (var p in kept)
        {
            if (!p.Stats.TryGetValue(name, out var st)) continue;
            var map = slides[p.Slide].Measures[name];
            var (cPatch, cSlide, cPool) = WindowScan.CountAbove(
                map.Map, Window(p.Region, o.SpacingUm, map), f * st.Max, f * slideMax[p.Slide], f * poolMax);
            p.Stats[name] = st with { PatchCount = cPatch, SlideCount = cSlide, PoolCount = cPool };
        }
    }

    private static PixelRegion Window(PixelRegion region, double gridSpacing, SpacedMap map) =>
        SpacingMath.Convert(region, gridSpacing, map.SpacingUm).Intersect(new PixelRegion(0, 0, map.Map.Width, map.Map.Height));

    private static Candidate ToCandidate(Pending p, RankingSlide slide, ColourIntegrals? colour, GridOptions o) => new()
    {
        SlideId = slide.Id,
        Region = p.Region,
        SpacingUm = o.SpacingUm,
        SlideWidth = GridExtent(slide.Width, slide.SpacingUm, o.SpacingUm),
        SlideHeight = GridExtent(slide.Height, slide.SpacingUm, o.SpacingUm),
        TissueFraction = p.Tissue,
        Measures = p.Stats,
        Colour = colour?.Mean(p.Region, o.SpacingUm),
    };

    private sealed class ColourIntegrals(SpacedImage image)
    {
        private readonly IntegralImage[] _channels = [.. Enumerable.Range(0, 3).Select(c => IntegralImage.OfChannel(image.Image, c))];

        public MeanColour? Mean(PixelRegion region, double spacingUm)
        {
            var r = SpacingMath.Convert(region, spacingUm, image.SpacingUm)
                .Intersect(new PixelRegion(0, 0, image.Image.Width, image.Image.Height));
            if (r.Area == 0) return null;
            return new MeanColour(_channels[0].Sum(r) / r.Area, _channels[1].Sum(r) / r.Area, _channels[2].Sum(r) / r.Area);
        }
    }
}
