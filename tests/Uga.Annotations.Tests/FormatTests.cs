using NetTopologySuite.Geometries;
using Uga.Annotations;
using Uga.Imaging;

namespace Uga.Annotations.Tests;

/// <summary>Format details and bad input, on small hand-written files.</summary>
public class FormatTests
{
    private static string Asap(string annotations, string groups = "") =>
        $"<?xml version=\"1.0\"?><ASAP_Annotations><Annotations>{annotations}</Annotations><AnnotationGroups>{groups}</AnnotationGroups></ASAP_Annotations>";

    private static string AsapPolygon(string name, string type, params (string X, string Y)[] pts) =>
        $"<Annotation Name=\"{name}\" Type=\"{type}\" PartOfGroup=\"tumor\" Color=\"#FF0000\"><Coordinates>"
        + string.Concat(pts.Select((p, i) => $"<Coordinate Order=\"{i}\" X=\"{p.X}\" Y=\"{p.Y}\" />")) + "</Coordinates></Annotation>";

    private static AnnotationReadResult Parse(string text, AnnotationReadOptions? options = null) =>
        AnnotationFiles.Parse(text, "/data/slide1.xml", options);

    private static InvalidInputException Bad(string text, AnnotationReadOptions? options = null) =>
        Assert.ThrowsAny<InvalidInputException>(() => Parse(text, options));

    [Fact]
    public void AsapCommaDecimalsAndShuffledOrderAreRead()
    {
        var xml = Asap("<Annotation Name=\"a\" Type=\"Polygon\" PartOfGroup=\"tumor\" Color=\"#FF0000\"><Coordinates>"
            + "<Coordinate Order=\"2\" X=\"10,5\" Y=\"10\" /><Coordinate Order=\"0\" X=\"0\" Y=\"0\" />"
            + "<Coordinate Order=\"3\" X=\"0\" Y=\"10\" /><Coordinate Order=\"1\" X=\"10.5\" Y=\"0\" /></Coordinates></Annotation>",
            "<Group Name=\"tumor\" PartOfGroup=\"None\" Color=\"#00FF00\"><Attributes /></Group>");
        var set = Parse(xml).Set;
        var a = Assert.Single(set.Annotations);
        Assert.Equal(105, a.Geometry.Area, 9);
        Assert.True(a.Geometry.IsValid);
        Assert.Equal("tumor", a.ClassName);
        Assert.Equal(new AnnotationColor(0, 255, 0), set.ColorOf("tumor"));
        Assert.Equal(new AnnotationColor(255, 0, 0), a.Color);
    }

    [Fact]
    public void BowTieIsRepairedWithAWarning()
    {
        var r = Parse(Asap(AsapPolygon("bow", "Polygon", ("0", "0"), ("10", "10"), ("10", "0"), ("0", "10"))));
        var g = Assert.Single(r.Set.Annotations).Geometry;
        Assert.True(g.IsValid);
        Assert.Equal(50, g.Area, 6); // both lobes kept
        Assert.Contains(r.Warnings, w => w.Contains("'bow'", StringComparison.Ordinal) && w.Contains("repaired", StringComparison.Ordinal));
    }

