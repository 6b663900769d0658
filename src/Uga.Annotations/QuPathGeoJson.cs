using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO.Converters;

namespace Uga.Annotations;

/// <summary>
/// QuPath's GeoJSON: a FeatureCollection, a single Feature, or a bare array of Features (QuPath 0.2+ exports).
/// properties.classification is {name, color:[r,g,b]} (0.4/0.5) or {name, colorRGB: packed int} (older);
/// properties.objectType is "annotation" or "detection"/"cell"/"tile". Geometries go through GeoJSON4STJ.
/// </summary>
public static class QuPathGeoJson
{
    private static readonly JsonSerializerOptions GeometryJson = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var o = new JsonSerializerOptions();
        o.Converters.Add(new GeoJsonConverterFactory(ReadContext.Factory));
        return o;
    }

    internal static AnnotationReadResult Read(string text, ReadContext ctx)
    {
        using var doc = ParseDocument(text, ctx);
        var set = new AnnotationSet { Source = ctx.Path };
        var root = doc.RootElement;
        IEnumerable<JsonElement> features = root.ValueKind switch
        {
            JsonValueKind.Array => root.EnumerateArray(),
            JsonValueKind.Object => TypeOf(root) switch
            {
                "FeatureCollection" => root.TryGetProperty("features", out var f) && f.ValueKind == JsonValueKind.Array
                    ? f.EnumerateArray() : throw ctx.Fail("FeatureCollection has no 'features' array"),
                "Feature" => [root],
                var t => throw ctx.Fail($"GeoJSON root has type '{t}', expected FeatureCollection, Feature or an array of features"),
            },
            _ => throw ctx.Fail("GeoJSON root must be an object or an array of features"),
        };
        int index = 0;
        foreach (var feature in features)
        {
            index++;
            var a = ReadFeature(feature, index, set, ctx);
            if (a is not null) set.Annotations.Add(a);
        }
        return new AnnotationReadResult(set, AnnotationFormat.QuPathGeoJson, ctx.Warnings);
    }

    private static JsonDocument ParseDocument(string text, ReadContext ctx)
    {
        try
        {
            return JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw ctx.Fail($"malformed JSON ({e.Message.Split('\n')[0]})", e);
        }
    }

    private static Annotation? ReadFeature(JsonElement feature, int index, AnnotationSet set, ReadContext ctx)
    {
        var at = $"feature #{index}";
        if (feature.ValueKind != JsonValueKind.Object || TypeOf(feature) != "Feature")
            throw ctx.Fail($"{at}: not a GeoJSON Feature");
        var props = feature.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
        var name = Str(props, "name") ?? "";
        var where = name.Length > 0 ? $"feature '{name}' (#{index})" : at;
        // QuPath 0.2 put the Java class in the feature id ("PathDetectionObject") instead of objectType.
        var legacyType = Str(feature, "id") switch
        {
            "PathDetectionObject" or "PathCellObject" or "PathTileObject" => "detection",
            _ => null,
        };
        var objectType = Str(props, "objectType") ?? Str(props, "object_type") ?? legacyType ?? "annotation";
        bool detection = objectType is "detection" or "cell" or "tile";
        if (detection && ctx.Options.SkipDetections) return null;
        var (className, classColor) = Classification(props, where, ctx);
        if (className is not null && set.Classes.All(c => c.Name != className))
            set.Classes.Add(new AnnotationClass(className, classColor));
        if (!feature.TryGetProperty("geometry", out var g) || g.ValueKind != JsonValueKind.Object)
            throw ctx.Fail($"{where}: missing geometry");
        var geometry = ctx.SkipIfDegenerate(() => Geometry(g, where, ctx));
        if (geometry is null) return null;
        // QuPath exports rectangles as plain polygons; an axis-aligned 4-corner polygon is remembered as one.
        var shape = geometry switch
        {
            Point => AnnotationShape.Dot,
            MultiPoint => AnnotationShape.PointSet,
            Polygon { IsRectangle: true } => AnnotationShape.Rectangle,
            _ => AnnotationShape.Polygon,
        };
        return new Annotation(name, className, geometry, shape)
        {
            Color = Color(props.ValueKind == JsonValueKind.Object && props.TryGetProperty("color", out var c) ? c : default, where, ctx),
            Id = feature.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null,
            IsDetection = detection,
            SourceVertexCount = geometry.NumPoints - (geometry is Polygon or MultiPolygon ? PolygonCount(geometry) : 0),
        };
    }

    private static Geometry? Geometry(JsonElement g, string where, ReadContext ctx)
    {
        Geometry? parsed;
        try
        {
            parsed = g.Deserialize<Geometry>(GeometryJson);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Untrusted input into a third-party parser: whatever it rejects is a bad geometry in this file.
            throw ctx.Fail($"{where}: invalid GeoJSON geometry ({e.Message.Split('\n')[0]})", e);
        }
        switch (parsed)
        {
            case null: throw ctx.Fail($"{where}: empty geometry");
            case Point or MultiPoint:
                return ctx.Points([.. parsed.Coordinates.Select(c => ctx.Coordinate(c.X, c.Y, where))], where);
            case Polygon or MultiPolygon:
                var parts = Enumerable.Range(0, parsed.NumGeometries).Select(i => (Polygon)parsed.GetGeometryN(i)).Select((poly, i) =>
                {
                    var w = parsed.NumGeometries > 1 ? $"{where} part {i + 1}" : where;
                    var shell = ctx.Ring(Checked(poly.ExteriorRing, w, ctx), w);
                    var holes = poly.InteriorRings.Select(r => ctx.Ring(Checked(r, w + " hole", ctx), w + " hole")).ToArray();
                    return ReadContext.Factory.CreatePolygon(shell, holes);
                }).ToArray();
                if (parts.Length == 0) throw ctx.Fail($"{where}: empty geometry");
                return ctx.Repaired(parts.Length == 1 ? parts[0] : ReadContext.Factory.CreateMultiPolygon(parts), where);
            default:
                ctx.Warnings.Add($"{where}: {parsed.GeometryType} skipped, only polygons and points are annotations");
                return null;
        }
    }

    private static Coordinate[] Checked(LineString ring, string where, ReadContext ctx)
    {
        foreach (var c in ring.Coordinates)
        {
            if (!double.IsFinite(c.X) || !double.IsFinite(c.Y)) throw ctx.Fail($"{where}: coordinate is not a finite number");
            ctx.Coordinate(c.X, c.Y, where);
        }
        return ring.Coordinates;
    }

    private static (string? Name, AnnotationColor? Color) Classification(JsonElement props, string where, ReadContext ctx)
    {
        if (props.ValueKind != JsonValueKind.Object || !props.TryGetProperty("classification", out var c)) return (null, null);
        if (c.ValueKind == JsonValueKind.String) return (c.GetString(), null);
        if (c.ValueKind == JsonValueKind.Null) return (null, null);
        if (c.ValueKind != JsonValueKind.Object) throw ctx.Fail($"{where}: classification must be an object with a name");
        var name = Str(c, "name") ?? throw ctx.Fail($"{where}: classification has no name");
        if (c.TryGetProperty("color", out var color)) return (name, Color(color, where, ctx));
        if (c.TryGetProperty("colorRGB", out var packed))
            return (name, packed.ValueKind == JsonValueKind.Number && packed.TryGetInt32(out var v)
                ? AnnotationColor.FromPackedRgb(v) : throw ctx.Fail($"{where}: colorRGB must be an integer"));
        return (name, null);
    }

    private static AnnotationColor? Color(JsonElement c, string where, ReadContext ctx)
    {
        if (c.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null) return null;
        if (c.ValueKind == JsonValueKind.Array && c.GetArrayLength() >= 3 && c.EnumerateArray().Take(3).All(e => e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var v) && v is >= 0 and <= 255))
            return new AnnotationColor((byte)c[0].GetInt32(), (byte)c[1].GetInt32(), (byte)c[2].GetInt32());
        if (c.ValueKind == JsonValueKind.Number && c.TryGetInt32(out var packed)) return AnnotationColor.FromPackedRgb(packed);
        throw ctx.Fail($"{where}: color must be [r, g, b] with values 0-255");
    }

    private static string? TypeOf(JsonElement e) => Str(e, "type");

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int PolygonCount(Geometry g) => Enumerable.Range(0, g.NumGeometries).Sum(i => 1 + ((Polygon)g.GetGeometryN(i)).NumInteriorRings);

    /// <summary>The set as a QuPath-readable FeatureCollection (UTF-8 bytes).</summary>
    public static byte[] Build(AnnotationSet set)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("type", "FeatureCollection");
            w.WriteStartArray("features");
            int index = 0;
            foreach (var a in set.Annotations)
                WriteFeature(w, a, set, index++);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return stream.ToArray();
    }

    private static void WriteFeature(Utf8JsonWriter w, Annotation a, AnnotationSet set, int index)
    {
        w.WriteStartObject();
        w.WriteString("type", "Feature");
        w.WriteString("id", StableId(a, index));
        w.WritePropertyName("geometry");
        JsonSerializer.Serialize(w, a.Geometry, GeometryJson);
        w.WriteStartObject("properties");
        w.WriteString("objectType", a.IsDetection ? "detection" : "annotation");
        if (!string.IsNullOrEmpty(a.Name)) w.WriteString("name", a.Name);
        if (a.ClassName is not null)
        {
            w.WriteStartObject("classification");
            w.WriteString("name", a.ClassName);
            WriteColor(w, set.ColorOf(a.ClassName) ?? a.Color ?? Palette(a.ClassName));
            w.WriteEndObject();
        }
        if (a.Color is { } c) WriteColor(w, c);
        w.WriteBoolean("isLocked", false);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteColor(Utf8JsonWriter w, AnnotationColor c)
    {
        w.WriteStartArray("color");
        w.WriteNumberValue(c.R);
        w.WriteNumberValue(c.G);
        w.WriteNumberValue(c.B);
        w.WriteEndArray();
    }

    /// <summary>QuPath needs a UUID per object; keep the source's, or derive one from the content so re-exports are identical.</summary>
    private static string StableId(Annotation a, int index)
    {
        if (Guid.TryParse(a.Id, out var g)) return g.ToString();
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{index}|{a.Name}|{a.ClassName}|{a.Geometry.AsText()}"));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50); // version 5 style (name-based)
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(hash.AsSpan(0, 16), bigEndian: true).ToString();
    }

    // A deterministic colour for classes that have none, so QuPath shows different classes differently.
    private static AnnotationColor Palette(string name)
    {
        var h = SHA256.HashData(Encoding.UTF8.GetBytes(name));
        return new AnnotationColor((byte)(64 + (h[0] % 192)), (byte)(64 + (h[1] % 192)), (byte)(64 + (h[2] % 192)));
    }
}
