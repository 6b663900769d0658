using System.Globalization;
using Uga.Imaging;

namespace Uga.Inference.Artifacts;

/// <summary>
/// A stored prediction of one slide or image by one model version, at full precision: labels, mean class
/// probabilities and every uncertainty measure, as chunked arrays of a Zarr v3 group (docs/architecture.md says why
/// this container). Written by <see cref="ArtifactWriter"/>; read a region or a whole (optionally pooled) map at a
/// time, so memory stays bounded by what is asked for.
/// </summary>
public sealed class PredictionArtifact
{
    public const string Extension = ".prediction.zarr";
    public const string GroupFile = "zarr.json";
    public const string LabelsArray = "labels";

    private PredictionArtifact(string path, ArtifactManifest manifest)
    {
        Path = path;
        Manifest = manifest;
    }

    public string Path { get; }
    public ArtifactManifest Manifest { get; }

    public static string ProbabilityArray(int classIndex) => "probabilities/" + classIndex.ToString(CultureInfo.InvariantCulture);

    public static string MeasureArray(string measure) => "uncertainty/" + measure;

    /// <summary>Where the artifact of a slide with file stem <paramref name="stem"/> lives in <paramref name="folder"/>.</summary>
    public static string PathFor(string folder, string stem) => System.IO.Path.Combine(folder, stem + Extension);

    /// <summary>Opens and validates the manifest; arrays are checked as they are read.</summary>
    public static PredictionArtifact Open(string path)
    {
        if (!Directory.Exists(path)) throw new InvalidInputException(path, "prediction artifact not found");
        return new PredictionArtifact(path, ArtifactManifest.Read(System.IO.Path.Combine(path, GroupFile)));
    }

    /// <summary>
    /// The artifact at <paramref name="path"/> when it exists and matches <paramref name="key"/>; otherwise null and,
    /// when one exists, why it cannot be used (a sentence naming the file). A slide's artifact must be whole; with
    /// <paramref name="band"/>, a band artifact (<see cref="ArtifactBands"/>) holding exactly those rows
    /// (<see cref="RowBand.ToTheEnd"/>: to the map's last row).
    /// </summary>
    public static PredictionArtifact? TryReuse(string path, PredictionKey key, out string? why, RowBand? band = null)
    {
        why = null;
        if (!Directory.Exists(path)) return null;
        try
        {
            var artifact = Open(path);
            var mismatch = RowsMismatch(artifact.Manifest, band) ?? key.Mismatch(artifact.Manifest.Key);
            why = mismatch is null ? null : $"{path}: {mismatch}";
            return mismatch is null ? artifact : null;
        }
        catch (InvalidInputException e)
        {
            why = e.Message;
            return null;
        }
    }

    private static string? RowsMismatch(ArtifactManifest m, RowBand? wanted) => (m.Rows, wanted) switch
    {
        (null, null) => null,
        ({ } stored, null) => $"it holds {stored} only (one unit's band)",
        (null, { }) => "it is not a band artifact",
        ({ } stored, { } band) => stored == band.ClippedTo(m.Height) ? null : $"it holds {stored}, not {band}",
    };

    public bool HasMeasure(string measure) => Manifest.Measures.Contains(measure, StringComparer.Ordinal);

    /// <summary>
    /// The whole map of <paramref name="measure"/> at full precision; when it has more than
    /// <paramref name="maxPixels"/> pixels, mean-pooled by the smallest integer factor that fits (returned with
    /// the spacing it then has).
    /// </summary>
    public (FloatMap Map, double SpacingUm) ReadMeasure(string measure, long maxPixels = long.MaxValue)
    {
        var array = OpenMeasure(measure);
        return ReadWhole(array, maxPixels, (row, col, chunk) => array.ReadChunk<float>(row, col, chunk));
    }

    /// <summary>The whole mean-probability map of class <paramref name="classIndex"/>, pooled like <see cref="ReadMeasure(string, long)"/>.</summary>
    public (FloatMap Map, double SpacingUm) ReadProbability(int classIndex, long maxPixels = long.MaxValue)
    {
        var array = OpenArray(ProbabilityArray(classIndex), ZarrType.Float16);
        var halves = new Half[array.Chunk * array.Chunk];
        return ReadWhole(array, maxPixels, (row, col, chunk) =>
        {
            array.ReadChunk<Half>(row, col, halves);
            for (int i = 0; i < halves.Length; i++) chunk[i] = (float)halves[i];
        });
    }

    // Chunks arrive as float whatever the stored type, so the per-pixel loops below stay delegate-free.
    private (FloatMap Map, double SpacingUm) ReadWhole(ZarrArray array, long maxPixels, Action<int, int, float[]> readChunk)
    {
        int factor = PoolingFactor(maxPixels);
        int w = (Manifest.Width + factor - 1) / factor, h = (Manifest.Height + factor - 1) / factor;
        var map = new FloatMap(w, h);
        // Pooled: sums per output pixel (the output is small); unpooled: chunk rows copied straight into the map.
        var sums = factor == 1 ? null : new double[w * h];
        var chunk = new float[array.Chunk * array.Chunk];
        for (int row = 0; row < array.ChunkRows; row++)
            for (int col = 0; col < array.ChunkColumns; col++)
            {
                if (!array.HasChunk(row, col)) continue; // the fill value, 0: the map starts at 0
                readChunk(row, col, chunk);
                int x0 = col * array.Chunk, y0 = row * array.Chunk;
                int cw = Math.Min(array.Chunk, Manifest.Width - x0), ch = Math.Min(array.Chunk, Manifest.Height - y0);
                for (int y = 0; y < ch; y++)
                {
                    var source = chunk.AsSpan(y * array.Chunk, cw);
                    if (sums is null)
                    {
                        source.CopyTo(map.Data.AsSpan(((y0 + y) * w) + x0, cw));
                        continue;
                    }
                    int dstRow = ((y0 + y) / factor) * w;
                    for (int x = 0; x < cw; x++) sums[dstRow + ((x0 + x) / factor)] += source[x];
                }
            }
        if (sums is not null)
        {
            for (int y = 0; y < h; y++)
            {
                int rows = Math.Min(factor, Manifest.Height - (y * factor));
                for (int x = 0; x < w; x++)
                    map.Data[(y * w) + x] = (float)(sums[(y * w) + x] / (rows * Math.Min(factor, Manifest.Width - (x * factor))));
            }
        }
        return (map, Manifest.SpacingUm * factor);
    }

