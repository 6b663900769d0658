using System.CommandLine;
using System.Globalization;
using Uga.Annotations;
using Uga.Imaging;
using Uga.Inference;
using Uga.Inference.Uncertainty;
using Uga.Learning;
using Uga.Loop.Queue;
using Uga.Loop.Workspace;
using Uga.Ranking;

namespace Uga.Cli.Commands;

/// <summary>
/// `uga rank`: the annotation queue. Predicts slides (or a dataset's images) with the model, ranks candidate
/// patches by uncertainty and writes CSV, ASAP XML, QuPath GeoJSON and preview PNGs (see <see cref="Ranker"/>).
/// With --workspace it ranks with the workspace's current model and opens the next round (<see cref="WorkspaceRanker"/>).
/// </summary>
internal static class RankCommand
{
    public static Command Create()
    {
        var o = new RankOptions();
        var command = new Command("rank", "Rank candidate patches by the model's uncertainty and export them for annotation (CSV, ASAP XML, QuPath GeoJSON, previews)");
        foreach (var option in o.All) command.Options.Add(option);
        command.SetAction((parse, cancellation) =>
        {
            // Opened first: a wrong workspace fails before anything is predicted or written.
            using var ws = parse.GetValue(o.Workspace) is { } root ? LoopWorkspace.Open(root) : null;
            var request = Request(parse, o, ws, cancellation);
            if (parse.GetValue(o.Threads) is { } n)
            {
                Uga.Learning.TorchRuntime.SetThreads(n);
            }
            if (ws is null)
            {
                if (parse.GetValue(o.IncludeAnnotated)) throw new InvalidInputException(null, "--include-annotated only applies with --workspace");
                if (parse.GetValue(o.Units) is not null) throw new InvalidInputException(null, "--units only applies with --workspace");
                Report(Ranker.Run(request));
                return Task.FromResult(0);
            }
            if (parse.GetValue(o.Units) is { } unitCount)
            {
                WorkUnits.RequireDone(WorkUnits.Status(ws, unitCount), ws.Root);
                foreach (var id in WorkUnits.Gather(ws, unitCount)) Console.WriteLine($"{id}: joined the units' row bands into one artifact");
            }
            bool exclude = !parse.GetValue(o.IncludeAnnotated);
            var (result, round) = WorkspaceRanker.Run(ws, request, excludeQueued: exclude);
            Report(result);
            Console.WriteLine(exclude
                ? string.Create(CultureInfo.InvariantCulture, $"excluded {result.ExcludedCandidates} candidates overlapping (> {CandidateExclusion.DefaultMinOverlap * 100:0.#}% of the patch) regions queued in earlier rounds (--include-annotated keeps them)")
                : "earlier rounds' regions were not excluded (--include-annotated)");
            Console.WriteLine($"opened round {round.Id} (ranked by {round.RankedBy}), candidates {ws.PathOf(round.CandidatesFile!)}");
            return Task.FromResult(0);
        });
        return command;
    }

    /// <summary>
    /// The ranking a workspace's reduction will run, from its options (`uga cluster --rank-args`), for a prediction
    /// unit to measure its slides' candidate features with (`uga predict --workspace --rank-args`). Only ranking
    /// options: the unit must not register slides or choose folders.
    /// </summary>
    public static RankRequest ForUnit(LoopWorkspace workspace, IReadOnlyList<string> rankArgs)
    {
        var o = new RankOptions();
        var command = new Command("rank");
        foreach (var option in o.All) command.Options.Add(option);
        var parse = command.Parse([.. rankArgs]);
        if (parse.Errors.Count > 0) throw new InvalidInputException("--rank-args", string.Join("; ", parse.Errors.Select(e => e.Message)));
        Option[] notRanking = [o.Model, o.Workspace, o.Slides, o.Data, o.Output, o.Artifacts, o.Units, o.Threads];
        if (notRanking.FirstOrDefault(x => parse.GetResult(x) is { Implicit: false }) is { } bad)
            throw new InvalidInputException("--rank-args", $"{bad.Name} is not a ranking option; give only how to rank (e.g. --k 5 --patch 256)");
        return Request(parse, o, workspace, CancellationToken.None);
    }

