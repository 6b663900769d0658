using Uga.Imaging;

namespace Uga.Slides;

/// <summary>One resolution level of a slide: its size in pixels, how much coarser it is than level 0, and its spacing.</summary>
public sealed record SlideLevel(int Index, long Width, long Height, double Downsample, double Spacing);

/// <summary>Where a slide's pixel spacing came from.</summary>
public enum SpacingSource
{
    /// <summary>The scanner's own metadata (OpenSlide's openslide.mpp-x/mpp-y).</summary>
    Metadata,

    /// <summary>The TIFF (or PNG/JPEG) resolution tags.</summary>
    ResolutionTags,

    /// <summary>The user's --spacing, which overrides whatever the file says.</summary>
    User,
}

/// <summary>
/// A whole-slide image or a plain image seen through one interface: levels, spacing (µm/px) and region reads
/// at a level or at any requested spacing. Open one with <see cref="SlideFactory.Open"/>.
/// <para>Thread safety: every Read* method may be called from several threads at once on the same instance
/// (OpenSlide handles are thread-safe for reads; libvips images are immutable and each read evaluates its own
/// region). Dispose only after all reads have finished.</para>
/// </summary>
public abstract class Slide : IDisposable
{
    /// <summary>Relative mismatch between a requested spacing and a level's spacing that still counts as equal (pyramids round level sizes).</summary>
    public const double SpacingTolerance = 0.003;

    private const int WholeReadTile = 2048;


    private bool _disposed;

    protected Slide(string path, string vendor, IReadOnlyList<(long Width, long Height, double Downsample)> levels,
        SlideSpacing spacing, IReadOnlyDictionary<string, string> properties)
    {
        Path = path;
        Vendor = vendor;
        Spacing = spacing.Value;
        SpacingSource = spacing.Source;
        Properties = properties;
        Levels = levels.Select((l, i) => new SlideLevel(i, l.Width, l.Height, l.Downsample, spacing.Value * l.Downsample)).ToArray();
    }

    public string Path { get; }

    /// <summary>Largest level window one resampled read decodes at once (64 Mpx = 192 MB of RGB); tests lower it.</summary>
    internal long MaxSourcePixels { get; set; } = 1L << 26;

    /// <summary>"aperio", "generic-tiff", … for OpenSlide slides; "vips-jpeg", "vips-png", "vips-tiff", … for plain images.</summary>
    public string Vendor { get; }

    /// <summary>Level 0 first, each coarser than the one before.</summary>
    public IReadOnlyList<SlideLevel> Levels { get; }

    /// <summary>Spacing of level 0 in µm/px.</summary>
    public double Spacing { get; }

    public SpacingSource SpacingSource { get; }

    /// <summary>Backend properties (OpenSlide's property names, or libvips' header fields).</summary>
    public IReadOnlyDictionary<string, string> Properties { get; }

    /// <summary>Scanner objective magnification (e.g. 20, 40) if the file says.</summary>
    public double? ObjectivePower =>
        Properties.TryGetValue("openslide.objective-power", out var s) && double.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : null;

    /// <summary>Width and height of the whole slide in the pixel grid of <paramref name="spacingUm"/>.</summary>
    public (long Width, long Height) SizeAt(double spacingUm)
    {
        var level = Levels[LevelFor(spacingUm)];
        if (SameSpacing(level.Spacing, spacingUm)) return (level.Width, level.Height);
        double f = Spacing / spacingUm;
        return (Math.Max(1, (long)Math.Round(Levels[0].Width * f)), Math.Max(1, (long)Math.Round(Levels[0].Height * f)));
    }

    /// <summary>The coarsest level at or finer than <paramref name="spacingUm"/> (within <see cref="SpacingTolerance"/>); level 0 if all are coarser.</summary>
    public int LevelFor(double spacingUm)
    {
        CheckSpacing(spacingUm);
        int best = 0;
        foreach (var level in Levels)
            if (level.Spacing <= spacingUm * (1 + SpacingTolerance) && level.Spacing > Levels[best].Spacing) best = level.Index;
        return best;
    }