    /// <summary>Labels of <paramref name="region"/> (pixels at the artifact's spacing, inside the map).</summary>
    public LabelMap ReadLabels(PixelRegion region)
    {
        var array = OpenArray(LabelsArray, ZarrType.UInt8);
        var result = new LabelMap(region.Width, region.Height);
        var chunk = new byte[array.Chunk * array.Chunk];
        ForChunks(array, region, (row, col) => array.ReadChunk<byte>(row, col, chunk),
            (src, dst, n) => chunk.AsSpan(src, n).CopyTo(result.Data.AsSpan(dst, n)));
        return result;
    }

    /// <summary><paramref name="measure"/> over <paramref name="region"/> at full precision (pixels at the artifact's spacing, inside the map).</summary>
    public FloatMap ReadMeasure(string measure, PixelRegion region)
    {
        var array = OpenMeasure(measure);
        var result = new FloatMap(region.Width, region.Height);
        var chunk = new float[array.Chunk * array.Chunk];
        ForChunks(array, region, (row, col) => array.ReadChunk<float>(row, col, chunk),
            (src, dst, n) => chunk.AsSpan(src, n).CopyTo(result.Data.AsSpan(dst, n)));
        return result;
    }

    /// <summary>Mean probability of class <paramref name="classIndex"/> over <paramref name="region"/>.</summary>
    public FloatMap ReadProbability(int classIndex, PixelRegion region)
    {
        var array = OpenArray(ProbabilityArray(classIndex), ZarrType.Float16);
        var result = new FloatMap(region.Width, region.Height);
        var chunk = new Half[array.Chunk * array.Chunk];
        ForChunks(array, region, (row, col) => array.ReadChunk<Half>(row, col, chunk), (src, dst, n) =>
        {
            for (int i = 0; i < n; i++) result.Data[dst + i] = (float)chunk[src + i];
        });
        return result;
    }

    private ZarrArray OpenMeasure(string measure) => HasMeasure(measure)
        ? OpenArray(MeasureArray(measure), ZarrType.Float32)
        : throw new InvalidInputException(Path, $"has no '{measure}' map (stored: {string.Join(", ", Manifest.Measures)})");

    /// <summary>
    /// Throws, naming the chunk, if a chunk of the labels or of <paramref name="measure"/> is truncated
    /// (<see cref="ZarrArray.CheckChunkEnds"/>): what a reader that will not decode the whole map checks first.
    /// </summary>
    public void CheckChunkEnds(string measure)
    {
        OpenArray(LabelsArray, ZarrType.UInt8).CheckChunkEnds();
        OpenMeasure(measure).CheckChunkEnds();
    }

    /// <summary>The smallest integer block side whose mean-pooling brings the map within <paramref name="maxPixels"/>.</summary>
    public int PoolingFactor(long maxPixels)
    {
        long pixels = (long)Manifest.Width * Manifest.Height;
        int factor = 1;
        while (pixels / ((long)factor * factor) > Math.Max(1, maxPixels)) factor++;
        return factor;
    }

    private ZarrArray OpenArray(string name, ZarrType expected)
    {
        var array = ZarrArray.Open(System.IO.Path.Combine(Path, name));
        if (array.Type != expected || array.Width != Manifest.Width || array.Height != Manifest.Height || array.Chunk != Manifest.Chunk)
            throw new InvalidInputException(array.Folder, $"array does not match the artifact manifest ({array.Type} {array.Width}x{array.Height})");
        return array;
    }

    // Visits every pixel of region chunk by chunk: load(row, col) fills the chunk buffer, copy(src, dst) moves one value.
    // copy(source offset in the chunk, target offset in the region, pixels): one call per row of a chunk's part.
    private static void ForChunks(ZarrArray array, PixelRegion region, Action<int, int> load, Action<int, int, int> copy)
    {
        var inside = region.Intersect(new PixelRegion(0, 0, array.Width, array.Height));
        if (inside != region) throw new ArgumentOutOfRangeException(nameof(region), $"region {region} is outside the {array.Width}x{array.Height} map");
        int c = array.Chunk;
        for (int row = region.Y / c; row <= (region.Bottom - 1) / c; row++)
            for (int col = region.X / c; col <= (region.Right - 1) / c; col++)
            {
                load(row, col);
                var part = new PixelRegion(col * c, row * c, c, c).Intersect(region);
                for (int y = part.Y; y < part.Bottom; y++)
                    copy(((y - (row * c)) * c) + (part.X - (col * c)), ((y - region.Y) * region.Width) + (part.X - region.X), part.Width);
            }
    }
}
