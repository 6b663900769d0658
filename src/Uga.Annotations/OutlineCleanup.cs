using NetTopologySuite.Geometries;
using NetTopologySuite.Simplify;

namespace Uga.Annotations;

/// <summary>
/// How model outlines are made fit for a person to edit: regions and holes smaller than a minimum area (µm², per
/// class) are dropped or filled, and outlines are simplified to a tolerance (µm) — the map's own pixel, so the
/// pixel staircase goes and nothing the map resolved does.
/// </summary>
public sealed record OutlineCleanupOptions
{
    /// <summary>
    /// Default minimum area: 20 µm² is about the smallest nucleus (a small lymphocyte is 20–30 µm²), so no real
    /// object is lost and one- to four-pixel speckle at 0.5–2 µm/px is.
    /// </summary>
    public const double DefaultMinAreaUm2 = 20;

    public double MinAreaUm2 { get; init; } = DefaultMinAreaUm2;

    /// <summary>Per-class minimum areas (class name, case-insensitive) overriding <see cref="MinAreaUm2"/>.</summary>
    public IReadOnlyDictionary<string, double> MinAreaUm2ByClass { get; init; } = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Douglas-Peucker tolerance in µm; null: one pixel of the map the outlines came from.</summary>
    public double? ToleranceUm { get; init; }

    public double MinAreaOf(string? className) =>
        className is not null && MinAreaUm2ByClass.TryGetValue(className, out var a) ? a : MinAreaUm2;
}

/// <summary>What a cleanup did, for the export's summary.</summary>
public sealed record OutlineCleanupCounts(int PolygonsBefore, int PolygonsAfter, long VerticesBefore, long VerticesAfter, int FragmentsDropped, int HolesFilled)
{
    public static OutlineCleanupCounts Zero { get; } = new(0, 0, 0, 0, 0, 0);

    public OutlineCleanupCounts Add(OutlineCleanupCounts o) => new(PolygonsBefore + o.PolygonsBefore, PolygonsAfter + o.PolygonsAfter,
        VerticesBefore + o.VerticesBefore, VerticesAfter + o.VerticesAfter, FragmentsDropped + o.FragmentsDropped, HolesFilled + o.HolesFilled);
}

public static class OutlineCleanup
{
    /// <summary>
    /// Cleans <paramref name="annotations"/> (level-0 pixels of a slide at <paramref name="slideSpacingUm"/>) traced
    /// from a map at <paramref name="mapSpacingUm"/>; an annotation whose every part is too small is dropped.
    /// </summary>
    public static (List<Annotation> Kept, OutlineCleanupCounts Counts) Clean(IEnumerable<Annotation> annotations,
        double slideSpacingUm, double mapSpacingUm, OutlineCleanupOptions options)
    {
        double pixelArea = slideSpacingUm * slideSpacingUm;
        double tolerance = (options.ToleranceUm ?? mapSpacingUm) / slideSpacingUm;
        var kept = new List<Annotation>();
        int before = 0, dropped = 0, filled = 0;
        long verticesBefore = 0, verticesAfter = 0;
        foreach (var a in annotations)
        {
            double minArea = options.MinAreaOf(a.ClassName) / pixelArea;
            verticesBefore += a.Geometry.NumPoints;
            var parts = new List<Polygon>();
            for (int i = 0; i < a.Geometry.NumGeometries; i++)
            {
                if (a.Geometry.GetGeometryN(i) is not Polygon p) continue;
                before++;
                if (p.Area < minArea) { dropped++; continue; }
                var holes = p.Holes.Where(h => Math.Abs(NetTopologySuite.Algorithm.Area.OfRing(h.CoordinateSequence)) >= minArea).ToArray();
                filled += p.Holes.Length - holes.Length;
                parts.Add(p.Factory.CreatePolygon(p.Shell, holes));
            }
            if (parts.Count == 0) continue;
            Geometry g = parts.Count == 1 ? parts[0] : parts[0].Factory.CreateMultiPolygon([.. parts]);
            if (tolerance > 0)
            {
                // Simplifying cuts corners: a part it shrinks under the minimum goes too, so none is left smaller.
                var simplified = TopologyPreservingSimplifier.Simplify(g, tolerance);
                var big = Enumerable.Range(0, simplified.NumGeometries).Select(simplified.GetGeometryN).OfType<Polygon>().Where(p => p.Area >= minArea).ToArray();
                dropped += simplified.NumGeometries - big.Length;
                g = big.Length == 1 ? big[0] : g.Factory.CreateMultiPolygon(big);
            }
            if (g.IsEmpty) continue;
            verticesAfter += g.NumPoints;
            kept.Add(a with { Geometry = g });
        }
        int after = kept.Sum(k => k.Geometry.NumGeometries);
        return (kept, new OutlineCleanupCounts(before, after, verticesBefore, verticesAfter, dropped, filled));
    }
}
