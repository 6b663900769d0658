using NetTopologySuite.IO;
using Uga.Annotations;
using Uga.Imaging;
using Uga.Inference;
using Uga.Loop.Queue;
using Uga.Loop.Workspace;
using Uga.Loop.Workspace.Store;

namespace Uga.Server;

/// <summary>A candidate as the queue lists it: where it is, how it ranked, and where its review stands.</summary>
public sealed record QueueItem(long Id, string Round, int Rank, string Slide, int X, int Y, int Width, int Height, double? Score,
    string State, int Revision, string? Author, DateTimeOffset? UpdatedAt);

/// <summary>One candidate opened for annotation: the regions to edit and where they came from (saved, model, none).</summary>
public sealed record CandidateView(QueueItem Candidate, string Source, IReadOnlyList<RegionJson> Regions);

/// <summary>
/// The round's queue: candidates in rank order with their review state, each opened with the saved annotation or
/// the model's cleaned-up pre-annotation, saved through the one import path (patches, store transaction, revision).
/// </summary>
public sealed class QueueService(WorkspaceAccess access, WorkbenchOptions options)
{
    public static IReadOnlyList<string> ClassNames(LoopWorkspace ws) =>
        ModelManifest.Read(Path.Combine(ws.ModelDir(ws.Manifest.Current), ModelManifest.FileName)).ClassNames;

    public (string? Round, IReadOnlyList<QueueItem> Items) Queue(string? roundId)
    {
        using var ws = access.Open();
        var round = ws.Round(roundId);
        if (round is null) return (null, []);
        var reviews = ws.Store.Reviews(round.Id).ToDictionary(r => r.CandidateId);
        return (round.Id, ws.Store.Candidates(round.Id).Select(c => Item(c, reviews.GetValueOrDefault(c.Id))).ToList());
    }

    public CandidateView Open(long id)
    {
        using var ws = access.Open();
        var (candidate, review) = Find(ws, id);
        var item = Item(candidate, review);
        if (review?.State == ReviewState.Annotated)
        {
            var reader = new WKTReader();
            var saved = ws.Store.Annotations(candidate.RoundId).Where(a => a.CandidateId == id)
                .Select(a => new RegionJson(a.ClassName, Submission.Coordinates(reader.Read(a.GeometryWkt)))).ToList();
            return new CandidateView(item, "saved", saved);
        }
        var artifact = access.Artifact(candidate.Slide);
        if (artifact is null) return new CandidateView(item, "none", []);
        var (slide, _) = access.Slide(candidate.Slide);
        var (outlines, _) = CandidateAnnotations.PreAnnotate(new ArtifactLabels(artifact), candidate.Level0, slide.SpacingUm,
            candidate.Rank, artifact.Manifest.ClassNames, new OutlineCleanupOptions());
        return new CandidateView(item, "model", outlines.Select(a => new RegionJson(a.ClassName ?? "", Submission.Coordinates(a.Geometry))).ToList());
    }

    /// <summary>Stores the annotator's regions as the candidate's answer; pixels they leave uncovered are background.</summary>
    public QueueItem Save(long id, SaveRequest request)
    {
        using var ws = access.Open();
        var (candidate, review) = Find(ws, id);
        // Refused before anything is written; the store checks again inside the save's transaction.
        StaleRevisionException.ThrowIfStale(id, request.Revision, review);
        var classes = ClassNames(ws);
        var regions = Submission.Regions(request, classes, options.MaxVertices);
        var author = Author(request.Author);
        var (slide, _) = access.Slide(candidate.Slide);
        var set = new AnnotationSet { Source = "uga serve" };
        set.Annotations.Add(new Annotation(CandidateAnnotations.RectangleName(candidate.Rank), CandidateAnnotations.QuPathClass,
            CandidateAnnotations.Rectangle(candidate.Level0), AnnotationShape.Rectangle));
        set.Annotations.AddRange(regions);
        // The save is kept as a file like any import (its hash and path are the import's provenance).
        var file = ws.PathOf(Path.Combine("rounds", candidate.RoundId, "workbench",
            $"candidate-{id}-rev{request.Revision + 1}-{DateTime.UtcNow:yyyyMMdd'T'HHmmssfff}.geojson"));
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        AnnotationFiles.Write(set, file, AnnotationFormat.QuPathGeoJson);
        try
        {
            AnnotationImporter.Import(ws, new ImportRequest
            {
                AnnotationFile = file,
                SlidePath = slide.Path,
                SlideSpacingUm = slide.SpacingUm,
                Round = candidate.RoundId,
                UnlabelledClass = classes[0],
                Author = author,
                Review = new ReviewTarget(id, request.Revision),
            });
        }
        catch
        {
            File.Delete(file); // a refused save leaves no file behind (the store has nothing of it)
            throw;
        }
        return Item(candidate, ws.Store.Reviews(candidate.RoundId).First(r => r.CandidateId == id));
    }

