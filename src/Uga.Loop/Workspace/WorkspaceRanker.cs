using Uga.Imaging;
using Uga.Loop.Queue;
using Uga.Loop.Workspace.Store;
using Uga.Ranking;

namespace Uga.Loop.Workspace;

/// <summary>
/// `uga rank --workspace`: ranks the pool with the workspace's current model and opens the next annotation round
/// on the chosen candidates (<see cref="LoopWorkspace.AddRound"/>), so ranking, annotating, importing and
/// fine-tuning close the loop without copying files by hand.
/// </summary>
public static class WorkspaceRanker
{
    /// <summary>Where the queue goes when no folder is given: rounds/rN/queue of the round about to open.</summary>
    public static string DefaultQueueDir(LoopWorkspace workspace) =>
        workspace.PathOf(Path.Combine("rounds", workspace.NextRoundId, "queue"));

    /// <summary>
    /// The regions every earlier round put in front of the pathologist: the stored candidates of every round (level-0
    /// pixels of the slide or image whose stem is the slide id). Rounds opened by an import without candidates
    /// contribute nothing.
    /// </summary>
    public static IReadOnlyList<ExcludedRegion> QueuedRegions(LoopWorkspace workspace)
    {
        var regions = new List<ExcludedRegion>();
        foreach (var c in workspace.Store.Candidates())
        {
            var spacing = c.Level0SpacingUm
                ?? throw new InvalidInputException(workspace.ManifestPath, $"candidate {c.Rank} of round {c.RoundId} has no level-0 spacing, so its region cannot be excluded from the new ranking (rank with --include-annotated to skip this)");
            if (c.Slide.Length > 0) regions.Add(new ExcludedRegion(c.Slide, c.Level0, spacing));
        }
        return regions;
    }

    /// <summary>
    /// The slides to rank: <paramref name="given"/> (registered in the workspace's catalogue as a side effect), or,
    /// when none are given, every slide the catalogue holds.
    /// </summary>
    public static IReadOnlyList<string> Slides(LoopWorkspace workspace, IReadOnlyList<string> given, double? spacingUm)
    {
        if (given.Count > 0)
        {
            SlideCatalogue.Add(workspace, given, spacingUm);
            return given;
        }
        return [.. workspace.Store.Slides().Select(s => s.Path)];
    }

    /// <summary>
    /// Ranks with <paramref name="request"/> (its model must be the workspace's current version) and opens a round
    /// ranked by that version. With <paramref name="excludeQueued"/> the candidates overlapping a region of an earlier
    /// round (<see cref="QueuedRegions"/>) are left out, so a pathologist is never asked twice about one region.
    /// When <see cref="RankRequest.OutDir"/> is <see cref="DefaultQueueDir"/> the queue is
    /// built under a temporary name and renamed into place, so a failed ranking leaves nothing in the workspace.
    /// </summary>
    public static (RankResult Rank, AnnotationRound Round) Run(LoopWorkspace workspace, RankRequest request, bool excludeQueued = true)
    {
        var current = workspace.ModelDir(workspace.Manifest.Current);
        if (!SameFolder(request.ModelDir, current))
            throw new InvalidInputException(request.ModelDir, $"is not the workspace's current model {workspace.Manifest.Current.Id} ({current})");
        if (excludeQueued) request = request with { ExcludeRegions = [.. request.ExcludeRegions, .. QueuedRegions(workspace)] };
        request = request with { ArtifactsDir = request.ArtifactsDir ?? workspace.ArtifactsDir };
        if (!SameFolder(request.OutDir, DefaultQueueDir(workspace)))
        {
            var ranked = Ranker.Run(request);
            return (ranked, Open(workspace, ranked, Path.Combine(request.OutDir, RankExport.CandidatesCsv)));
        }

        var queue = Path.GetFullPath(request.OutDir);
        // Left by a killed run: the round was never opened, but mixing its files with new ones would mislead.
        if (Directory.Exists(queue)) throw new InvalidInputException(queue, "exists but belongs to no round (an interrupted `uga rank`?); delete it or give another output folder");
        // The outermost folder this call creates (rounds/ on the first round): everything in it is ours to remove.
        var created = queue;
        for (var p = Path.GetDirectoryName(queue); p is not null && !Directory.Exists(p); p = Path.GetDirectoryName(p)) created = p;
        try
        {
            RankResult? result = null;
            string staged = "";
            AtomicFile.WriteDirectory(queue, tmp =>
            {
                staged = tmp;
                result = Ranker.Run(request with { OutDir = tmp });
            });
            result = result! with { Files = [.. result!.Files.Select(f => Path.Combine(queue, Path.GetRelativePath(staged, f)))] };
            return (result, Open(workspace, result, Path.Combine(queue, RankExport.CandidatesCsv)));
        }
        catch
        {
            // AddRound writes the manifest last, so on any failure the round was not opened.
            if (Directory.Exists(created)) Directory.Delete(created, recursive: true);
            throw;
        }
    }

    // The round's candidates with what ranking knew of them (grid region, score, strategy), in one transaction.
    private static AnnotationRound Open(LoopWorkspace workspace, RankResult result, string csv)
    {
        var chosen = result.Selection.Chosen.ToDictionary(c => (c.SlideId, c.Rank));
        return workspace.AddRound(csv, row => chosen.GetValueOrDefault((row.Slide, row.Rank)) is { } c
            ? row with { Grid = c.ShownRegion, GridSpacingUm = c.SpacingUm, Score = c.Score, Strategy = result.StrategyName }
            : row);
    }

    private static bool SameFolder(string a, string b) =>
        string.Equals(Path.TrimEndingDirectorySeparator(Path.GetFullPath(a)), Path.TrimEndingDirectorySeparator(Path.GetFullPath(b)), StringComparison.Ordinal);
}
