using SkiaSharp;

namespace Uga.Imaging;

/// <summary>Conversions between <see cref="RgbImage"/> and SkiaSharp bitmaps, for drawing boxes, text and colour bars.</summary>
public static class SkiaImages
{
    /// <summary>An opaque RGBA bitmap with the image's pixels; the caller disposes it.</summary>
    public static SKBitmap ToBitmap(RgbImage image)
    {
        var bitmap = new SKBitmap(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        var rgba = new byte[image.Width * image.Height * 4];
        for (int i = 0, n = image.Width * image.Height; i < n; i++)
        {
            rgba[4 * i] = image.Data[3 * i];
            rgba[(4 * i) + 1] = image.Data[(3 * i) + 1];
            rgba[(4 * i) + 2] = image.Data[(3 * i) + 2];
            rgba[(4 * i) + 3] = 255;
        }
        System.Runtime.InteropServices.Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        return bitmap;
    }

    /// <summary>The RGB channels of an RGBA8888 bitmap (drawn on an opaque background, so alpha is dropped).</summary>
    public static RgbImage FromBitmap(SKBitmap bitmap)
    {
        var image = new RgbImage(bitmap.Width, bitmap.Height);
        var pixels = bitmap.GetPixelSpan();
        for (int i = 0, n = bitmap.Width * bitmap.Height; i < n; i++)
        {
            image.Data[3 * i] = pixels[4 * i];
            image.Data[(3 * i) + 1] = pixels[(4 * i) + 1];
            image.Data[(3 * i) + 2] = pixels[(4 * i) + 2];
        }
        return image;
    }
}
