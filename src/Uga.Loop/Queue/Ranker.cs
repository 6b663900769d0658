using System.Diagnostics;
using Uga.Imaging;
using Uga.Inference;
using Uga.Inference.Artifacts;
using Uga.Learning;
using Uga.Learning.Inference;
using Uga.Ranking;

namespace Uga.Loop.Queue;

/// <summary>
/// `uga rank` end to end: predict the pool with the model, lay the candidate grid over the tissue, score it with
/// the strategy, choose K patches and write the annotation queue (<see cref="RankExport"/>). Never prints;
/// progress goes to <see cref="RankRequest.Progress"/>, everything the user should know to <see cref="RankResult.Notes"/>.
/// </summary>
public static class Ranker
{
    public static RankResult Run(RankRequest request)
    {
        request.Validate();
        var clock = Stopwatch.StartNew();
        var strategy = request.CreateStrategy();
        var measure = request.RankedMeasure();
        var notes = new List<string>();
        if (measure != request.Measure && request.Measure != PaperScoring.DefaultMeasure)
            notes.Add($"strategy {strategy.Name} reads {measure}; the measure {request.Measure} was not used");

        // Cheap input checks first, so a wrong path fails before the model is loaded or anything is predicted.
        var slidePaths = request.SlidePaths;
        foreach (var p in slidePaths)
            if (!File.Exists(p)) throw new InvalidInputException(p, Directory.Exists(p) ? "is a folder, not a slide file" : "file not found");
        var cases = request.DataDir is null ? [] : PoolLoader.ListImages(request);
        CheckUniqueStems(slidePaths.Count > 0 ? slidePaths : cases.Select(c => c.ImagePath).ToList());

        using var ensemble = EnsembleModels.Load(request.ModelDir);
        var members = EnsembleModels.TorchSharpMembers(ensemble);
        request = request.ForModel(members is not null, notes);
        using var encoder = members is null ? null : new PatchEmbedder(members); // opened only if a slide needs embeddings
        strategy = request.CreateStrategy(); // the default may have fallen back; the measure stays (neither pins one)
        if (RankingStrategies.NeedsEmbeddings(strategy.Name)) CandidatePatches.RequireEncoder(request, encoder); // before any prediction
        var settings = request.Settings(ensemble.Manifest.SpacingUm);
        var (items, features, stored) = MeasurePool(request, ensemble, encoder, settings, cases, measure, notes);
        var pool = Exclude(CandidateGrid.Reduce(features, settings.Grid), request, out int excluded);
        var selection = ExplainShortfall(excluded, () => settings.Choose(pool));
        var files = RankExport.Write(request, items, selection, measure, strategy, ensemble.Manifest.ClassNames, notes, excluded);
        return new RankResult
        {
            Selection = selection,
            Measure = measure,
            StrategyName = strategy.Name,
            StrategyDescription = strategy.Description,
            PoolSize = pool.Count,
            ExcludedCandidates = excluded,
            Forwards = items.Sum(i => i.Forwards),
            ReusedPredictions = items.Count(i => i.Forwards == 0),
            StoredFeatures = stored,
            Files = files,
            Notes = [.. notes, .. selection.Warnings],
            Elapsed = clock.Elapsed,
        };
    }