    public QueueItem Skip(long id, SkipRequest request)
    {
        using var ws = access.Open();
        var (candidate, _) = Find(ws, id);
        var saved = ws.SaveReview(new ReviewTarget(id, request.Revision), ReviewState.Skipped, Author(request.Author));
        return Item(candidate, saved);
    }

    /// <summary>Every saved annotation of <paramref name="slideId"/> (all rounds) and the latest round's rectangles, as ASAP XML or QuPath GeoJSON.</summary>
    public (byte[] Bytes, string FileName, string ContentType) Export(string slideId, string format)
    {
        var kind = format switch
        {
            "asap" or "xml" => AnnotationFormat.AsapXml,
            "geojson" or "qupath" => AnnotationFormat.QuPathGeoJson,
            _ => throw RequestException.BadRequest($"format '{format}' is not asap or geojson"),
        };
        using var ws = access.Open();
        if (ws.Store.Slides().All(s => s.Id != slideId)) throw new KeyNotFoundException($"no slide '{slideId}' in the workspace");
        var classes = ClassNames(ws);
        var latest = ws.Round(null);
        var rectangles = latest is null ? [] : ws.Store.Candidates(latest.Id).Where(c => c.Slide == slideId).Select(c => (c.Rank, c.Level0)).ToList();
        var reader = new WKTReader();
        var onSlide = ws.Store.Candidates().Where(c => c.Slide == slideId).Select(c => c.Id).ToHashSet();
        var saved = ws.Manifest.Rounds.SelectMany(r => ws.Store.Annotations(r.Id)).Where(a => a.CandidateId is { } id && onSlide.Contains(id))
            .Select((a, i) => new Annotation($"{a.ClassName} {i + 1} ({a.Author})", a.ClassName, reader.Read(a.GeometryWkt))).ToList();
        var set = CandidateAnnotations.Build(kind == AnnotationFormat.AsapXml ? CandidateAnnotations.AsapGroup : CandidateAnnotations.QuPathClass,
            rectangles, new Dictionary<int, IReadOnlyList<Annotation>>(), classes);
        set.Annotations.AddRange(saved);
        var ext = kind == AnnotationFormat.AsapXml ? ".xml" : ".geojson";
        var tmp = Path.Combine(Path.GetTempPath(), $"uga-export-{Guid.NewGuid():N}{ext}");
        try
        {
            AnnotationFiles.Write(set, tmp, kind);
            return (File.ReadAllBytes(tmp), slideId + ".annotations" + ext, kind == AnnotationFormat.AsapXml ? "application/xml" : "application/geo+json");
        }
        finally
        {
            File.Delete(tmp);
        }
    }

    private static (StoredCandidate Candidate, CandidateReview? Review) Find(LoopWorkspace ws, long id)
    {
        var candidate = ws.Store.Candidates().FirstOrDefault(c => c.Id == id) ?? throw new KeyNotFoundException($"no candidate {id} in the workspace");
        return (candidate, ws.Store.Reviews(candidate.RoundId).FirstOrDefault(r => r.CandidateId == id));
    }

    private static QueueItem Item(StoredCandidate c, CandidateReview? r) => new(c.Id, c.RoundId, c.Rank, c.Slide, c.Level0.X, c.Level0.Y,
        c.Level0.Width, c.Level0.Height, c.Score, (r?.State ?? ReviewState.Open).ToString().ToLowerInvariant(), r?.Revision ?? 0, r?.Author, r?.UpdatedAt);

    private static string Author(string? author)
    {
        var name = string.IsNullOrWhiteSpace(author) ? "workbench" : author.Trim();
        if (name.Length > 100 || name.Any(char.IsControl)) throw RequestException.BadRequest("author must be a name of at most 100 printable characters");
        return name;
    }
}
