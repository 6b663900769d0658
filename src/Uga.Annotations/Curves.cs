using NetTopologySuite.Geometries;

namespace Uga.Annotations;

/// <summary>Curves that annotation tools store by a few control points.</summary>
public static class Curves
{
    /// <summary>
    /// Samples a closed centripetal Catmull-Rom spline (alpha = 0.5) through <paramref name="controlPoints"/>.
    /// Each segment gets enough samples that consecutive samples are about <paramref name="stepPixels"/> apart
    /// (at most 32), so dense hand-drawn splines are not blown up and sparse ones still look round.
    /// </summary>
    public static List<Coordinate> CatmullRomClosed(IReadOnlyList<Coordinate> controlPoints, double stepPixels = 2.0)
    {
        var p = Dedupe(controlPoints);
        if (p.Count < 3) return p;
        var result = new List<Coordinate>();
        int n = p.Count;
        for (int i = 0; i < n; i++)
        {
            Coordinate p0 = p[(i - 1 + n) % n], p1 = p[i], p2 = p[(i + 1) % n], p3 = p[(i + 2) % n];
            double t1 = Knot(0, p0, p1), t2 = Knot(t1, p1, p2), t3 = Knot(t2, p2, p3);
            int samples = Math.Clamp((int)Math.Ceiling(p1.Distance(p2) / stepPixels), 1, 32);
            result.Add(p1.Copy());
            for (int s = 1; s < samples; s++)
                result.Add(Point(p0, p1, p2, p3, t1, t2, t3, t1 + ((t2 - t1) * s / samples)));
        }
        return result;
    }

    /// <summary>A polygon with <paramref name="segments"/> vertices inscribed in the axis-aligned ellipse of the box.</summary>
    public static List<Coordinate> Ellipse(double x0, double y0, double x1, double y1, int segments = 64)
    {
        double cx = (x0 + x1) / 2, cy = (y0 + y1) / 2, rx = Math.Abs(x1 - x0) / 2, ry = Math.Abs(y1 - y0) / 2;
        return [.. Enumerable.Range(0, segments).Select(i =>
        {
            double a = 2 * Math.PI * i / segments;
            return new Coordinate(cx + (rx * Math.Cos(a)), cy + (ry * Math.Sin(a)));
        })];
    }

    private static List<Coordinate> Dedupe(IReadOnlyList<Coordinate> points)
    {
        var p = new List<Coordinate>(points.Count);
        foreach (var c in points)
            if (p.Count == 0 || !p[^1].Equals2D(c)) p.Add(c);
        if (p.Count > 1 && p[0].Equals2D(p[^1])) p.RemoveAt(p.Count - 1);
        return p;
    }

    // Centripetal parameterisation: knot spacing is the square root of the chord length.
    private static double Knot(double t, Coordinate a, Coordinate b) => t + Math.Max(Math.Sqrt(a.Distance(b)), 1e-9);

    // Barry-Goldman pyramidal evaluation of the segment between p1 (t1) and p2 (t2), with t0 = 0.
    private static Coordinate Point(Coordinate p0, Coordinate p1, Coordinate p2, Coordinate p3, double t1, double t2, double t3, double t)
    {
        static (double X, double Y) Lerp(Coordinate a, Coordinate b, double ta, double tb, double t) =>
            (((tb - t) / (tb - ta) * a.X) + ((t - ta) / (tb - ta) * b.X), ((tb - t) / (tb - ta) * a.Y) + ((t - ta) / (tb - ta) * b.Y));
        static (double X, double Y) Mix((double X, double Y) a, (double X, double Y) b, double ta, double tb, double t) =>
            (((tb - t) / (tb - ta) * a.X) + ((t - ta) / (tb - ta) * b.X), ((tb - t) / (tb - ta) * a.Y) + ((t - ta) / (tb - ta) * b.Y));
        var a1 = Lerp(p0, p1, 0, t1, t);
        var a2 = Lerp(p1, p2, t1, t2, t);
        var a3 = Lerp(p2, p3, t2, t3, t);
        var b1 = Mix(a1, a2, 0, t2, t);
        var b2 = Mix(a2, a3, t1, t3, t);
        var c = Mix(b1, b2, t1, t2, t);
        return new Coordinate(c.X, c.Y);
    }
}
