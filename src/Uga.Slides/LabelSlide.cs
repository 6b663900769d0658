using NetVips;
using Uga.Imaging;

namespace Uga.Slides;

/// <summary>
/// A label map stored as a slide (the label TIFFs `uga data montage`, the phantoms and display maps write): level 0
/// read a region at a time as class indices, never converted to colour. The one place Uga reads such files.
/// </summary>
public sealed class LabelSlide
{
    static LabelSlide() => VipsLog.Capture();   // libvips warnings into the error line, not raw to stderr

    private LabelSlide(string path, int width, int height, double? spacingUm)
    {
        Path = path;
        Width = width;
        Height = height;
        SpacingUm = spacingUm;
    }

    public string Path { get; }
    public int Width { get; }
    public int Height { get; }

    /// <summary>µm/px of level 0 from the TIFF resolution tags; null when the file does not say.</summary>
    public double? SpacingUm { get; }

    public static LabelSlide Open(string path)
    {
        if (!File.Exists(path)) throw new InvalidInputException(path, "label slide not found");
        try
        {
            using var image = Image.Tiffload(path, page: 0);
            // TIFF resolution is pixels per millimetre (libvips' unit), so µm/px = 1000 / xres; 1 means "not set".
            double xres = image.Xres;
            double? spacing = xres > 0 && double.IsFinite(xres) && Math.Abs(xres - 1) > 1e-9 ? 1000.0 / xres : null;
            return new LabelSlide(path, image.Width, image.Height, spacing);
        }
        catch (VipsException e)
        {
            throw new InvalidInputException(path, $"cannot read label slide ({VipsLog.Explain(e.Message)})", e);
        }
    }

    /// <summary>Labels of <paramref name="region"/> in level-0 pixels; the part outside the slide is <paramref name="outside"/>.</summary>
    public LabelMap Read(PixelRegion region, byte outside = LabelMap.Ignore)
    {
        var result = new LabelMap(region.Width, region.Height);
        Array.Fill(result.Data, outside);
        var inside = region.Intersect(new PixelRegion(0, 0, Width, Height));
        if (inside.Width <= 0 || inside.Height <= 0) return result;
        using var image = Image.Tiffload(Path, page: 0);
        using var band = image.Bands > 1 ? image.ExtractBand(0) : image.Copy();
        using var crop = band.Crop(inside.X, inside.Y, inside.Width, inside.Height);
        result.Paste(new LabelMap(inside.Width, inside.Height, crop.WriteToMemory<byte>()), inside.X - region.X, inside.Y - region.Y);
        return result;
    }
}
