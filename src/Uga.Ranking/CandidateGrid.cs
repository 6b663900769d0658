using Uga.Imaging;

namespace Uga.Ranking;

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

    /// <summary>
    /// Measure the counts above the pool's maximum (only uga-global reads them). They need every value above each
    /// slide's threshold kept until the pool is reduced — for a flat map nearly every pixel: 2.4 GB per map on a
    /// 50,000² slide with a quarter tissue — so without them no values are kept and the pool count is −1 (not measured).
    /// </summary>
    public bool PoolCounts { get; init; } = true;
}

/// <summary>
/// What phase 1 of ranking knows of one slide: its kept candidates with every statistic that needs only this slide
/// (sum, mean, max, the counts above the patch's and the slide's maxima), the slide's maximum per measure, and per
/// measure and candidate the values above the slide's count threshold — all the pool count can need, since
/// the pool's threshold is never below the slide's. It holds no maps (<see cref="Slide"/> keeps only the slide's id
/// and size), so a pool of thousands of slides reduces in the memory of their features. It is computed
/// independently per slide, so it can run anywhere (one process per slide, one task per slide on a cluster);
/// <see cref="CandidateGrid.Reduce"/> is the pool-wide phase 2.
/// </summary>
public sealed record SlideFeatures(RankingSlide Slide, IReadOnlyList<Candidate> Candidates, IReadOnlyDictionary<string, double> Maxima,
    IReadOnlyDictionary<string, float[][]> AboveSlideThreshold);

/// <summary>
/// Lays a grid of square patches over the tissue of every slide in the pool and measures, for every uncertainty
/// map, sum, mean, max and the three threshold counts (patch max, slide max, pool max) of each kept patch.
/// Slide and pool maxima are taken over the kept (tissue) patches, so glass artefacts cannot set the threshold.
/// Two phases: <see cref="Features"/> per slide, then <see cref="Reduce"/> over the pool.
/// </summary>
public static class CandidateGrid
{
    public static IReadOnlyList<Candidate> Build(
        IReadOnlyList<RankingSlide> slides, GridOptions options, IProgress<WorkProgress>? progress = null)
    {
        ValidateOptions(options);
        if (slides.Count == 0) throw new InvalidInputException(null, "no slides given to lay the candidate grid over");
        var features = new List<SlideFeatures>(slides.Count);
        for (int s = 0; s < slides.Count; s++)
        {
            features.Add(Features(slides[s], options));
            progress?.Report(new WorkProgress("grid", s + 1, slides.Count, slides[s].Id));
        }
        return Reduce(features, options);
    }

    /// <summary>Phase 1: the candidates of one slide and its maxima, without anything that needs the other slides.</summary>
    public static SlideFeatures Features(RankingSlide slide, GridOptions options)
    {
        ValidateOptions(options);
        ValidateSlide(slide);
        return Measure(slide, options, new WholeMaps(slide.Measures, options.SpacingUm));
    }

    /// <summary>
    /// Phase 1 with the maps read a block of candidates at a time from <paramref name="maps"/> (the slide's own
    /// <see cref="RankingSlide.Measures"/> are not read): the same features, in the memory of one block's maps.
    /// </summary>
    public static SlideFeatures Features(RankingSlide slide, GridOptions options, IRegionMaps maps)
    {
        ValidateOptions(options);
        ValidateSlide(slide);
        foreach (var name in maps.Names) CheckCoverage(slide, name, maps.Width, maps.Height, maps.SpacingUm);
        return Measure(slide, options, new RegionSource(maps, options.SpacingUm));
    }

    // Two passes over the blocks: sums and maxima first; then the counts above each patch's and the slide's
    // maximum, which are known only once every block was seen. Reading a block twice costs less than holding it.
    private static SlideFeatures Measure(RankingSlide slide, GridOptions options, IMapSource source)
    {
        var kept = LayOut(slide, options).ToList();
        var regions = kept.Select(p => p.Region).ToList();
        var blocks = source.Blocks(regions).ToList();
        var names = source.Names.Order(StringComparer.Ordinal).ToArray();
        var maxima = names.ToDictionary(n => n, _ => double.NegativeInfinity, StringComparer.Ordinal);
        Scan(source, blocks, regions, names, (name, i, map, w) =>
        {
            var (sum, max, pixels) = WindowScan.SumMax(map, w);
            var st = new MeasureStats(sum, pixels == 0 ? 0 : sum / pixels, pixels == 0 ? 0 : max, 0, 0, 0, pixels);
            kept[i].Stats[name] = st;
            maxima[name] = Math.Max(maxima[name], st.Max);
        });
        double f = options.CountThresholdFactor;
        var above = names.ToDictionary(n => n, _ => new float[kept.Count][], StringComparer.Ordinal);
        Scan(source, blocks, regions, names, (name, i, map, w) =>
        {
            var st = kept[i].Stats[name];
            var (cPatch, cSlide, _) = WindowScan.CountAbove(map, w, f * st.Max, f * maxima[name], double.PositiveInfinity);
            kept[i].Stats[name] = st with { PatchCount = cPatch, SlideCount = cSlide };
            above[name][i] = options.PoolCounts ? WindowScan.ValuesAbove(map, w, f * maxima[name], cSlide) : [];
        });
        var colour = slide.Colour is null ? null : new ColourIntegrals(slide.Colour);
        var candidates = kept.Select(p => ToCandidate(p, slide, colour, options)).ToList();
        return new SlideFeatures(new RankingSlide(slide.Id, slide.Width, slide.Height, slide.SpacingUm), candidates, maxima, above);
    }

