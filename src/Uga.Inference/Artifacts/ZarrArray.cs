using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Uga.Imaging;

namespace Uga.Inference.Artifacts;

/// <summary>Element types a prediction artifact stores; names are Zarr v3's data types.</summary>
public enum ZarrType
{
    UInt8,
    Float16,
    Float32,
}

/// <summary>
/// One 2-D array of a Zarr v3 store (a folder with zarr.json and chunk files c/ROW/COL, little-endian bytes, gzip):
/// the open format TIAToolbox and zarr-python read, so artifacts are usable outside Uga. Chunks that were never
/// written read as the fill value, which is how glass (no tissue, never predicted) costs nothing on disk.
/// Only what artifacts need is implemented: 2-D, regular chunks, the "bytes" + "gzip" codec chain.
/// </summary>
public sealed class ZarrArray
{
    public const string MetadataFile = "zarr.json";

    private ZarrArray(string folder, int height, int width, int chunk, ZarrType type, double fill)
    {
        Folder = folder;
        Height = height;
        Width = width;
        Chunk = chunk;
        Type = type;
        Fill = fill;
    }

    public string Folder { get; }
    public int Height { get; }
    public int Width { get; }
    public int Chunk { get; }
    public ZarrType Type { get; }
    public double Fill { get; }

    public int ChunkRows => (Height + Chunk - 1) / Chunk;
    public int ChunkColumns => (Width + Chunk - 1) / Chunk;

