using System.Globalization;
using System.Xml.Linq;
using NetTopologySuite.Geometries;

namespace Uga.Annotations;

/// <summary>
/// ASAP's XML: &lt;ASAP_Annotations&gt;&lt;Annotations&gt;&lt;Annotation Name PartOfGroup Type Color&gt;&lt;Coordinates&gt;
/// &lt;Coordinate Order X Y/&gt; plus &lt;AnnotationGroups&gt;&lt;Group Name PartOfGroup Color/&gt;. Group "None" means no class.
/// </summary>
public static class AsapXml
{
    public const string RootName = "ASAP_Annotations";
    private const string NoGroup = "None";
    private const string DefaultColor = "#F4FA58"; // ASAP's default annotation yellow

    internal static AnnotationReadResult Read(XDocument doc, ReadContext ctx)
    {
        var root = doc.Root!;
        var set = new AnnotationSet { Source = ctx.Path };
        foreach (var g in root.Elements("AnnotationGroups").Elements("Group"))
        {
            var name = g.Attribute("Name")?.Value ?? throw ctx.Fail("a <Group> has no Name attribute");
            if (set.Classes.All(c => c.Name != name))
                set.Classes.Add(new AnnotationClass(name, AnnotationColor.TryParseHex(g.Attribute("Color")?.Value)));
        }
        int index = 0;
        foreach (var a in root.Elements("Annotations").Elements("Annotation"))
        {
            index++;
            var annotation = ReadAnnotation(a, index, ctx);
            if (annotation is not null) set.Annotations.Add(annotation);
        }
        return new AnnotationReadResult(set, AnnotationFormat.AsapXml, ctx.Warnings);
    }

    private static Annotation? ReadAnnotation(XElement a, int index, ReadContext ctx)
    {
        var name = a.Attribute("Name")?.Value ?? $"Annotation {index}";
        var where = $"annotation '{name}' (#{index})";
        var type = a.Attribute("Type")?.Value ?? throw ctx.Fail($"{where}: missing Type attribute");
        var group = a.Attribute("PartOfGroup")?.Value;
        var points = Coordinates(a, where, ctx);
        var shape = type switch
        {
            "Polygon" => AnnotationShape.Polygon,
            "Spline" => AnnotationShape.Spline,
            "Rectangle" => AnnotationShape.Rectangle,
            "Dot" => AnnotationShape.Dot,
            "PointSet" => AnnotationShape.PointSet,
            "Measurement" => (AnnotationShape?)null,
            _ => throw ctx.Fail($"{where}: unknown annotation Type '{type}' (expected Polygon, Spline, Rectangle, Dot or PointSet)"),
        };
        if (shape is null)
        {
            ctx.Warnings.Add($"{where}: Measurement (a ruler line) skipped, it encloses no area");
            return null;
        }
        int warningsBefore = ctx.Warnings.Count;
        var geometry = ctx.SkipIfDegenerate(() => shape switch
        {
            AnnotationShape.Dot or AnnotationShape.PointSet => ctx.Points(points, where),
            AnnotationShape.Spline when ctx.Options.Splines == SplineMode.CentripetalCatmullRom => ctx.Area(Curves.CatmullRomClosed(points), where),
            _ => ctx.Area(points, where),
        });
        if (geometry is null) return null;
        bool repaired = ctx.Warnings.Count > warningsBefore;
        return new Annotation(name, group is null or NoGroup ? null : group, geometry, shape.Value)
        {
            Color = AnnotationColor.TryParseHex(a.Attribute("Color")?.Value),
            ControlPoints = shape == AnnotationShape.Spline && !repaired ? points : null,
            SourceVertexCount = points.Count,
        };
    }

    private static List<Coordinate> Coordinates(XElement a, string where, ReadContext ctx)
    {
        var list = new List<(double Order, Coordinate C)>();
        foreach (var c in a.Elements("Coordinates").Elements("Coordinate"))
        {
            var at = $"{where} coordinate {list.Count + 1}";
            var order = ctx.Number(c.Attribute("Order")?.Value, "Order", at);
            var x = ctx.Number(c.Attribute("X")?.Value, "X", at);
            var y = ctx.Number(c.Attribute("Y")?.Value, "Y", at);
            list.Add((order, ctx.Coordinate(x, y, at)));
        }
        // Stable sort: files written by hand or other tools list coordinates out of Order.
        return [.. list.OrderBy(p => p.Order).Select(p => p.C)];
    }

