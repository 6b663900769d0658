using NetTopologySuite.Geometries;
using NetTopologySuite.Simplify;
using Uga.Imaging;

namespace Uga.Annotations;

/// <summary>
/// Turns a label map back into polygons: one polygon (with holes) per 4-connected region of one label, traced
/// along pixel edges so that rasterising the result at the same grid gives the same labels exactly. Where two
/// pixels of a region touch only at a corner the outline is split there, so every ring is simple (OGC-valid).
/// </summary>
public static class LabelMapVectorizer
{
    /// <summary>
    /// Annotations (level-0 coordinates) for every labelled region of <paramref name="map"/>, whose top-left pixel
    /// corner is at level-0 (<paramref name="originX"/>, <paramref name="originY"/>) and whose spacing is
    /// <paramref name="mapSpacing"/> µm/px on a slide of <paramref name="slideSpacing"/> µm/px. Background and
    /// <see cref="LabelMap.Ignore"/> pixels are skipped. <paramref name="simplifyPixels"/> &gt; 0 applies
    /// Douglas-Peucker with that tolerance in map pixels (topology kept valid).
    /// </summary>
    public static AnnotationSet Vectorize(LabelMap map, ClassLabels labels, double originX, double originY,
        double slideSpacing, double mapSpacing, double simplifyPixels = 0)
    {
        double scale = Resample.Factor(slideSpacing, mapSpacing);
        var set = new AnnotationSet();
        var counts = new Dictionary<byte, int>();
        foreach (var (label, polygon) in TraceRegions(map, labels.Background))
        {
            Geometry g = polygon;
            if (simplifyPixels > 0) g = DouglasPeuckerSimplifier.Simplify(g, simplifyPixels);
            if (g.IsEmpty) continue;
            g = Transform(g, originX, originY, scale);
            var className = labels.NameOf(label) ?? $"label {label}";
            counts[label] = counts.GetValueOrDefault(label) + 1;
            set.Annotations.Add(new Annotation($"{className} {counts[label]}", className, g));
        }
        return set;
    }

    /// <summary>Every 4-connected region of one label (not background, not ignore) as a polygon whose vertices are map pixel corners.</summary>
    public static IEnumerable<(byte Label, Geometry Polygon)> TraceRegions(LabelMap map, byte background = 0)
    {
        var component = new int[map.Data.Length];
        Array.Fill(component, -1);
        var pixels = new List<int>();
        var stack = new Stack<int>();
        int next = 0;
        for (int start = 0; start < map.Data.Length; start++)
        {
            byte label = map.Data[start];
            if (component[start] >= 0 || label == background || label == LabelMap.Ignore) continue;
            int id = next;
            ConnectedComponents.Flood(map.Width, map.Height, start, eightConnected: false,
                q => component[q] < 0 && map.Data[q] == label, q => component[q] = id, pixels, stack);
            yield return (label, TraceComponent(map, component, next, pixels));
            next++;
        }
    }

    // Boundary edges go clockwise around each pixel (in y-down image coordinates), so the outer ring has
    // positive shoelace area and holes negative. At a corner shared by two diagonal pixels of the region the
    // walk stays with the pixel it came along, which keeps such pixels apart (4-connectivity).
    private static Geometry TraceComponent(LabelMap map, int[] component, int id, List<int> pixels)
    {
        int w = map.Width, h = map.Height;
        var edges = new List<(long From, long To, int Pixel)>();
        bool Inside(int x, int y) => x >= 0 && y >= 0 && x < w && y < h && component[(y * w) + x] == id;
        foreach (int p in pixels)
        {
            int x = p % w, y = p / w;
            if (!Inside(x, y - 1)) edges.Add((Key(x, y), Key(x + 1, y), p));
            if (!Inside(x + 1, y)) edges.Add((Key(x + 1, y), Key(x + 1, y + 1), p));
            if (!Inside(x, y + 1)) edges.Add((Key(x + 1, y + 1), Key(x, y + 1), p));
            if (!Inside(x - 1, y)) edges.Add((Key(x, y + 1), Key(x, y), p));
        }
        var outgoing = new Dictionary<long, (int A, int B)>(edges.Count);
        for (int i = 0; i < edges.Count; i++)
            outgoing[edges[i].From] = outgoing.TryGetValue(edges[i].From, out var o) ? (o.A, i) : (i, -1);
        var used = new bool[edges.Count];
        var shells = new List<Coordinate[]>();
        var holes = new List<Coordinate[]>();
        for (int first = 0; first < edges.Count; first++)
        {
            if (used[first]) continue;
            var walk = new List<long>();
            for (int e = first; !used[e];)
            {
                used[e] = true;
                walk.Add(edges[e].From);
                var (a, b) = outgoing[edges[e].To];
                e = b < 0 || edges[a].Pixel == edges[e].Pixel ? a : b;
            }
            foreach (var loop in SimpleLoops(walk))
                (Area(loop) > 0 ? shells : holes).Add(loop);
        }
        return Assemble(shells, holes);
    }

