using NetTopologySuite.Geometries;
using NetTopologySuite.Index.Strtree;
using Uga.Imaging;

namespace Uga.Annotations;

/// <summary>
/// Paints annotations into label maps. A pixel takes an annotation's label when its centre is inside the polygon
/// (even-odd over the polygon's rings, so holes stay unpainted); later annotations paint over earlier ones, or
/// classes are painted in <c>classPriority</c> order (last on top) when one is given. Annotations are found
/// through an STRtree of their envelopes, so a small region of a slide with thousands of polygons is cheap.
/// </summary>
public sealed class AnnotationRasterizer
{
    private readonly STRtree<int> _index = new();
    private readonly List<(Geometry Geometry, byte Label, int Order)> _shapes = [];

    /// <param name="slideSpacing">µm/px of the slide's level 0, the space of the annotation coordinates.</param>
    public AnnotationRasterizer(AnnotationSet set, ClassLabels labels, double slideSpacing, IReadOnlyList<string>? classPriority = null)
    {
        if (!(slideSpacing > 0)) throw new ArgumentOutOfRangeException(nameof(slideSpacing), "spacing must be positive");
        SlideSpacing = slideSpacing;
        for (int i = 0; i < set.Annotations.Count; i++)
        {
            var a = set.Annotations[i];
            var label = labels.LabelOf(a.ClassName, set.Source, a.Name); // fail before any painting
            int rank = classPriority is null ? 0 : Rank(classPriority, a.ClassName);
            _shapes.Add((a.Geometry, label, (rank * set.Annotations.Count) + i));
            _index.Insert(a.Geometry.EnvelopeInternal, _shapes.Count - 1);
        }
        if (_shapes.Count > 0) _index.Build();
    }

    public double SlideSpacing { get; }

    /// <summary>
    /// The labels of a level-0 <paramref name="region"/> at <paramref name="spacing"/> µm/px; pixels no
    /// annotation covers get <paramref name="fill"/> (0 background, or <see cref="LabelMap.Ignore"/>).
    /// </summary>
    public LabelMap Rasterize(PixelRegion region, double spacing, byte fill = 0)
    {
        if (!(spacing > 0)) throw new ArgumentOutOfRangeException(nameof(spacing), "spacing must be positive");
        double scale = Resample.Factor(SlideSpacing, spacing);
        var map = new LabelMap(Resample.Scaled(region.Width, scale), Resample.Scaled(region.Height, scale));
        if (fill != 0) Array.Fill(map.Data, fill);
        if (_shapes.Count == 0) return map;
        var hits = _index.Query(new Envelope(region.X, region.Right, region.Y, region.Bottom));
        foreach (var i in hits.OrderBy(i => _shapes[i].Order))
            Paint(map, _shapes[i].Geometry, _shapes[i].Label, region.X, region.Y, scale);
        return map;
    }

    /// <summary>
    /// Paints <paramref name="geometry"/> (level-0 coordinates) into <paramref name="target"/>, whose pixel (i, j)
    /// has its centre at level-0 (originX + (i + 0.5) / scale, originY + (j + 0.5) / scale). Points paint the
    /// pixel they fall in.
    /// </summary>
    public static void Paint(LabelMap target, Geometry geometry, byte label, double originX, double originY, double scale)
    {
        switch (geometry)
        {
            case Polygon p:
                FillPolygon(target, p, label, originX, originY, scale);
                break;
            case Point pt:
                int px = (int)Math.Floor((pt.X - originX) * scale), py = (int)Math.Floor((pt.Y - originY) * scale);
                if (px >= 0 && py >= 0 && px < target.Width && py < target.Height) target[px, py] = label;
                break;
            default:
                for (int i = 0; i < geometry.NumGeometries; i++)
                    if (!ReferenceEquals(geometry.GetGeometryN(i), geometry))
                        Paint(target, geometry.GetGeometryN(i), label, originX, originY, scale);
                break;
        }
    }

    private static int Rank(IReadOnlyList<string> priority, string? className)
    {
        for (int i = 0; i < priority.Count; i++)
            if (string.Equals(priority[i], className, StringComparison.OrdinalIgnoreCase)) return i + 1;
        return 0; // classes not listed go first, under the listed ones
    }

    // Scanline fill with an active edge list: edges sorted by top, pixel-centre rows, half-open spans.
    private static void FillPolygon(LabelMap target, Polygon polygon, byte label, double originX, double originY, double scale)
    {
        var edges = new List<Edge>();
        AddRing(edges, polygon.ExteriorRing, originX, originY, scale);
        foreach (var hole in polygon.InteriorRings) AddRing(edges, hole, originX, originY, scale);
        if (edges.Count == 0) return;
        edges.Sort((a, b) => a.Top.CompareTo(b.Top));
        double top = edges[0].Top, bottom = edges.Max(e => e.Bottom);
        int rowStart = Math.Max(0, (int)Math.Ceiling(top - 0.5)), rowEnd = Math.Min(target.Height - 1, (int)Math.Ceiling(bottom - 0.5) - 1);
        var active = new List<Edge>();
        var xs = new List<double>();
        int next = 0;
        for (int row = rowStart; row <= rowEnd; row++)
        {
            double yc = row + 0.5;
            while (next < edges.Count && edges[next].Top <= yc) active.Add(edges[next++]);
            active.RemoveAll(e => e.Bottom <= yc);
            xs.Clear();
            foreach (var e in active)
                if (e.Top <= yc) xs.Add(e.XAtTop + ((yc - e.Top) * e.Slope));
            xs.Sort();
            for (int k = 0; k + 1 < xs.Count; k += 2)
            {
                int i0 = Math.Max(0, (int)Math.Ceiling(xs[k] - 0.5));
                int i1 = Math.Min(target.Width, (int)Math.Ceiling(xs[k + 1] - 0.5));
                if (i1 > i0) target.Data.AsSpan((row * target.Width) + i0, i1 - i0).Fill(label);
            }
        }
    }

    private static void AddRing(List<Edge> edges, LineString ring, double originX, double originY, double scale)
    {
        var seq = ring.CoordinateSequence;
        for (int i = 0; i + 1 < seq.Count; i++)
        {
            double x0 = (seq.GetX(i) - originX) * scale, y0 = (seq.GetY(i) - originY) * scale;
            double x1 = (seq.GetX(i + 1) - originX) * scale, y1 = (seq.GetY(i + 1) - originY) * scale;
            if (y0 == y1) continue; // horizontal edges never cross a pixel-centre row in a way that matters
            if (y0 > y1) (x0, y0, x1, y1) = (x1, y1, x0, y0);
            edges.Add(new Edge(y0, y1, x0, (x1 - x0) / (y1 - y0)));
        }
    }

    private readonly record struct Edge(double Top, double Bottom, double XAtTop, double Slope);
}