    /// <summary>
    /// The set as ASAP XML. ASAP has no holes and no multi-part shapes: parts become separate annotations and
    /// holes become annotations in a "&lt;class&gt; exclusion" group (the Camelyon16 convention); each is reported
    /// in the returned warnings.
    /// </summary>
    public static (XDocument Document, List<string> Warnings) Build(AnnotationSet set)
    {
        var warnings = new List<string>();
        var annotations = new XElement("Annotations");
        var groups = new List<AnnotationClass>(set.Classes);
        int index = 0;
        foreach (var a in set.Annotations)
        {
            index++;
            var name = string.IsNullOrEmpty(a.Name) ? $"Annotation {index}" : a.Name;
            var color = (a.Color ?? set.ColorOf(a.ClassName))?.ToHex() ?? DefaultColor;
            var group = a.ClassName ?? NoGroup;
            if (a.ClassName is not null && groups.All(g => g.Name != a.ClassName)) groups.Add(new AnnotationClass(a.ClassName, a.Color));
            foreach (var (type, coords, suffix, partGroup) in Parts(a, name, warnings))
            {
                var g = partGroup ?? group;
                if (partGroup is not null && groups.All(x => x.Name != partGroup)) groups.Add(new AnnotationClass(partGroup, null));
                annotations.Add(new XElement("Annotation",
                    new XAttribute("Name", name + suffix), new XAttribute("Type", type),
                    new XAttribute("PartOfGroup", g), new XAttribute("Color", color),
                    new XElement("Coordinates", coords.Select((c, i) => new XElement("Coordinate",
                        new XAttribute("Order", i), new XAttribute("X", Num(c.X)), new XAttribute("Y", Num(c.Y)))))));
            }
        }
        var groupElements = groups.Select(g => new XElement("Group", new XAttribute("Name", g.Name),
            new XAttribute("PartOfGroup", NoGroup), new XAttribute("Color", g.Color?.ToHex() ?? DefaultColor), new XElement("Attributes")));
        var doc = new XDocument(new XElement(RootName, annotations, new XElement("AnnotationGroups", groupElements)));
        return (doc, warnings);
    }

    private static IEnumerable<(string Type, IReadOnlyList<Coordinate> Coords, string Suffix, string? Group)> Parts(Annotation a, string name, List<string> warnings)
    {
        switch (a.Geometry)
        {
            case Point p:
                yield return ("Dot", [p.Coordinate], "", null);
                yield break;
            case MultiPoint mp:
                yield return ("PointSet", mp.Coordinates, "", null);
                yield break;
            case Polygon { NumInteriorRings: 0 } when a.Shape == AnnotationShape.Spline && a.ControlPoints is { Count: >= 3 } cp:
                yield return ("Spline", cp, "", null);
                yield break;
        }
        int n = a.Geometry.NumGeometries;
        if (n > 1) warnings.Add($"annotation '{name}': {n} parts written as {n} ASAP annotations");
        for (int i = 0; i < n; i++)
        {
            if (a.Geometry.GetGeometryN(i) is not Polygon poly) continue;
            var suffix = n > 1 ? $" ({i + 1}/{n})" : "";
            var shell = poly.ExteriorRing.Coordinates[..^1];
            var type = a.Shape == AnnotationShape.Rectangle && shell.Length == 4 && poly.IsRectangle ? "Rectangle" : "Polygon";
            yield return (type, shell, suffix, null);
            if (poly.NumInteriorRings > 0)
                warnings.Add($"annotation '{name}{suffix}': ASAP has no holes; {poly.NumInteriorRings} hole(s) written to group '{ExclusionGroup(a.ClassName)}'");
            for (int h = 0; h < poly.NumInteriorRings; h++)
                yield return ("Polygon", poly.GetInteriorRingN(h).Coordinates[..^1], $"{suffix} hole {h + 1}", ExclusionGroup(a.ClassName));
        }
    }

    public static string ExclusionGroup(string? className) => $"{className ?? NoGroup} exclusion";

    private static string Num(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
