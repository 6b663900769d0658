using System.Runtime.InteropServices;
using Uga.Imaging;

namespace Uga.Slides.OpenSlide;

/// <summary>
/// A whole-slide image read through OpenSlide. One handle serves all threads: OpenSlide is thread-safe for reads,
/// and the SafeHandle keeps the handle alive until running reads finish.
/// </summary>
internal sealed class OpenSlideSlide : Slide
{
    // Rows per read_region call, so the ARGB staging buffer stays at most ~16 MB for wide regions.
    private const long StagingPixels = 4 << 20;

    private readonly OpenSlideHandle _handle;

    private OpenSlideSlide(string path, string vendor, OpenSlideHandle handle,
        IReadOnlyList<(long, long, double)> levels, SlideSpacing spacing, IReadOnlyDictionary<string, string> properties)
        : base(path, vendor, levels, spacing, properties) => _handle = handle;

    /// <summary>Opens a file OpenSlide recognised as <paramref name="vendor"/>; every failure names the file.</summary>
    public static OpenSlideSlide Open(string path, string vendor, double? spacingOverrideUm)
    {
        var handle = OpenSlideNative.openslide_open(path);
        if (handle.IsInvalid)
        {
            handle.Dispose();
            throw new InvalidInputException(path, $"OpenSlide does not recognise this {vendor} file");
        }
        try
        {
            ThrowIfError(handle, path, "cannot open slide");
            int count = OpenSlideNative.openslide_get_level_count(handle);
            ThrowIfError(handle, path, "cannot read the level count");
            if (count < 1) throw new InvalidInputException(path, "slide has no levels");
            var levels = new (long, long, double)[count];
            for (int i = 0; i < count; i++)
            {
                OpenSlideNative.openslide_get_level_dimensions(handle, i, out var w, out var h);
                levels[i] = (w, h, OpenSlideNative.openslide_get_level_downsample(handle, i));
            }
            ThrowIfError(handle, path, "cannot read level sizes");
            SlideFactory.CheckDimensions(path, levels);
            var properties = OpenSlideNative.GetProperties(handle);
            var spacing = SlideSpacing.Resolve(path, spacingOverrideUm, MetadataSpacing(properties), TagSpacing(properties));
            return new OpenSlideSlide(path, vendor, handle, levels, spacing, properties);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    // Mean of mpp-x and mpp-y: Uga treats pixels as square; scanners differ by well under a percent.
    private static double? MetadataSpacing(IReadOnlyDictionary<string, string> p) =>
        (SlideSpacing.Parse(p, "openslide.mpp-x"), SlideSpacing.Parse(p, "openslide.mpp-y")) switch
        {
            ({ } x, { } y) => (x + y) / 2,
            ({ } x, null) => x,
            (null, { } y) => y,
            _ => null,
        };

    // OpenSlide gives no mpp for generic TIFF but passes the resolution tags through as properties.
    private static double? TagSpacing(IReadOnlyDictionary<string, string> p) =>
        SlideSpacing.Parse(p, "tiff.XResolution") is { } xres && p.TryGetValue("tiff.ResolutionUnit", out var unit)
            ? SlideSpacing.FromResolution(xres, unit)
            : null;

    protected override RgbImage ReadFromBackend(int level, PixelRegion region)
    {
        var result = new RgbImage(region.Width, region.Height);
        double downsample = Levels[level].Downsample;
        int rowsPerCall = (int)Math.Clamp(StagingPixels / region.Width, 1, region.Height);
        var argb = new uint[(long)rowsPerCall * region.Width];
        for (int y = 0; y < region.Height; y += rowsPerCall)
        {
            int rows = Math.Min(rowsPerCall, region.Height - y);
            // read_region takes the top-left corner in level-0 coordinates and the size in level pixels.
            long x0 = (long)Math.Round(region.X * downsample), y0 = (long)Math.Round((region.Y + y) * downsample);
            OpenSlideNative.openslide_read_region(_handle, ref MemoryMarshal.GetArrayDataReference(argb), x0, y0, level, region.Width, rows);
            ThrowIfError(_handle, Path, $"cannot read level {level} at {region.X},{region.Y + y}");
            ToRgbOverWhite(argb.AsSpan(0, rows * region.Width), result.Data.AsSpan(y * region.Width * 3));
        }
        return result;
    }

    // OpenSlide gives premultiplied ARGB; compositing over white glass is c + (255 - a), so transparent -> white.
    private static void ToRgbOverWhite(ReadOnlySpan<uint> argb, Span<byte> rgb)
    {
        for (int i = 0; i < argb.Length; i++)
        {
            uint p = argb[i];
            int white = 255 - (int)(p >> 24);
            rgb[3 * i] = (byte)(((p >> 16) & 0xFF) + white);
            rgb[(3 * i) + 1] = (byte)(((p >> 8) & 0xFF) + white);
            rgb[(3 * i) + 2] = (byte)((p & 0xFF) + white);
        }
    }

    private static void ThrowIfError(OpenSlideHandle handle, string path, string what)
    {
        if (OpenSlideNative.GetError(handle) is { } error)
            throw new InvalidInputException(path, $"{what}: {error}");
    }

    protected override void DisposeBackend() => _handle.Dispose();
}