    /// <summary>
    /// Phase 1 for every slide or image: read from its artifact when a unit (or an earlier ranking) stored its
    /// features — no tissue detection, no maps — otherwise prepared, predicted if its artifact is not current, and
    /// measured here. A pool too small for K fails on the tissue alone, before anything is predicted.
    /// </summary>
    private static (List<PoolItem> Items, List<SlideFeatures> Features, int Stored) MeasurePool(
        RankRequest request, IEnsembleModel ensemble, PatchEmbedder? encoder, RankSettings settings, IReadOnlyList<DatasetCase> cases, string measure, List<string> notes)
    {
        var slidePaths = request.SlidePaths;
        var mapsDir = Path.Combine(request.OutDir, "maps");
        var cache = new ArtifactCache(request.ArtifactsDir ?? mapsDir, request.ModelDir, ensemble);
        // Slides whose current artifact holds their features (stored by a cluster unit or an earlier ranking) need
        // neither tissue detection nor their maps; the others are prepared and measured here.
        var stored = slidePaths.Select(p => StoredFeatures(p, cache, request, measure, notes)).ToList();
        var inputs = slidePaths.Count > 0
            ? slidePaths.Select((p, i) => stored[i]?.Input ?? PoolLoader.PrepareSlide(p, request)).ToList()
            : cases.Select(PoolLoader.PrepareImage).ToList();
        // The grid needs only the tissue: a pool too small for K fails here, before hours of prediction.
        var unmeasured = inputs.Where((_, i) => i >= stored.Count || stored[i] is null).Select(i => i.ToRankingSlide()).ToList();
        var tissuePool = Exclude([.. stored.SelectMany(s => s?.Features.Candidates ?? []),
            .. unmeasured.Count == 0 ? [] : CandidateGrid.Build(unmeasured, settings.Grid)], request, out int excluded);
        ExplainShortfall(excluded, () =>
        {
            CandidateSelector.CheckPoolSize(tissuePool, request.SelectionOptions());
            return tissuePool;
        });

        var items = new List<PoolItem>();
        var features = new List<SlideFeatures>();
        for (int i = 0; i < inputs.Count; i++)
        {
            var (item, f) = i < stored.Count && stored[i] is { } s ? (PoolLoader.FromStored(s.Input, s.Artifact, request, measure), s.Features)
                : inputs[i].Case is null ? PoolLoader.LoadSlide(inputs[i], cache, request, measure, mapsDir, encoder, notes)
                : PoolLoader.LoadImage(inputs[i], cache, request, measure, encoder, notes);
            items.Add(item);
            features.Add(f);
            request.Progress?.Report(new WorkProgress("predict pool", i + 1, inputs.Count, inputs[i].Stem));
        }
        return (items, features, stored.Count(s => s is not null));
    }

    private sealed record Stored(PoolInput Input, PredictionArtifact Artifact, SlideFeatures Features);

    // A slide's stored features, if its artifact is current and holds them for this request.
    private static Stored? StoredFeatures(string path, ArtifactCache cache, RankRequest request, string measure, List<string> notes)
    {
        var stem = Path.GetFileNameWithoutExtension(path);
        if (cache.Current(path, stem, PoolLoader.SlideOptions(request)) is not { } artifact) return null;
        if (SlideRankFeatures.TryRead(artifact, SlideRankFeatures.Key(request, measure), notes) is not { } f) return null;
        // The maps are not decoded on this path, so a truncated chunk would surface only when the export draws the
        // slide: check the chunk ends now and predict such an artifact again, as the reading path does.
        try
        {
            artifact.CheckChunkEnds(measure);
        }
        catch (InvalidInputException e)
        {
            notes.Add($"{e.Message}; predicting again");
            ArtifactCache.Discard(artifact);
            return null;
        }
        var level0 = f.Slide;
        return new Stored(new PoolInput(path, stem, null, level0.Width, level0.Height, level0.SpacingUm, null), artifact, f);
    }

    private static IReadOnlyList<Candidate> Exclude(IReadOnlyList<Candidate> pool, RankRequest request, out int excluded)
    {
        var kept = CandidateExclusion.Apply(pool, request.ExcludeRegions, request.ExcludeMinOverlap, out excluded);
        // Without this the selector would blame the tissue mask for an empty pool.
        if (kept.Count == 0 && excluded > 0)
            throw new InvalidInputException(null, $"all {excluded} candidates overlap regions already queued or annotated; nothing left to rank");
        return kept;
    }

    // A shortfall after the exclusion says how many candidates it took, so "only N candidates" is not a puzzle.
    private static T ExplainShortfall<T>(int excluded, Func<T> select)
    {
        try
        {
            return select();
        }
        catch (InvalidInputException e) when (excluded > 0 && e.Path is null)
        {
            throw new InvalidInputException(null, $"{e.Problem} ({excluded} more were excluded as overlapping regions already queued or annotated)", e);
        }
    }

    // Outputs are named after the file stem, so two inputs with one stem would overwrite each other's maps.
    private static void CheckUniqueStems(IReadOnlyList<string> paths)
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in paths)
        {
            var stem = Path.GetFileNameWithoutExtension(p);
            if (!seen.TryAdd(stem, p)) throw new InvalidInputException(p, $"has the same file stem '{stem}' as {seen[stem]}; outputs are named by stem");
        }
    }
}
