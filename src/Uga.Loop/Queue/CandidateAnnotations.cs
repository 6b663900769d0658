using NetTopologySuite.Geometries;
using Uga.Annotations;
using Uga.Imaging;
using Uga.Ranking;

namespace Uga.Loop.Queue;

/// <summary>
/// The chosen candidates of one slide as annotations in level-0 pixels: a rectangle "UGA n" per candidate and,
/// with pre-annotation, the model's predicted regions inside it as classed polygons the pathologist can edit.
/// ASAP puts the rectangles in group <see cref="AsapGroup"/>, QuPath classifies them <see cref="QuPathClass"/>.
/// </summary>
public static class CandidateAnnotations
{
    public const string AsapGroup = "UGA candidates";
    public const string QuPathClass = "UGA candidate";

    private static readonly AnnotationColor RectangleColour = new(0, 255, 255);
    private static readonly GeometryFactory Factory = new();

    /// <summary>Name of the rectangle of the candidate ranked <paramref name="rank"/>.</summary>
    public static string RectangleName(int rank) => $"UGA {rank}";

    /// <summary>
    /// Builds the set. <paramref name="rectangles"/> are (rank, level-0 region) pairs; <paramref name="regions"/>
    /// gives, per rank, the pre-annotation polygons already in level-0 coordinates (empty without pre-annotation).
    /// </summary>
    public static AnnotationSet Build(string className, IReadOnlyList<(int Rank, PixelRegion Level0)> rectangles,
        IReadOnlyDictionary<int, IReadOnlyList<Annotation>> regions, IReadOnlyList<string> classNames)
    {
        var set = new AnnotationSet();
        set.Classes.Add(new AnnotationClass(className, RectangleColour));
        for (int c = 1; c < classNames.Count; c++)
        {
            var colour = Heatmap.DefaultClassColours[1 + ((c - 1) % (Heatmap.DefaultClassColours.Count - 1))];
            set.Classes.Add(new AnnotationClass(classNames[c], colour is { } k ? new AnnotationColor(k.R, k.G, k.B) : null));
        }
        foreach (var (rank, r) in rectangles)
        {
            set.Annotations.Add(new Annotation(RectangleName(rank), className, Rectangle(r), AnnotationShape.Rectangle));
            if (regions.TryGetValue(rank, out var inside)) set.Annotations.AddRange(inside);
        }
        return set;
    }

    /// <summary>
    /// A reference label map (a dataset's ground-truth mask, in the slide's level-0 pixels) as the answer a
    /// pathologist would return for the queue: the "UGA n" rectangles classed <paramref name="rectangleClass"/> and,
    /// inside each, the map's labelled regions as classed polygons clipped to the rectangle. Background is not
    /// drawn (import it with an unlabelled class of background).
    /// </summary>
    public static AnnotationSet FromLabels(LabelMap labels, IReadOnlyList<(int Rank, PixelRegion Level0)> rectangles,
        IReadOnlyList<string> classNames, string rectangleClass = QuPathClass)
    {
        var source = new MemoryLabels(labels, 1.0); // level-0 grid: the spacing only has to match itself
        var regions = rectangles.ToDictionary(r => r.Rank, r => PreAnnotate(source, r.Level0, 1.0, r.Rank, classNames, cleanup: null).Annotations);
        return Build(rectangleClass, rectangles, regions, classNames);
    }

    /// <summary>
    /// The predicted regions of one candidate: the label map under the level-0 rectangle is vectorised per class
    /// (background skipped), clipped to the rectangle, named "UGA n: class i" and, with <paramref name="cleanup"/>,
    /// rid of speckle and simplified (<see cref="OutlineCleanup"/>); null keeps every traced pixel (reference masks).
    /// </summary>
    public static (IReadOnlyList<Annotation> Annotations, OutlineCleanupCounts Counts) PreAnnotate(ILabelSource labels, PixelRegion level0,
        double slideSpacingUm, int rank, IReadOnlyList<string> classNames, OutlineCleanupOptions? cleanup)
    {
        var grid = SpacingMath.Convert(level0, slideSpacingUm, labels.SpacingUm).Intersect(new PixelRegion(0, 0, labels.Width, labels.Height));
        if (grid.Area == 0) return ([], OutlineCleanupCounts.Zero);
        var map = labels.Read(grid);
        var classLabels = new ClassLabels(classNames.Select((n, i) => (n, (byte)i)).ToDictionary(p => p.n, p => p.Item2, StringComparer.OrdinalIgnoreCase));
        double scale = labels.SpacingUm / slideSpacingUm;
        var set = LabelMapVectorizer.Vectorize(map, classLabels, grid.X * scale, grid.Y * scale, slideSpacingUm, labels.SpacingUm);
        var clip = Rectangle(level0);
        var result = new List<Annotation>();
        foreach (var a in set.Annotations)
        {
            var clipped = Polygonal(a.Geometry.Intersection(clip));
            if (clipped is null) continue;
            result.Add(a with { Name = $"UGA {rank}: {a.Name}", Geometry = clipped });
        }
        if (cleanup is null) return (result, OutlineCleanupCounts.Zero);
        var (kept, counts) = OutlineCleanup.Clean(result, slideSpacingUm, labels.SpacingUm, cleanup);
        return (kept, counts);
    }

    public static Polygon Rectangle(PixelRegion r) =>
        (Polygon)Factory.ToGeometry(new Envelope(r.X, r.Right, r.Y, r.Bottom));

    // Clipping can leave slivers of lower dimension (shared edges); only the areas are annotations.
    private static Geometry? Polygonal(Geometry g)
    {
        var polygons = Enumerable.Range(0, g.NumGeometries).Select(g.GetGeometryN).OfType<Polygon>().Where(p => p.Area > 0).ToArray();
        return polygons.Length switch
        {
            0 => null,
            1 => polygons[0],
            _ => Factory.CreateMultiPolygon(polygons),
        };
    }
}
