using System.Buffers.Binary;
using System.Text;
using NetVips;

namespace Uga.Fuzz;

/// <summary>One broken file and the uga command that must refuse it (FILE and OUT stand for the paths).</summary>
public sealed record CorruptCase(string Name, string File, IReadOnlyList<string> Command, string Breakage);

/// <summary>
/// A corpus of broken files of the kinds Uga meets (`uga-fuzz corpus DIR [DATA]`): truncated slides, lying
/// headers, hostile XML and oversized GeoJSON. Each must give one clear line naming the file, a non-zero exit,
/// bounded memory and nothing written (tests/Uga.Cli.Tests/CorruptCorpusTests; docs/reliability.md).
/// </summary>
public static class CorruptCorpus
{
    private static readonly string[] Tissue = ["tissue", "--slide", "FILE", "--out", "OUT", "--spacing", "0.5"];
    private static readonly string[] Convert = ["annotations", "convert", "FILE", "OUT/converted.geojson"];

    /// <summary>Writes the corpus (or only the case named <paramref name="only"/>) into <paramref name="dir"/>.</summary>
    public static IReadOnlyList<CorruptCase> Write(string dir, string? dataDir, string? only = null)
    {
        Directory.CreateDirectory(dir);
        var cases = new List<CorruptCase>();
        foreach (var (corrupt, bytes) in Generate(dir, dataDir).Where(c => only is null || c.Case.Name == only))
        {
            File.WriteAllBytes(corrupt.File, bytes());
            cases.Add(corrupt);
        }
        return cases;
    }

    /// <summary>The names of the cases, without writing anything.</summary>
    public static IReadOnlyList<string> Names(string? dataDir) => [.. Generate("", dataDir).Select(c => c.Case.Name)];

