using Uga.Imaging;
using Uga.Slides;

namespace Uga.Phantom;

/// <summary>
/// What a <see cref="VirtualSlide"/> looks like: its level-0 size and spacing, its pyramid, and how much of it is
/// tissue. Tissue comes as round islands of solid phantom tissue (<see cref="PhantomSlide"/>, its tissue field
/// biased so that it shows no glass of its own) on plain glass, so the tissue fraction a tissue mask finds, and with
/// it the work a prediction does, is the one chosen rather than whatever the phantom's own layout gives.
/// </summary>
public sealed record VirtualSlideSpec(int Width, int Height)
{
    public double SpacingUm { get; init; } = 0.5;

    /// <summary>Downsample of each level relative to level 0, finest first; each level is rendered on its own.</summary>
    public IReadOnlyList<int> Downsamples { get; init; } = [1, 4, 16, 64];

    /// <summary>Share of the slide's area covered by islands, so of tissue (0–0.35; at least one island is always placed).</summary>
    public double IslandFraction { get; init; } = 0.03;

    public double IslandRadiusUm { get; init; } = 600;

    public ulong Seed { get; init; } = 1;

    public void Validate()
    {
        if (Width < 16 || Height < 16)
            throw new InvalidInputException(null, $"virtual slide size must be at least 16x16 pixels, got {Width}x{Height}");
        if (!double.IsFinite(SpacingUm) || SpacingUm < 0.1 || SpacingUm > 16)
            throw new InvalidInputException(null, $"virtual slide spacing must be between 0.1 and 16 µm/px, got {SpacingUm}");
        if (Downsamples.Count == 0 || Downsamples[0] != 1 || Downsamples.Zip(Downsamples.Skip(1)).Any(p => p.Second <= p.First))
            throw new InvalidInputException(null, $"downsamples must start at 1 and increase, got [{string.Join(", ", Downsamples)}]");
        if (IslandFraction is < 0 or > 0.35 || double.IsNaN(IslandFraction))
            throw new InvalidInputException(null, $"island fraction must be between 0 and 0.35, got {IslandFraction}");
        if (!double.IsFinite(IslandRadiusUm) || IslandRadiusUm < 10 * SpacingUm)
            throw new InvalidInputException(null, $"island radius must be at least 10 pixels, got {IslandRadiusUm} µm");
    }
}

/// <summary>A tissue island: a disc with a wavy rim, in µm from the slide's top-left corner.</summary>
public sealed record TissueIsland(double CentreXUm, double CentreYUm, double RadiusUm, double Phase)
{
    /// <summary>The rim's distance from the centre at angle <paramref name="theta"/>: within ±20 % of the radius.</summary>
    public double RimUm(double theta) => RadiusUm * (1 + (0.12 * Math.Sin((3 * theta) + Phase)) + (0.08 * Math.Sin((5 * theta) + (2 * Phase))));
}

/// <summary>
/// A slide of any size that exists only as a function: every level's pixels are rendered on demand for the region
/// asked (no file, no whole image in memory), so a 50k × 50k slide costs nothing until read. Glass is a flat
/// colour and costs a fill; only pixels inside tissue islands are rendered by the phantom. A pixel depends only
/// on its level and absolute position, so reads agree however a region is split.
/// </summary>
public sealed class VirtualSlide : Slide
{
    /// <summary>The colour of empty glass (slightly grey like a scan's background, unsaturated).</summary>
    public static readonly byte[] Glass = [238, 236, 240];

    private const double MaxPhantomSpacingUm = 16;

    // Lifts the phantom's tissue field so that an island is tissue throughout (the phantom alone is about half glass,
    // which made islands covering 25 % of a slide show 8.7 % tissue to the tissue mask).
    private const double SolidTissueBias = 0.3;
    private readonly PhantomSlide[] _phantoms;
    private readonly VirtualSlideSpec _spec;

    public VirtualSlide(VirtualSlideSpec spec)
        : base($"virtual:{spec.Width}x{spec.Height}@{spec.SpacingUm}", "uga-virtual", LevelSizes(spec),
            new SlideSpacing(spec.SpacingUm, SpacingSource.User), new Dictionary<string, string>())
    {
        _spec = spec;
        Islands = PlaceIslands(spec);
        // One phantom per level, rendered at the level's own spacing (the phantom's layout is physical, so all
        // levels show the same tissue); levels coarser than the phantom allows are rendered finer and reduced.
        _phantoms = [.. Levels.Select(l => PhantomFor(spec, l.Downsample, Oversampling(l.Spacing)))];
    }

    public IReadOnlyList<TissueIsland> Islands { get; }

    /// <summary>Share of the slide's area inside islands (before the phantom's own glass).</summary>
    public double IslandFraction => Islands.Sum(i => Math.PI * i.RadiusUm * i.RadiusUm) / (_spec.Width * _spec.SpacingUm * _spec.Height * _spec.SpacingUm);

    protected override RgbImage ReadFromBackend(int level, PixelRegion region)
    {
        var image = new RgbImage(region.Width, region.Height);
        var l = Levels[level];
        var inside = region.Intersect(new PixelRegion(0, 0, (int)l.Width, (int)l.Height));
        Array.Fill(image.Data, (byte)255); // outside the slide: white
        for (int y = inside.Y; y < inside.Bottom; y++)
            for (int x = inside.X; x < inside.Right; x++)
                Glass.CopyTo(image.Data, image.Index(x - region.X, y - region.Y));
        foreach (var island in Islands)
        {
            var box = Bounds(island, l.Spacing).Intersect(inside);
            if (box.Width > 0 && box.Height > 0) DrawIsland(image, region, level, island, box);
        }
        return image;
    }