    private static long Key(int x, int y) => ((long)x << 32) | (uint)y;

    // A walk that passes a vertex twice (the region touches itself at a corner) is cut there into simple loops;
    // each loop keeps its orientation, so it is still a shell (positive) or a hole (negative).
    private static IEnumerable<Coordinate[]> SimpleLoops(List<long> walk)
    {
        var stack = new List<long>();
        var position = new Dictionary<long, int>();
        foreach (var v in walk)
        {
            if (position.TryGetValue(v, out var at))
            {
                var loop = stack.GetRange(at, stack.Count - at);
                for (int k = at + 1; k < stack.Count; k++) position.Remove(stack[k]);
                stack.RemoveRange(at + 1, stack.Count - at - 1);
                yield return Corners(loop);
            }
            else
            {
                position[v] = stack.Count;
                stack.Add(v);
            }
        }
        if (stack.Count > 0) yield return Corners(stack);
    }

    // Drops vertices in the middle of straight runs and closes the ring.
    private static Coordinate[] Corners(List<long> loop)
    {
        var result = new List<Coordinate>(loop.Count);
        int n = loop.Count;
        for (int i = 0; i < n; i++)
        {
            long prev = loop[(i - 1 + n) % n], cur = loop[i], next = loop[(i + 1) % n];
            long dx1 = X(cur) - X(prev), dy1 = Y(cur) - Y(prev), dx2 = X(next) - X(cur), dy2 = Y(next) - Y(cur);
            if ((dx1 * dy2) - (dy1 * dx2) != 0) result.Add(new Coordinate(X(cur), Y(cur)));
        }
        result.Add(result[0].Copy());
        return [.. result];
    }

    private static int X(long key) => (int)(key >> 32);

    private static int Y(long key) => (int)(uint)key;

    private static double Area(Coordinate[] ring)
    {
        double sum = 0;
        for (int i = 0; i + 1 < ring.Length; i++) sum += (ring[i].X * ring[i + 1].Y) - (ring[i + 1].X * ring[i].Y);
        return sum / 2;
    }

    private static Geometry Assemble(List<Coordinate[]> shells, List<Coordinate[]> holes)
    {
        var f = ReadContext.Factory;
        if (shells.Count == 1)
            return f.CreatePolygon(f.CreateLinearRing(shells[0]), [.. holes.Select(f.CreateLinearRing)]);
        // Not expected for a 4-connected region; kept safe by giving each hole to the shell that contains it.
        var outer = shells.OrderByDescending(Area).Select(s => f.CreatePolygon(s)).ToList();
        var owned = outer.Select(_ => new List<LinearRing>()).ToList();
        foreach (var hole in holes)
        {
            var inside = f.CreatePolygon(hole.Reverse().ToArray()).InteriorPoint;
            int k = outer.FindLastIndex(o => o.Contains(inside));
            owned[Math.Max(k, 0)].Add(f.CreateLinearRing(hole));
        }
        return f.CreateMultiPolygon([.. outer.Select((o, k) => f.CreatePolygon((LinearRing)o.ExteriorRing, [.. owned[k]]))]);
    }

    private static Geometry Transform(Geometry g, double originX, double originY, double scale)
    {
        var copy = g.Copy();
        copy.Apply(new Scaler(originX, originY, 1 / scale));
        copy.GeometryChanged();
        return copy;
    }

    private sealed class Scaler(double ox, double oy, double s) : ICoordinateSequenceFilter
    {
        public bool Done => false;
        public bool GeometryChanged => true;

        public void Filter(CoordinateSequence seq, int i)
        {
            seq.SetX(i, ox + (seq.GetX(i) * s));
            seq.SetY(i, oy + (seq.GetY(i) * s));
        }
    }
}
