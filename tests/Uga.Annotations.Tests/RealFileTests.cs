using System.Diagnostics;
using NetTopologySuite.Geometries;
using Uga.Annotations;
using Uga.Imaging;

namespace Uga.Annotations.Tests;

/// <summary>Every real annotation file in shared/data: counts, round trips, and agreement with a mask made by another tool.</summary>
public class RealFileTests(ITestOutputHelper output)
{
    private static readonly AnnotationReadOptions Lenient = new() { SkipDegenerate = true };

    // Expected counts were established independently with Python's xml.etree / json (count of <Annotation>,
    // <Coordinate>, <Region>, <Vertex> elements and GeoJSON ring points minus the closing point).
    [Theory]
    [InlineData("annotations/asap_xml_camelyon16/tumor_011.xml", AnnotationFormat.AsapXml, 63, 38847)]
    [InlineData("annotations/asap_xml_camelyon16/tumor_044.xml", AnnotationFormat.AsapXml, 13, 25081)]
    [InlineData("annotations/asap_xml_camelyon16/tumor_009.xml", AnnotationFormat.AsapXml, 6, 10778)]
    [InlineData("annotations/asap_xml_tissue/xmls/008_059_HE.xml", AnnotationFormat.AsapXml, 5, 117)]
    [InlineData("annotations/qupath_geojson/qupath05.geojson", AnnotationFormat.QuPathGeoJson, 3, 396)]
    [InlineData("monuseg/annotations/TCGA-21-5784-01Z-00-DX1.xml", AnnotationFormat.AperioXml, 398, 90490)]
    public void CountsMatchAnIndependentCount(string file, AnnotationFormat format, int annotations, int vertices)
    {
        var result = AnnotationFiles.Read(SharedData.Require(file.Split('/')));
        Assert.Equal(format, result.Format);
        Assert.Equal(annotations, result.Set.Annotations.Count);
        Assert.Equal(vertices, result.Set.Annotations.Sum(a => a.SourceVertexCount));
        Assert.All(result.Set.Annotations, a => Assert.True(a.Geometry.IsValid, a.Name));
    }

    [Fact]
    public void QuPathFileKeepsNamesColorsAndIds()
    {
        var set = AnnotationFiles.Read(SharedData.Require("annotations", "qupath_geojson", "qupath05.geojson")).Set;
        Assert.Equal(["UT", "I", "I"], set.Annotations.Select(a => a.Name));
        Assert.All(set.Annotations, a => Assert.Equal(new AnnotationColor(255, 0, 0), a.Color));
        Assert.Equal("6423a977-ffff-48db-affc-cd11632010f0", set.Annotations[0].Id);
        Assert.Equal(163, set.Annotations[0].Geometry.NumPoints - 1);
    }

    [Fact]
    public void EveryRealFileReadsAndRoundTripsThroughGeoJson()
    {
        var root = SharedData.Require("annotations");
        var files = Directory.GetFiles(root, "*.*", SearchOption.AllDirectories)
            .Concat(Directory.GetFiles(SharedData.Require("monuseg", "annotations"), "*.xml")).Order().ToList();
        Assert.True(files.Count >= 70, $"only {files.Count} files");
        using var dir = new TempDir();
        var sw = Stopwatch.StartNew();
        int annotations = 0, repaired = 0;
        foreach (var file in files)
        {
            var read = AnnotationFiles.Read(file, Lenient);
            annotations += read.Set.Annotations.Count;
            repaired += read.Warnings.Count(w => w.Contains("repaired", StringComparison.Ordinal));
            var json = dir.File(Path.GetFileNameWithoutExtension(file) + ".geojson");
            AnnotationFiles.Write(read.Set, json);
            var back = AnnotationFiles.Read(json);
            Assert.Empty(back.Warnings);
            AssertSameAnnotations(read.Set, back.Set, file);
        }
        output.WriteLine($"{files.Count} files, {annotations} annotations, {repaired} repaired, {sw.ElapsedMilliseconds} ms");
    }

