using System.Buffers.Binary;
using Uga.Imaging;

namespace Uga.Slides;

/// <summary>
/// A structural check of TIFF-based files (TIFF, BigTIFF, SVS) before a decoder sees them: every directory and
/// every strip/tile must lie inside the file, and no image may claim an absurd size. libtiff silently stops at a
/// directory past the end (a truncated pyramid would just lose levels) and happily announces 10⁷×10⁷ images.
/// </summary>
internal static class TiffStructure
{
    private const int MaxDirectories = 4096;
    private const ulong MaxEntries = 1 << 16;
    private const ushort Width = 256, Height = 257, StripOffsets = 273, StripByteCounts = 279, TileOffsets = 324, TileByteCounts = 325;

    /// <summary>Does nothing for files that are not TIFF; throws <see cref="InvalidInputException"/> for broken ones.</summary>
    public static void Check(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.RandomAccess);
        long length = file.Length;
        var header = new byte[16];
        if (file.Read(header) < 8) return;
        bool little = header[0] == 'I' && header[1] == 'I';
        if (!little && !(header[0] == 'M' && header[1] == 'M')) return;
        var reader = new Reader(file, little);
        ushort magic = reader.U16(header.AsSpan(2));
        if (magic is not (42 or 43)) return;
        bool big = magic == 43;
        long next = big ? (long)reader.U64(header.AsSpan(8)) : reader.U32(header.AsSpan(4));
        for (int index = 0; next != 0; index++)
        {
            if (index >= MaxDirectories)
                throw new InvalidInputException(path, $"TIFF has more than {MaxDirectories} directories (a loop in a corrupt file?)");
            if (next < 8 || next >= length)
                throw new InvalidInputException(path, $"truncated or corrupt TIFF: directory {index} at byte {next} lies beyond the end of the file ({length} bytes)");
            next = CheckDirectory(path, reader, next, big, index, length);
        }
    }

    private static long CheckDirectory(string path, Reader reader, long offset, bool big, int index, long length)
    {
        int countSize = big ? 8 : 2, entrySize = big ? 20 : 12, pointerSize = big ? 8 : 4;
        var countBytes = reader.Read(path, offset, countSize, length);
        // Header values are attacker-sized (BigTIFF counts are 64-bit): bound them by the file before any arithmetic.
        ulong declared = big ? reader.U64(countBytes) : reader.U16(countBytes);
        if (declared > MaxEntries || (long)declared * entrySize > length - offset - countSize)
            throw new InvalidInputException(path, $"truncated or corrupt TIFF: directory {index} declares {declared} entries, more than the file holds ({length} bytes)");
        long count = (long)declared;
        var entries = reader.Read(path, offset + countSize, (int)(count * entrySize), length);
        long width = 0, height = 0;
        long[]? offsets = null, counts = null;
        for (int i = 0; i < count; i++)
        {
            var e = entries.AsSpan(i * entrySize, entrySize);
            ushort tag = reader.U16(e), type = reader.U16(e[2..]);
            switch (tag)
            {
                case Width: width = reader.Values(path, e, big, type, length)[0]; break;
                case Height: height = reader.Values(path, e, big, type, length)[0]; break;
                case StripOffsets or TileOffsets: offsets = reader.Values(path, e, big, type, length); break;
                case StripByteCounts or TileByteCounts: counts = reader.Values(path, e, big, type, length); break;
            }
        }
        if (offsets is not null && (width <= 0 || height <= 0))
            throw new InvalidInputException(path, $"corrupt TIFF: directory {index} declares an empty image ({width}x{height} px)");
        if (width > SlideFactory.MaxSide || height > SlideFactory.MaxSide)
            throw new InvalidInputException(path, $"declares an implausible size {width}x{height} (more than {SlideFactory.MaxSide} px per side); the header is corrupt");
        if (offsets is not null && counts is not null)
        {
            for (int i = 0; i < Math.Min(offsets.Length, counts.Length); i++)
                if (counts[i] > 0 && (offsets[i] < 0 || counts[i] > length || offsets[i] > length - counts[i]))
                    throw new InvalidInputException(path, $"truncated or corrupt TIFF: image data of directory {index} runs past the end of the file ({length} bytes)");
        }
        var nextBytes = reader.Read(path, offset + countSize + (count * entrySize), pointerSize, length);
        return big ? (long)reader.U64(nextBytes) : reader.U32(nextBytes);
    }

    private sealed class Reader(FileStream file, bool little)
    {
        public ushort U16(ReadOnlySpan<byte> b) => little ? BinaryPrimitives.ReadUInt16LittleEndian(b) : BinaryPrimitives.ReadUInt16BigEndian(b);
        public uint U32(ReadOnlySpan<byte> b) => little ? BinaryPrimitives.ReadUInt32LittleEndian(b) : BinaryPrimitives.ReadUInt32BigEndian(b);
        public ulong U64(ReadOnlySpan<byte> b) => little ? BinaryPrimitives.ReadUInt64LittleEndian(b) : BinaryPrimitives.ReadUInt64BigEndian(b);

        public byte[] Read(string path, long offset, int size, long length)
        {
            if (offset < 0 || size > length || offset > length - size)
                throw new InvalidInputException(path, $"truncated or corrupt TIFF: a directory entry points past the end of the file ({length} bytes)");
            var buffer = new byte[size];
            file.Position = offset;
            file.ReadExactly(buffer);
            return buffer;
        }

        /// <summary>The integer values of an entry (SHORT, LONG or LONG8), read inline or from where the entry points.</summary>
        public long[] Values(string path, ReadOnlySpan<byte> entry, bool big, ushort type, long length)
        {
            int size = type switch { 3 => 2, 4 => 4, 16 => 8, _ => 0 };
            if (size == 0) return [0];
            ulong declared = big ? U64(entry[4..]) : U32(entry[4..]);
            if (declared == 0 || declared > (ulong)((64 << 20) / size)) return [0];
            long count = (long)declared;
            var inline = entry[(big ? 12 : 8)..];
            var raw = count * size <= inline.Length ? inline[..(int)(count * size)].ToArray()
                : Read(path, big ? (long)U64(inline) : U32(inline), (int)(count * size), length);
            var values = new long[count];
            for (int i = 0; i < count; i++)
                values[i] = size == 2 ? U16(raw.AsSpan(i * 2)) : size == 4 ? U32(raw.AsSpan(i * 4)) : (long)U64(raw.AsSpan(i * 8));
            return values;
        }
    }
}