    private static List<(CorruptCase Case, Func<byte[]> Bytes)> Generate(string dir, string? dataDir)
    {
        var cases = new List<(CorruptCase, Func<byte[]>)>();
        void Add(string name, Func<byte[]> bytes, string[] command, string breakage) =>
            cases.Add((new CorruptCase(name, Path.Combine(dir, name), command, breakage), bytes));

        var svs = dataDir is null ? null : Path.Combine(dataDir, "slides", "cmu-1-small-region.svs");
        var pyramid = dataDir is null ? null : Path.Combine(dataDir, "slides", "cmu-1-small-region_pyramid_jpeg.tif");
        if (svs is not null && File.Exists(svs) && File.Exists(pyramid))
        {
            foreach (var fraction in new[] { 0.001, 0.1, 0.5, 0.9, 0.999 })
                Add($"truncated-{fraction * 100:0.#}pc.svs", () => Truncate(svs, fraction), Tissue, $"SVS cut at {fraction:P1} of its bytes");
            Add("truncated-50pc.tif", () => Truncate(pyramid!, 0.5), Tissue, "pyramidal TIFF cut in half");
        }
        var tiff = new Lazy<byte[]>(TiledTiff);
        Add("tile-bytecount-past-end.tif", () => PatchFirstValue(tiff.Value, tag: 325, 0xFFFF, last: true), Tissue, "a tile's byte count runs past the end of the file");
        Add("tile-offset-past-end.tif", () => PatchFirstValue(tiff.Value, tag: 324, 0x7FFF_FFF0), Tissue, "a tile's offset lies past the end of the file");
        Add("zero-width.tif", () => PatchFirstValue(tiff.Value, tag: 256, 0), Tissue, "level 0 is 0 px wide");
        Add("absurd-size.tif", () => PatchFirstValue(PatchFirstValue(tiff.Value, tag: 256, 4_000_000_000), tag: 257, 4_000_000_000), Tissue, "header claims 4e9 x 4e9 px");
        Add("lying-ihdr.png", () => LyingPng(100_000, 100_000), Tissue, "PNG header claims 100000 x 100000 px for a 32 x 32 image");
        Add("empty.png", () => [], Tissue, "0-byte image");
        Add("billion-laughs.xml", () => Utf8(BillionLaughs()), Convert, "XML entity expansion bomb");
        Add("ten-million-vertices.geojson", () => HugeGeoJson(10_000_000), Convert, "one polygon with 10^7 vertices");
        Add("nan-coordinates.geojson", () => Utf8("""{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],["NaN",5],[5,5],[0,0]]]},"properties":{}}"""), Convert, "a coordinate is NaN");
        Add("infinite-coordinates.xml", () => Utf8("""<ASAP_Annotations><Annotations><Annotation Name="a" Type="Polygon" PartOfGroup="t"><Coordinates><Coordinate Order="0" X="0" Y="0"/><Coordinate Order="1" X="1e999" Y="0"/><Coordinate Order="2" X="5" Y="5"/></Coordinates></Annotation></Annotations></ASAP_Annotations>"""), Convert, "a coordinate overflows to infinity");
        return cases;
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static byte[] Truncate(string path, double fraction)
    {
        var bytes = File.ReadAllBytes(path);
        return bytes[..Math.Max(8, (int)(bytes.Length * fraction))];
    }

    private static byte[] TiledTiff() =>
        Image.Xyz(256, 256).ExtractBand(0).Cast(Enums.BandFormat.Uchar).Bandjoin(128, 200)
            .TiffsaveBuffer(tile: true, tileWidth: 64, tileHeight: 64, compression: Enums.ForeignTiffCompression.None);

    /// <summary>
    /// A copy of a little-endian classic TIFF whose first directory's <paramref name="tag"/> has its first (or last)
    /// value set; a single SHORT is widened to LONG so large values fit, SHORT arrays take the value clamped.
    /// </summary>
    private static byte[] PatchFirstValue(byte[] tiff, ushort tag, uint value, bool last = false)
    {
        var bytes = (byte[])tiff.Clone();
        int ifd = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4));
        int count = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(ifd));
        for (int i = 0; i < count; i++)
        {
            var entry = bytes.AsSpan(ifd + 2 + (i * 12), 12);
            if (BinaryPrimitives.ReadUInt16LittleEndian(entry) != tag) continue;
            ushort type = BinaryPrimitives.ReadUInt16LittleEndian(entry[2..]);
            uint n = BinaryPrimitives.ReadUInt32LittleEndian(entry[4..]);
            int size = type == 3 ? 2 : 4;
            // One value that fits stays inline; several live where the entry points.
            var values = n * size <= 4 ? entry[8..] : bytes.AsSpan((int)BinaryPrimitives.ReadUInt32LittleEndian(entry[8..]));
            var target = values[(last ? (int)(n - 1) * size : 0)..];
            if (type == 3 && n == 1)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(entry[2..], 4);   // widen SHORT to LONG so big values fit
                BinaryPrimitives.WriteUInt32LittleEndian(entry[8..], value);
            }
            else if (type == 3) BinaryPrimitives.WriteUInt16LittleEndian(target, (ushort)Math.Min(value, ushort.MaxValue));
            else BinaryPrimitives.WriteUInt32LittleEndian(target, value);
            return bytes;
        }
        throw new InvalidOperationException($"tag {tag} not in the first TIFF directory");
    }

    private static byte[] LyingPng(uint width, uint height)
    {
        var png = Image.Black(32, 32, bands: 3).PngsaveBuffer();
        // IHDR is the first chunk: length(4) "IHDR"(4) width(4) height(4) ... crc(4) over type + data.
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(16), width);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(20), height);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(29), Crc32(png.AsSpan(12, 17)));
        return png;
    }

    // PNG's CRC-32 (ISO 3309, reflected polynomial 0xEDB88320), bit by bit: 17 bytes need no table.
    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFF_FFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1;
        }
        return ~crc;
    }

    private static string BillionLaughs()
    {
        var text = new StringBuilder("<?xml version=\"1.0\"?>\n<!DOCTYPE ASAP_Annotations [\n <!ENTITY lol \"lol\">\n");
        for (int i = 1; i <= 9; i++)
            text.Append($" <!ENTITY lol{i} \"{string.Concat(Enumerable.Repeat(i == 1 ? "&lol;" : $"&lol{i - 1};", 10))}\">\n");
        return text.Append("]>\n<ASAP_Annotations><Annotations><Annotation Name=\"&lol9;\"/></Annotations></ASAP_Annotations>\n").ToString();
    }

    private static byte[] HugeGeoJson(int vertices)
    {
        var text = new StringBuilder("{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[", vertices * 14);
        for (int i = 0; i < vertices; i++)
        {
            double angle = 2 * Math.PI * i / vertices;
            text.Append(i == 0 ? "" : ",").Append('[').Append((int)(50_000 + (40_000 * Math.Cos(angle)))).Append(',')
                .Append((int)(50_000 + (40_000 * Math.Sin(angle)))).Append(']');
        }
        return Utf8(text.Append(",[90000,50000]]]},\"properties\":{}}").ToString());
    }
}
