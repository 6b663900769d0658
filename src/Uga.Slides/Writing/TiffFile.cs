using System.Buffers.Binary;
using System.Text;

namespace Uga.Slides.Writing;

/// <summary>One TIFF directory entry: a tag, its field type, and its value already encoded little-endian.</summary>
internal readonly record struct TiffEntry(ushort Tag, ushort Type, long Count, byte[] Value)
{
    public const ushort Ascii = 2, Short = 3, Long = 4, Rational = 5, Long8 = 16;

    public static TiffEntry Shorts(ushort tag, params ushort[] values)
    {
        var bytes = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), values[i]);
        return new TiffEntry(tag, Short, values.Length, bytes);
    }

    public static TiffEntry Longs(ushort tag, params uint[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i * 4), values[i]);
        return new TiffEntry(tag, Long, values.Length, bytes);
    }

    /// <summary>File offsets or byte counts: LONG in classic TIFF, LONG8 in BigTIFF.</summary>
    public static TiffEntry Offsets(ushort tag, long[] values, bool bigTiff)
    {
        if (!bigTiff) return Longs(tag, [.. values.Select(v => checked((uint)v))]);
        var bytes = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(i * 8), (ulong)values[i]);
        return new TiffEntry(tag, Long8, values.Length, bytes);
    }

    public static TiffEntry Text(ushort tag, string text)
    {
        // TIFF ASCII is NUL-terminated 7-bit text; UTF-8 is what libtiff and OpenSlide pass through in practice.
        var bytes = Encoding.UTF8.GetBytes(text + "\0");
        return new TiffEntry(tag, Ascii, bytes.Length, bytes);
    }

    public static TiffEntry Rationals(ushort tag, uint numerator, uint denominator)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, numerator);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), denominator);
        return new TiffEntry(tag, Rational, 1, bytes);
    }
}

/// <summary>
/// The byte-level layout of a (Big)TIFF file written front to back: a header, then tile data appended as it is
/// produced, then the directories at the end, chained in the order they are added. Only the header's
/// first-directory pointer and each directory's next pointer are patched afterwards.
/// </summary>
internal sealed class TiffFile : IDisposable
{
    private readonly FileStream _stream;
    private long _previousNextPointer;

    public TiffFile(string path, bool bigTiff)
    {
        BigTiff = bigTiff;
        _stream = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 20);
        Span<byte> header = stackalloc byte[bigTiff ? 16 : 8];
        header.Clear();
        header[0] = header[1] = (byte)'I';
        if (bigTiff)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(header[2..], 43);
            BinaryPrimitives.WriteUInt16LittleEndian(header[4..], 8); // offset size
            _previousNextPointer = 8;
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(header[2..], 42);
            _previousNextPointer = 4;
        }
        _stream.Write(header);
    }

    public bool BigTiff { get; }

    public long Length => _stream.Length;

    /// <summary>Appends one encoded tile (or any blob) and returns its file offset.</summary>
    public long Append(ReadOnlySpan<byte> data)
    {
        long offset = _stream.Position;
        _stream.Write(data);
        return offset;
    }

    /// <summary>Appends a directory (its out-of-line values first) and links it after the previous one.</summary>
    public void AppendDirectory(IEnumerable<TiffEntry> entries)
    {
        var sorted = entries.OrderBy(e => e.Tag).ToArray();
        int inline = BigTiff ? 8 : 4;
        var valueOffsets = new long[sorted.Length];
        for (int i = 0; i < sorted.Length; i++)
        {
            if (sorted[i].Value.Length <= inline) continue;
            AlignToWord();
            valueOffsets[i] = Append(sorted[i].Value);
        }
        AlignToWord();
        long ifdOffset = _stream.Position;
        using var ifd = new MemoryStream();
        WriteCount(ifd, sorted.Length, BigTiff ? 8 : 2);
        for (int i = 0; i < sorted.Length; i++)
        {
            var e = sorted[i];
            WriteCount(ifd, e.Tag, 2);
            WriteCount(ifd, e.Type, 2);
            WriteCount(ifd, e.Count, BigTiff ? 8 : 4);
            var slot = new byte[inline];
            if (e.Value.Length <= inline) e.Value.CopyTo(slot, 0);
            else WriteOffset(slot, valueOffsets[i]);
            ifd.Write(slot);
        }
        long nextPointer = ifdOffset + ifd.Length;
        ifd.Write(new byte[inline]); // next directory: none until another one is appended
        _stream.Write(ifd.ToArray());
        Patch(_previousNextPointer, ifdOffset);
        _previousNextPointer = nextPointer;
    }

    public void Flush() => _stream.Flush(flushToDisk: false);

    public void Dispose() => _stream.Dispose();

    private void Patch(long position, long value)
    {
        var bytes = new byte[BigTiff ? 8 : 4];
        WriteOffset(bytes, value);
        long end = _stream.Position;
        _stream.Position = position;
        _stream.Write(bytes);
        _stream.Position = end;
    }

    private void WriteOffset(Span<byte> slot, long value)
    {
        if (BigTiff) BinaryPrimitives.WriteUInt64LittleEndian(slot, (ulong)value);
        else BinaryPrimitives.WriteUInt32LittleEndian(slot, checked((uint)value));
    }

    private void AlignToWord()
    {
        if ((_stream.Position & 1) != 0) _stream.WriteByte(0);
    }

    private static void WriteCount(Stream s, long value, int bytes)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, (ulong)value);
        s.Write(b[..bytes]);
    }
}
