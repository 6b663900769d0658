using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Uga.Imaging;
using Uga.Inference.Artifacts;
using Uga.Ranking;

namespace Uga.Loop.Queue;

/// <summary>
/// A slide's phase-1 ranking features (<see cref="SlideFeatures"/>) stored inside its prediction artifact
/// (ARTIFACT/features/KEY.bin), keyed by everything that shapes them besides the prediction itself: the grid, the
/// maps the strategy reads, whether it clusters patch embeddings (then stored too), the map budget and the preview
/// the colour features come from. A cluster unit computes
/// them next to its prediction, so the reduction reads features, not maps; they live and die with the artifact
/// (a stale artifact is replaced whole, features included).
/// </summary>
internal static class SlideRankFeatures
{
    private const string Folder = "features";

    /// <summary>The key of the features <paramref name="request"/> ranks with (the model's grid spacing comes from the artifact).</summary>
    public static string Key(RankRequest request, string measure)
    {
        var g = request.GridOptions(double.NaN);
        string text = string.Create(CultureInfo.InvariantCulture,
            $"v2 patch={g.PatchSizePx} spacing={request.PatchSpacingUm?.ToString("R", CultureInfo.InvariantCulture) ?? "model"} stride={g.StridePx} "
            + $"tissue={g.MinTissueFraction:R} count={g.CountThresholdFactor:R} edges={g.CoverEdges} poolcounts={g.PoolCounts} measure={measure} "
            + $"classmaps={RankingStrategies.NeedsClassMaps(request.StrategyName)} embeddings={RankingStrategies.NeedsEmbeddings(request.StrategyName)} preview={request.PreviewSize} "
            + $"level0={request.SlideSpacingUm?.ToString("R", CultureInfo.InvariantCulture) ?? "file"}");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
    }

    public static string PathFor(PredictionArtifact artifact, string key) => Path.Combine(artifact.Path, Folder, key + ".bin");

    // Features are a cache, not a record: other rankings' (other grids, strategies) stay for reuse, but only the
    // latest few — one flat-map slide's features for an older key once held 3.2 GB next to its current ones.
    private const int KeptKeys = 4;

    /// <summary>Stores <paramref name="features"/> under <paramref name="key"/>, dropping all but the latest few other keys.</summary>
    public static void Write(PredictionArtifact artifact, string key, SlideFeatures features)
    {
        var path = Path.GetFullPath(PathFor(artifact, key));
        SlideFeaturesFile.Write(path, features);
        var older = new DirectoryInfo(Path.GetDirectoryName(path)!).GetFiles("*.bin")
            .Where(f => f.FullName != path)
            .OrderByDescending(f => f.LastWriteTimeUtc)
            .Skip(KeptKeys - 1);
        foreach (var file in older)
        {
            try
            {
                file.Delete();
            }
            catch (IOException)
            {
                // Another process may be reading it; it goes the next time.
            }
        }
    }

    /// <summary>The stored features, or null when absent; an unreadable file is noted and treated as absent.</summary>
    public static SlideFeatures? TryRead(PredictionArtifact artifact, string key, List<string> notes)
    {
        var path = PathFor(artifact, key);
        if (!File.Exists(path)) return null;
        try
        {
            return SlideFeaturesFile.Read(path);
        }
        catch (InvalidInputException e)
        {
            notes.Add($"{e.Message}; measuring the slide's candidates again");
            return null;
        }
    }
}
