using Uga.Imaging;
using Uga.Inference.Artifacts;
using Uga.Loop.Workspace.Store;
using Uga.Slides;

namespace Uga.Loop.Workspace;

/// <summary>
/// The workspace's slides: each opened once to check it is readable and to record its level-0 size, spacing and
/// content fingerprint (the same one prediction artifacts are keyed by). Id = file stem, which names its outputs.
/// </summary>
public static class SlideCatalogue
{
    /// <summary>Registers <paramref name="paths"/> (already registered ones are refreshed); every file is checked before any is stored.</summary>
    public static IReadOnlyList<SlideRecord> Add(LoopWorkspace workspace, IReadOnlyList<string> paths, double? spacingUm)
    {
        if (paths.Count == 0) throw new InvalidInputException(null, "no slide files given");
        var records = new List<SlideRecord>();
        var stems = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var given in paths)
        {
            var path = Path.GetFullPath(given);
            if (!File.Exists(path)) throw new InvalidInputException(given, Directory.Exists(given) ? "is a folder, not a slide file" : "file not found");
            var stem = Path.GetFileNameWithoutExtension(path);
            if (!stems.TryAdd(stem, path)) throw new InvalidInputException(given, $"has the same file stem '{stem}' as {stems[stem]}; slides are named by stem");
            using var slide = SlideFactory.Open(path, spacingUm);
            records.Add(new SlideRecord(stem, path, Fingerprints.Slide(path), slide.Spacing,
                checked((int)slide.Levels[0].Width), checked((int)slide.Levels[0].Height), DateTimeOffset.UtcNow));
        }
        return [.. records.Select(workspace.Store.AddSlide)];
    }
}