    private static RankRequest Request(ParseResult parse, RankOptions o, LoopWorkspace? ws, CancellationToken cancellation)
    {
        var modelDir = parse.GetValue(o.Model) ?? (ws is null ? throw new InvalidInputException(null, "give --model or --workspace")
            : ws.ModelDir(ws.Manifest.Current));
        var outDir = parse.GetValue(o.Output) ?? (ws is null ? throw new InvalidInputException(null, "--out is required without --workspace")
            : WorkspaceRanker.DefaultQueueDir(ws));
        var request = new RankRequest
        {
            ModelDir = modelDir,
            SlidePaths = ws is null || parse.GetValue(o.Data) is not null ? parse.GetValue(o.Slides) ?? []
                : WorkspaceRanker.Slides(ws, parse.GetValue(o.Slides) ?? [], parse.GetValue(o.Spacing)),
            DataDir = parse.GetValue(o.Data),
            Where = (parse.GetValue(o.Where) ?? []).Select(CaseFilter.Parse).ToList(),
            DataSpacingUm = parse.GetValue(o.DataSpacing),
            SlideSpacingUm = parse.GetValue(o.Spacing),
            OutDir = outDir,
            ArtifactsDir = parse.GetValue(o.Artifacts) ?? ws?.ArtifactsDir,
            K = parse.GetValue(o.K),
            Strategy = parse.GetValue(o.Strategy),
            Measure = parse.GetValue(o.Measure)!,
            PatchSizePx = parse.GetValue(o.Patch),
            PatchSpacingUm = parse.GetValue(o.PatchSpacing),
            StridePx = parse.GetValue(o.Stride),
            MinTissueFraction = parse.GetValue(o.MinTissue),
            KMode = KModes.Parse(parse.GetValue(o.KMode)!),
            MinDistanceUm = parse.GetValue(o.MinDistance),
            MaxPerSlide = parse.GetValue(o.MaxPerSlide),
            Jitter = parse.GetValue(o.Jitter),
            Seed = parse.GetValue(o.Seed),
            StochasticBeta = parse.GetValue(o.Stochastic),
            PreAnnotate = parse.GetValue(o.PreAnnotate),
            PreAnnotationCleanup = MinAreas(parse.GetValue(o.MinArea) ?? []),
            Overlap = parse.GetValue(o.Overlap),
            CascadeThreshold = parse.GetValue(o.Cascade),
            Progress = ProgressPrinter.ToStandardError(),
            Cancellation = cancellation,
        };
        request.Validate();
        return request;
    }

    private static void Report(RankResult result)
    {
        var chosen = result.Selection.Chosen;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ranked {result.PoolSize} candidates with {result.StrategyDescription} ({result.Measure}); chose {chosen.Count} in {result.Elapsed.TotalSeconds:0.0} s"));
        foreach (var c in chosen.Take(10))
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  UGA {c.Rank}: {c.SlideId} x={c.ShownRegion.X} y={c.ShownRegion.Y} ({c.PatchSize} px at {c.SpacingUm:0.###} µm/px) score {c.Score:0.###}"));
        if (chosen.Count > 10) Console.WriteLine($"  … {chosen.Count - 10} more in candidates.csv");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"predictions: {result.ReusedPredictions} reused from stored artifacts, {result.Forwards} patch forwards through the networks; candidate features: {result.StoredFeatures} slides' read from their artifacts"));
        foreach (var note in result.Notes) Console.WriteLine($"note: {note}");
        Console.WriteLine("candidates.csv: x, y, width, height are pixels at spacing_um (the grid); level0_* are the slide's level-0 pixels, as in the XML/GeoJSON");
        foreach (var file in result.Files) Console.WriteLine($"wrote {file}");
    }

    // "20" sets every class, "tumour=200" one class; later values win.
    private static OutlineCleanupOptions MinAreas(IEnumerable<string> values)
    {
        var options = new OutlineCleanupOptions();
        var byClass = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
        foreach (var value in values)
        {
            var (name, number) = value.Split('=', 2) is [var c, var n] ? (c.Trim(), n) : ((string?)null, value);
            if (!double.TryParse(number, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var um2) || !(um2 >= 0) || double.IsInfinity(um2))
                throw new InvalidInputException("--min-area", $"'{value}' is not UM2 or CLASS=UM2 with a non-negative number of µm²");
            if (name is null) options = options with { MinAreaUm2 = um2 };
            else byClass[name] = um2;
        }
        return options with { MinAreaUm2ByClass = byClass };
    }
}