    [Theory]
    [InlineData("annotations/asap_xml_camelyon16/tumor_076.xml")] // polygons and a spline
    [InlineData("annotations/asap_xml_tissue/xmls/L1.xml")]
    [InlineData("annotations/qupath_geojson/qupath05.geojson")]
    public void AsapGeoJsonAsapKeepsEverySimplePolygonExactly(string file)
    {
        var original = AnnotationFiles.Read(SharedData.Require(file.Split('/'))).Set;
        using var dir = new TempDir();
        AnnotationFiles.Write(original, dir.File("a.geojson"));
        var viaJson = AnnotationFiles.Read(dir.File("a.geojson")).Set;
        AnnotationFiles.Write(viaJson, dir.File("b.xml"));
        var back = AnnotationFiles.Read(dir.File("b.xml")).Set;
        var simple = original.Annotations.Where(a => a.Geometry is Polygon { NumInteriorRings: 0 }).ToList();
        Assert.NotEmpty(simple);
        foreach (var a in simple)
        {
            // Names repeat (QuPath's "I", "I"), so match the n-th annotation of a name with the n-th one back.
            int nth = original.Annotations.Where(o => o.Name == a.Name).ToList().IndexOf(a);
            var match = back.Annotations.Where(b => b.Name == a.Name).ElementAt(nth);
            Assert.True(Same(a.Geometry, match.Geometry), $"{file}: {a.Name} changed");
            Assert.Equal(a.ClassName, match.ClassName);
            // GeoJSON has no splines: a spline comes back as the polygon it was drawn as.
            Assert.Equal(a.Shape == AnnotationShape.Spline ? AnnotationShape.Polygon : a.Shape, match.Shape);
        }
    }

    [Theory]
    [InlineData("TCGA-21-5784-01Z-00-DX1")]
    [InlineData("TCGA-21-5786-01Z-00-DX1")]
    [InlineData("TCGA-50-5931-01Z-00-DX1")]
    public void MoNuSegXmlRasterisesLikeTheProvidedMask(string stem)
    {
        var set = AnnotationFiles.Read(SharedData.Require("monuseg", "annotations", stem + ".xml"), Lenient).Set;
        var reference = ImageFile.ReadLabels(SharedData.Require("monuseg", "masks", stem + ".png"));
        var labels = ClassLabels.Sequential(set.ClassNames());
        var sw = Stopwatch.StartNew();
        var ours = new AnnotationRasterizer(set, labels, 0.25).Rasterize(new PixelRegion(0, 0, reference.Width, reference.Height), 0.25);
        var ms = sw.ElapsedMilliseconds;
        double dice = Dice(ours, reference);
        output.WriteLine($"{stem}: Dice {dice:F4} vs provided mask, {set.Annotations.Count} nuclei rasterised in {ms} ms");
        Assert.True(dice >= 0.9, $"Dice {dice:F4}");
    }

    [Fact]
    public void AperioHolesSurviveAsapExportAsExclusionGroup()
    {
        var set = AnnotationFiles.Read(SharedData.Require("monuseg", "annotations", "TCGA-50-5931-01Z-00-DX1.xml"), Lenient).Set;
        Assert.Contains(set.Annotations, a => a.Geometry is Polygon { NumInteriorRings: > 0 } || a.Geometry is MultiPolygon);
        using var dir = new TempDir();
        var warnings = AnnotationFiles.Write(set, dir.File("asap.xml"));
        Assert.Contains(warnings, w => w.Contains("exclusion", StringComparison.Ordinal));
        var back = AnnotationFiles.Read(dir.File("asap.xml")).Set;
        var region = new PixelRegion(0, 0, 1000, 1000);
        var before = new AnnotationRasterizer(set, ClassLabels.Sequential(["Layer 1"]), 0.25).Rasterize(region, 0.25);
        var exclusion = AsapXml.ExclusionGroup("Layer 1");
        var after = new AnnotationRasterizer(back, new ClassLabels(new Dictionary<string, byte> { ["Layer 1"] = 1, [exclusion] = 0 }), 0.25, ["Layer 1", exclusion])
            .Rasterize(region, 0.25);
        int differ = before.Data.Zip(after.Data).Count(p => p.First != p.Second);
        output.WriteLine($"pixels differing after ASAP export with exclusions painted last: {differ}");
        Assert.True(differ < 200, $"{differ} pixels differ"); // only where a hole of one nucleus overlaps another
    }

    internal static void AssertSameAnnotations(AnnotationSet expected, AnnotationSet actual, string file)
    {
        Assert.Equal(expected.Annotations.Count, actual.Annotations.Count);
        for (int i = 0; i < expected.Annotations.Count; i++)
        {
            Annotation a = expected.Annotations[i], b = actual.Annotations[i];
            Assert.True(Same(a.Geometry, b.Geometry), $"{file}: annotation #{i + 1} '{a.Name}' geometry changed");
            Assert.Equal(a.Name, b.Name);
            Assert.Equal(a.ClassName, b.ClassName);
        }
    }

    internal static bool Same(Geometry a, Geometry b) => a.Normalized().EqualsExact(b.Normalized(), 1e-6);

    internal static double Dice(LabelMap a, LabelMap b)
    {
        long both = 0, sum = 0;
        for (int i = 0; i < a.Data.Length; i++)
        {
            bool x = a.Data[i] > 0, y = b.Data[i] > 0;
            if (x && y) both++;
            sum += (x ? 1 : 0) + (y ? 1 : 0);
        }
        return sum == 0 ? 1 : 2.0 * both / sum;
    }
}
