using System.Globalization;
using System.Security.Cryptography;
using NetTopologySuite.Geometries;
using Uga.Annotations;
using Uga.Imaging;
using Uga.Inference;
using Uga.Learning;
using Uga.Loop.Workspace.Store;
using Uga.Ranking;
using Uga.Slides;

namespace Uga.Loop.Workspace;

/// <summary>What to import: a pathologist's file for one slide into a round of the workspace.</summary>
public sealed record ImportRequest
{
    public required string AnnotationFile { get; init; }
    public required string SlidePath { get; init; }

    /// <summary>Round to import into; null: the latest round (a new one is opened when there is none).</summary>
    public string? Round { get; init; }

    /// <summary>µm/px of the slide's level 0 when its file does not say.</summary>
    public double? SlideSpacingUm { get; init; }

    /// <summary>Class for rectangle pixels no polygon covers; null: ignored in training.</summary>
    public string? UnlabelledClass { get; init; }

    /// <summary>Class of polygons the file leaves unclassified (QuPath exports often do); null: they are an error.</summary>
    public string? UnclassifiedClass { get; init; }

    /// <summary>Who drew the annotations (stored with each polygon); default: the user running the import.</summary>
    public string Author { get; init; } = Environment.UserName;

    /// <summary>
    /// The workbench's save of one candidate: only that candidate's rectangle is imported, and the import is stored
    /// with the candidate's review if the candidate is still at the revision the annotator saw.
    /// </summary>
    public ReviewTarget? Review { get; init; }
}

/// <summary>The candidate a workbench save answers and the revision its annotator loaded.</summary>
public sealed record ReviewTarget(long CandidateId, int ExpectedRevision);

