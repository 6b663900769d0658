using NetVips;
using Uga.Imaging;

namespace Uga.Slides;

/// <summary>
/// A plain image (JPEG, PNG, TIFF) read through libvips. A multi-page TIFF whose pages shrink page by page is read
/// as a pyramid (one level per page); anything else is a single-level slide. libvips images are immutable and
/// region evaluation is thread-safe, so concurrent reads need no lock.
/// </summary>
internal sealed class VipsSlide : Slide
{
    static VipsSlide() => VipsLog.Capture();   // libvips warnings into the error line, not raw to stderr

    private readonly Image[] _pages;

    private VipsSlide(string path, string vendor, Image[] pages, IReadOnlyList<(long, long, double)> levels,
        SlideSpacing spacing, IReadOnlyDictionary<string, string> properties)
        : base(path, vendor, levels, spacing, properties) => _pages = pages;

    public static VipsSlide Open(string path, double? spacingOverrideUm)
    {
        var pages = new List<Image>();
        try
        {
            var first = Load(path, page: null);
            pages.Add(first);
            SlideFactory.CheckDimensions(path, [(first.Width, first.Height, 1.0)]);
            int pageCount = first.Contains("n-pages") ? (int)first.Get("n-pages") : 1;
            for (int i = 1; i < pageCount; i++)
            {
                var page = Load(path, i);
                // Only pages that shrink are pyramid levels; a page of another size (label, macro) ends the pyramid.
                if (page.Width >= pages[^1].Width || page.Height >= pages[^1].Height || page.Bands != first.Bands)
                {
                    page.Dispose();
                    break;
                }
                pages.Add(page);
            }
            var levels = pages.Select(p => ((long)p.Width, (long)p.Height, first.Width / (double)p.Width)).ToArray();
            var properties = Header(first);
            var spacing = SlideSpacing.Resolve(path, spacingOverrideUm, metadataUm: null, TagSpacing(first));
            var vendor = "vips-" + (properties.TryGetValue("vips-loader", out var loader) ? loader.Replace("load", "", StringComparison.Ordinal) : "image");
            return new VipsSlide(path, vendor, pages.ToArray(), levels, spacing, properties);
        }
        catch
        {
            foreach (var p in pages) p.Dispose();
            throw;
        }
    }

    // libvips also "loads" CSV, matrix and raw text files as images; only raster image formats are slides.
    private static readonly string[] ImageLoaders = ["Jpeg", "Png", "Tiff", "Webp", "Jp2k", "Bmp"];

    private static Image Load(string path, int? page)
    {
        var loader = Image.FindLoad(path);
        if (loader is null)
            throw new InvalidInputException(path, "not a readable slide or image (no reader recognises its content)");
        if (!ImageLoaders.Any(l => loader.Contains(l, StringComparison.OrdinalIgnoreCase)))
            throw new InvalidInputException(path, "unsupported format: not a whole-slide image, TIFF, JPEG or PNG");
        try
        {
            var options = page is { } n ? new VOption { { "page", n } } : null;
            return Image.NewFromFile(path, access: Enums.Access.Random, failOn: Enums.FailOn.Error, kwargs: options);
        }
        catch (VipsException e)
        {
            throw new InvalidInputException(path, $"not a readable slide or image ({VipsLog.Explain(e.Message)})", e);
        }
    }

    // libvips reports resolution in pixels per mm whatever the file's unit; a file without resolution tags gets
    // the 1 px/mm default, which SlideSpacing rejects as implausible.
    private static double? TagSpacing(Image image) =>
        image.Xres > 0 ? SlideSpacing.FromResolution(image.Xres, "mm") : null;

    private static Dictionary<string, string> Header(Image image)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var field in image.GetFields())
        {
            if (field.EndsWith("-data", StringComparison.Ordinal) || field == "icc-profile-data") continue;
            try
            {
                var value = image.Get(field);
                if (value is string or int or double or bool) result[field] = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "";
            }
            catch (VipsException)
            {
                // Some fields (blobs, images) have no scalar value; they are not properties we expose.
            }
        }
        return result;
    }

    protected override RgbImage ReadFromBackend(int level, PixelRegion region)
    {
        var page = _pages[level];
        var inside = region.Intersect(new PixelRegion(0, 0, page.Width, page.Height));
        if (inside.Area == 0) return White(region);
        try
        {
            using var crop = page.Crop(inside.X, inside.Y, inside.Width, inside.Height);
            using var rgb = ImageFile.ToRgb8(crop);
            var pixels = new RgbImage(inside.Width, inside.Height, rgb.WriteToMemory<byte>());
            if (inside == region) return pixels;
            var result = White(region);
            result.Paste(pixels, inside.X - region.X, inside.Y - region.Y);
            return result;
        }
        catch (VipsException e)
        {
            throw new InvalidInputException(Path, $"cannot decode level {level} at {region.X},{region.Y} ({VipsLog.Explain(e.Message)})", e);
        }
    }

    private static RgbImage White(PixelRegion region)
    {
        var image = new RgbImage(region.Width, region.Height);
        Array.Fill(image.Data, (byte)255);
        return image;
    }

    protected override void DisposeBackend()
    {
        foreach (var p in _pages) p.Dispose();
    }
}
