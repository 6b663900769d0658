namespace Uga.Slides.Writing;

/// <summary>
/// One level of the pyramid while it is being written: a band one tile tall that fills with rows, is encoded
/// into tiles when full, and is then halved into the next level's band. Memory is one band per level.
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

    public PyramidLevelWriter(int index, int width, int height, int tileSize, PixelKind kind, TiffFile file,
        PyramidLevelWriter? next, PyramidalTiffOptions options)
    {
        Index = index;
        Width = width;
        Height = height;
        TileSize = tileSize;
        Next = next;
        _file = file;
        _kind = kind;
        _channels = kind.Channels();
        _options = options;
        _parallelism = Math.Max(1, options.MaxParallelism);
        TileColumns = (width + tileSize - 1) / tileSize;
        TileRows = (height + tileSize - 1) / tileSize;
        TileOffsets = new long[TileColumns * TileRows];
        TileByteCounts = new long[TileColumns * TileRows];
        _band = new byte[(long)width * tileSize * _channels <= Array.MaxLength
            ? width * tileSize * _channels
            : throw new ArgumentOutOfRangeException(nameof(width), $"a band of {width}x{tileSize} pixels does not fit in memory")];
        if (next is not null) _reduced = new byte[next.Width * (tileSize / 2) * _channels];
    }

    public int Index { get; }
    public int Width { get; }
    public int Height { get; }
    public int TileSize { get; }
    public int TileColumns { get; }
    public int TileRows { get; }
    public PyramidLevelWriter? Next { get; }
    public long[] TileOffsets { get; }
    public long[] TileByteCounts { get; }

    /// <summary>Rows of this level handed over so far.</summary>
    public int RowsDone => Math.Min(Height, (_tileRow * TileSize) + _bandRows);

    public bool IsComplete => RowsDone == Height;

    /// <summary>Rows still needed to fill the current band.</summary>
    public int BandSpace => Math.Min(TileSize, Height - (_tileRow * TileSize)) - _bandRows;

    /// <summary>The band being filled, for callers that paste tiles straight into it.</summary>
    internal Span<byte> BandRows(int firstRow, int rows) =>
        _band.AsSpan(firstRow * Width * _channels, rows * Width * _channels);

    /// <summary>Appends whole rows of this level, flushing (and reducing) every band that fills up.</summary>
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

    /// <summary>Records that rows were written into the band directly; flushes it when it is full.</summary>
    internal void MarkRowsFilled(int rows)
    {
        _bandRows += rows;
        if (BandSpace == 0) FlushBand();
    }

    private void FlushBand()
    {
        var tiles = new EncodedTile[TileColumns];
        try
        {
            Parallel.For(0, TileColumns, new ParallelOptions { MaxDegreeOfParallelism = _parallelism }, c =>
                tiles[c] = TileCodec.Encode(_band, Width, _bandRows, _channels, c, _options));
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
        if (Next is not null) ReduceIntoNext();
        _tileRow++;
        _bandRows = 0;
    }

    private void ReduceIntoNext()
    {
        if (_kind == PixelKind.Labels) Reduce.Mode(_band, Width, _bandRows, _reduced!);
        else Reduce.Mean(_band, Width, _bandRows, _channels, _reduced!);
        int rows = (_bandRows + 1) / 2;
        Next!.AppendRows(_reduced.AsSpan(0, rows * Next.Width * _channels));
    }
}