    /// <summary>
    /// Pixels of <paramref name="region"/> given in the pixel grid of level <paramref name="level"/>. Parts outside the
    /// slide are white (glass); a region entirely outside is an error.
    /// </summary>
    public RgbImage ReadLevel(int level, PixelRegion region)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (level < 0 || level >= Levels.Count)
            throw new InvalidInputException(Path, $"level {level} does not exist (the slide has {Levels.Count})");
        var l = Levels[level];
        CheckRegion(region, l.Width, l.Height, $"level {level}");
        return ReadFromBackend(level, region);
    }

    /// <summary>
    /// Pixels of <paramref name="region"/> given in the pixel grid of <paramref name="spacingUm"/> µm/px: read from the
    /// nearest level at or finer than that spacing and resampled (anti-aliased) to exactly the region's size.
    /// </summary>
    public RgbImage ReadRegion(double spacingUm, PixelRegion region)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int index = LevelFor(spacingUm);
        var level = Levels[index];
        var (w, h) = SizeAt(spacingUm);
        CheckRegion(region, w, h, $"spacing {spacingUm:0.###} µm/px");
        if (SameSpacing(level.Spacing, spacingUm)) return ReadFromBackend(index, region);
        return ReadResampled(index, spacingUm / level.Spacing, region);
    }

    // f = level pixels per requested pixel. Reads the whole level pixels that cover the region, scales them, then
    // cuts out the sub-pixel offset so the result lines up with the requested grid. A region whose source would be
    // huge (a coarse read from a single-level slide) is read in halves, so memory stays bounded.
    private RgbImage ReadResampled(int index, double f, PixelRegion region)
    {
        double sx0 = region.X * f, sy0 = region.Y * f;
        int ix0 = (int)Math.Floor(sx0), iy0 = (int)Math.Floor(sy0);
        int ix1 = (int)Math.Ceiling(region.Right * f), iy1 = (int)Math.Ceiling(region.Bottom * f);
        if ((long)(ix1 - ix0) * (iy1 - iy0) > MaxSourcePixels && region.Area > 1)
        {
            var result = new RgbImage(region.Width, region.Height);
            bool splitX = region.Width >= region.Height;
            int half = (splitX ? region.Width : region.Height) / 2;
            var first = splitX ? region with { Width = half } : region with { Height = half };
            var second = splitX ? region with { X = region.X + half, Width = region.Width - half } : region with { Y = region.Y + half, Height = region.Height - half };
            result.Paste(ReadResampled(index, f, first), 0, 0);
            result.Paste(ReadResampled(index, f, second), second.X - region.X, second.Y - region.Y);
            return result;
        }
        var source = ReadFromBackend(index, new PixelRegion(ix0, iy0, Math.Max(1, ix1 - ix0), Math.Max(1, iy1 - iy0)));
        int ox = (int)Math.Round((sx0 - ix0) / f), oy = (int)Math.Round((sy0 - iy0) / f);
        int sw = Math.Max(region.Width + ox, (int)Math.Round(source.Width / f));
        int sh = Math.Max(region.Height + oy, (int)Math.Round(source.Height / f));
        var scaled = Resample.Rgb(source, sw, sh);
        return ox == 0 && oy == 0 && sw == region.Width && sh == region.Height
            ? scaled
            : scaled.Crop(new PixelRegion(ox, oy, region.Width, region.Height));
    }

    /// <summary>
    /// The whole slide at <paramref name="spacingUm"/>, read in tiles so no single read from a fine level is huge
    /// (for thumbnails and tissue masks: keep the spacing coarse).
    /// </summary>
    public RgbImage ReadWhole(double spacingUm, CancellationToken cancel = default)
    {
        var (w, h) = SizeAt(spacingUm);
        if (w * h * 3 > Array.MaxLength)
            throw new InvalidInputException(Path, $"the whole slide at {spacingUm} µm/px ({w}x{h}) is too large to hold in memory; use a coarser spacing");
        var image = new RgbImage((int)w, (int)h);
        for (int y = 0; y < h; y += WholeReadTile)
        {
            for (int x = 0; x < w; x += WholeReadTile)
            {
                cancel.ThrowIfCancellationRequested();
                var tile = new PixelRegion(x, y, (int)Math.Min(WholeReadTile, w - x), (int)Math.Min(WholeReadTile, h - y));
                image.Paste(ReadRegion(spacingUm, tile), x, y);
            }
        }
        return image;
    }

    /// <summary>Reads a region of a level; the region intersects the level but may stick out of it (fill with white).</summary>
    protected abstract RgbImage ReadFromBackend(int level, PixelRegion region);

    internal static bool SameSpacing(double a, double b) => Math.Abs(a - b) <= SpacingTolerance * b;

    private void CheckSpacing(double spacingUm)
    {
        if (!double.IsFinite(spacingUm) || spacingUm <= 0)
            throw new InvalidInputException(Path, $"requested spacing {spacingUm} µm/px must be a positive number");
    }

    private void CheckRegion(PixelRegion region, long width, long height, string grid)
    {
        if (region.Width <= 0 || region.Height <= 0)
            throw new InvalidInputException(Path, $"region {Describe(region)} at {grid} is empty");
        if (region.X >= width || region.Y >= height || region.Right <= 0 || region.Bottom <= 0)
            throw new InvalidInputException(Path, $"region {Describe(region)} at {grid} lies outside the slide ({width}x{height} there)");
        if ((long)region.Width * region.Height * 3 > Array.MaxLength)
            throw new InvalidInputException(Path, $"region {Describe(region)} at {grid} is too large to read at once");
    }

    private static string Describe(PixelRegion r) => $"{r.Width}x{r.Height}+{r.X}+{r.Y}";

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        DisposeBackend();
        GC.SuppressFinalize(this);
    }

    protected abstract void DisposeBackend();
}
