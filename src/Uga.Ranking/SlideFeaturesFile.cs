using System.Runtime.InteropServices;
using System.Text;
using Uga.Imaging;

namespace Uga.Ranking;

/// <summary>
/// Stores one slide's phase-1 ranking features (<see cref="SlideFeatures"/>) in a small binary file, so a cluster
/// unit can compute them next to its prediction and the pool-wide reduction reads features instead of maps.
/// Doubles and floats are written as their bits (little-endian, the only byte order .NET runs Uga on here), so a
/// stored slide reduces exactly as a freshly computed one.
/// Written under a temporary name and renamed into place; a file that is not one (foreign, truncated, another
/// version) is refused naming the file, and the caller recomputes.
/// </summary>
public static class SlideFeaturesFile
{
    private static ReadOnlySpan<byte> Magic => "UGA-FEATURES"u8;
    private const int Version = 2; // 2: each candidate's embedding (empty when none)

    public static void Write(string path, SlideFeatures features) => AtomicFile.Write(path, tmp =>
    {
        using var w = new BinaryWriter(File.Create(tmp), Encoding.UTF8);
        w.Write(Magic);
        w.Write(Version);
        var s = features.Slide;
        w.Write(s.Id);
        w.Write(s.Width); w.Write(s.Height); w.Write(s.SpacingUm);
        var names = features.Maxima.Keys.Order(StringComparer.Ordinal).ToArray();
        w.Write(names.Length);
        foreach (var name in names)
        {
            w.Write(name);
            w.Write(features.Maxima[name]);
        }
        w.Write(features.Candidates.Count);
        for (int i = 0; i < features.Candidates.Count; i++) WriteCandidate(w, features, i, names);
    });

    public static SlideFeatures Read(string path)
    {
        try
        {
            using var r = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
            if (!r.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic)) throw new InvalidInputException(path, "is not a Uga slide-features file");
            if (r.ReadInt32() is var v && v != Version) throw new InvalidInputException(path, $"is a slide-features file of version {v}, this Uga reads {Version}");
            var slide = new RankingSlide(r.ReadString(), r.ReadInt32(), r.ReadInt32(), r.ReadDouble());
            var names = new string[Count(r, path)];
            var maxima = new Dictionary<string, double>(StringComparer.Ordinal);
            for (int i = 0; i < names.Length; i++) maxima[names[i] = r.ReadString()] = r.ReadDouble();
            int n = Count(r, path);
            var candidates = new List<Candidate>(n);
            var above = names.ToDictionary(m => m, _ => new float[n][], StringComparer.Ordinal);
            for (int i = 0; i < n; i++) candidates.Add(ReadCandidate(r, path, slide.Id, names, above, i));
            if (r.BaseStream.Position != r.BaseStream.Length) throw new InvalidInputException(path, "has bytes after its last candidate");
            return new SlideFeatures(slide, candidates, maxima, above);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidInputException(path, "is truncated", e);
        }
        catch (IOException e) when (e is not FileNotFoundException)
        {
            throw new InvalidInputException(path, $"cannot be read: {e.Message}", e);
        }
    }

    private static void WriteCandidate(BinaryWriter w, SlideFeatures features, int index, string[] names)
    {
        var c = features.Candidates[index];
        w.Write(c.Region.X); w.Write(c.Region.Y); w.Write(c.Region.Width); w.Write(c.Region.Height);
        w.Write(c.SpacingUm); w.Write(c.SlideWidth); w.Write(c.SlideHeight); w.Write(c.TissueFraction);
        var embedding = c.Embedding ?? [];
        w.Write(embedding.Length);
        w.Write(MemoryMarshal.AsBytes(embedding.AsSpan()));
        w.Write(c.Colour is not null);
        if (c.Colour is { } colour)
        {
            w.Write(colour.R);
            w.Write(colour.G);
            w.Write(colour.B);
        }
        foreach (var name in names)
        {
            var m = c.Measures[name];
            w.Write(m.Sum); w.Write(m.Mean); w.Write(m.Max);
            w.Write(m.PatchCount); w.Write(m.SlideCount); w.Write(m.PoolCount); w.Write(m.Pixels);
            var values = features.AboveSlideThreshold[name][index];
            w.Write(values.Length);
            w.Write(MemoryMarshal.AsBytes(values.AsSpan())); // little-endian, as BinaryWriter writes single floats
        }
    }

    private static Candidate ReadCandidate(BinaryReader r, string path, string slideId, string[] names, Dictionary<string, float[][]> above, int index)
    {
        var region = new PixelRegion(r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), r.ReadInt32());
        double spacing = r.ReadDouble();
        int slideWidth = r.ReadInt32(), slideHeight = r.ReadInt32();
        double tissue = r.ReadDouble();
        var embedding = new float[Count(r, path)];
        r.BaseStream.ReadExactly(MemoryMarshal.AsBytes(embedding.AsSpan()));
        MeanColour? colour = r.ReadBoolean() ? new MeanColour(r.ReadDouble(), r.ReadDouble(), r.ReadDouble()) : null;
        var measures = new Dictionary<string, MeasureStats>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            measures[name] = new MeasureStats(r.ReadDouble(), r.ReadDouble(), r.ReadDouble(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64());
            var values = new float[Count(r, path)];
            r.BaseStream.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
            above[name][index] = values;
        }
        return new Candidate
        {
            SlideId = slideId,
            Region = region,
            SpacingUm = spacing,
            SlideWidth = slideWidth,
            SlideHeight = slideHeight,
            TissueFraction = tissue,
            Measures = measures,
            Colour = colour,
            Embedding = embedding.Length == 0 ? null : embedding,
        };
    }

    // A count read from the file, bounded by the bytes left, so a corrupt length fails cleanly instead of allocating.
    private static int Count(BinaryReader r, string path)
    {
        int n = r.ReadInt32();
        if (n < 0 || n > r.BaseStream.Length - r.BaseStream.Position)
            throw new InvalidInputException(path, $"holds an impossible count {n}");
        return n;
    }
}
