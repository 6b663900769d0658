using System.Text;
using System.Xml;
using System.Xml.Linq;
using Uga.Imaging;

namespace Uga.Annotations;

/// <summary>
/// Reads and writes annotation files, recognising the format from the content (root element or JSON), not the
/// extension. Every input problem is an <see cref="InvalidInputException"/> naming the file; writes are atomic.
/// </summary>
public static class AnnotationFiles
{
    public static AnnotationReadResult Read(string path, AnnotationReadOptions? options = null)
    {
        if (!File.Exists(path)) throw new InvalidInputException(path, "file not found");
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DecoderFallbackException)
        {
            throw new InvalidInputException(path, $"cannot read file ({e.Message})", e);
        }
        return Parse(text, path, options);
    }

    /// <summary>Parses annotation text; <paramref name="path"/> only names the source in messages.</summary>
    public static AnnotationReadResult Parse(string text, string path, AnnotationReadOptions? options = null)
    {
        var ctx = new ReadContext(path, options ?? AnnotationReadOptions.Default);
        var start = text.AsSpan().TrimStart("\uFEFF \t\r\n");
        if (start.IsEmpty) throw ctx.Fail("file is empty");
        long vertices = CountVertices(start, xml: start[0] == '<');
        if (vertices > ctx.Options.MaxVertices)
            throw ctx.Fail($"lists {vertices:N0} vertices, more than the {ctx.Options.MaxVertices:N0} Uga reads from one file (export only the annotations of the candidate patches)");
        if (start[0] is '{' or '[') return QuPathGeoJson.Read(text, ctx);
        if (start[0] != '<') throw ctx.Fail("not an annotation file (neither XML nor GeoJSON)");
        var doc = LoadXml(text, ctx);
        return doc.Root!.Name.LocalName switch
        {
            AsapXml.RootName => AsapXml.Read(doc, ctx),
            AperioXml.RootName => AperioXml.Read(doc, ctx),
            var other => throw ctx.Fail($"unknown XML annotation format: root element <{other}> (expected <{AsapXml.RootName}> or Aperio <{AperioXml.RootName}>)"),
        };
    }

    // A cheap upper bound of the vertex count, before any parser allocates geometry: in JSON every position is an
    // array opening with a number; in ASAP and Aperio XML every vertex is a <Coordinate or <Vertex element.
    private static long CountVertices(ReadOnlySpan<char> text, bool xml)
    {
        long count = 0;
        if (xml)
        {
            for (int i = text.IndexOf('<'); i >= 0 && i < text.Length - 1;)
            {
                var rest = text[(i + 1)..];
                if (rest.StartsWith("Coordinate", StringComparison.Ordinal) || rest.StartsWith("Vertex", StringComparison.Ordinal)) count++;
                int next = rest.IndexOf('<');
                i = next < 0 ? -1 : i + 1 + next;
            }
            return count;
        }
        for (int i = 0; i < text.Length - 1; i++)
        {
            if (text[i] != '[') continue;
            int j = i + 1;
            while (j < text.Length && char.IsWhiteSpace(text[j])) j++;
            if (j < text.Length && (char.IsAsciiDigit(text[j]) || text[j] is '-' or '+' or '.')) count++;
        }
        return count;
    }

    /// <summary>The format an output path asks for: .xml → ASAP, .geojson/.json → QuPath GeoJSON.</summary>
    public static AnnotationFormat FormatForPath(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".xml" => AnnotationFormat.AsapXml,
        ".geojson" or ".json" => AnnotationFormat.QuPathGeoJson,
        var ext => throw new InvalidInputException(path, $"cannot tell the annotation format from extension '{ext}' (use .xml for ASAP or .geojson/.json for QuPath)"),
    };

    /// <summary>Writes the set atomically; returns warnings about what the format could not represent.</summary>
    public static IReadOnlyList<string> Write(AnnotationSet set, string path, AnnotationFormat? format = null)
    {
        switch (format ?? FormatForPath(path))
        {
            case AnnotationFormat.AsapXml:
                var (doc, warnings) = AsapXml.Build(set);
                AtomicFile.Write(path, tmp =>
                {
                    using var w = XmlWriter.Create(tmp, new XmlWriterSettings { Indent = true, IndentChars = "\t", Encoding = new UTF8Encoding(false) });
                    doc.Save(w);
                });
                return warnings;
            case AnnotationFormat.QuPathGeoJson:
                AtomicFile.WriteAllBytes(path, QuPathGeoJson.Build(set));
                return [];
            default:
                throw new InvalidInputException(path, "Aperio ImageScope XML can be read but not written; write ASAP XML or GeoJSON");
        }
    }

    private static XDocument LoadXml(string text, ReadContext ctx)
    {
        // No DTDs and no external resolution: annotation files never need them, and they enable entity bombs.
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreComments = true };
        try
        {
            using var reader = XmlReader.Create(new StringReader(text), settings);
            return XDocument.Load(reader);
        }
        catch (XmlException e) when (e.Message.Contains("DTD", StringComparison.Ordinal))
        {
            throw ctx.Fail("XML with a document type definition (DTD) is refused: its entities can expand without bound, and no annotation format needs one", e);
        }
        catch (XmlException e)
        {
            throw ctx.Fail($"malformed XML at line {e.LineNumber}, column {e.LinePosition} ({e.Message.Split('\n')[0]})", e);
        }
    }
}