    /// <summary>Creates the array's folder and metadata; chunks are added with <see cref="WriteChunk"/>.</summary>
    public static ZarrArray Create(string folder, int height, int width, int chunk, ZarrType type, double fill)
    {
        if (height < 1 || width < 1 || chunk < 1) throw new ArgumentOutOfRangeException(nameof(chunk), "array and chunk sizes must be positive");
        Directory.CreateDirectory(folder);
        var meta = new JsonObject
        {
            ["zarr_format"] = 3,
            ["node_type"] = "array",
            ["shape"] = new JsonArray(height, width),
            ["data_type"] = TypeName(type),
            ["chunk_grid"] = new JsonObject { ["name"] = "regular", ["configuration"] = new JsonObject { ["chunk_shape"] = new JsonArray(chunk, chunk) } },
            ["chunk_key_encoding"] = new JsonObject { ["name"] = "default", ["configuration"] = new JsonObject { ["separator"] = "/" } },
            ["fill_value"] = fill,
            ["codecs"] = new JsonArray(
                new JsonObject { ["name"] = "bytes", ["configuration"] = new JsonObject { ["endian"] = "little" } },
                new JsonObject { ["name"] = "gzip", ["configuration"] = new JsonObject { ["level"] = 1 } }),
            ["dimension_names"] = new JsonArray("y", "x"),
        };
        File.WriteAllText(Path.Combine(folder, MetadataFile), meta.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return new ZarrArray(folder, height, width, chunk, type, fill);
    }

    /// <summary>Opens an array written by <see cref="Create"/>; anything else is refused naming the file.</summary>
    public static ZarrArray Open(string folder)
    {
        var path = Path.Combine(folder, MetadataFile);
        if (!File.Exists(path)) throw new InvalidInputException(path, "missing: the prediction artifact is incomplete");
        try
        {
            var meta = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            var shape = meta["shape"]!.AsArray();
            var chunkShape = meta["chunk_grid"]!["configuration"]!["chunk_shape"]!.AsArray();
            var type = ParseType((string)meta["data_type"]!, path);
            int chunk = (int)chunkShape[0]!;
            int height = (int)shape[0]!, width = (int)shape[1]!;
            if (height < 1 || width < 1 || chunk < 1 || (int)chunkShape[1]! != chunk || (long)height * width > 4L << 30)
                throw new InvalidInputException(path, $"array shape {height}x{width} with chunks {chunk} is not one Uga writes");
            return new ZarrArray(folder, height, width, chunk, type, (double)meta["fill_value"]!);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException or FormatException or ArgumentException)
        {
            throw new InvalidInputException(path, $"unreadable array metadata ({e.Message.Split('\n')[0]})", e);
        }
    }

    /// <summary>Writes the chunk at (<paramref name="row"/>, <paramref name="column"/>) from a full Chunk×Chunk buffer.</summary>
    public void WriteChunk<T>(int row, int column, ReadOnlySpan<T> values) where T : unmanaged
    {
        CheckChunk<T>(row, column, values.Length);
        var path = ChunkPath(row, column);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        gzip.Write(MemoryMarshal.AsBytes(values));
    }

    /// <summary>Reads the chunk into <paramref name="target"/> (Chunk×Chunk); a chunk never written is the fill value.</summary>
    public void ReadChunk<T>(int row, int column, Span<T> target) where T : unmanaged
    {
        CheckChunk<T>(row, column, target.Length);
        var path = ChunkPath(row, column);
        if (!File.Exists(path))
        {
            target.Fill(FillAs<T>());
            return;
        }
        var bytes = MemoryMarshal.AsBytes(target);
        try
        {
            using var file = File.OpenRead(path);
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            gzip.ReadExactly(bytes);
            if (gzip.ReadByte() >= 0) throw new InvalidDataException("more data than one chunk holds");
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException)
        {
            throw new InvalidInputException(path, $"corrupt or truncated artifact chunk ({e.Message.Split('\n')[0]})", e);
        }
    }

    /// <summary>
    /// A quick check of every written chunk without decoding it: a gzip member ends with the decoded size (mod 2³²),
    /// which for a whole chunk is Chunk² × element size, so a truncated chunk file is named at the cost of reading
    /// four bytes. Damage inside a chunk is found only when it is decoded (<see cref="ReadChunk"/>).
    /// </summary>
    public void CheckChunkEnds()
    {
        uint expected = unchecked((uint)(Chunk * Chunk * ElementSize(Type)));
        Span<byte> tail = stackalloc byte[4];
        for (int row = 0; row < ChunkRows; row++)
            for (int col = 0; col < ChunkColumns; col++)
            {
                var path = ChunkPath(row, col);
                if (!File.Exists(path)) continue;
                using var file = File.OpenRead(path);
                // 18 bytes: the smallest gzip member (10-byte header, 8-byte trailer).
                bool whole = file.Length >= 18 && file.Seek(-4, SeekOrigin.End) >= 0 && file.Read(tail) == 4
                    && System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(tail) == expected;
                if (!whole) throw new InvalidInputException(path, "corrupt or truncated artifact chunk (its gzip trailer does not give a whole chunk)");
            }
    }

    /// <summary>False for a chunk never written (it reads as the fill value).</summary>
    public bool HasChunk(int row, int column) => File.Exists(ChunkPath(row, column));

    public string ChunkPath(int row, int column) => Path.Combine(Folder, "c", row.ToString(System.Globalization.CultureInfo.InvariantCulture), column.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private void CheckChunk<T>(int row, int column, int length) where T : unmanaged
    {
        if (row < 0 || column < 0 || row >= ChunkRows || column >= ChunkColumns)
            throw new ArgumentOutOfRangeException(nameof(row), $"chunk ({row}, {column}) is outside the {ChunkRows}x{ChunkColumns} grid");
        if (length != Chunk * Chunk) throw new ArgumentException($"a chunk holds {Chunk * Chunk} values, got {length}", nameof(length));
        if (Marshal.SizeOf<T>() != ElementSize(Type)) throw new ArgumentException($"element type {typeof(T).Name} does not match {Type}");
    }

    private T FillAs<T>() where T : unmanaged => Type switch
    {
        ZarrType.UInt8 => (T)(object)(byte)Fill,
        ZarrType.Float16 => (T)(object)(Half)Fill,
        _ => (T)(object)(float)Fill,
    };

    private static int ElementSize(ZarrType t) => t switch { ZarrType.UInt8 => 1, ZarrType.Float16 => 2, _ => 4 };

    private static string TypeName(ZarrType t) => t switch { ZarrType.UInt8 => "uint8", ZarrType.Float16 => "float16", _ => "float32" };

    private static ZarrType ParseType(string name, string path) => name switch
    {
        "uint8" => ZarrType.UInt8,
        "float16" => ZarrType.Float16,
        "float32" => ZarrType.Float32,
        _ => throw new InvalidInputException(path, $"data type '{name}' is not one Uga writes"),
    };
}
