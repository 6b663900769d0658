namespace Uga.Imaging;

/// <summary>A rectangle in pixel coordinates of some image or level.</summary>
public readonly record struct PixelRegion(int X, int Y, int Width, int Height)
{
    public int Right => X + Width;
    public int Bottom => Y + Height;
    public long Area => (long)Width * Height;

    public bool Contains(PixelRegion other) =>
        other.X >= X && other.Y >= Y && other.Right <= Right && other.Bottom <= Bottom;

    public PixelRegion Intersect(PixelRegion other)
    {
        int x0 = Math.Max(X, other.X), y0 = Math.Max(Y, other.Y);
        int x1 = Math.Min(Right, other.Right), y1 = Math.Min(Bottom, other.Bottom);
        return x1 <= x0 || y1 <= y0 ? new PixelRegion(x0, y0, 0, 0) : new PixelRegion(x0, y0, x1 - x0, y1 - y0);
    }
}

/// <summary>
/// A dense, row-major, channel-interleaved raster. The named subclasses (RgbImage, LabelMap, FloatMap) give the
/// domain meaning; this base owns the indexing, cropping and pasting so they are written once.
/// </summary>
public abstract class Raster<T> where T : unmanaged
{
    protected Raster(int width, int height, int channels, T[]? data)
    {
        if (width <= 0 || height <= 0)
            throw new ArgumentOutOfRangeException(nameof(width), $"raster size must be positive, got {width}x{height}");
        if ((long)width * height * channels > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(width), $"raster {width}x{height}x{channels} is too large to hold in memory");
        Width = width;
        Height = height;
        Channels = channels;
        Data = data ?? new T[width * height * channels];
        if (Data.Length != width * height * channels)
            throw new ArgumentException($"data length {Data.Length} does not match {width}x{height}x{channels}", nameof(data));
    }

    public int Width { get; }
    public int Height { get; }
    public int Channels { get; }
    public T[] Data { get; }
    public long PixelCount => (long)Width * Height;

    public int Index(int x, int y) => ((y * Width) + x) * Channels;

    /// <summary>Copies <paramref name="region"/> into <paramref name="target"/>; parts outside this raster are left as they are.</summary>
    protected void CopyRegionTo(PixelRegion region, Raster<T> target)
    {
        var inside = region.Intersect(new PixelRegion(0, 0, Width, Height));
        for (int y = inside.Y; y < inside.Bottom; y++)
        {
            var src = Data.AsSpan(Index(inside.X, y), inside.Width * Channels);
            src.CopyTo(target.Data.AsSpan(target.Index(inside.X - region.X, y - region.Y)));
        }
    }

    /// <summary>Writes <paramref name="source"/> with its top-left corner at (x, y), clipped to this raster.</summary>
    public void Paste(Raster<T> source, int x, int y)
    {
        if (source.Channels != Channels)
            throw new ArgumentException($"cannot paste {source.Channels}-channel raster into {Channels}-channel raster", nameof(source));
        var inside = new PixelRegion(x, y, source.Width, source.Height).Intersect(new PixelRegion(0, 0, Width, Height));
        for (int yy = inside.Y; yy < inside.Bottom; yy++)
        {
            var src = source.Data.AsSpan(source.Index(inside.X - x, yy - y), inside.Width * Channels);
            src.CopyTo(Data.AsSpan(Index(inside.X, yy)));
        }
    }
}

/// <summary>8-bit RGB pixels, interleaved.</summary>
public sealed class RgbImage(int width, int height, byte[]? data = null) : Raster<byte>(width, height, 3, data)
{
    /// <summary>The region as a new image; outside the image it is filled with <paramref name="fill"/> (white glass by default).</summary>
    public RgbImage Crop(PixelRegion region, byte fill = 255)
    {
        var result = new RgbImage(region.Width, region.Height);
        if (fill != 0) Array.Fill(result.Data, fill);
        CopyRegionTo(region, result);
        return result;
    }
}

/// <summary>One class index per pixel (0 = background by convention).</summary>
public sealed class LabelMap(int width, int height, byte[]? data = null) : Raster<byte>(width, height, 1, data)
{
    /// <summary>Pixels with this value are ignored by losses and metrics.</summary>
    public const byte Ignore = 255;

    public byte this[int x, int y]
    {
        get => Data[(y * Width) + x];
        set => Data[(y * Width) + x] = value;
    }

    public LabelMap Crop(PixelRegion region, byte fill = 0)
    {
        var result = new LabelMap(region.Width, region.Height);
        if (fill != 0) Array.Fill(result.Data, fill);
        CopyRegionTo(region, result);
        return result;
    }

    /// <summary>Largest label value present, ignoring <see cref="Ignore"/>.</summary>
    public int MaxLabel()
    {
        int max = 0;
        foreach (var v in Data)
            if (v != Ignore && v > max) max = v;
        return max;
    }
}

/// <summary>One float per pixel: an uncertainty map, a probability, a distance.</summary>
public sealed class FloatMap(int width, int height, float[]? data = null) : Raster<float>(width, height, 1, data)
{
    public float this[int x, int y]
    {
        get => Data[(y * Width) + x];
        set => Data[(y * Width) + x] = value;
    }

    public FloatMap Crop(PixelRegion region)
    {
        var result = new FloatMap(region.Width, region.Height);
        CopyRegionTo(region, result);
        return result;
    }

    public float Max()
    {
        float max = float.NegativeInfinity;
        foreach (var v in Data)
            if (v > max) max = v;
        return max;
    }
}
