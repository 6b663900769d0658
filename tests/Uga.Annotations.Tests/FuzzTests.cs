using System.Text;
using System.Xml.Linq;
using FsCheck.Xunit;
using Uga.Annotations;
using Uga.Imaging;

namespace Uga.Annotations.Tests;

/// <summary>
/// Readers on damaged input: random mutations and truncations of real files, and random strings. Each must give
/// a result (with valid geometry) or an <see cref="InvalidInputException"/>: no other exception, and no hang.
/// </summary>
public class FuzzTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    // Tokens that break parsers in interesting ways: structure, numbers, non-finite values, huge values.
    private static readonly string[] Tokens =
    [
        "<", ">", "/>", "\"", "'", "=", "&", "&amp;", "<!--", "]]>", "{", "}", "[", "]", ":", ",", ".", "-", "e", "E",
        "NaN", "Infinity", "-Infinity", "1e400", "-1e308", "99999999999", "0", "null", "true", "\"\"", "\0", "\uFFFF", "é",
        "<Coordinate Order=\"0\" X=\"1\" Y=\"1\"/>", "<Annotation>", "</Annotations>", "\"type\":", "\"coordinates\":[[]]",
    ];

    private static readonly Lazy<string?> SmallAsap = new(() => ReadShared("annotations", "asap_xml_tissue", "xmls", "008_059_HE.xml"));
    private static readonly Lazy<string?> Camelyon = new(() => Shrink(ReadShared("annotations", "asap_xml_camelyon16", "tumor_085.xml"), "Annotation", 6));
    private static readonly Lazy<string?> QuPath = new(() => ReadShared("annotations", "qupath_geojson", "qupath05.geojson"));
    private static readonly Lazy<string?> Aperio = new(() => Shrink(ReadShared("monuseg", "annotations", "TCGA-21-5784-01Z-00-DX1.xml"), "Region", 5));

    [Property(MaxTest = 150)]
    public void MutatedAsapXml(int seed) => Survives(Mutate(Require(SmallAsap), seed), "mutated.xml");

    [Property(MaxTest = 100)]
    public void MutatedCamelyonXml(int seed) => Survives(Mutate(Require(Camelyon), seed), "mutated.xml");

    [Property(MaxTest = 150)]
    public void MutatedQuPathGeoJson(int seed) => Survives(Mutate(Require(QuPath), seed), "mutated.geojson");

    [Property(MaxTest = 100)]
    public void MutatedAperioXml(int seed) => Survives(Mutate(Require(Aperio), seed), "mutated.xml");

    [Property(MaxTest = 200)]
    public void RandomStrings(string? text, bool xml)
    {
        text ??= "";
        Survives(text, "random.txt");
        Survives((xml ? "<ASAP_Annotations>" : "[{\"type\":\"Feature\",\"geometry\":") + text, "random.txt");
    }

    [Fact]
    public void EveryTruncationOfASmallFileIsHandled()
    {
        var text = Require(QuPath);
        for (int n = 0; n < text.Length; n += 7) Survives(text[..n], "truncated.geojson");
        var xml = Require(SmallAsap);
        for (int n = 0; n < xml.Length; n += 23) Survives(xml[..n], "truncated.xml");
    }

    private static void Survives(string text, string name)
    {
        var task = Task.Run(() =>
        {
            try
            {
                var result = AnnotationFiles.Parse(text, name, new AnnotationReadOptions());
                foreach (var a in result.Set.Annotations)
                    Assert.True(a.Geometry.IsValid, $"invalid geometry returned for {a.Name}");
            }
            catch (InvalidInputException e)
            {
                Assert.StartsWith(name + ": ", e.Message);
                Assert.DoesNotContain('\n', e.Message);
            }
        });
        Assert.True(task.Wait(Limit), $"parsing did not finish within {Limit.TotalSeconds} s");
    }

    private static string Mutate(string text, int seed)
    {
        var rng = new Random(seed);
        var s = new StringBuilder(text);
        int edits = 1 + rng.Next(4);
        for (int e = 0; e < edits && s.Length > 0; e++)
        {
            int at = rng.Next(s.Length);
            switch (rng.Next(6))
            {
                case 0: s.Length = at; break; // truncate
                case 1: s.Remove(at, Math.Min(s.Length - at, 1 + rng.Next(40))); break;
                case 2: s.Insert(at, Tokens[rng.Next(Tokens.Length)]); break;
                case 3: s[at] = (char)rng.Next(32, 127); break;
                case 4: s.Insert(at, s.ToString(at, Math.Min(s.Length - at, 1 + rng.Next(200)))); break; // duplicate
                default: ReplaceNumber(s, at, rng); break;
            }
        }
        return s.ToString();
    }

    private static void ReplaceNumber(StringBuilder s, int at, Random rng)
    {
        int start = at;
        while (start < s.Length && !char.IsDigit(s[start])) start++;
        int end = start;
        while (end < s.Length && (char.IsDigit(s[end]) || s[end] == '.')) end++;
        if (end > start) s.Remove(start, end - start).Insert(start, Tokens[20 + rng.Next(7)]);
    }

    private static string Require(Lazy<string?> text) =>
        text.Value ?? throw new InvalidOperationException("unreachable: SharedData.Require skips first");

    private static string? ReadShared(params string[] parts)
    {
        var path = SharedData.Require(parts);
        return File.ReadAllText(path);
    }

    // Keeps the first few elements of a large real file, so each fuzz case parses in milliseconds.
    private static string? Shrink(string? text, string element, int keep)
    {
        if (text is null) return null;
        var doc = XDocument.Parse(text);
        foreach (var extra in doc.Descendants(element).Skip(keep).ToList()) extra.Remove();
        return doc.ToString();
    }
}
