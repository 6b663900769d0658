using System.Globalization;
using NetTopologySuite.Geometries;
using NetTopologySuite.Geometries.Utilities;
using NetTopologySuite.Operation.Valid;
using Uga.Imaging;

namespace Uga.Annotations;

/// <summary>
/// Shared rules of every reader: how numbers are parsed, which coordinates are absurd, how a list of vertices
/// becomes a valid polygon (repairing self-intersections with a warning), and how errors name the file.
/// </summary>
internal sealed class ReadContext(string path, AnnotationReadOptions options)
{
    public static readonly GeometryFactory Factory = new();

    public string Path { get; } = path;
    public AnnotationReadOptions Options { get; } = options;
    public List<string> Warnings { get; } = [];

    public InvalidInputException Fail(string problem, Exception? inner = null) => new(Path, problem, inner);

    /// <summary>
    /// Runs <paramref name="read"/> for one annotation; a degenerate shape (too few vertices, nothing left after
    /// repair) is an error, or, with <see cref="AnnotationReadOptions.SkipDegenerate"/>, a warning and null.
    /// </summary>
    public T? SkipIfDegenerate<T>(Func<T?> read) where T : class
    {
        try
        {
            return read();
        }
        catch (DegenerateShapeException e) when (Options.SkipDegenerate)
        {
            Warnings.Add($"{e.Problem}; skipped");
            return null;
        }
    }

    private DegenerateShapeException Degenerate(string problem) =>
        new(Path, problem + (Options.SkipDegenerate ? "" : " (the skip-degenerate option drops such shapes with a warning)"));

    /// <summary>A culture-invariant number; a lone comma is taken as the decimal mark (European ASAP exports).</summary>
    public double Number(string? text, string what, string where)
    {
        if (string.IsNullOrWhiteSpace(text))
            throw Fail($"{where}: missing {what}");
        var s = text.Trim();
        if (s.Contains(',', StringComparison.Ordinal) && !s.Contains('.', StringComparison.Ordinal) && s.IndexOf(',') == s.LastIndexOf(','))
            s = s.Replace(',', '.');
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            throw Fail($"{where}: {what} '{Clip(text)}' is not a number");
        if (!double.IsFinite(v))
            throw Fail($"{where}: {what} is {Clip(text)}, not a finite number");
        return v;
    }

    public Coordinate Coordinate(double x, double y, string where)
    {
        var max = Options.MaxCoordinate;
        if (Math.Abs(x) > max || Math.Abs(y) > max)
            throw Fail($"{where}: coordinate ({x}, {y}) is beyond ±{max:G} pixels, not a slide position");
        if (Options.SlideSize is { } size && (x < 0 || y < 0 || x > size.Width || y > size.Height))
            throw Fail($"{where}: coordinate ({x}, {y}) is outside the {size.Width}x{size.Height} slide");
        return new Coordinate(x, y);
    }

    /// <summary>
    /// A valid Polygon or MultiPolygon from one outer ring and optional holes. Self-intersecting outlines (bow-ties,
    /// a stroke crossing itself) are repaired with NTS GeometryFixer, which keeps every enclosed lobe, and a
    /// warning is recorded; outlines with fewer than 3 distinct vertices or no area left are rejected.
    /// </summary>
    public Geometry Area(IReadOnlyList<Coordinate> outline, string where, IReadOnlyList<IReadOnlyList<Coordinate>>? holes = null)
    {
        var shell = Ring(outline, where);
        var holeRings = holes?.Select(h => Ring(h, where + " (hole)")).ToArray() ?? [];
        var polygon = Factory.CreatePolygon(shell, holeRings);
        return Repaired(polygon, where);
    }

    public Geometry Repaired(Geometry polygonal, string where)
    {
        var validity = new IsValidOp(polygonal);
        if (validity.IsValid) return polygonal;
        var fixedGeometry = Polygonal(GeometryFixer.Fix(polygonal));
        // GeometryFixer occasionally leaves slivers that touch along an edge; buffer(0) dissolves them.
        if (!fixedGeometry.IsValid) fixedGeometry = Polygonal(fixedGeometry.Buffer(0));
        if (fixedGeometry.IsEmpty || fixedGeometry.Area <= 0 || !fixedGeometry.IsValid)
            throw Degenerate($"{where}: invalid polygon ({validity.ValidationError?.Message}) cannot be repaired (no area left)");
        Warnings.Add($"{where}: invalid polygon ({validity.ValidationError?.Message}) repaired; area {polygonal.Area:0.#} -> {fixedGeometry.Area:0.#} px²");
        return fixedGeometry;
    }

    public LinearRing Ring(IReadOnlyList<Coordinate> points, string where)
    {
        var ring = new List<Coordinate>(points.Count + 1);
        foreach (var p in points)
            if (ring.Count == 0 || !ring[^1].Equals2D(p)) ring.Add(p);
        if (ring.Count > 1 && ring[0].Equals2D(ring[^1])) ring.RemoveAt(ring.Count - 1);
        var distinct = ring.Distinct().Count();
        if (distinct < 3)
            throw Degenerate($"{where}: polygon has {distinct} distinct vertices; at least 3 are needed");
        ring.Add(ring[0].Copy());
        return Factory.CreateLinearRing([.. ring]);
    }

    public Geometry Points(IReadOnlyList<Coordinate> points, string where)
    {
        if (points.Count == 0) throw Fail($"{where}: point annotation has no coordinates");
        return points.Count == 1 ? Factory.CreatePoint(points[0]) : Factory.CreateMultiPointFromCoords([.. points]);
    }

    /// <summary>Polygonal parts of a geometry (a repair can return a collection with slivers of lower dimension).</summary>
    public static Geometry Polygonal(Geometry g)
    {
        if (g is Polygon or MultiPolygon) return g;
        var parts = Enumerable.Range(0, g.NumGeometries).Select(g.GetGeometryN)
            .SelectMany(p => p is MultiPolygon mp ? Enumerable.Range(0, mp.NumGeometries).Select(i => (Polygon)mp.GetGeometryN(i)) : p is Polygon poly ? [poly] : [])
            .ToArray();
        return parts.Length == 1 ? parts[0] : Factory.CreateMultiPolygon(parts);
    }

    private static string Clip(string text) => text.Length <= 40 ? text : text[..40] + "…";
}

/// <summary>A shape that encloses no area; an input error unless the caller chose to skip such shapes.</summary>
internal sealed class DegenerateShapeException(string path, string problem) : InvalidInputException(path, problem);
