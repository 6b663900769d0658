using System.Text.Json;
using NetTopologySuite.Geometries;
using Uga.Annotations;

namespace Uga.Server;

/// <summary>One classed region as the page sends and receives it: GeoJSON MultiPolygon coordinates in level-0 pixels.</summary>
public sealed record RegionJson(string Class, double[][][][] Coordinates);

/// <summary>A save of one candidate: the revision the annotator loaded, who they are, and their regions.</summary>
public sealed record SaveRequest(int Revision, string? Author, IReadOnlyList<RegionJson>? Regions);

/// <summary>A skip: the revision the annotator saw and who skips.</summary>
public sealed record SkipRequest(int Revision, string? Author);

/// <summary>Turns what the page sent into geometry, refusing anything malformed with a reason (nothing is stored then).</summary>
public static class Submission
{
    private static readonly GeometryFactory Factory = new();

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web) { MaxDepth = 16 };

    public static List<Annotation> Regions(SaveRequest request, IReadOnlyList<string> classNames, int maxVertices)
    {
        var regions = request.Regions ?? throw RequestException.BadRequest("'regions' is missing (send [] for a candidate with nothing but background)");
        long vertices = regions.Sum(r => (long)(r?.Coordinates?.Sum(p => p?.Sum(ring => ring?.Length ?? 0) ?? 0) ?? 0));
        if (vertices > maxVertices) throw RequestException.BadRequest($"{vertices} vertices in one save; the limit is {maxVertices}");
        var result = new List<Annotation>();
        for (int i = 0; i < regions.Count; i++)
        {
            var r = regions[i] ?? throw RequestException.BadRequest($"region {i + 1} is null");
            if (string.IsNullOrWhiteSpace(r.Class) || !classNames.Contains(r.Class, StringComparer.OrdinalIgnoreCase))
                throw RequestException.BadRequest($"region {i + 1}: unknown class '{r.Class}' (the model's classes: {string.Join(", ", classNames)})");
            var polygons = (r.Coordinates ?? throw RequestException.BadRequest($"region {i + 1} has no coordinates")).Select((p, k) => Polygon(p, i, k)).ToArray();
            if (polygons.Length == 0) throw RequestException.BadRequest($"region {i + 1} has no polygon");
            Geometry g = polygons.Length == 1 ? polygons[0] : Factory.CreateMultiPolygon(polygons);
            // A self-crossing outline drawn by hand is repaired when the import reads the saved file, like every annotation file.
            if (g.Area <= 0) throw RequestException.BadRequest($"region {i + 1} encloses no area");
            result.Add(new Annotation($"region {i + 1}", r.Class, g));
        }
        return result;
    }

    private static Polygon Polygon(double[][][]? rings, int region, int part)
    {
        if (rings is not { Length: > 0 }) throw RequestException.BadRequest($"region {region + 1}, polygon {part + 1}: no rings");
        var linear = rings.Select((ring, k) => Ring(ring, region, part, k)).ToArray();
        return Factory.CreatePolygon(linear[0], linear[1..]);
    }

    private static LinearRing Ring(double[][]? points, int region, int part, int ring)
    {
        string where = $"region {region + 1}, polygon {part + 1}, ring {ring + 1}";
        if (points is null || points.Length < 3) throw RequestException.BadRequest($"{where}: fewer than 3 points");
        var coordinates = new List<Coordinate>(points.Length + 1);
        foreach (var p in points)
        {
            if (p is not { Length: 2 } || !double.IsFinite(p[0]) || !double.IsFinite(p[1]) || Math.Abs(p[0]) > 1e9 || Math.Abs(p[1]) > 1e9)
                throw RequestException.BadRequest($"{where}: a point is not two finite pixel coordinates");
            coordinates.Add(new Coordinate(p[0], p[1]));
        }
        if (!coordinates[0].Equals2D(coordinates[^1])) coordinates.Add(coordinates[0].Copy());
        if (coordinates.Count < 4) throw RequestException.BadRequest($"{where}: fewer than 3 distinct points");
        return Factory.CreateLinearRing([.. coordinates]);
    }

    /// <summary>A geometry as MultiPolygon coordinates for the page.</summary>
    public static double[][][][] Coordinates(Geometry g) =>
        Enumerable.Range(0, g.NumGeometries).Select(g.GetGeometryN).OfType<Polygon>()
            .Select(p => new[] { p.Shell }.Concat(p.Holes).Select(r => r.Coordinates.Select(c => new[] { Math.Round(c.X, 2), Math.Round(c.Y, 2) }).ToArray()).ToArray())
            .ToArray();
}
