using NetVips;
using Uga.Imaging;

namespace Uga.Slides.Tissue;

/// <summary>
/// Tissue masks on disk: an 8-bit PNG, 255 = tissue and 0 = glass (visible in any viewer), whose pHYs resolution
/// records the spacing so <see cref="Load"/> gets it back. Plus the outlined thumbnail for a person to check.
/// </summary>
public static class TissueMaskFile
{
    /// <summary>Outline colour on thumbnails: pure green is absent from H&amp;E, so it stands out on pink and purple.</summary>
    public static readonly byte[] OutlineColour = [0, 230, 0];

    public static void Save(TissueMask mask, string path)
    {
        var visible = new byte[mask.Mask.Data.Length];
        for (int i = 0; i < visible.Length; i++) visible[i] = mask.Mask.Data[i] != 0 ? (byte)255 : (byte)0;
        double pixelsPerMm = 1000 / mask.Spacing;
        using var image = Image.NewFromMemory(visible, mask.Width, mask.Height, 1, Enums.BandFormat.Uchar);
        using var withResolution = image.Copy(xres: pixelsPerMm, yres: pixelsPerMm);
        AtomicFile.Write(path, tmp =>
        {
            var bytes = withResolution.PngsaveBuffer(compression: 6);
            File.WriteAllBytes(tmp, bytes);
        });
    }

    /// <summary>Reads a mask written by <see cref="Save"/>; <paramref name="spacingUm"/> overrides the stored spacing.</summary>
    public static TissueMask Load(string path, double? spacingUm = null)
    {
        var labels = ImageFile.ReadLabels(path);
        double spacing = spacingUm ?? StoredSpacing(path);
        return new TissueMask(labels, spacing);
    }

    private static double StoredSpacing(string path)
    {
        using var image = Image.NewFromFile(path);
        var spacing = image.Xres > 0 ? 1000 / image.Xres : double.NaN;
        if (!SlideSpacing.IsPlausible(spacing))
            throw new InvalidInputException(path, "tissue mask has no spacing in its resolution tags; pass the mask spacing");
        return spacing;
    }

    /// <summary>A copy of <paramref name="image"/> (at the mask's spacing) with the tissue boundary drawn 2 px wide.</summary>
    public static RgbImage Outline(RgbImage image, TissueMask mask)
    {
        if (image.Width != mask.Width || image.Height != mask.Height)
            throw new ArgumentException($"image {image.Width}x{image.Height} does not match mask {mask.Width}x{mask.Height}", nameof(image));
        var result = new RgbImage(image.Width, image.Height, (byte[])image.Data.Clone());
        var m = mask.Mask;
        for (int y = 0; y < m.Height; y++)
        {
            for (int x = 0; x < m.Width; x++)
            {
                if (!IsEdge(m, x, y)) continue;
                OutlineColour.CopyTo(result.Data.AsSpan(result.Index(x, y)));
            }
        }
        return result;
    }

    // A pixel is on the boundary if it and a pixel within 1 px (8-neighbourhood) differ: this marks both sides,
    // giving a 2 px line that stays visible when the thumbnail is shown scaled down.
    private static bool IsEdge(LabelMap m, int x, int y)
    {
        byte v = m[x, y];
        for (int dy = -1; dy <= 1; dy++)
        {
            for (int dx = -1; dx <= 1; dx++)
            {
                int nx = x + dx, ny = y + dy;
                if (nx >= 0 && ny >= 0 && nx < m.Width && ny < m.Height && m[nx, ny] != v) return true;
            }
        }
        return false;
    }
}
