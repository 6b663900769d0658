using Uga.Imaging;

namespace Uga.Ranking;

/// <summary>
/// Summed-area table: the sum over any rectangle in four look-ups, so tissue fractions, error counts and colour
/// means of thousands of overlapping patches cost one pass over the raster instead of one pass per patch.
/// </summary>
public sealed class IntegralImage
{
    private readonly double[] _table; // (Width + 1) × (Height + 1), first row and column zero

    private IntegralImage(int width, int height, Func<int, double> valueAt)
    {
        Width = width;
        Height = height;
        int stride = width + 1;
        _table = new double[stride * (height + 1)];
        for (int y = 0; y < height; y++)
        {
            double rowSum = 0;
            int src = y * width, above = y * stride, here = (y + 1) * stride;
            for (int x = 0; x < width; x++)
            {
                rowSum += valueAt(src + x);
                _table[here + x + 1] = _table[above + x + 1] + rowSum;
            }
        }
    }

    public int Width { get; }
    public int Height { get; }

    public static IntegralImage Of(FloatMap map) =>
        new(map.Width, map.Height, i => float.IsNaN(map.Data[i]) ? 0 : map.Data[i]);

    /// <summary>Counts pixels where <paramref name="include"/> holds (1 or 0 per pixel).</summary>
    public static IntegralImage OfMask(LabelMap mask, Func<byte, bool> include) =>
        new(mask.Width, mask.Height, i => include(mask.Data[i]) ? 1 : 0);

    public static IntegralImage OfChannel(RgbImage image, int channel) =>
        new(image.Width, image.Height, i => image.Data[(i * 3) + channel]);

    /// <summary>Sum over the part of <paramref name="region"/> inside the raster (outside contributes nothing).</summary>
    public double Sum(PixelRegion region)
    {
        var r = region.Intersect(new PixelRegion(0, 0, Width, Height));
        if (r.Width <= 0 || r.Height <= 0) return 0;
        int stride = Width + 1;
        int top = r.Y * stride, bottom = r.Bottom * stride;
        return _table[bottom + r.Right] - _table[top + r.Right] - _table[bottom + r.X] + _table[top + r.X];
    }
}
