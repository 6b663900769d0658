using Uga.Imaging;

namespace Uga.Slides.Writing;

/// <summary>
/// Streams a tiled, Deflate-compressed pyramidal TIFF (levels as successive pages, reduced ones marked
/// NewSubfileType = 1, the layout OpenSlide's generic-tiff reader and libvips expect). The caller hands over the
/// full-resolution pixels top to bottom, as rows, rows of tiles, or tiles in raster order; the lower levels are
/// built on the fly, so memory stays at about two bands of one tile height, whatever the image size.
/// The file is written under a temporary name and renamed on <see cref="Complete"/>; disposing without
/// completing deletes it, so an interrupted run leaves nothing under the final name.
/// One producer thread writes; tiles of a row are compressed in parallel inside.
/// </summary>
public sealed class PyramidalTiffWriter : IDisposable
{
    /// <summary>Largest accepted width or height: 1 Mi px is 26 cm at 0.25 µm/px, beyond any glass slide.</summary>
    public const int MaxDimension = 1 << 20;

    private readonly string _tempPath;
    private readonly TiffFile _file;
    private readonly PyramidLevelWriter[] _levels;
    private readonly PyramidalTiffOptions _options;
    private int _nextTileColumn;
    private bool _completed;
    private bool _disposed;

    private PyramidalTiffWriter(string path, int width, int height, PixelKind kind, double spacingUm, PyramidalTiffOptions options)
    {
        Path = path;
        Kind = kind;
        SpacingUm = spacingUm;
        _options = options;
        var sizes = LevelSizes(width, height, options.SmallestLevelSize);
        IsBigTiff = options.Format switch
        {
            TiffFormat.BigTiff => true,
            TiffFormat.Classic => false,
            _ => WorstCaseFileSize(sizes, options.TileSize, kind.Channels()) > uint.MaxValue,
        };
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        _tempPath = AtomicFile.TempPathFor(path);
        _file = new TiffFile(_tempPath, IsBigTiff);
        try
        {
            _levels = new PyramidLevelWriter[sizes.Count];
            for (int i = sizes.Count - 1; i >= 0; i--)
            {
                var next = i + 1 < sizes.Count ? _levels[i + 1] : null;
                _levels[i] = new PyramidLevelWriter(i, sizes[i].Width, sizes[i].Height, kind, _file, next, options);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Starts writing <paramref name="path"/>; pixels follow through the Write methods.</summary>
    public static PyramidalTiffWriter Create(string path, int width, int height, PixelKind kind, double spacingUm,
        PyramidalTiffOptions? options = null)
    {
        options ??= PyramidalTiffOptions.Default;
        if (width <= 0 || height <= 0 || width > MaxDimension || height > MaxDimension)
            throw new ArgumentOutOfRangeException(nameof(width), $"{path}: slide size {width}x{height} px is outside 1..{MaxDimension} px");
        if (!double.IsFinite(spacingUm) || spacingUm < 1e-3 || spacingUm > 1e5)
            throw new ArgumentOutOfRangeException(nameof(spacingUm), $"{path}: spacing {spacingUm} µm/px is outside 0.001..100000");
        if (options.TileSize < 16 || options.TileSize > 4096 || options.TileSize % 16 != 0)
            throw new ArgumentOutOfRangeException(nameof(options), $"tile size {options.TileSize} must be a multiple of 16 between 16 and 4096");
        if (options.TileCompression == TileCompression.Jpeg && (kind != PixelKind.Rgb || options.JpegQuality is < 1 or > 100))
            throw new ArgumentException($"JPEG tiles need RGB pixels and a quality of 1..100 (got {kind}, {options.JpegQuality}); labels and maps must stay lossless", nameof(options));
        if (options.SmallestLevelSize < 1)
            throw new ArgumentOutOfRangeException(nameof(options), $"smallest level size {options.SmallestLevelSize} must be positive");
        return new PyramidalTiffWriter(path, width, height, kind, spacingUm, options);
    }

    /// <summary>Writes a whole in-memory RGB image as a pyramidal slide.</summary>
    public static void Write(string path, RgbImage image, double spacingUm, PyramidalTiffOptions? options = null)
    {
        using var writer = Create(path, image.Width, image.Height, PixelKind.Rgb, spacingUm, options);
        writer.WriteRows(image);
        writer.Complete();
    }

    /// <summary>Writes a whole in-memory label map (or, with <see cref="PixelKind.Gray8"/>, grey values).</summary>
    public static void Write(string path, LabelMap labels, double spacingUm, PyramidalTiffOptions? options = null,
        PixelKind kind = PixelKind.Labels)
    {
        if (kind == PixelKind.Rgb) throw new ArgumentException("a label map has one channel; use Labels or Gray8", nameof(kind));
        using var writer = Create(path, labels.Width, labels.Height, kind, spacingUm, options);
        writer.WriteRows(labels);
        writer.Complete();
    }

    /// <summary>Smallest tile side TIFF allows (tile sides are multiples of 16).</summary>
    public const int MinTileSide = 16;

    /// <summary>
    /// Sizes of the pyramid levels: each half the previous (rounded up) until the largest side is at most
    /// <paramref name="smallest"/>, or until the next level would be narrower than one <see cref="MinTileSide"/> tile.
    /// </summary>
    public static IReadOnlyList<(int Width, int Height)> LevelSizes(int width, int height, int smallest = 512)
    {
        var sizes = new List<(int, int)> { (width, height) };
        while (Math.Max(width, height) > smallest && Math.Min((width + 1) / 2, (height + 1) / 2) >= MinTileSide)
        {
            width = (width + 1) / 2;
            height = (height + 1) / 2;
            sizes.Add((width, height));
        }
        return sizes;
    }

    /// <summary>
    /// The tile a page of <paramref name="width"/>×<paramref name="height"/> is stored with: <paramref name="tileSize"/>,
    /// shrunk per side (to a multiple of 16) so it is never larger than the page. OpenSlide reads tiles through
    /// libtiff's TIFFRGBAImageGet, which (libtiff ≥ 4.5) re-lays out a request larger than the whole image, so a
    /// page smaller than its tile comes back as garbage or white through OpenSlide (libvips' tiffload is unaffected).
    /// </summary>
    public static (int Width, int Height) PageTileSize(int width, int height, int tileSize) =>
        (Side(width, tileSize), Side(height, tileSize));

    private static int Side(int size, int tileSize) => Math.Min(tileSize, Math.Max(MinTileSide, size / 16 * 16));

    public string Path { get; }
    public PixelKind Kind { get; }
    public double SpacingUm { get; }
    public bool IsBigTiff { get; }
    public int Width => _levels[0].Width;
    public int Height => _levels[0].Height;
    public int TileSize => _options.TileSize;
    /// <summary>Columns of the grid <see cref="WriteTile"/> takes (<see cref="TileSize"/> tiles; the page may store smaller ones).</summary>
    public int TileColumns => (Width + TileSize - 1) / TileSize;

    /// <summary>Rows of the grid <see cref="WriteTile"/> and <see cref="WriteTileRow"/> take.</summary>
    public int TileRows => (Height + TileSize - 1) / TileSize;
    public int LevelCount => _levels.Length;
    public int BytesPerPixel => Kind.Channels();

    /// <summary>Full-resolution rows received so far.</summary>
    public int RowsWritten => _levels[0].RowsDone;

    public (int Width, int Height) LevelSize(int level) => (_levels[level].Width, _levels[level].Height);

    /// <summary>Where tile (<paramref name="column"/>, <paramref name="row"/>) lies; edge tiles are clipped to the image.</summary>
    public PixelRegion TileRegion(int column, int row)
    {
        int x = column * TileSize, y = row * TileSize;
        return new PixelRegion(x, y, Math.Min(TileSize, Width - x), Math.Min(TileSize, Height - y));
    }

    /// <summary>Appends whole full-resolution rows (any number, top to bottom), interleaved, <see cref="BytesPerPixel"/> bytes per pixel.</summary>
    public void WriteRows(ReadOnlySpan<byte> pixels)
    {
        EnsureWritable();
        if (_nextTileColumn != 0)
            throw new InvalidOperationException($"{Path}: tile row {RowsWritten / TileSize} is half written with WriteTile; finish it before writing rows");
        long rowBytes = (long)Width * BytesPerPixel;
        if (pixels.Length % rowBytes != 0)
            throw new ArgumentException($"{Path}: {pixels.Length} bytes is not a whole number of {Width}-pixel rows ({rowBytes} bytes each)", nameof(pixels));
        long rows = pixels.Length / rowBytes;
        if (rows > Height - RowsWritten)
            throw new ArgumentException($"{Path}: {rows} rows given but only {Height - RowsWritten} of {Height} remain", nameof(pixels));
        _levels[0].AppendRows(pixels);
    }

    /// <summary>Appends a strip of full-width rows held in a raster (an <see cref="RgbImage"/> or a <see cref="LabelMap"/>).</summary>
    public void WriteRows(Raster<byte> strip)
    {
        if (strip.Width != Width || strip.Channels != BytesPerPixel)
            throw new ArgumentException($"{Path}: a strip must be {Width} px wide with {BytesPerPixel} channel(s), got {strip.Width} px with {strip.Channels}", nameof(strip));
        WriteRows(strip.Data);
    }

    /// <summary>Appends tile row <paramref name="row"/>: all its image rows, full width (the last tile row may be shorter).</summary>
    public void WriteTileRow(int row, ReadOnlySpan<byte> pixels)
    {
        EnsureWritable();
        int expected = ExpectedTileRow();
        if (row != expected || _nextTileColumn != 0)
            throw new InvalidOperationException($"{Path}: tile row {row} written out of order; expected tile row {expected}");
        var region = TileRegion(0, row);
        long bytes = (long)Width * region.Height * BytesPerPixel;
        if (pixels.Length != bytes)
            throw new ArgumentException($"{Path}: tile row {row} must be {Width}x{region.Height} px = {bytes} bytes, got {pixels.Length}", nameof(pixels));
        _levels[0].AppendRows(pixels);
    }

    /// <summary>
    /// Writes one tile, in raster order (left to right, then top to bottom). <paramref name="pixels"/> covers
    /// exactly <see cref="TileRegion"/> of that tile: edge tiles are smaller, not padded.
    /// </summary>
    public void WriteTile(int column, int row, ReadOnlySpan<byte> pixels)
    {
        EnsureWritable();
        int expectedRow = ExpectedTileRow();
        if (row != expectedRow || column != _nextTileColumn)
            throw new InvalidOperationException($"{Path}: tile ({column}, {row}) written out of order; expected tile ({_nextTileColumn}, {expectedRow})");
        var region = TileRegion(column, row);
        int rowBytes = region.Width * BytesPerPixel;
        if (pixels.Length != rowBytes * region.Height)
            throw new ArgumentException($"{Path}: tile ({column}, {row}) must be {region.Width}x{region.Height} px = {rowBytes * region.Height} bytes, got {pixels.Length}", nameof(pixels));
        var band = _levels[0].BandRows(0, region.Height);
        int bandRowBytes = Width * BytesPerPixel;
        for (int y = 0; y < region.Height; y++)
            pixels.Slice(y * rowBytes, rowBytes).CopyTo(band[((y * bandRowBytes) + (region.X * BytesPerPixel))..]);
        if (++_nextTileColumn < TileColumns) return;
        _nextTileColumn = 0;
        _levels[0].MarkRowsFilled(region.Height);
    }

    /// <summary>Writes the directories and renames the file to its final name. Every row must have been written.</summary>
    public void Complete()
    {
        EnsureWritable();
        if (RowsWritten != Height)
            throw new InvalidOperationException($"{Path}: only {RowsWritten} of {Height} rows were written");
        foreach (var level in _levels)
            _file.AppendDirectory(TiffTags.ForLevel(level, Kind, SpacingUm, IsBigTiff, _options, level.Index == 0 ? Description() : null));
        _file.Dispose();
        File.Move(_tempPath, Path, overwrite: true);
        _completed = true;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            _file.Dispose();   // flushes: on a full disk this throws, and the temporary must still go
        }
        finally
        {
            if (!_completed && File.Exists(_tempPath)) File.Delete(_tempPath);
        }
    }

    private string Description() => new PyramidDescription
    {
        Kind = Kind,
        SpacingUm = SpacingUm,
        Width = Width,
        Height = Height,
        ClassNames = _options.ClassNames,
        ValueScale = _options.ValueScale,
        Properties = _options.Properties,
    }.ToJson();

    private int ExpectedTileRow()
    {
        if (RowsWritten % TileSize != 0)
            throw new InvalidOperationException($"{Path}: {RowsWritten} rows were written with WriteRows, which is not a whole number of tile rows");
        return RowsWritten / TileSize;
    }

    private void EnsureWritable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed) throw new InvalidOperationException($"{Path}: already completed");
    }

    // Deflate never grows a tile beyond zlib's bound; count every tile at that bound plus its offset and count.
    private static long WorstCaseFileSize(IReadOnlyList<(int Width, int Height)> sizes, int tileSize, int channels)
    {
        long total = 1 << 20;
        foreach (var (w, h) in sizes)
        {
            var (tw, th) = PageTileSize(w, h, tileSize);
            long tiles = (long)((w + tw - 1) / tw) * ((h + th - 1) / th);
            total += tiles * (TileCodec.WorstCaseSize(tw * th * channels) + 16);
        }
        return total;
    }
}
