using Uga.Imaging;

namespace Uga.Phantom;

/// <summary>One rendered tile of a phantom slide.</summary>
public sealed record PhantomTile(int Column, int Row, PixelRegion Region, RgbImage Image, LabelMap Labels);

/// <summary>
/// Streams a whole phantom slide as tiles in raster order (what a streaming pyramid writer wants), rendering
/// each row of tiles in parallel. Memory is one row of tiles, whatever the slide size.
/// </summary>
public static class PhantomTiling
{
    public static IEnumerable<PhantomTile> Tiles(PhantomSlide slide, int tileSize, CancellationToken cancellation = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tileSize, 16);
        int columns = (slide.Width + tileSize - 1) / tileSize, rows = (slide.Height + tileSize - 1) / tileSize;
        for (int row = 0; row < rows; row++)
        {
            var tiles = new PhantomTile[columns];
            int r = row;
            Parallel.For(0, columns, new ParallelOptions { CancellationToken = cancellation }, column =>
            {
                int x = column * tileSize, y = r * tileSize;
                var region = new PixelRegion(x, y, Math.Min(tileSize, slide.Width - x), Math.Min(tileSize, slide.Height - y));
                var (image, labels) = slide.RenderRegion(region);
                tiles[column] = new PhantomTile(column, r, region, image, labels);
            });
            foreach (var tile in tiles) yield return tile;
        }
    }
}

/// <summary>Pixel counts per class, accumulated tile by tile, for the tissue and tumour fractions of a case.</summary>
public sealed class LabelCounts
{
    private readonly long[] _counts = new long[256];

    public long Total { get; private set; }

    public void Add(LabelMap labels)
    {
        foreach (var v in labels.Data) _counts[v]++;
        Total += labels.Data.Length;
    }

    public long this[byte label] => _counts[label];

    /// <summary>Fraction of all pixels that are tissue (benign or tumour).</summary>
    public double TissueFraction => Total == 0 ? 0 : (double)(_counts[PhantomSpec.Benign] + _counts[PhantomSpec.Tumour]) / Total;

    /// <summary>Fraction of all pixels that are tumour.</summary>
    public double TumourFraction => Total == 0 ? 0 : (double)_counts[PhantomSpec.Tumour] / Total;
}
