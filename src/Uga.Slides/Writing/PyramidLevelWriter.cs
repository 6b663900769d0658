namespace Uga.Slides.Writing;

/// <summary>
/// One level of the pyramid while it is being written: a band of pending rows that is encoded into tiles one tile
/// row at a time, each tile row then halved into the next level's band. Memory is one band per level.
/// The stored tile is never larger than the level itself (see <see cref="PyramidalTiffWriter.PageTileSize"/>).
/// </summary>
internal sealed class PyramidLevelWriter
{
    private readonly TiffFile _file;
    private readonly PixelKind _kind;
    private readonly int _channels;
    private readonly PyramidalTiffOptions _options;
    private readonly int _parallelism;
    private readonly byte[] _band;
    private readonly byte[]? _reduced;
    private int _bandRows;
    private int _tileRow;

    public PyramidLevelWriter(int index, int width, int height, PixelKind kind, TiffFile file,
        PyramidLevelWriter? next, PyramidalTiffOptions options)
    {
        Index = index;
        Width = width;
        Height = height;
        (TileWidth, TileHeight) = PyramidalTiffWriter.PageTileSize(width, height, options.TileSize);
        Next = next;
        _file = file;
        _kind = kind;
        _channels = kind.Channels();
        _options = options;
        _parallelism = Math.Max(1, options.MaxParallelism);
        TileColumns = (width + TileWidth - 1) / TileWidth;
        TileRows = (height + TileHeight - 1) / TileHeight;
        TileOffsets = new long[TileColumns * TileRows];
        TileByteCounts = new long[TileColumns * TileRows];
        // The band also holds one whole caller tile row (options.TileSize rows, or the whole level if shorter),
        // which can be taller than a stored tile when the level is shorter than the caller's tile.
        BandCapacity = Math.Max(TileHeight, Math.Min(options.TileSize, height));
        _band = new byte[(long)width * BandCapacity * _channels <= Array.MaxLength
            ? width * BandCapacity * _channels
            : throw new ArgumentOutOfRangeException(nameof(width), $"a band of {width}x{BandCapacity} pixels does not fit in memory")];
        if (next is not null) _reduced = new byte[next.Width * ((TileHeight + 1) / 2) * _channels];
    }

    public int Index { get; }
    public int Width { get; }
    public int Height { get; }
    public int TileWidth { get; }
    public int TileHeight { get; }
    public int BandCapacity { get; }
    public int TileColumns { get; }
    public int TileRows { get; }
    public PyramidLevelWriter? Next { get; }
    public long[] TileOffsets { get; }
    public long[] TileByteCounts { get; }

    /// <summary>Rows of this level handed over so far.</summary>
    public int RowsDone => Math.Min(Height, (_tileRow * TileHeight) + _bandRows);

    public bool IsComplete => RowsDone == Height;

    /// <summary>Rows the band can still take.</summary>
    public int BandSpace => Math.Min(BandCapacity - _bandRows, Height - RowsDone);

    /// <summary>Height of the tile row being filled: a full tile, except the last one.</summary>
    private int CurrentTileRowHeight => Math.Min(TileHeight, Height - (_tileRow * TileHeight));

    /// <summary>The band being filled, for callers that paste tiles straight into it.</summary>
    internal Span<byte> BandRows(int firstRow, int rows) =>
        _band.AsSpan(firstRow * Width * _channels, rows * Width * _channels);

    /// <summary>Appends whole rows of this level, flushing (and reducing) every tile row that fills up.</summary>
    public void AppendRows(ReadOnlySpan<byte> rows)
    {
        int rowBytes = Width * _channels;
        while (!rows.IsEmpty)
        {
            int take = Math.Min(BandSpace, rows.Length / rowBytes);
            if (take == 0)
                throw new InvalidOperationException($"level {Index}: {rows.Length} bytes left over that are not whole rows inside the image");
            rows[..(take * rowBytes)].CopyTo(_band.AsSpan(_bandRows * rowBytes));
            rows = rows[(take * rowBytes)..];
            MarkRowsFilled(take);
        }
    }

    /// <summary>Records that rows were written into the band directly; flushes every complete tile row.</summary>
    internal void MarkRowsFilled(int rows)
    {
        _bandRows += rows;
        while (_tileRow < TileRows && _bandRows >= CurrentTileRowHeight) FlushTileRow(CurrentTileRowHeight);
    }

    private void FlushTileRow(int rows)
    {
        var tiles = new EncodedTile[TileColumns];
        try
        {
            Parallel.For(0, TileColumns, new ParallelOptions { MaxDegreeOfParallelism = _parallelism }, c =>
                tiles[c] = TileCodec.Encode(_band, Width, rows, _channels, c, TileWidth, TileHeight, _options));
            for (int c = 0; c < TileColumns; c++)
            {
                int i = (_tileRow * TileColumns) + c;
                TileOffsets[i] = _file.Append(tiles[c].Bytes);
                TileByteCounts[i] = tiles[c].Length;
            }
        }
        finally
        {
            foreach (var tile in tiles)
                if (tile.Buffer is not null) tile.Release();
        }
        // Every tile row but the last has an even height (tiles are multiples of 16), so halving tile rows one
        // at a time gives exactly the rows of halving the whole level.
        if (Next is not null) ReduceIntoNext(rows);
        _tileRow++;
        int rowBytes = Width * _channels;
        _bandRows -= rows;
        if (_bandRows > 0) _band.AsSpan(rows * rowBytes, _bandRows * rowBytes).CopyTo(_band);
    }

    private void ReduceIntoNext(int rows)
    {
        if (_kind == PixelKind.Labels) Reduce.Mode(_band, Width, rows, _reduced!);
        else Reduce.Mean(_band, Width, rows, _channels, _reduced!);
        int reduced = (rows + 1) / 2;
        Next!.AppendRows(_reduced.AsSpan(0, reduced * Next.Width * _channels));
    }
}