    [Fact]
    public void TooFewVerticesNamesFileAndAnnotationOrIsSkippedOnRequest()
    {
        var xml = Asap(AsapPolygon("ok", "Polygon", ("0", "0"), ("5", "0"), ("0", "5")) + AsapPolygon("line", "Polygon", ("0", "0"), ("5", "5"), ("0", "0")));
        var e = Bad(xml);
        Assert.StartsWith("/data/slide1.xml: annotation 'line' (#2)", e.Message);
        Assert.Contains("2 distinct vertices", e.Message);
        var lenient = Parse(xml, new AnnotationReadOptions { SkipDegenerate = true });
        Assert.Equal("ok", Assert.Single(lenient.Set.Annotations).Name);
        Assert.Contains(lenient.Warnings, w => w.Contains("'line'", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("abc", "is not a number")]
    [InlineData("NaN", "not a finite number")]
    [InlineData("Infinity", "not a finite number")]
    [InlineData("-1e400", "not a finite number")]
    [InlineData("1e8", "beyond")]
    [InlineData("", "missing X")]
    [InlineData("1,2,3", "is not a number")]
    public void BadCoordinatesNameFileAnnotationAndProblem(string x, string problem)
    {
        var e = Bad(Asap(AsapPolygon("nuc 7", "Polygon", ("0", "0"), (x, "0"), ("0", "5"))));
        Assert.StartsWith("/data/slide1.xml: annotation 'nuc 7' (#1) coordinate 2", e.Message);
        Assert.Contains(problem, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void CoordinatesOutsideAGivenSlideAreRejected()
    {
        var xml = Asap(AsapPolygon("a", "Polygon", ("0", "0"), ("500", "0"), ("0", "5")));
        Assert.Single(Parse(xml, new AnnotationReadOptions { SlideSize = (1000, 1000) }).Set.Annotations);
        Assert.Contains("outside the 400x1000 slide", Bad(xml, new AnnotationReadOptions { SlideSize = (400, 1000) }).Message);
    }

    [Theory]
    [InlineData("", "file is empty")]
    [InlineData("hello", "neither XML nor GeoJSON")]
    [InlineData("<ASAP_Annotations><Annotations>", "malformed XML")]
    [InlineData("<Foo/>", "unknown XML annotation format")]
    [InlineData("<!DOCTYPE x [<!ENTITY a \"aaaa\">]><ASAP_Annotations/>", "document type definition (DTD) is refused")]
    [InlineData("<ASAP_Annotations><Annotations><Annotation Name=\"a\"/></Annotations></ASAP_Annotations>", "missing Type")]
    [InlineData("<ASAP_Annotations><Annotations><Annotation Name=\"a\" Type=\"Blob\"/></Annotations></ASAP_Annotations>", "unknown annotation Type 'Blob'")]
    [InlineData("<ASAP_Annotations><Annotations><Annotation Name=\"a\" Type=\"Polygon\"><Coordinates><Coordinate X=\"1\" Y=\"1\"/></Coordinates></Annotation></Annotations></ASAP_Annotations>", "missing Order")]
    [InlineData("{\"type\":\"FeatureCollection\"", "malformed JSON")]
    [InlineData("{\"type\":\"Topology\"}", "type 'Topology'")]
    [InlineData("{\"type\":\"FeatureCollection\"}", "no 'features' array")]
    [InlineData("[{\"type\":\"Feature\",\"properties\":{}}]", "missing geometry")]
    [InlineData("[{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[\"a\",0],[1,1],[0,0]]]}}]", "invalid GeoJSON geometry")]
    [InlineData("[{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1]]]}}]", "invalid GeoJSON geometry")]
    [InlineData("[{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[1e300,0]}}]", "beyond")]
    [InlineData("[{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[1,0]},\"properties\":{\"classification\":{\"name\":\"T\",\"color\":[300,0,0]}}}]", "color must be")]
    [InlineData("<Annotations><Annotation Id=\"1\"><Regions><Region Id=\"3\"><Vertices/></Region></Regions></Annotation></Annotations>", "region 3 (#1): missing Type")]
    public void MalformedInputIsAOneLineInvalidInputError(string text, string problem)
    {
        var e = Bad(text);
        Assert.StartsWith("/data/slide1.xml: ", e.Message);
        Assert.Contains(problem, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void MissingFileIsAnInputError() =>
        Assert.Contains("file not found", Assert.Throws<InvalidInputException>(() => AnnotationFiles.Read("/nonexistent/a.xml")).Message);

    [Fact]
    public void QuPathVariantsAreRead()
    {
        const string single = "{\"type\":\"Feature\",\"id\":\"x\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[4,0],[4,4],[0,4],[0,0]]]},"
            + "\"properties\":{\"objectType\":\"annotation\",\"classification\":{\"name\":\"Tumor\",\"colorRGB\":-65536}}}";
        var one = Parse(single).Set;
        Assert.Equal("Tumor", Assert.Single(one.Annotations).ClassName);
        Assert.Equal(new AnnotationColor(255, 0, 0), one.ColorOf("Tumor"));

        const string array = "[{\"type\":\"Feature\",\"geometry\":{\"type\":\"MultiPoint\",\"coordinates\":[[1,2],[3,4]]},\"properties\":{\"objectType\":\"detection\",\"classification\":{\"name\":\"Lymphocyte\",\"color\":[0,0,200]}}},"
            + "{\"type\":\"Feature\",\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[1,2],[3,4]]},\"properties\":{\"objectType\":\"annotation\"}}]";
        var r = Parse(array);
        var cells = Assert.Single(r.Set.Annotations);
        Assert.True(cells.IsDetection);
        Assert.Equal(AnnotationShape.PointSet, cells.Shape);
        Assert.Equal(new AnnotationColor(0, 0, 200), r.Set.ColorOf("Lymphocyte"));
        Assert.Contains(r.Warnings, w => w.Contains("LineString skipped", StringComparison.Ordinal));
        Assert.Empty(Parse(array, new AnnotationReadOptions { SkipDetections = true }).Set.Annotations);

        // QuPath 0.2 marked the object type through the feature id.
        const string legacy = "[{\"type\":\"Feature\",\"id\":\"PathCellObject\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[1,2]},\"properties\":{}}]";
        Assert.True(Assert.Single(Parse(legacy).Set.Annotations).IsDetection);
    }

    [Fact]
    public void MultiPolygonWithHolesAndPointsRoundTripThroughGeoJsonExactly()
    {
        var f = new GeometryFactory();
        var donut = f.CreatePolygon(f.CreateLinearRing([new(0, 0), new(10, 0), new(10, 10), new(0, 10), new(0, 0)]),
            [f.CreateLinearRing([new(2, 2), new(2, 8), new(8, 8), new(8, 2), new(2, 2)])]);
        var island = f.CreatePolygon([new(20, 20), new(30.125, 20), new(25, 29.75), new(20, 20)]);
        var set = new AnnotationSet();
        set.Classes.Add(new AnnotationClass("Gland", new AnnotationColor(1, 2, 3)));
        set.Annotations.Add(new Annotation("g1", "Gland", f.CreateMultiPolygon([donut, island])));
        set.Annotations.Add(new Annotation("dot", null, f.CreatePoint(new Coordinate(5.5, 6.25)), AnnotationShape.Dot));
        set.Annotations.Add(new Annotation("box", "Gland", f.CreatePolygon([new(0, 0), new(3, 0), new(3, 2), new(0, 2), new(0, 0)]), AnnotationShape.Rectangle));
        using var dir = new TempDir();
        AnnotationFiles.Write(set, dir.File("a.geojson"));
        var json = File.ReadAllText(dir.File("a.geojson"));
        Assert.Contains("\"classification\":{\"name\":\"Gland\",\"color\":[1,2,3]}", json);
        Assert.Contains("\"objectType\":\"annotation\"", json);
        var back = AnnotationFiles.Read(dir.File("a.geojson")).Set;
        RealFileTests.AssertSameAnnotations(set, back, "a.geojson");

        // Ids are stable: writing the same set again gives the same bytes.
        AnnotationFiles.Write(set, dir.File("b.geojson"));
        Assert.Equal(json, File.ReadAllText(dir.File("b.geojson")));

        // ASAP: rectangle and dot keep their type; the hole goes to an exclusion group with a warning.
        var warnings = AnnotationFiles.Write(back, dir.File("a.xml"));
        Assert.Contains(warnings, w => w.Contains("hole", StringComparison.Ordinal));
        var asap = AnnotationFiles.Read(dir.File("a.xml")).Set;
        Assert.Equal(AnnotationShape.Rectangle, asap.Annotations.Single(a => a.Name == "box").Shape);
        Assert.Equal(AnnotationShape.Dot, asap.Annotations.Single(a => a.Name == "dot").Shape);
        Assert.Equal("Gland exclusion", asap.Annotations.Single(a => a.Name.Contains("hole", StringComparison.Ordinal)).ClassName);
        Assert.Equal(["g1 (1/2)", "g1 (1/2) hole 1", "g1 (2/2)"], asap.Annotations.Select(a => a.Name).Where(n => n.StartsWith("g1", StringComparison.Ordinal)));
    }

    [Fact]
    public void SplineIsInterpolatedThroughItsControlPointsAndWrittenBackAsSpline()
    {
        // 8 points on a circle of radius 100: the straight polygon is inside the circle, the spline close to it.
        var pts = Enumerable.Range(0, 8).Select(i => (X: (500 + (100 * Math.Cos(i * Math.PI / 4))).ToString("R", System.Globalization.CultureInfo.InvariantCulture),
            Y: (500 + (100 * Math.Sin(i * Math.PI / 4))).ToString("R", System.Globalization.CultureInfo.InvariantCulture))).ToArray();
        var xml = Asap(AsapPolygon("s", "Spline", pts));
        var curve = Assert.Single(Parse(xml).Set.Annotations);
        var straight = Assert.Single(Parse(xml, new AnnotationReadOptions { Splines = SplineMode.ControlPoints }).Set.Annotations);
        double circle = Math.PI * 100 * 100;
        Assert.Equal(9, straight.Geometry.NumPoints);
        Assert.True(Math.Abs(curve.Geometry.Area - circle) < Math.Abs(straight.Geometry.Area - circle) / 4,
            $"spline area {curve.Geometry.Area:F0}, polygon {straight.Geometry.Area:F0}, circle {circle:F0}");
        foreach (var c in straight.Geometry.Coordinates)
            Assert.True(curve.Geometry.Boundary.Distance(new GeometryFactory().CreatePoint(c)) < 1e-9);

        using var dir = new TempDir();
        var set = Parse(xml).Set;
        AnnotationFiles.Write(set, dir.File("s.xml"));
        var back = Assert.Single(AnnotationFiles.Read(dir.File("s.xml")).Set.Annotations);
        Assert.Equal(AnnotationShape.Spline, back.Shape);
        Assert.True(RealFileTests.Same(curve.Geometry, back.Geometry));
    }

    [Fact]
    public void AperioNegativeRegionsAreSubtracted()
    {
        const string xml = "<Annotations MicronsPerPixel=\"0.25\"><Annotation Id=\"1\" Name=\"Tumor\" LineColor=\"255\"><Regions>"
            + "<Region Id=\"1\" Type=\"0\" NegativeROA=\"0\"><Vertices><Vertex X=\"0\" Y=\"0\"/><Vertex X=\"100\" Y=\"0\"/><Vertex X=\"100\" Y=\"100\"/><Vertex X=\"0\" Y=\"100\"/></Vertices></Region>"
            + "<Region Id=\"2\" Type=\"1\" NegativeROA=\"1\"><Vertices><Vertex X=\"25\" Y=\"25\"/><Vertex X=\"75\" Y=\"25\"/><Vertex X=\"75\" Y=\"75\"/><Vertex X=\"25\" Y=\"75\"/></Vertices></Region>"
            + "<Region Id=\"3\" Type=\"2\" NegativeROA=\"0\"><Vertices><Vertex X=\"200\" Y=\"200\"/><Vertex X=\"240\" Y=\"220\"/></Vertices></Region>"
            + "</Regions></Annotation></Annotations>";
        var r = Parse(xml);
        Assert.Equal(AnnotationFormat.AperioXml, r.Format);
        Assert.Equal(2, r.Set.Annotations.Count);
        var square = r.Set.Annotations[0];
        Assert.Equal(10000 - 2500, square.Geometry.Area, 6);
        Assert.Equal(1, ((Polygon)square.Geometry).NumInteriorRings);
        Assert.Equal("Tumor", square.ClassName);
        Assert.Equal(new AnnotationColor(255, 0, 0), square.Color); // COLORREF 255 is red
        Assert.Equal(AnnotationShape.Ellipse, r.Set.Annotations[1].Shape);
        Assert.Equal(Math.PI * 20 * 10, r.Set.Annotations[1].Geometry.Area, 628 * 0.01); // a 64-gon inside the ellipse
    }

    [Fact]
    public void FormatComesFromContentNotExtension()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("really-asap.json"), Asap(AsapPolygon("a", "Polygon", ("0", "0"), ("5", "0"), ("0", "5"))));
        Assert.Equal(AnnotationFormat.AsapXml, AnnotationFiles.Read(dir.File("really-asap.json")).Format);
    }

    [Fact]
    public void WritingNeedsAKnownFormatAndLeavesNothingOnFailure()
    {
        using var dir = new TempDir();
        var set = new AnnotationSet();
        Assert.Throws<InvalidInputException>(() => AnnotationFiles.Write(set, dir.File("out.txt")));
        Assert.Throws<InvalidInputException>(() => AnnotationFiles.Write(set, dir.File("out.xml"), AnnotationFormat.AperioXml));
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void UnknownClassIsAnErrorListingTheKnownOnesUnlessADefaultIsGiven()
    {
        var set = Parse(Asap(AsapPolygon("a", "Polygon", ("0", "0"), ("5", "0"), ("0", "5")))).Set;
        var labels = new ClassLabels(new Dictionary<string, byte> { ["Stroma"] = 1, ["Necrosis"] = 2 });
        var e = Assert.Throws<InvalidInputException>(() => new AnnotationRasterizer(set, labels, 0.25));
        Assert.Equal("/data/slide1.xml: annotation 'a' has unknown class 'tumor'; known classes: Necrosis, Stroma", e.Message);
        var withDefault = new ClassLabels(labels.Labels, unknownLabel: 7);
        var map = new AnnotationRasterizer(set, withDefault, 0.25).Rasterize(new PixelRegion(0, 0, 5, 5), 0.25);
        Assert.Equal(7, map[0, 0]);
        Assert.Equal(1, new ClassLabels(new Dictionary<string, byte> { ["TUMOR"] = 1 }).LabelOf("tumor"));
    }
}
