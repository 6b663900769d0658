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
        var model = new Option<string?>("--model") { Description = "Model folder written by `uga train` (with --workspace: optional; if given it must be the workspace's current model folder)" };
        var workspace = new Option<string?>("--workspace")
        {
            Description = "Workspace folder: rank with its current model version and open a new annotation round on the chosen candidates (its id is printed)",
        };
        var slides = new Option<string[]>("--slide") { Description = "Whole-slide FILE to rank (repeatable; with --workspace the slides are registered, and without --slide the workspace's registered slides are ranked)", AllowMultipleArgumentsPerToken = false };
        var data = new Option<string?>("--data") { Description = "Dataset folder of tile images (images/, optional masks/ and cases.csv) instead of slides" };
        var where = new Option<string[]>("--where") { Description = "With --data: keep cases whose cases.csv column has this value, column=value (repeatable)" };
        var k = new Option<int>("--k") { Description = "Patches to choose (see --k-mode)", Required = true };
        var strategy = new Option<string>("--strategy")
        {
            Description = $"Ranking strategy: {string.Join(", ", RankingStrategies.Names)} (default {RankRequest.DefaultStrategy}: best measured in docs/results; uga-paper = the paper's score)",
            DefaultValueFactory = _ => RankRequest.DefaultStrategy,
        };
        var output = new Option<string?>("--out") { Description = "Output folder (with --workspace, default: <workspace>/rounds/<new round id>/queue)" };
        var measure = new Option<string>("--measure")
        {
            Description = $"Uncertainty measure read by the strategy ({string.Join(", ", UncertaintyMeasures.Names)}); uga-paper and mutual-information fix their own",
            DefaultValueFactory = _ => PaperScoring.DefaultMeasure,
        };
        var patch = new Option<int>("--patch") { Description = "Candidate patch side in pixels at --patch-spacing", DefaultValueFactory = _ => 256 };
        var patchSpacing = new Option<double?>("--patch-spacing") { Description = "µm/px of the candidate grid (default: the model's spacing)" };
        var stride = new Option<int?>("--stride") { Description = "Grid step in pixels at --patch-spacing (default: the patch size)" };
        var minTissue = new Option<double>("--min-tissue") { Description = "Drop patches with less tissue than this fraction", DefaultValueFactory = _ => 0.5 };
        var kMode = new Option<string>("--k-mode") { Description = "per-slide (K from every slide), total (K in all) or pooled (K x slides, chosen across the pool)", DefaultValueFactory = _ => "total" };
        var minDistance = new Option<double>("--min-distance") { Description = "Chosen patch centres on one slide are at least this many µm apart", DefaultValueFactory = _ => 0 };
        var maxPerSlide = new Option<int?>("--max-per-slide") { Description = "At most N patches from one slide" };
        var jitter = new Option<double>("--jitter") { Description = "Shift each shown patch by up to this fraction of its size (0..1)", DefaultValueFactory = _ => 0 };
        var seed = new Option<int>("--seed") { Description = "Seed for random scores, clustering and jitter", DefaultValueFactory = _ => 0 };
        var stochastic = new Option<double?>("--stochastic")
        {
            Description = "Sample the K patches with probability ∝ score^β (Gumbel noise of scale 1/β) instead of the top-K: β large → top-K, small → random",
        };
        var preAnnotate = new Option<bool>("--pre-annotate") { Description = "Put the model's prediction inside each candidate as editable, classed polygons" };
        var minArea = new Option<string[]>("--min-area")
        {
            Description = $"With --pre-annotate: drop regions and fill holes smaller than this many µm², for every class (UM2) or one (CLASS=UM2); repeatable (default {OutlineCleanupOptions.DefaultMinAreaUm2})",
        };
        var spacing = new Option<double?>("--spacing") { Description = "µm/px of the slides' full resolution, overriding the files' (required for slides without one)" };
        var dataSpacing = new Option<double?>("--data-spacing") { Description = "With --data: µm/px of the images (default: the spacing_um column of cases.csv)" };
        var includeAnnotated = new Option<bool>("--include-annotated")
        {
            Description = "With --workspace: keep candidates overlapping (more than 10% of the patch) a region queued in an earlier round; by default they are excluded",
        };
        var threads = new Option<int?>("--threads") { Description = "CPU threads for the networks (default: torch's choice)" };
        var overlap = new Option<int?>("--overlap") { Description = "Overlap of the prediction's patches in model pixels, when a slide must be predicted (default: half the patch)" };
        var cascade = new Option<double?>("--cascade")
        {
            Description = "Predict with a cascade: the first member on every tile, the others only where its mean normalised entropy exceeds this (0..1); docs/benchmarks.md measures what it costs the ranking",
        };
        var artifacts = new Option<string?>("--artifacts")
        {
            Description = "Folder of prediction artifacts (SLIDE.prediction.zarr, e.g. the --out of `uga predict --slide`): current ones are reused, missing or stale ones predicted and stored there (default: OUT/maps; with --workspace: the workspace's artifacts/)",
        };
        var units = new Option<int?>("--units")
        {
            Description = "With --workspace: run as the reduction over N prediction units (`uga predict --workspace --shard i/N`, `uga cluster slurm`): fail, naming them, if any unit's artifacts are missing or stale, instead of predicting",
        };
        var command = new Command("rank", "Rank candidate patches by the model's uncertainty and export them for annotation (CSV, ASAP XML, QuPath GeoJSON, previews)")
        {
            model, workspace, slides, data, where, k, strategy, output, measure, patch, patchSpacing, stride, minTissue, kMode,
            minDistance, maxPerSlide, jitter, seed, stochastic, preAnnotate, minArea, spacing, dataSpacing, includeAnnotated, threads, overlap, cascade,
            artifacts, units,
        };
        command.SetAction((parse, cancellation) =>
        {
            // Opened first: a wrong workspace fails before anything is predicted or written.
            using var ws = parse.GetValue(workspace) is { } root ? LoopWorkspace.Open(root) : null;
            var modelDir = parse.GetValue(model) ?? (ws is null ? throw new InvalidInputException(null, "give --model or --workspace")
                : ws.ModelDir(ws.Manifest.Current));
            var outDir = parse.GetValue(output) ?? (ws is null ? throw new InvalidInputException(null, "--out is required without --workspace")
                : WorkspaceRanker.DefaultQueueDir(ws));
            var request = new RankRequest
            {
                ModelDir = modelDir,
                SlidePaths = ws is null || parse.GetValue(data) is not null ? parse.GetValue(slides) ?? []
                    : WorkspaceRanker.Slides(ws, parse.GetValue(slides) ?? [], parse.GetValue(spacing)),
                DataDir = parse.GetValue(data),
                Where = (parse.GetValue(where) ?? []).Select(CaseFilter.Parse).ToList(),
                DataSpacingUm = parse.GetValue(dataSpacing),
                SlideSpacingUm = parse.GetValue(spacing),
                OutDir = outDir,
                ArtifactsDir = parse.GetValue(artifacts) ?? ws?.ArtifactsDir,
                K = parse.GetValue(k),
                Strategy = parse.GetValue(strategy)!,
                Measure = parse.GetValue(measure)!,
                PatchSizePx = parse.GetValue(patch),
                PatchSpacingUm = parse.GetValue(patchSpacing),
                StridePx = parse.GetValue(stride),
                MinTissueFraction = parse.GetValue(minTissue),
                KMode = KModes.Parse(parse.GetValue(kMode)!),
                MinDistanceUm = parse.GetValue(minDistance),
                MaxPerSlide = parse.GetValue(maxPerSlide),
                Jitter = parse.GetValue(jitter),
                Seed = parse.GetValue(seed),
                StochasticBeta = parse.GetValue(stochastic),
                PreAnnotate = parse.GetValue(preAnnotate),
                PreAnnotationCleanup = MinAreas(parse.GetValue(minArea) ?? []),
                Overlap = parse.GetValue(overlap),
                CascadeThreshold = parse.GetValue(cascade),
                Progress = ProgressPrinter.ToStandardError(),
                Cancellation = cancellation,
            };
            request.Validate();
            if (parse.GetValue(threads) is { } n)
            {
                Uga.Learning.TorchRuntime.SetThreads(n);
            }
            if (ws is null)
            {
                if (parse.GetValue(includeAnnotated)) throw new InvalidInputException(null, "--include-annotated only applies with --workspace");
                if (parse.GetValue(units) is not null) throw new InvalidInputException(null, "--units only applies with --workspace");
                Report(Ranker.Run(request));
                return Task.FromResult(0);
            }
            if (parse.GetValue(units) is { } unitCount)
            {
                WorkUnits.RequireDone(WorkUnits.Status(ws, unitCount), ws.Root);
                foreach (var id in WorkUnits.Gather(ws, unitCount)) Console.WriteLine($"{id}: joined the units' row bands into one artifact");
            }
            bool exclude = !parse.GetValue(includeAnnotated);
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
            $"predictions: {result.ReusedPredictions} reused from stored artifacts, {result.Forwards} patch forwards through the networks"));
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
