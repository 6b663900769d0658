using Uga.Imaging;
using Uga.Inference.Artifacts;
using Uga.Ranking;

namespace Uga.Loop.Queue;

/// <summary>
/// The maps a strategy ranks on, read from a slide's prediction artifact a region at a time at full precision: the
/// measure, and for class-aware strategies the class maps derived from the region's mean probabilities
/// (<see cref="ClassMaps.FromProbabilities"/>). Regions are grouped by the artifact's chunk, so each chunk is
/// decoded about once per pass of phase 1.
/// </summary>
internal sealed class ArtifactMaps(PredictionArtifact artifact, string measure, bool classMaps) : IRegionMaps
{
    public IReadOnlyList<string> Names { get; } = classMaps
        ? [measure, .. Enumerable.Range(0, artifact.Manifest.ClassNames.Count).SelectMany(c => new[] { ClassMaps.Share(c), ClassMaps.Entropy(c) })]
        : [measure];

    public double SpacingUm => artifact.Manifest.SpacingUm;

    public int Width => artifact.Manifest.Width;

    public int Height => artifact.Manifest.Height;

    public int BlockSize => artifact.Manifest.Chunk;

    public IReadOnlyDictionary<string, FloatMap> Read(PixelRegion region)
    {
        var maps = new Dictionary<string, FloatMap>(StringComparer.Ordinal) { [measure] = artifact.ReadMeasure(measure, region) };
        if (!classMaps) return maps;
        var probabilities = Enumerable.Range(0, artifact.Manifest.ClassNames.Count).Select(c => artifact.ReadProbability(c, region)).ToList();
        foreach (var (name, map) in ClassMaps.FromProbabilities(probabilities)) maps[name] = map;
        return maps;
    }
}
