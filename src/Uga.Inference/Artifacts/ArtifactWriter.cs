using Uga.Imaging;
using Uga.Inference;
using Uga.Inference.Uncertainty;

namespace Uga.Inference.Artifacts;

/// <summary>
/// Streams a prediction into an artifact block by block: labels (uint8), the mean probability of every class
/// (float16, fill 1 for class 0 and 0 for the others, so unwritten glass chunks read as certain background) and
/// every registered uncertainty measure (float32, fill 0). It is built under a temporary name and renamed into
/// place by <see cref="Complete"/>, whose root manifest is written last: an interrupted prediction leaves no
/// artifact, never a partial one.
/// </summary>
public sealed class ArtifactWriter : IDisposable
{
    private readonly string finalPath;
    private readonly string tempPath;
    private readonly ArtifactManifest draft;
    private readonly ZarrArray labels;
    private readonly ZarrArray[] probabilities;
    private readonly (IUncertaintyMeasure Measure, ZarrArray Array)[] measures;
    private bool completed;

    private ArtifactWriter(string finalPath, ArtifactManifest draft)
    {
        this.finalPath = Path.GetFullPath(finalPath);
        this.draft = draft;
        tempPath = AtomicFile.TempPathFor(this.finalPath);
        int h = draft.Height, w = draft.Width, chunk = draft.Chunk;
        try
        {
            labels = ZarrArray.Create(Path.Combine(tempPath, PredictionArtifact.LabelsArray), h, w, chunk, ZarrType.UInt8, 0);
            probabilities = [.. draft.ClassNames.Select((_, c) => ZarrArray.Create(
                Path.Combine(tempPath, PredictionArtifact.ProbabilityArray(c)), h, w, chunk, ZarrType.Float16, c == 0 ? 1 : 0))];
            measures = [.. draft.Measures.Select(m => (UncertaintyMeasures.Get(m),
                ZarrArray.Create(Path.Combine(tempPath, PredictionArtifact.MeasureArray(m)), h, w, chunk, ZarrType.Float32, 0)))];
        }
        catch
        {
            // A constructor that throws is never disposed: clean up the half-made folder here (a full disk, say).
            if (Directory.Exists(tempPath)) Directory.Delete(tempPath, recursive: true);
            throw;
        }
    }

    /// <summary>Every registered measure, so any strategy can rank the artifact later without predicting again.</summary>
    public static IReadOnlyList<string> AllMeasures => UncertaintyMeasures.Names;

    /// <summary>
    /// Starts an artifact at <paramref name="path"/> described by <paramref name="draft"/> (its
    /// <see cref="ArtifactManifest.PatchesPredicted"/> is filled in by <see cref="Complete"/>).
    /// </summary>
    public static ArtifactWriter Create(string path, ArtifactManifest draft)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        return new ArtifactWriter(path, draft);
    }

    /// <summary>
    /// Stores the blended samples of <paramref name="region"/>, whose origin lies on the chunk grid; the region may
    /// span several chunks (a whole image) and end anywhere (slide edges).
    /// </summary>
    public void WriteStack(PixelRegion region, SampleProbabilities stack) => WriteMaps(region, BlockSummary.Of(stack, MeasureNames));

    /// <summary>The measures this artifact stores: a <see cref="BlockSummary"/> given to <see cref="WriteMaps"/> holds their maps.</summary>
    public IReadOnlyList<string> MeasureNames => draft.Measures;

    /// <summary>Stores an already summarised <paramref name="region"/> (see <see cref="WriteStack"/>).</summary>
    public void WriteMaps(PixelRegion region, BlockSummary summary)
    {
        var (labelMap, mean, maps) = summary;
        int chunk = draft.Chunk;
        if (region.X % chunk != 0 || region.Y % chunk != 0)
            throw new ArgumentException($"region {region} does not start on the {chunk} px chunk grid", nameof(region));
        for (int cy = region.Y; cy < region.Bottom; cy += chunk)
            for (int cx = region.X; cx < region.Right; cx += chunk)
            {
                var part = new PixelRegion(cx - region.X, cy - region.Y, Math.Min(chunk, region.Right - cx), Math.Min(chunk, region.Bottom - cy));
                int row = cy / chunk, col = cx / chunk;
                labels.WriteChunk<byte>(row, col, Pad(labelMap.Data, labelMap.Width, part, (byte)0));
                for (int c = 0; c < probabilities.Length; c++)
                    probabilities[c].WriteChunk<Half>(row, col, Pad(mean[c].Data, mean[c].Width, part, (Half)(c == 0 ? 1 : 0), v => (Half)v));
                foreach (var (measure, array) in measures)
                    array.WriteChunk<float>(row, col, Pad(maps[measure.Name].Data, labelMap.Width, part, 0f));
            }
    }

    /// <summary>Writes the manifest and moves the artifact into place, replacing an older one.</summary>
    public ArtifactManifest Complete(long patchesPredicted)
    {
        var manifest = draft with { PatchesPredicted = patchesPredicted, CreatedAt = DateTimeOffset.UtcNow };
        File.WriteAllText(Path.Combine(tempPath, PredictionArtifact.GroupFile), manifest.ToGroupJson());
        AtomicFile.MoveDirectoryInto(tempPath, finalPath);
        completed = true;
        return manifest;
    }

    public void Dispose()
    {
        if (!completed && Directory.Exists(tempPath)) Directory.Delete(tempPath, recursive: true);
    }

    private T[] Pad<T>(T[] source, int sourceWidth, PixelRegion part, T fill) where T : unmanaged =>
        Pad(source, sourceWidth, part, fill, v => v);

    // A chunk is always Chunk x Chunk; beyond the array's edge it holds the fill value.
    private T[] Pad<TIn, T>(TIn[] source, int sourceWidth, PixelRegion part, T fill, Func<TIn, T> convert) where T : unmanaged
    {
        int chunk = draft.Chunk;
        var buffer = new T[chunk * chunk];
        if (part.Width < chunk || part.Height < chunk) Array.Fill(buffer, fill);
        for (int y = 0; y < part.Height; y++)
        {
            int src = ((part.Y + y) * sourceWidth) + part.X, dst = y * chunk;
            for (int x = 0; x < part.Width; x++) buffer[dst + x] = convert(source[src + x]);
        }
        return buffer;
    }
}

/// <summary>
/// What a block's samples come to: the labels, the mean class probabilities and the named uncertainty maps — computed
/// once and shared by the display maps and the artifact (each is MBs a slide block).
/// </summary>
public sealed record BlockSummary(LabelMap Labels, IReadOnlyList<FloatMap> Mean, IReadOnlyDictionary<string, FloatMap> Maps)
{
    public static BlockSummary Of(SampleProbabilities stack, IEnumerable<string> measures)
    {
        var mean = stack.Mean();
        var maps = measures.ToDictionary(n => n, n => UncertaintyMeasures.Map(UncertaintyMeasures.Get(n), stack), StringComparer.Ordinal);
        return new BlockSummary(SampleProbabilities.ArgMax(mean), mean, maps);
    }
}
