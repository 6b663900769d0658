using System.Globalization;
using Uga.Imaging;

namespace Uga.Inference.Artifacts;

/// <summary>
/// Band artifacts: a very large slide predicted by several work units, each storing the rows of one
/// <see cref="RowBand"/> as STEM.bands/rows-Y0.prediction.zarr (whole-slide arrays with only its rows' chunks), and
/// their joining into the slide's one artifact by the reduction — a copy of chunk files, no recomputation.
/// </summary>
public static class ArtifactBands
{
    public static string FolderFor(string artifactsFolder, string stem) => Path.Combine(artifactsFolder, stem + ".bands");

    public static string PathFor(string artifactsFolder, string stem, int y0) =>
        Path.Combine(FolderFor(artifactsFolder, stem), "rows-" + y0.ToString(CultureInfo.InvariantCulture) + PredictionArtifact.Extension);

    /// <summary>
    /// Joins the band artifacts of <paramref name="stem"/> predicted with <paramref name="key"/> into
    /// STEM.prediction.zarr (built under a temporary name, then renamed into place) and removes the bands. Throws,
    /// naming the rows, when the bands do not cover the map exactly once.
    /// </summary>
    public static PredictionArtifact Merge(string artifactsFolder, string stem, PredictionKey key)
    {
        var folder = FolderFor(artifactsFolder, stem);
        var bands = Bands(folder, key);
        var first = bands[0].Manifest;
        var finalPath = PredictionArtifact.PathFor(artifactsFolder, stem);
        AtomicFile.WriteDirectory(finalPath, tmp =>
        {
            // Copies, not moves: a merge killed half-way must leave every band whole for the next attempt.
            foreach (var band in bands)
                foreach (var file in Directory.EnumerateFiles(band.Path, "*", SearchOption.AllDirectories))
                {
                    var relative = Path.GetRelativePath(band.Path, file);
                    if (relative == PredictionArtifact.GroupFile) continue;
                    var target = Path.Combine(tmp, relative);
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    File.Copy(file, target, overwrite: true); // array metadata is the same in every band
                }
            var merged = first with { Rows = null, PatchesPredicted = bands.Sum(b => b.Manifest.PatchesPredicted), CreatedAt = DateTimeOffset.UtcNow };
            File.WriteAllText(Path.Combine(tmp, PredictionArtifact.GroupFile), merged.ToGroupJson());
        });
        Directory.Delete(folder, recursive: true);
        return PredictionArtifact.Open(finalPath);
    }

    // The current bands in row order, checked to tile [0, Height) with neither gap nor overlap.
    private static List<PredictionArtifact> Bands(string folder, PredictionKey key)
    {
        if (!Directory.Exists(folder)) throw new InvalidInputException(folder, "no band artifacts: no unit has predicted a band of this slide");
        var bands = new List<PredictionArtifact>();
        foreach (var path in Directory.EnumerateDirectories(folder, "rows-*" + PredictionArtifact.Extension))
        {
            var band = PredictionArtifact.Open(path);
            if (band.Manifest.Rows is null) throw new InvalidInputException(path, "is not a band artifact");
            if (key.Mismatch(band.Manifest.Key) is { } stale) throw new InvalidInputException(path, $"band is stale: {stale}; predict it again");
            bands.Add(band);
        }
        bands.Sort((a, b) => a.Manifest.Rows!.Value.Y0.CompareTo(b.Manifest.Rows!.Value.Y0));
        int next = 0;
        foreach (var rows in bands.Select(b => b.Manifest.Rows!.Value))
        {
            if (rows.Y0 != next) throw new InvalidInputException(folder, rows.Y0 > next ? $"rows {next}-{rows.Y0} are missing: no unit stored them" : $"rows {rows.Y0}-{next} are stored twice");
            next = rows.Y1;
        }
        int height = bands.Count == 0 ? 0 : bands[0].Manifest.Height;
        if (bands.Count == 0 || next != height) throw new InvalidInputException(folder, $"rows {next}-{(height == 0 ? "end" : height)} are missing: no unit stored them");
        if (bands.Any(b => b.Manifest.Width != bands[0].Manifest.Width || b.Manifest.Height != height || b.Manifest.Chunk != bands[0].Manifest.Chunk))
            throw new InvalidInputException(folder, "bands disagree on the map's size or chunking");
        return bands;
    }
}