    // One pass: every block's maps opened once, every candidate of it visited in every map with its window there.
    private static void Scan(IMapSource source, List<int[]> blocks, List<PixelRegion> regions, string[] names,
        Action<string, int, FloatMap, PixelRegion> visit)
    {
        foreach (var block in blocks)
        {
            var window = source.Open(regions, block);
            foreach (var name in names)
                foreach (int i in block)
                {
                    var (map, w) = window(name, regions[i]);
                    visit(name, i, map, w);
                }
        }
    }

    /// <summary>
    /// Phase 2: the pool. Fills in the counts above the pool's maximum — equal to the slide count on the slide that
    /// holds the maximum, zero where the slide never reaches the pool threshold, and counted again only in between.
    /// </summary>
    public static IReadOnlyList<Candidate> Reduce(IReadOnlyList<SlideFeatures> slides, GridOptions options)
    {
        if (slides.Count == 0) throw new InvalidInputException(null, "no slides given to lay the candidate grid over");
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in slides)
            if (!ids.Add(s.Slide.Id)) throw new InvalidInputException(s.Slide.Id, "slide id appears twice in the pool");
        var poolMax = slides.SelectMany(s => s.Maxima).GroupBy(kv => kv.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Max(kv => kv.Value), StringComparer.Ordinal);
        var result = new List<Candidate>();
        foreach (var s in slides)
            result.AddRange(s.Candidates.Select((c, i) => c with { Measures = WithPoolCounts(s, i, poolMax, options) }));
        return result;
    }

    private static Dictionary<string, MeasureStats> WithPoolCounts(SlideFeatures s, int index, Dictionary<string, double> poolMax, GridOptions o)
    {
        var c = s.Candidates[index];
        var stats = new Dictionary<string, MeasureStats>(StringComparer.Ordinal);
        foreach (var (name, st) in c.Measures)
        {
            float threshold = (float)(o.CountThresholdFactor * poolMax[name]), slideThreshold = (float)(o.CountThresholdFactor * s.Maxima[name]);
            long pool = !o.PoolCounts ? -1
                : threshold == slideThreshold ? st.SlideCount
                : threshold >= (float)s.Maxima[name] ? 0
                : WindowScan.CountAbove(s.AboveSlideThreshold[name][index], threshold);
            stats[name] = st with { PoolCount = pool };
        }
        return stats;
    }

    private sealed class Pending(PixelRegion region, double tissue)
    {
        public PixelRegion Region { get; } = region;
        public double Tissue { get; } = tissue;
        public Dictionary<string, MeasureStats> Stats { get; } = new(StringComparer.Ordinal);
    }

    private static void ValidateOptions(GridOptions options)
    {
        if (options.PatchSizePx <= 0) throw new InvalidInputException(null, $"patch size must be positive, got {options.PatchSizePx}");
        if (options.StridePx is <= 0) throw new InvalidInputException(null, $"stride must be positive, got {options.StridePx}");
        SpacingMath.RequirePositive(options.SpacingUm, "grid");
        if (options.MinTissueFraction is < 0 or > 1)
            throw new InvalidInputException(null, $"minimum tissue fraction must be in [0, 1], got {options.MinTissueFraction}");
        if (options.CountThresholdFactor is <= 0 or > 1)
            throw new InvalidInputException(null, $"count threshold factor must be in (0, 1], got {options.CountThresholdFactor}");
    }

    private static void ValidateSlide(RankingSlide slide)
    {
        SpacingMath.RequirePositive(slide.SpacingUm, slide.Id);
        if (slide.Width <= 0 || slide.Height <= 0) throw new InvalidInputException(slide.Id, $"slide size {slide.Width}x{slide.Height} is empty");
        foreach (var (name, map) in slide.Measures) CheckCoverage(slide, name, map.Map.Width, map.Map.Height, map.SpacingUm);
    }

    // A map that covers a different area than the slide means maps and slides were mixed up; tolerate rounding only.
    private static void CheckCoverage(RankingSlide slide, string name, int width, int height, double spacingUm)
    {
        SpacingMath.RequirePositive(spacingUm, $"{slide.Id} '{name}' map");
        double wUm = slide.Width * slide.SpacingUm, hUm = slide.Height * slide.SpacingUm;
        double mwUm = width * spacingUm, mhUm = height * spacingUm;
        double tolerance = (2 * spacingUm) + (0.01 * Math.Max(wUm, hUm));
        if (Math.Abs(wUm - mwUm) > tolerance || Math.Abs(hUm - mhUm) > tolerance)
            throw new InvalidInputException(slide.Id,
                $"'{name}' map covers {mwUm:0.#}x{mhUm:0.#} µm but the slide is {wUm:0.#}x{hUm:0.#} µm (wrong map or spacing?)");
    }

    private static IEnumerable<Pending> LayOut(RankingSlide slide, GridOptions o)
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
                if (tissue >= o.MinTissueFraction && tissue > 0) yield return new Pending(region, tissue);
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

    internal static PixelRegion Window(PixelRegion region, double gridSpacing, SpacedMap map) =>
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
