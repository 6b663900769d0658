namespace Uga.Slides.Writing;

/// <summary>The directory entries of one pyramid page (TIFF 6.0 tag numbers).</summary>
internal static class TiffTags
{
    private const ushort NewSubfileType = 254, ImageWidth = 256, ImageLength = 257, BitsPerSample = 258,
        Compression = 259, Photometric = 262, ImageDescription = 270, SamplesPerPixel = 277, XResolution = 282,
        YResolution = 283, PlanarConfiguration = 284, ResolutionUnit = 296, Software = 305, Predictor = 317,
        TileWidth = 322, TileLength = 323, TileOffsets = 324, TileByteCounts = 325, SampleFormat = 339, YCbCrSubsampling = 530;

    private const ushort ReducedResolution = 1, MinIsBlack = 1, Rgb = 2, Contiguous = 1, Centimetre = 3, UnsignedInteger = 1, YCbCr = 6;

    public static List<TiffEntry> ForLevel(PyramidLevelWriter level, PixelKind kind, double spacingUm, bool bigTiff, PyramidalTiffOptions options, string? description)
    {
        int channels = kind.Channels();
        bool jpeg = options.TileCompression == TileCompression.Jpeg;
        // Each level halves the pixel grid, so its pixels are exactly 2^level times wider than level 0's.
        var (num, den) = Rational(10_000.0 / (spacingUm * Math.Pow(2, level.Index)));
        var entries = new List<TiffEntry>
        {
            TiffEntry.Longs(NewSubfileType, level.Index == 0 ? 0u : ReducedResolution),
            TiffEntry.Longs(ImageWidth, (uint)level.Width),
            TiffEntry.Longs(ImageLength, (uint)level.Height),
            TiffEntry.Shorts(BitsPerSample, [.. Enumerable.Repeat((ushort)8, channels)]),
            TiffEntry.Shorts(Compression, jpeg ? TileCodec.JpegCompression : TileCodec.DeflateCompression),
            TiffEntry.Shorts(Photometric, jpeg ? YCbCr : kind == PixelKind.Rgb ? Rgb : MinIsBlack),
            TiffEntry.Shorts(SamplesPerPixel, (ushort)channels),
            TiffEntry.Rationals(XResolution, num, den),
            TiffEntry.Rationals(YResolution, num, den),
            TiffEntry.Shorts(PlanarConfiguration, Contiguous),
            TiffEntry.Shorts(ResolutionUnit, Centimetre),
            TiffEntry.Text(Software, PyramidDescription.SoftwareName),
            TiffEntry.Longs(TileWidth, (uint)level.TileWidth),
            TiffEntry.Longs(TileLength, (uint)level.TileHeight),
            TiffEntry.Offsets(TileOffsets, level.TileOffsets, bigTiff),
            TiffEntry.Offsets(TileByteCounts, level.TileByteCounts, bigTiff),
            TiffEntry.Shorts(SampleFormat, [.. Enumerable.Repeat(UnsignedInteger, channels)]),
        };
        if (jpeg) entries.Add(TiffEntry.Shorts(YCbCrSubsampling, 1, 1));
        else if (options.HorizontalPredictor) entries.Add(TiffEntry.Shorts(Predictor, TileCodec.HorizontalPredictor));
        if (description is not null) entries.Add(TiffEntry.Text(ImageDescription, description));
        return entries;
    }

    /// <summary>A positive value as numerator/denominator, with as many decimal digits as fit in 32 bits.</summary>
    internal static (uint Numerator, uint Denominator) Rational(double value)
    {
        uint den = 1;
        while (den < 100_000_000 && value * den * 10 < uint.MaxValue) den *= 10;
        return ((uint)Math.Clamp(Math.Round(value * den), 1, uint.MaxValue), den);
    }
}
