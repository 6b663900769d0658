using System.IO.Compression;

namespace Uga.Slides.Writing;

/// <summary>What one pixel of a written slide is, and therefore how its pyramid is reduced.</summary>
public enum PixelKind
{
    /// <summary>3 × 8-bit RGB; lower levels are 2×2 box averages.</summary>
    Rgb,

    /// <summary>1 × 8-bit continuous values (e.g. quantised uncertainty); lower levels are 2×2 box averages.</summary>
    Gray8,

    /// <summary>1 × 8-bit class indices; lower levels take the 2×2 mode, so class indices are never blended.</summary>
    Labels,
}

/// <summary>How each tile is compressed.</summary>
public enum TileCompression
{
    /// <summary>Lossless Deflate (TIFF compression 8): exact pixels, for labels, maps and reference images.</summary>
    Deflate,

    /// <summary>Lossy JPEG (TIFF compression 7, YCbCr without chroma subsampling): RGB only, ~5-10× smaller.</summary>
    Jpeg,
}

/// <summary>When the writer uses BigTIFF (64-bit offsets) instead of classic TIFF.</summary>
public enum TiffFormat
{
    /// <summary>Classic TIFF when the file is certain to stay under 4 GiB, BigTIFF otherwise.</summary>
    Auto,
    Classic,
    BigTiff,
}

public sealed record PyramidalTiffOptions
{
    /// <summary>Tile width and height in pixels; a multiple of 16 (TIFF requires it).</summary>
    public int TileSize { get; init; } = 256;

    /// <summary>Lower levels are added until the largest side is at most this many pixels.</summary>
    public int SmallestLevelSize { get; init; } = 512;

    /// <summary>
    /// Deflate effort. Optimal (zlib level 6) is the default because on real H&amp;E the fastest level barely
    /// compresses at all (see docs/benchmarks.md); label and uncertainty maps compress well at any level.
    /// </summary>
    public CompressionLevel Compression { get; init; } = CompressionLevel.Optimal;

    public TileCompression TileCompression { get; init; } = TileCompression.Deflate;

    /// <summary>JPEG quality 1..100 when <see cref="TileCompression"/> is Jpeg.</summary>
    public int JpegQuality { get; init; } = 90;

    /// <summary>Store horizontal differences (TIFF predictor 2) before Deflate: smaller files for smooth images.</summary>
    public bool HorizontalPredictor { get; init; } = true;

    public TiffFormat Format { get; init; } = TiffFormat.Auto;

    /// <summary>Names of the class indices of a <see cref="PixelKind.Labels"/> slide, index 0 first.</summary>
    public IReadOnlyList<string>? ClassNames { get; init; }

    /// <summary>How stored values map to quantities, e.g. "uncertainty = value / 255".</summary>
    public string? ValueScale { get; init; }

    /// <summary>Extra free-form fields stored in the description JSON (e.g. source, model version).</summary>
    public IReadOnlyDictionary<string, string>? Properties { get; init; }

    /// <summary>Tiles of one row are compressed in parallel on up to this many threads.</summary>
    public int MaxParallelism { get; init; } = Environment.ProcessorCount;

    public static PyramidalTiffOptions Default { get; } = new();
}

internal static class PixelKindExtensions
{
    public static int Channels(this PixelKind kind) => kind == PixelKind.Rgb ? 3 : 1;
}
