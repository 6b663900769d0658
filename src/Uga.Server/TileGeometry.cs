using Uga.Imaging;

namespace Uga.Server;

/// <summary>
/// The Deep Zoom pyramid of a slide: level <see cref="MaxLevel"/> is level 0 (full resolution), each level below
/// halves it, down to one pixel; tiles of <see cref="TileSize"/> without overlap, edge tiles cut to the image.
/// </summary>
public sealed record TileGeometry(long Width, long Height)
{
    public const int TileSize = 256;

    public int MaxLevel { get; } = (int)Math.Ceiling(Math.Log2(Math.Max(1, Math.Max(Width, Height))));

    /// <summary>How many level-0 pixels one pixel of <paramref name="level"/> covers.</summary>
    public double Scale(int level) => Math.Pow(2, MaxLevel - level);

    public (long Width, long Height) LevelSize(int level)
    {
        double s = Scale(level);
        return ((long)Math.Ceiling(Width / s), (long)Math.Ceiling(Height / s));
    }

    /// <summary>The tile's pixels in its level's grid, or null when the tile does not exist.</summary>
    public PixelRegion? Tile(int level, int column, int row)
    {
        if (level < 0 || level > MaxLevel || column < 0 || row < 0) return null;
        var (w, h) = LevelSize(level);
        long x = (long)column * TileSize, y = (long)row * TileSize;
        if (x >= w || y >= h) return null;
        return new PixelRegion((int)x, (int)y, (int)Math.Min(TileSize, w - x), (int)Math.Min(TileSize, h - y));
    }

    /// <summary>The Deep Zoom descriptor (.dzi) viewers such as OpenSeadragon read.</summary>
    public string Dzi(string format) =>
        $"""<?xml version="1.0" encoding="UTF-8"?><Image xmlns="http://schemas.microsoft.com/deepzoom/2008" Format="{format}" Overlap="0" TileSize="{TileSize}"><Size Width="{Width}" Height="{Height}"/></Image>""";
}
