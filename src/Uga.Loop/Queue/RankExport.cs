using System.Text.Json;
using Uga.Annotations;
using Uga.Imaging;
using Uga.Ranking;

namespace Uga.Loop.Queue;

/// <summary>
/// Writes the annotation queue: candidates.csv (chosen, rank order), pool.csv (every scored candidate), per slide
/// ASAP XML + QuPath GeoJSON (candidates.xml/.geojson for one slide, &lt;stem&gt;.candidates.xml/.geojson for
/// several) and &lt;stem&gt;.preview.png, then rank.json describing the run and the CSV columns. With several
/// slides (or a dataset's images) only those with a chosen candidate get files, so a 165-image pool does not
/// produce 165 empty exports. Every file is atomic.
/// </summary>
internal static class RankExport
{
    public const string CandidatesCsv = "candidates.csv";
    public const string PoolCsv = "pool.csv";
    public const string SummaryJson = "rank.json";

    public static List<string> Write(RankRequest request, IReadOnlyList<PoolItem> items, Selection selection,
        string measure, RankingStrategy strategy, IReadOnlyList<string> classNames, List<string> notes, int excluded = 0)
    {
        var files = new List<string>();
        Directory.CreateDirectory(request.OutDir);
        string Out(string name)
        {
            var path = Path.Combine(request.OutDir, name);
            files.Add(path);
            return path;
        }
        var byId = items.ToDictionary(i => i.Slide.Id, StringComparer.Ordinal);
        (PixelRegion, double) Level0(Candidate c) => (byId[c.SlideId].Level0(c), byId[c.SlideId].Slide.SpacingUm);
        CandidateCsv.Write(Out(CandidatesCsv), selection.Chosen, Level0);
        CandidateCsv.Write(Out(PoolCsv), selection.Scored, Level0);

        bool single = items.Count == 1;
        var cleaned = OutlineCleanupCounts.Zero;
        foreach (var item in items)
        {
            request.Cancellation.ThrowIfCancellationRequested();
            var chosen = selection.Chosen.Where(c => c.SlideId == item.Slide.Id).ToList();
            if (chosen.Count == 0 && !single) continue;
            var rectangles = chosen.Select(c => (c.Rank, item.Level0(c))).ToList();
            var regions = new Dictionary<int, IReadOnlyList<Annotation>>();
            if (request.PreAnnotate)
                foreach (var (rank, r) in rectangles)
                {
                    var (outlines, counts) = CandidateAnnotations.PreAnnotate(item.Labels, r, item.Slide.SpacingUm, rank, classNames, request.PreAnnotationCleanup);
                    regions[rank] = outlines;
                    cleaned = cleaned.Add(counts);
                }
            var prefix = single ? "candidates" : item.Slide.Id + ".candidates";
            var asap = CandidateAnnotations.Build(CandidateAnnotations.AsapGroup, rectangles, regions, classNames);
            // ASAP has no holes: the writer says so once per annotation; one line per file is enough for the user.
            var asapWarnings = AnnotationFiles.Write(asap, Out(prefix + ".xml"));
            if (asapWarnings.Count > 0)
                notes.Add($"{prefix}.xml: {asapWarnings.Count} annotation(s) with holes or several parts were split for ASAP (holes go to '<class> exclusion' groups), e.g. {asapWarnings[0]}");
            var qupath = CandidateAnnotations.Build(CandidateAnnotations.QuPathClass, rectangles, regions, classNames);
            AnnotationFiles.Write(qupath, Out(prefix + ".geojson"));
            ImageFile.WritePng(CandidatePreview.Render(item, chosen, measure), Out(item.Slide.Id + ".preview.png"));
        }
        var summary = Summary(request, items, selection, measure, strategy, notes, excluded, cleaned);
        AtomicFile.WriteAllText(Out(SummaryJson), JsonSerializer.Serialize(summary, JsonOptions));
        return files;
    }

    private static object Summary(RankRequest r, IReadOnlyList<PoolItem> items, Selection selection, string measure,
        RankingStrategy strategy, IReadOnlyList<string> notes, int excluded, OutlineCleanupCounts cleaned) => new
        {
            Model = Path.GetFullPath(r.ModelDir),
            Strategy = strategy.Name,
            strategy.Description,
            Measure = measure,
            r.K,
            KMode = r.KMode.ToString(),
            r.PatchSizePx,
            PatchSpacingUm = selection.Scored.Count > 0 ? selection.Scored[0].SpacingUm : double.NaN,
            StridePx = r.StridePx ?? r.PatchSizePx,
            r.MinTissueFraction,
            r.MinDistanceUm,
            r.MaxPerSlide,
            r.Jitter,
            r.Seed,
            r.PreAnnotate,
            PreAnnotation = r.PreAnnotate ? new
            {
                r.PreAnnotationCleanup.MinAreaUm2,
                r.PreAnnotationCleanup.MinAreaUm2ByClass,
                r.PreAnnotationCleanup.ToleranceUm,
                cleaned.PolygonsBefore,
                cleaned.PolygonsAfter,
                cleaned.VerticesBefore,
                cleaned.VerticesAfter,
                cleaned.FragmentsDropped,
                cleaned.HolesFilled,
            } : null,
            PoolSize = selection.Scored.Count,
            ExcludedCandidates = excluded,
            ExcludeMinOverlap = r.ExcludeRegions.Count > 0 ? r.ExcludeMinOverlap : (double?)null,
            Chosen = selection.Chosen.Count,
            Slides = items.Select(i => new
            {
                i.Slide.Id,
                Source = Path.GetFullPath(i.SourcePath),
                Level0Width = i.Slide.Width,
                Level0Height = i.Slide.Height,
                Level0SpacingUm = i.Slide.SpacingUm,
                MapSpacingUm = i.MapSpacingUm,
                Candidates = selection.Scored.Count(c => c.SlideId == i.Slide.Id),
                Chosen = selection.Chosen.Count(c => c.SlideId == i.Slide.Id),
            }),
            Columns = ColumnHelp,
            Notes = notes.Concat(selection.Warnings),
        };

    /// <summary>What the CSV columns mean; also printed by the CLI.</summary>
    public static readonly IReadOnlyDictionary<string, string> ColumnHelp = new Dictionary<string, string>
    {
        ["rank"] = "1 = annotate first (0 in pool.csv for candidates not chosen)",
        ["slide"] = "slide or image file stem",
        ["x, y, width, height"] = "shown patch in pixels at spacing_um (the candidate grid's spacing), jitter included",
        ["level0_x, level0_y, level0_width, level0_height"] = "the same patch in the slide's level-0 pixels (level0_spacing_um µm/px): the coordinates of candidates.xml/.geojson, ASAP and QuPath",
        ["score"] = "the strategy's score (higher = more informative)",
        ["tissue_fraction"] = "fraction of the patch that is tissue",
        ["jitter_x, jitter_y"] = "shift of the shown patch from the measured grid cell, pixels at spacing_um",
        ["<measure>_sum, _mean, _max"] = "uncertainty statistics over the patch's map pixels",
        ["<measure>_count_patch_max, _slide_max, _pool_max"] = "map pixels above 0.8 × the patch's / slide's / pool's maximum (the pool's is measured for uga-global only, −1 otherwise)",
        ["mean_r, mean_g, mean_b"] = "mean colour of the patch (diversity feature)",
    };

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
}