    protected override void DisposeBackend()
    {
    }

    private void DrawIsland(RgbImage image, PixelRegion region, int level, TissueIsland island, PixelRegion box)
    {
        double s = Levels[level].Spacing;
        var tissue = RenderPhantom(level, box);
        for (int y = box.Y; y < box.Bottom; y++)
            for (int x = box.X; x < box.Right; x++)
            {
                double dx = ((x + 0.5) * s) - island.CentreXUm, dy = ((y + 0.5) * s) - island.CentreYUm;
                if ((dx * dx) + (dy * dy) > Square(island.RimUm(Math.Atan2(dy, dx)))) continue;
                int from = tissue.Index(x - box.X, y - box.Y), to = image.Index(x - region.X, y - region.Y);
                image.Data[to] = tissue.Data[from];
                image.Data[to + 1] = tissue.Data[from + 1];
                image.Data[to + 2] = tissue.Data[from + 2];
            }
    }

    private RgbImage RenderPhantom(int level, PixelRegion box)
    {
        int k = Oversampling(Levels[level].Spacing);
        var fine = _phantoms[level].RenderRegion(new PixelRegion(box.X * k, box.Y * k, box.Width * k, box.Height * k)).Image;
        return k == 1 ? fine : BoxReduce(fine, k);
    }

    // Mean of each k×k block: exact per pixel, so a reduced pixel does not depend on where the region was cut
    // (a filtering resampler would look across the region's edge).
    private static RgbImage BoxReduce(RgbImage fine, int k)
    {
        var result = new RgbImage(fine.Width / k, fine.Height / k);
        for (int y = 0; y < result.Height; y++)
            for (int x = 0; x < result.Width; x++)
                for (int c = 0; c < 3; c++)
                {
                    int sum = 0;
                    for (int j = 0; j < k; j++)
                        for (int i = 0; i < k; i++) sum += fine.Data[fine.Index((x * k) + i, (y * k) + j) + c];
                    result.Data[result.Index(x, y) + c] = (byte)((sum + (k * k / 2)) / (k * k));
                }
        return result;
    }

    // The phantom's layout scales with its physical size, so every level's phantom is given level 0's size in µm
    // (to within a pixel of that level), not the level's floored pixel count.
    private static PhantomSlide PhantomFor(VirtualSlideSpec spec, double downsample, int k) =>
        new(new PhantomSpec(PhantomExtent(spec.Width, downsample, k), PhantomExtent(spec.Height, downsample, k))
        {
            Seed = spec.Seed,
            SpacingUm = spec.SpacingUm * downsample / k,
            TissueBias = SolidTissueBias,
        });

    private static int PhantomExtent(int size, double downsample, int k) => Math.Max(16, (int)Math.Round(size * k / downsample));

    private static int Oversampling(double spacingUm) => (int)Math.Ceiling(spacingUm / MaxPhantomSpacingUm);

    private static double Square(double v) => v * v;

    private static PixelRegion Bounds(TissueIsland island, double spacingUm)
    {
        double r = island.RadiusUm * 1.2;
        int x0 = (int)Math.Floor((island.CentreXUm - r) / spacingUm), y0 = (int)Math.Floor((island.CentreYUm - r) / spacingUm);
        int x1 = (int)Math.Ceiling((island.CentreXUm + r) / spacingUm), y1 = (int)Math.Ceiling((island.CentreYUm + r) / spacingUm);
        return new PixelRegion(x0, y0, x1 - x0, y1 - y0);
    }

    private static List<(long, long, double)> LevelSizes(VirtualSlideSpec spec)
    {
        spec.Validate();
        return [.. spec.Downsamples.Select(d => ((long)Math.Max(1, spec.Width / d), (long)Math.Max(1, spec.Height / d), (double)d))];
    }

    // Islands sit in distinct cells of a grid with cells three radii wide (so up to π/9 ≈ 0.35 of the slide), jittered
    // inside their cell so that their rims (at most 1.2 radii) never touch; how many follows from the wanted fraction,
    // which cells from the seed.
    private static List<TissueIsland> PlaceIslands(VirtualSlideSpec spec)
    {
        double w = spec.Width * spec.SpacingUm, h = spec.Height * spec.SpacingUm;
        double r = Math.Min(spec.IslandRadiusUm, Math.Min(w, h) / 5);
        double cell = 3 * r;
        int nx = Math.Max(1, (int)(w / cell)), ny = Math.Max(1, (int)(h / cell));
        int count = Math.Clamp((int)Math.Round(spec.IslandFraction * w * h / (Math.PI * r * r)), 1, nx * ny);
        var random = new Random((int)(spec.Seed % int.MaxValue));
        var cells = Enumerable.Range(0, nx * ny).ToArray();
        random.Shuffle(cells);
        double cw = w / nx, ch = h / ny;
        return [.. cells.Take(count).Order().Select(c =>
        {
            double jx = (random.NextDouble() - 0.5) * (cw - (2.5 * r)), jy = (random.NextDouble() - 0.5) * (ch - (2.5 * r));
            return new TissueIsland(((c % nx) + 0.5) * cw + jx, ((c / nx) + 0.5) * ch + jy, r, random.NextDouble() * 2 * Math.PI);
        })];
    }
}