/// <summary>
/// Turns a pathologist's annotations of a round's candidates into training patches at the model's spacing: each
/// candidate rectangle becomes an image read from the slide plus labels rasterised from the polygons inside it;
/// polygons outside every candidate become extra patches over their bounding box. Everything is checked and
/// computed before the first file is written, so bad input leaves the workspace unchanged.
/// </summary>
public static class AnnotationImporter
{
    public static AnnotationImport Import(LoopWorkspace workspace, ImportRequest request)
    {
        var bytes = File.Exists(request.AnnotationFile) ? File.ReadAllBytes(request.AnnotationFile)
            : throw new InvalidInputException(request.AnnotationFile, "annotation file not found");
        var read = AnnotationFiles.Read(request.AnnotationFile);
        if (read.Format is not (AnnotationFormat.AsapXml or AnnotationFormat.QuPathGeoJson))
            throw new InvalidInputException(request.AnnotationFile, $"{read.Format} is not accepted here; export ASAP XML or QuPath GeoJSON");
        var model = ModelManifest.Read(Path.Combine(workspace.ModelDir(workspace.Manifest.Current), ModelManifest.FileName));
        var classes = new ClassLabels(model.ClassNames.Select((n, i) => (n, (byte)i)).ToDictionary(p => p.n, p => p.Item2, StringComparer.OrdinalIgnoreCase));
        byte fill = request.UnlabelledClass is null ? LabelMap.Ignore : classes.LabelOf(request.UnlabelledClass, "--unlabelled");
        var round = workspace.Round(request.Round);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        // The same file twice would count its patches twice in every later fine-tuning.
        if (round?.Imports.FirstOrDefault(i => i.Sha256 == sha256) is { } earlier)
            throw new InvalidInputException(request.AnnotationFile, string.Create(CultureInfo.InvariantCulture, $"already imported into round {round.Id} at {earlier.ImportedAt:yyyy-MM-dd HH:mm}Z (same SHA-256)"));
        var slideStem = Path.GetFileNameWithoutExtension(request.SlidePath);

        var labelled = new AnnotationSet { Source = request.AnnotationFile };
        if (request.UnclassifiedClass is not null) classes.LabelOf(request.UnclassifiedClass, "--unclassified");
        foreach (var area in WithoutExclusions(read.Set.Annotations.Where(a => a.IsArea && !CandidateRegions.IsCandidateRectangle(a, out _))))
        {
            var a = area.ClassName is null && request.UnclassifiedClass is not null ? area with { ClassName = request.UnclassifiedClass } : area;
            classes.LabelOf(a.ClassName, request.AnnotationFile, a.Name); // unknown class: error listing the known ones
            labelled.Annotations.Add(a);
        }
        var candidates = Candidates(workspace, round, read.Set, slideStem, request.Review);
        if (candidates.Count == 0 && labelled.Annotations.Count == 0)
            throw new InvalidInputException(request.AnnotationFile, "no candidate rectangle and no labelled polygon in the file");

        using var slide = SlideFactory.Open(request.SlidePath, request.SlideSpacingUm);
        var bounds = new PixelRegion(0, 0, (int)slide.Levels[0].Width, (int)slide.Levels[0].Height);
        var regions = candidates.Select(c => (Stem: $"uga{c.Rank}", c.Level0, Fill: fill)).ToList();
        int extras = 0;
        foreach (var a in labelled.Annotations.Where(a => !candidates.Any(c => Intersects(a.Geometry, c.Level0))))
        {
            var box = Box(a.Geometry).Intersect(bounds);
            if (box.Width <= 0 || box.Height <= 0)
                throw new InvalidInputException(request.AnnotationFile, $"annotation '{a.Name}' matches no candidate and lies outside the slide ({bounds.Width}x{bounds.Height})");
            regions.Add(($"extra{++extras}", box, LabelMap.Ignore));
        }

        var rasterizer = new AnnotationRasterizer(labelled, classes, slide.Spacing);
        var patches = new List<(string Stem, RgbImage Image, LabelMap Labels)>();
        foreach (var (stem, level0, regionFill) in regions)
        {
            var inside = level0.Intersect(bounds);
            if (inside.Width <= 0 || inside.Height <= 0)
                throw new InvalidInputException(request.AnnotationFile, $"candidate '{stem}' lies outside the slide ({bounds.Width}x{bounds.Height}); wrong slide?");
            var labels = rasterizer.Rasterize(inside, model.SpacingUm, regionFill);
            if (labels.Data.All(v => v == LabelMap.Ignore)) continue; // nothing to learn from
            var image = slide.ReadRegion(model.SpacingUm, SpacingMath.Convert(inside, slide.Spacing, model.SpacingUm));
            if (image.Width != labels.Width || image.Height != labels.Height) image = Resample.Rgb(image, labels.Width, labels.Height);
            patches.Add((stem, image, labels));
        }
        if (patches.Count == 0) throw new InvalidInputException(request.AnnotationFile, "no labelled pixel inside any candidate; nothing to import");

        round ??= workspace.AddRound(null);
        var dir = workspace.PathOf(Path.Combine(round.Folder, "patches"));
        var stems = new List<string>();
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (stem, image, labels) in patches)
        {
            // Named by the file's hash, not a running number: two imports at once must not write the same names.
            var name = $"{slideStem}-{sha256[..12]}-{stem}";
            ImageFile.WritePng(image, Path.Combine(dir, "images", name + ".png"));
            ImageFile.WritePng(labels, Path.Combine(dir, "masks", name + ".png"));
            stems.Add(name);
            foreach (var v in labels.Data)
                if (v != LabelMap.Ignore) counts[model.ClassNames[v]] = counts.GetValueOrDefault(model.ClassNames[v]) + 1;
        }
        var import = new AnnotationImport
        {
            File = Path.GetFullPath(request.AnnotationFile),
            Sha256 = sha256,
            Format = read.Format.ToString(),
            Slide = Path.GetFullPath(request.SlidePath),
            ImportedAt = DateTimeOffset.UtcNow,
            SpacingUm = model.SpacingUm,
            Unlabelled = request.UnlabelledClass ?? "ignore",
            CandidatePatches = patches.Count(p => p.Stem.StartsWith("uga", StringComparison.Ordinal)),
            ExtraRegions = extras,
            Polygons = labelled.PolygonCount,
            Patches = stems,
            PixelsPerClass = counts,
        };
        var now = DateTimeOffset.UtcNow;
        var writer = new NetTopologySuite.IO.WKTWriter();
        var annotations = labelled.Annotations.Select(a => new StoredAnnotation(model.ClassNames[classes.LabelOf(a.ClassName, request.AnnotationFile, a.Name)], writer.Write(a.Geometry),
            candidates.FirstOrDefault(c => c.Id > 0 && Intersects(a.Geometry, c.Level0))?.Id, request.Author, now, import.File, sha256)).ToList();
        if (request.Review is { } review)
            workspace.SaveReview(review, ReviewState.Annotated, request.Author, new ReviewImport(round.Id, import, annotations));
        else
            workspace.AddImport(round.Id, import, annotations);
        return import;
    }

    // The round's stored candidates of this slide, plus "UGA n" rectangles of the file the round does not list.
    private static List<CandidateRegion> Candidates(LoopWorkspace workspace, AnnotationRound? round, AnnotationSet set, string slideStem, ReviewTarget? review)
    {
        var result = new List<CandidateRegion>();
        if (review is not null)
        {
            // A workbench save answers one candidate; the other rectangles of the slide are not part of it.
            var stored = workspace.Store.Candidates(round?.Id).FirstOrDefault(c => c.Id == review.CandidateId)
                ?? throw new InvalidInputException(workspace.ManifestPath, $"no candidate {review.CandidateId} in round {round?.Id}");
            return [new CandidateRegion(stored.Rank, stored.Slide, stored.Level0) { Level0SpacingUm = stored.Level0SpacingUm, Id = stored.Id }];
        }
        if (round is not null)
            result.AddRange(workspace.Store.Candidates(round.Id).Where(c => c.Slide.Length == 0 || c.Slide == slideStem)
                .Select(c => new CandidateRegion(c.Rank, c.Slide, c.Level0) { Level0SpacingUm = c.Level0SpacingUm, Id = c.Id }));
        foreach (var r in CandidateRegions.FromAnnotations(set, slideStem))
            if (!result.Any(c => c.Rank == r.Rank)) result.Add(r);
        return result;
    }

    /// <summary>
    /// ASAP has no holes: they come back as polygons of group "&lt;class&gt; exclusion" (see <see cref="AsapXml.ExclusionGroup"/>).
    /// They are cut out of that class's polygons, so their pixels count as unlabelled rather than as a class.
    /// </summary>
    private static IEnumerable<Annotation> WithoutExclusions(IEnumerable<Annotation> areas)
    {
        const string Suffix = " exclusion";
        var list = areas.ToList();
        var holes = list.Where(a => a.ClassName?.EndsWith(Suffix, StringComparison.OrdinalIgnoreCase) == true)
            .GroupBy(a => a.ClassName![..^Suffix.Length], StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.Select(a => a.Geometry).ToList(), StringComparer.OrdinalIgnoreCase);
        foreach (var a in list)
        {
            if (a.ClassName?.EndsWith(Suffix, StringComparison.OrdinalIgnoreCase) == true) continue;
            if (a.ClassName is null || !holes.TryGetValue(a.ClassName, out var cut)) { yield return a; continue; }
            var geometry = a.Geometry;
            foreach (var hole in cut.Where(h => h.EnvelopeInternal.Intersects(geometry.EnvelopeInternal)))
                geometry = geometry.Difference(hole);
            if (!geometry.IsEmpty) yield return a with { Geometry = geometry };
        }
    }

    private static bool Intersects(Geometry g, PixelRegion r) =>
        g.EnvelopeInternal.Intersects(new Envelope(r.X, r.Right, r.Y, r.Bottom)) && g.Intersects(g.Factory.ToGeometry(new Envelope(r.X, r.Right, r.Y, r.Bottom)));

    private static PixelRegion Box(Geometry g)
    {
        var e = g.EnvelopeInternal;
        int x0 = (int)Math.Floor(Math.Max(int.MinValue / 2, e.MinX)), y0 = (int)Math.Floor(Math.Max(int.MinValue / 2, e.MinY));
        int x1 = (int)Math.Ceiling(Math.Min(int.MaxValue / 2, e.MaxX)), y1 = (int)Math.Ceiling(Math.Min(int.MaxValue / 2, e.MaxY));
        return new PixelRegion(x0, y0, x1 - x0, y1 - y0);
    }
}
