using NetVips;

namespace Uga.Imaging;

/// <summary>
/// Resizing between spacings. Images use libvips' anti-aliased reduce (so shrinking a 40x image to 20x does
/// not alias nuclei); labels use nearest neighbour so class indices are never blended.
/// </summary>
public static class Resample
{
    /// <summary>Scale factor that takes an image at <paramref name="fromSpacing"/> µm/px to <paramref name="toSpacing"/> µm/px.</summary>
    public static double Factor(double fromSpacing, double toSpacing) => fromSpacing / toSpacing;

    /// <summary>Size of a <paramref name="size"/>-pixel extent after scaling by <paramref name="factor"/>, at least 1.</summary>
    public static int Scaled(int size, double factor) => Math.Max(1, (int)Math.Round(size * factor));

    public static RgbImage Rgb(RgbImage image, int width, int height)
    {
        if (width == image.Width && height == image.Height) return image;
        using var v = ImageFile.ToVips(image);
        using var r = v.Resize(width / (double)image.Width, vscale: height / (double)image.Height, kernel: Enums.Kernel.Linear);
        using var fixedSize = FitExactly(r, width, height);
        return new RgbImage(width, height, fixedSize.WriteToMemory<byte>());
    }

    public static LabelMap Labels(LabelMap labels, int width, int height)
    {
        if (width == labels.Width && height == labels.Height) return labels;
        var result = new LabelMap(width, height);
        double sx = labels.Width / (double)width, sy = labels.Height / (double)height;
        for (int y = 0; y < height; y++)
        {
            int srcY = Math.Min(labels.Height - 1, (int)((y + 0.5) * sy));
            int srcRow = srcY * labels.Width, dstRow = y * width;
            for (int x = 0; x < width; x++)
                result.Data[dstRow + x] = labels.Data[srcRow + Math.Min(labels.Width - 1, (int)((x + 0.5) * sx))];
        }
        return result;
    }

    public static FloatMap Floats(FloatMap map, int width, int height)
    {
        if (width == map.Width && height == map.Height) return map;
        using var v = ImageFile.ToVips(map);
        using var r = v.Resize(width / (double)map.Width, vscale: height / (double)map.Height, kernel: Enums.Kernel.Linear);
        using var fixedSize = FitExactly(r, width, height);
        return new FloatMap(width, height, fixedSize.WriteToMemory<float>());
    }

    // libvips may round the output size by one pixel; pad or crop to exactly the size asked for.
    private static Image FitExactly(Image image, int width, int height) =>
        image.Width == width && image.Height == height
            ? image.Copy()
            : image.Embed(0, 0, width, height, extend: Enums.Extend.Copy);
}