/// <summary>
/// The options of `uga rank`, one instance per command: the command line of the rank itself and the reduction's
/// options a prediction unit is given (`uga predict --workspace --rank-args`) are read by the same definitions.
/// </summary>
internal sealed class RankOptions
{
    public Option<string?> Model { get; } = new("--model") { Description = "Model folder written by `uga train` (with --workspace: optional; if given it must be the workspace's current model folder)" };
    public Option<string?> Workspace { get; } = new("--workspace")
    {
        Description = "Workspace folder: rank with its current model version and open a new annotation round on the chosen candidates (its id is printed)",
    };
    public Option<string[]> Slides { get; } = new("--slide") { Description = "Whole-slide FILE to rank (repeatable; with --workspace the slides are registered, and without --slide the workspace's registered slides are ranked)", AllowMultipleArgumentsPerToken = false };
    public Option<string?> Data { get; } = new("--data") { Description = "Dataset folder of tile images (images/, optional masks/ and cases.csv) instead of slides" };
    public Option<string[]> Where { get; } = new("--where") { Description = "With --data: keep cases whose cases.csv column has this value, column=value (repeatable)" };
    public Option<int> K { get; } = new("--k") { Description = "Patches to choose (see --k-mode)", Required = true };
    public Option<string?> Strategy { get; } = new("--strategy")
    {
        Description = $"Ranking strategy: {string.Join(", ", RankingStrategies.Names)} (default {RankRequest.DefaultStrategy}, {RankRequest.FallbackStrategy} for an ONNX model: best measured in docs/results; uga-paper = the paper's score)",
    };
    public Option<string?> Output { get; } = new("--out") { Description = "Output folder (with --workspace, default: <workspace>/rounds/<new round id>/queue)" };
    public Option<string> Measure { get; } = new("--measure")
    {
        Description = $"Uncertainty measure read by the strategy ({string.Join(", ", UncertaintyMeasures.Names)}); uga-paper and mutual-information fix their own",
        DefaultValueFactory = _ => PaperScoring.DefaultMeasure,
    };
    public Option<int> Patch { get; } = new("--patch") { Description = "Candidate patch side in pixels at --patch-spacing", DefaultValueFactory = _ => 256 };
    public Option<double?> PatchSpacing { get; } = new("--patch-spacing") { Description = "µm/px of the candidate grid (default: the model's spacing)" };
    public Option<int?> Stride { get; } = new("--stride") { Description = "Grid step in pixels at --patch-spacing (default: the patch size)" };
    public Option<double> MinTissue { get; } = new("--min-tissue") { Description = "Drop patches with less tissue than this fraction", DefaultValueFactory = _ => 0.5 };
    public Option<string> KMode { get; } = new("--k-mode") { Description = "per-slide (K from every slide), total (K in all) or pooled (K x slides, chosen across the pool)", DefaultValueFactory = _ => "total" };
    public Option<double> MinDistance { get; } = new("--min-distance") { Description = "Chosen patch centres on one slide are at least this many µm apart", DefaultValueFactory = _ => 0 };
    public Option<int?> MaxPerSlide { get; } = new("--max-per-slide") { Description = "At most N patches from one slide" };
    public Option<double> Jitter { get; } = new("--jitter") { Description = "Shift each shown patch by up to this fraction of its size (0..1)", DefaultValueFactory = _ => 0 };
    public Option<int> Seed { get; } = new("--seed") { Description = "Seed for random scores, clustering and jitter", DefaultValueFactory = _ => 0 };
    public Option<double?> Stochastic { get; } = new("--stochastic")
    {
        Description = "Sample the K patches with probability ∝ score^β (Gumbel noise of scale 1/β) instead of the top-K: β large → top-K, small → random",
    };
    public Option<bool> PreAnnotate { get; } = new("--pre-annotate") { Description = "Put the model's prediction inside each candidate as editable, classed polygons" };
    public Option<string[]> MinArea { get; } = new("--min-area")
    {
        Description = $"With --pre-annotate: drop regions and fill holes smaller than this many µm², for every class (UM2) or one (CLASS=UM2); repeatable (default {OutlineCleanupOptions.DefaultMinAreaUm2})",
    };
    public Option<double?> Spacing { get; } = new("--spacing") { Description = "µm/px of the slides' full resolution, overriding the files' (required for slides without one)" };
    public Option<double?> DataSpacing { get; } = new("--data-spacing") { Description = "With --data: µm/px of the images (default: the spacing_um column of cases.csv)" };
    public Option<bool> IncludeAnnotated { get; } = new("--include-annotated")
    {
        Description = "With --workspace: keep candidates overlapping (more than 10% of the patch) a region queued in an earlier round; by default they are excluded",
    };
    public Option<int?> Threads { get; } = new("--threads") { Description = "CPU threads for the networks (default: torch's choice)" };
    public Option<int?> Overlap { get; } = new("--overlap") { Description = "Overlap of the prediction's patches in model pixels, when a slide must be predicted (default: half the patch)" };
    public Option<double?> Cascade { get; } = new("--cascade")
    {
        Description = "Predict with a cascade: the first member on every tile, the others only where its mean normalised entropy exceeds this (0..1); docs/benchmarks.md measures what it costs the ranking",
    };
    public Option<string?> Artifacts { get; } = new("--artifacts")
    {
        Description = "Folder of prediction artifacts (SLIDE.prediction.zarr, e.g. the --out of `uga predict --slide`): current ones are reused, missing or stale ones predicted and stored there (default: OUT/maps; with --workspace: the workspace's artifacts/)",
    };
    public Option<int?> Units { get; } = new("--units")
    {
        Description = "With --workspace: run as the reduction over N prediction units (`uga predict --workspace --shard i/N`, `uga cluster slurm`): fail, naming them, if any unit's artifacts are missing or stale, instead of predicting",
    };

    public IEnumerable<Option> All =>
    [
        Model, Workspace, Slides, Data, Where, K, Strategy, Output, Measure, Patch, PatchSpacing, Stride, MinTissue, KMode, MinDistance, MaxPerSlide, Jitter, Seed, Stochastic, PreAnnotate, MinArea, Spacing, DataSpacing, IncludeAnnotated, Threads, Overlap, Cascade, Artifacts, Units,
    ];
}
