using NetTopologySuite.Geometries;
using NetTopologySuite.Operation.Union;

namespace Uga.Server;

/// <summary>A brush or eraser stroke: the path the pointer took (level-0 pixels) and the brush radius (level-0 pixels).</summary>
public sealed record StrokeRequest(double[][]? Path, double Radius, IReadOnlyList<RegionJson>? Regions, string? Class);

/// <summary>
/// Brush and eraser, computed with NetTopologySuite so the page needs no geometry library: the brush paints the
/// stroke's swept disc as a region of the chosen class (merged with that class's regions it touches); the eraser
/// cuts it out of every region.
/// </summary>
public static class BrushStrokes
{
    private static readonly GeometryFactory Factory = new();

    public static IReadOnlyList<RegionJson> Paint(StrokeRequest stroke, IReadOnlyList<string> classNames, int maxVertices)
    {
        var className = stroke.Class is { } c && classNames.Contains(c, StringComparer.OrdinalIgnoreCase)
            ? c : throw RequestException.BadRequest($"unknown class '{stroke.Class}' (the model's classes: {string.Join(", ", classNames)})");
        var swept = Swept(stroke, maxVertices);
        var regions = Existing(stroke, classNames, maxVertices);
        var same = regions.Where(r => string.Equals(r.ClassName, className, StringComparison.OrdinalIgnoreCase) && r.Geometry.Intersects(swept)).ToList();
        var merged = UnaryUnionOp.Union([swept, .. same.Select(r => r.Geometry)]);
        var result = regions.Except(same).Select(r => new RegionJson(r.ClassName!, Submission.Coordinates(r.Geometry))).ToList();
        result.Add(new RegionJson(className, Submission.Coordinates(merged)));
        return result;
    }

    public static IReadOnlyList<RegionJson> Erase(StrokeRequest stroke, IReadOnlyList<string> classNames, int maxVertices)
    {
        var swept = Swept(stroke, maxVertices);
        var result = new List<RegionJson>();
        foreach (var r in Existing(stroke, classNames, maxVertices))
        {
            var left = r.Geometry.Intersects(swept) ? r.Geometry.Difference(swept) : r.Geometry;
            if (!left.IsEmpty && left.Area > 0) result.Add(new RegionJson(r.ClassName!, Submission.Coordinates(left)));
        }
        return result;
    }

    private static Geometry Swept(StrokeRequest stroke, int maxVertices)
    {
        if (stroke.Path is not { Length: > 0 } path || path.Length > maxVertices) throw RequestException.BadRequest($"a stroke needs 1 to {maxVertices} points");
        if (!(stroke.Radius > 0) || stroke.Radius > 10_000) throw RequestException.BadRequest("the brush radius must be in (0, 10000] pixels");
        var points = path.Select(p => p is { Length: 2 } && double.IsFinite(p[0]) && double.IsFinite(p[1])
            ? new Coordinate(p[0], p[1]) : throw RequestException.BadRequest("a stroke point is not two finite pixel coordinates")).ToArray();
        Geometry line = points.Length == 1 ? Factory.CreatePoint(points[0]) : Factory.CreateLineString(points);
        return line.Buffer(stroke.Radius, 8);
    }

    private static List<Uga.Annotations.Annotation> Existing(StrokeRequest stroke, IReadOnlyList<string> classNames, int maxVertices) =>
        Submission.Regions(new SaveRequest(0, null, stroke.Regions ?? []), classNames, maxVertices)
            .Select(a => a.Geometry.IsValid ? a : a with { Geometry = NetTopologySuite.Geometries.Utilities.GeometryFixer.Fix(a.Geometry) }).ToList();
}
