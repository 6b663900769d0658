using System.Buffers;
using System.IO.Compression;

namespace Uga.Slides.Writing;

/// <summary>
/// Cuts one tile out of a band of rows and encodes it: TIFF Deflate (compression 8), by default with horizontal
/// differencing (predictor 2), which makes smooth tissue and flat label areas compress far better; or, for RGB,
/// a self-contained JPEG stream per tile (compression 7, no JPEGTables needed).
/// </summary>
internal static class TileCodec
{
    public const ushort DeflateCompression = 8, JpegCompression = 7;
    public const ushort HorizontalPredictor = 2;

    /// <summary>
    /// Encodes one tile into a buffer rented from <see cref="ArrayPool{T}.Shared"/> (release it after writing):
    /// tiles are larger than the large-object threshold, and allocating them fresh makes the GC heap balloon.
    /// </summary>
    public static EncodedTile Encode(byte[] band, int bandWidth, int bandRows, int channels, int tileColumn,
        int tileWidth, int tileHeight, PyramidalTiffOptions options)
    {
        int x0 = tileColumn * tileWidth;
        int width = Math.Min(tileWidth, bandWidth - x0);
        int rowBytes = tileWidth * channels, tileBytes = rowBytes * tileHeight;
        bool jpeg = options.TileCompression == TileCompression.Jpeg;
        var tile = ArrayPool<byte>.Shared.Rent(tileBytes);
        try
        {
            // TIFF tiles are always full size. Readers clip the outside away; for Deflate it stays zero (compresses
            // to nothing), for JPEG it repeats the edge so no hard edge rings back into the real pixels.
            Array.Clear(tile, 0, tileBytes);
            for (int y = 0; y < bandRows; y++)
            {
                var row = tile.AsSpan(y * rowBytes, rowBytes);
                band.AsSpan(((y * bandWidth) + x0) * channels, width * channels).CopyTo(row);
                if (jpeg) RepeatLastPixel(row, width, channels);
                else if (options.HorizontalPredictor) Difference(row, channels);
            }
            if (jpeg)
            {
                for (int y = bandRows; y < tileHeight; y++)
                    tile.AsSpan((bandRows - 1) * rowBytes, rowBytes).CopyTo(tile.AsSpan(y * rowBytes));
                return EncodeJpeg(tile, tileWidth, tileHeight, channels, options.JpegQuality);
            }
            var output = ArrayPool<byte>.Shared.Rent(WorstCaseSize(tileBytes));
            using var stream = new MemoryStream(output, 0, output.Length, writable: true);
            using (var z = new ZLibStream(stream, options.Compression, leaveOpen: true))
                z.Write(tile, 0, tileBytes);
            return new EncodedTile(output, (int)stream.Position, Pooled: true);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(tile);
        }
    }

    /// <summary>zlib's own bound (compressBound) plus slack: Deflate falls back to stored blocks on noise.</summary>
    public static int WorstCaseSize(int bytes) => bytes + (bytes >> 12) + (bytes >> 14) + 1024;

    private static EncodedTile EncodeJpeg(byte[] tile, int tileWidth, int tileHeight, int channels, int quality)
    {
        // No chroma subsampling, so the TIFF can declare YCbCrSubsampling 1,1 and every reader agrees on it.
        using var image = NetVips.Image.NewFromMemory(tile, tileWidth, tileHeight, channels, NetVips.Enums.BandFormat.Uchar);
        var bytes = image.JpegsaveBuffer(q: quality, subsampleMode: NetVips.Enums.ForeignSubsample.Off);
        return new EncodedTile(bytes, bytes.Length, Pooled: false);
    }

    private static void RepeatLastPixel(Span<byte> row, int width, int channels)
    {
        var last = row.Slice((width - 1) * channels, channels);
        for (int x = width; x < row.Length / channels; x++)
            last.CopyTo(row[(x * channels)..]);
    }

    // Predictor 2: each sample minus the same sample of the pixel to its left, right to left so it runs in place.
    private static void Difference(Span<byte> row, int channels)
    {
        for (int i = row.Length - 1; i >= channels; i--)
            row[i] -= row[i - channels];
    }
}

/// <summary>An encoded tile in a pooled buffer; only the first <see cref="Length"/> bytes are the tile.</summary>
internal readonly record struct EncodedTile(byte[] Buffer, int Length, bool Pooled)
{
    public ReadOnlySpan<byte> Bytes => Buffer.AsSpan(0, Length);

    public void Release()
    {
        if (Pooled) ArrayPool<byte>.Shared.Return(Buffer);
    }
}

/// <summary>2×2 reductions from one pyramid level to the next; odd edges reuse their last row or column.</summary>
internal static class Reduce
{
    /// <summary>Box average with rounding: for RGB and continuous grey values.</summary>
    public static void Mean(byte[] src, int width, int rows, int channels, byte[] dst)
    {
        int outWidth = (width + 1) / 2, outRows = (rows + 1) / 2;
        for (int y = 0; y < outRows; y++)
        {
            int r0 = 2 * y * width, r1 = Math.Min((2 * y) + 1, rows - 1) * width;
            int o = y * outWidth * channels;
            for (int x = 0; x < outWidth; x++)
            {
                int c0 = 2 * x, c1 = Math.Min(c0 + 1, width - 1);
                int a = (r0 + c0) * channels, b = (r0 + c1) * channels, c = (r1 + c0) * channels, d = (r1 + c1) * channels;
                for (int k = 0; k < channels; k++)
                    dst[o++] = (byte)((src[a + k] + src[b + k] + src[c + k] + src[d + k] + 2) >> 2);
            }
        }
    }

    /// <summary>
    /// Most frequent of the four class indices (ties go to the top-left pixel's value), so a label pyramid only
    /// ever contains indices that occur at full resolution.
    /// </summary>
    public static void Mode(byte[] src, int width, int rows, byte[] dst)
    {
        int outWidth = (width + 1) / 2, outRows = (rows + 1) / 2;
        for (int y = 0; y < outRows; y++)
        {
            int r0 = 2 * y * width, r1 = Math.Min((2 * y) + 1, rows - 1) * width;
            int o = y * outWidth;
            for (int x = 0; x < outWidth; x++)
            {
                int c0 = 2 * x, c1 = Math.Min(c0 + 1, width - 1);
                dst[o++] = Mode4(src[r0 + c0], src[r0 + c1], src[r1 + c0], src[r1 + c1]);
            }
        }
    }

    internal static byte Mode4(byte a, byte b, byte c, byte d)
    {
        if (a == b || a == c || a == d) return a;
        if (b == c || b == d) return b;
        return c == d ? c : a;
    }
}
