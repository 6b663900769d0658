using SkiaSharp;
using Uga.Imaging;
using Uga.Slides;

namespace Uga.Server;

/// <summary>Deep Zoom tiles of a slide, read through Uga.Slides from the level of the slide's own pyramid nearest at or above the tile's resolution.</summary>
public static class SlideTiles
{
    public static byte[] Render(Slide slide, TileGeometry geometry, int level, PixelRegion tile)
    {
        double spacing = slide.Spacing * geometry.Scale(level);
        var rgb = slide.ReadRegion(spacing, tile);
        return Jpeg(rgb);
    }

    public static byte[] Jpeg(RgbImage image, int quality = 85)
    {
        using var bitmap = SkiaImages.ToBitmap(image);
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, quality);
        return data.ToArray();
    }

    /// <summary>RGBA pixels (4 bytes each, row-major) as PNG.</summary>
    public static byte[] Png(byte[] rgba, int width, int height)
    {
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        System.Runtime.InteropServices.Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
