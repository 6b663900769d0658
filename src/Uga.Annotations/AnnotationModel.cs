using NetTopologySuite.Geometries;

namespace Uga.Annotations;

/// <summary>The shape a pathologist drew; kept so a rectangle or spline is written back as one.</summary>
public enum AnnotationShape
{
    Polygon,
    Spline,
    Rectangle,
    Ellipse,
    Dot,
    PointSet,
}

/// <summary>The annotation file formats Uga reads (and, except Aperio, writes).</summary>
public enum AnnotationFormat
{
    AsapXml,
    QuPathGeoJson,
    AperioXml,
}

/// <summary>How ASAP "Spline" annotations become polygons.</summary>
public enum SplineMode
{
    /// <summary>
    /// Closed centripetal Catmull-Rom curve through the control points (default). ASAP draws splines as a
    /// Catmull-Rom curve through the clicked points, so this is the outline the pathologist saw; the centripetal
    /// variant never forms cusps or self-loops between unevenly spaced points, which the uniform one does.
    /// </summary>
    CentripetalCatmullRom,

    /// <summary>The control points joined by straight lines (what some tools do; slightly inside convex curves).</summary>
    ControlPoints,
}

/// <summary>An sRGB colour.</summary>
public readonly record struct AnnotationColor(byte R, byte G, byte B)
{
    /// <summary>"#RRGGBB" (the leading '#' is optional); null when the text is not such a colour.</summary>
    public static AnnotationColor? TryParseHex(string? text)
    {
        if (text is null) return null;
        var hex = text.Trim().TrimStart('#');
        if (hex.Length != 6 || !int.TryParse(hex, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture, out var v))
            return null;
        return FromPackedRgb(v);
    }

    /// <summary>0xAARRGGBB or 0xRRGGBB as QuPath's colorRGB and Java's Color.getRGB() write it (alpha ignored).</summary>
    public static AnnotationColor FromPackedRgb(int packed) =>
        new((byte)((packed >> 16) & 0xFF), (byte)((packed >> 8) & 0xFF), (byte)(packed & 0xFF));

    /// <summary>A Windows COLORREF (0x00BBGGRR), as Aperio ImageScope's LineColor stores it.</summary>
    public static AnnotationColor FromColorRef(int colorRef) =>
        new((byte)(colorRef & 0xFF), (byte)((colorRef >> 8) & 0xFF), (byte)((colorRef >> 16) & 0xFF));

    public int ToPackedRgb() => unchecked((int)0xFF000000) | (R << 16) | (G << 8) | B;

    public string ToHex() => $"#{R:X2}{G:X2}{B:X2}";
}

/// <summary>
/// One annotation in level-0 pixel coordinates of its slide. <see cref="Geometry"/> is a valid NTS Polygon or
/// MultiPolygon (holes allowed) for areas, or a Point/MultiPoint for Dot and PointSet.
/// </summary>
public sealed record Annotation(string Name, string? ClassName, Geometry Geometry, AnnotationShape Shape = AnnotationShape.Polygon)
{
    public AnnotationColor? Color { get; init; }

    /// <summary>An identifier from the source file (QuPath's feature id), if any.</summary>
    public string? Id { get; init; }

    /// <summary>The clicked points of a spline, so it can be written back as a spline; null otherwise.</summary>
    public IReadOnlyList<Coordinate>? ControlPoints { get; init; }

    /// <summary>True for QuPath detections (cells, tiles) rather than hand-drawn annotations.</summary>
    public bool IsDetection { get; init; }

    /// <summary>Number of vertices the source file listed for this annotation (before closing, repair or interpolation).</summary>
    public int SourceVertexCount { get; init; }

    public bool IsArea => Geometry is Polygon or MultiPolygon;
}

/// <summary>A class (QuPath) or group (ASAP) with its display colour.</summary>
public sealed record AnnotationClass(string Name, AnnotationColor? Color);

/// <summary>Annotations of one slide, in drawing order (later ones are painted over earlier ones).</summary>
public sealed class AnnotationSet
{
    public List<Annotation> Annotations { get; } = [];

    public List<AnnotationClass> Classes { get; } = [];

    /// <summary>The file the set was read from, for error messages; null for sets built in memory.</summary>
    public string? Source { get; init; }

    public int PolygonCount => Annotations.Sum(a => a.Geometry is Polygon or MultiPolygon ? a.Geometry.NumGeometries : 0);

    public int PointCount => Annotations.Sum(a => a.Geometry is Point or MultiPoint ? a.Geometry.NumGeometries : 0);

    /// <summary>Distinct vertices of all polygon rings (each ring's closing point not counted twice) plus points.</summary>
    public int VertexCount => Annotations.Sum(a => VerticesOf(a.Geometry));

    /// <summary>Class names in first-use order, including classes that only appear on annotations.</summary>
    public IReadOnlyList<string> ClassNames() =>
        Classes.Select(c => c.Name)
            .Concat(Annotations.Select(a => a.ClassName).OfType<string>())
            .Distinct(StringComparer.Ordinal)
            .ToList();

    public AnnotationColor? ColorOf(string? className) =>
        className is null ? null : Classes.FirstOrDefault(c => c.Name == className)?.Color;

    private static int VerticesOf(Geometry g) => g switch
    {
        Polygon p => (p.ExteriorRing.NumPoints - 1) + p.InteriorRings.Sum(r => r.NumPoints - 1),
        Point => 1,
        _ => Enumerable.Range(0, g.NumGeometries).Sum(i => VerticesOf(g.GetGeometryN(i))),
    };
}

/// <summary>Options for reading annotation files.</summary>
public sealed record AnnotationReadOptions
{
    public SplineMode Splines { get; init; } = SplineMode.CentripetalCatmullRom;

    /// <summary>Level-0 slide size; when given, coordinates outside it are rejected.</summary>
    public (long Width, long Height)? SlideSize { get; init; }

    /// <summary>Coordinates beyond this magnitude are rejected as absurd (no scanned slide is that large).</summary>
    public double MaxCoordinate { get; init; } = 1e7;

    /// <summary>
    /// Files listing more vertices than this are refused before any geometry is built (each vertex costs ~60 bytes
    /// as geometry, so 10⁷ would take most of a gigabyte). Uga's files hold the annotations of candidate patches:
    /// the MoNuSeg Aperio files, 1000² px of nuclei each, list about 10⁵.
    /// </summary>
    public long MaxVertices { get; init; } = 5_000_000;

    /// <summary>
    /// Drop polygons with fewer than 3 distinct vertices or no area after repair (with a warning) instead of
    /// failing: real exports contain such slips (a MoNuSeg file has a 2-vertex "nucleus").
    /// </summary>
    public bool SkipDegenerate { get; init; }

    /// <summary>Skip QuPath detections (cells) and keep only annotations.</summary>
    public bool SkipDetections { get; init; }

    public static AnnotationReadOptions Default { get; } = new();
}

/// <summary>What a reader found: the annotations, the format, and warnings (repairs, skipped shapes).</summary>
public sealed record AnnotationReadResult(AnnotationSet Set, AnnotationFormat Format, IReadOnlyList<string> Warnings);
