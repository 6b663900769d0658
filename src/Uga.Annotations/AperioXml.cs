using System.Globalization;
using System.Xml.Linq;
using NetTopologySuite.Geometries;

namespace Uga.Annotations;

/// <summary>
/// Aperio ImageScope XML (read only): &lt;Annotations&gt;&lt;Annotation Id Name LineColor&gt;&lt;Regions&gt;&lt;Region Id Type
/// NegativeROA&gt;&lt;Vertices&gt;&lt;Vertex X Y/&gt;. Each Annotation is a layer (our class); each Region one annotation.
/// Regions with NegativeROA="1" are exclusions, subtracted from the regions of the same layer that they overlap.
/// </summary>
internal static class AperioXml
{
    public const string RootName = "Annotations";

    public static AnnotationReadResult Read(XDocument doc, ReadContext ctx)
    {
        var set = new AnnotationSet { Source = ctx.Path };
        int layerIndex = 0;
        foreach (var layer in doc.Root!.Elements("Annotation"))
        {
            layerIndex++;
            var id = layer.Attribute("Id")?.Value ?? layerIndex.ToString(CultureInfo.InvariantCulture);
            var className = layer.Attribute("Name")?.Value is { Length: > 0 } n ? n : $"Layer {id}";
            AnnotationColor? color = int.TryParse(layer.Attribute("LineColor")?.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var c)
                ? AnnotationColor.FromColorRef(c) : null;
            if (set.Classes.All(k => k.Name != className)) set.Classes.Add(new AnnotationClass(className, color));
            var positives = new List<Annotation>();
            var negatives = new List<(Geometry Area, string Where)>();
            int regionIndex = 0;
            foreach (var region in layer.Elements("Regions").Elements("Region"))
            {
                regionIndex++;
                var regionId = region.Attribute("Id")?.Value ?? regionIndex.ToString(CultureInfo.InvariantCulture);
                var where = $"layer '{className}' region {regionId} (#{regionIndex})";
                var read = ctx.SkipIfDegenerate(() => ReadRegion(region, where, ctx));
                if (read is not { } r) continue;
                if (region.Attribute("NegativeROA")?.Value == "1") negatives.Add((r.Area, where));
                else positives.Add(new Annotation(region.Attribute("Text")?.Value is { Length: > 0 } t ? t : $"Region {regionId}", className, r.Area, r.Shape)
                {
                    Color = color,
                    Id = regionId,
                    SourceVertexCount = r.Vertices,
                });
            }
            set.Annotations.AddRange(Subtract(positives, negatives, ctx));
        }
        return new AnnotationReadResult(set, AnnotationFormat.AperioXml, ctx.Warnings);
    }

    private static Region? ReadRegion(XElement region, string where, ReadContext ctx)
    {
        var type = region.Attribute("Type")?.Value ?? throw ctx.Fail($"{where}: missing Type attribute");
        var points = new List<Coordinate>();
        foreach (var v in region.Elements("Vertices").Elements("Vertex"))
        {
            var at = $"{where} vertex {points.Count + 1}";
            points.Add(ctx.Coordinate(ctx.Number(v.Attribute("X")?.Value, "X", at), ctx.Number(v.Attribute("Y")?.Value, "Y", at), at));
        }
        switch (type)
        {
            case "0": return new(ctx.Area(points, where), AnnotationShape.Polygon, points.Count);
            case "1": return new(ctx.Area(points, where), AnnotationShape.Rectangle, points.Count);
            case "2":
                if (points.Count < 2) throw ctx.Fail($"{where}: ellipse needs 2 corner vertices, found {points.Count}");
                return new(ctx.Area(Curves.Ellipse(points[0].X, points[0].Y, points[1].X, points[1].Y), where), AnnotationShape.Ellipse, points.Count);
            default:
                ctx.Warnings.Add($"{where}: region Type {type} (arrow or ruler) skipped, it encloses no area");
                return null;
        }
    }

    private static IEnumerable<Annotation> Subtract(List<Annotation> positives, List<(Geometry Area, string Where)> negatives, ReadContext ctx)
    {
        var result = positives.ToArray();
        foreach (var (hole, where) in negatives)
        {
            bool used = false;
            for (int i = 0; i < result.Length; i++)
            {
                if (result[i] is not { } a || !a.Geometry.EnvelopeInternal.Intersects(hole.EnvelopeInternal) || !a.Geometry.Intersects(hole)) continue;
                used = true;
                var rest = ReadContext.Polygonal(a.Geometry.Difference(hole));
                if (rest.IsEmpty)
                {
                    ctx.Warnings.Add($"{where}: exclusion covers all of '{a.Name}', which was dropped");
                    result[i] = null!;
                }
                else
                {
                    result[i] = a with { Geometry = rest };
                }
            }
            if (!used) ctx.Warnings.Add($"{where}: exclusion (NegativeROA) overlaps no region of its layer; ignored");
        }
        return result.Where(a => a is not null);
    }

    private sealed record Region(Geometry Area, AnnotationShape Shape, int Vertices);
}
