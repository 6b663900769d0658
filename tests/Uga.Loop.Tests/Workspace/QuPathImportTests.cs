using Uga.Annotations;
using Uga.Imaging;
using Uga.Loop.Workspace;
using Uga.Slides.Writing;

namespace Uga.Loop.Tests.Workspace;

/// <summary>The real QuPath 0.5 export (3 unclassified polygons named "UT" and "I") imported against a synthetic slide.</summary>
public sealed class QuPathImportTests
{
    private const double ModelSpacing = 4.0;

    [Fact]
    public void Real_qupath_export_imports_into_the_candidate_of_a_round()
    {
        var file = SharedData.Require("annotations", "qupath_geojson", "qupath05.geojson");
        using var dir = new TempDir();
        var model = TinyModels.Save(dir, WorkspaceFixtures.Classes, ModelSpacing);
        var ws = LoopWorkspace.Init(dir.File("ws"), model, new SourceData(WorkspaceFixtures.Dataset(dir), [], 1.0));
        var slide = StreamedSlide(dir.File("qupath-slide.tif"), 10_000, 6_600);
        var set = AnnotationFiles.Read(file).Set;
        var e = set.Annotations.Select(a => a.Geometry.EnvelopeInternal).Aggregate((a, b) => { var u = a.Copy(); u.ExpandToInclude(b); return u; });
        var csv = dir.File("candidates.csv");
        File.WriteAllText(csv, "rank,slide,level0_x,level0_y,level0_width,level0_height\n" +
            $"1,qupath-slide,{(int)e.MinX - 64},{(int)e.MinY - 64},{(int)e.Width + 128},{(int)e.Height + 128}\n");
        var round = ws.AddRound(csv);

        // Unclassified polygons need a class: the error says which one and lists the model's classes.
        var error = Assert.Throws<InvalidInputException>(() =>
            AnnotationImporter.Import(ws, new ImportRequest { AnnotationFile = file, SlidePath = slide, Round = round.Id }));
        Assert.Contains("annotation 'UT' has no class; known classes: background, tumour", error.Message, StringComparison.Ordinal);

        var import = AnnotationImporter.Import(ws, new ImportRequest { AnnotationFile = file, SlidePath = slide, Round = "r1", UnclassifiedClass = "TUMOUR" });
        Assert.Equal("QuPathGeoJson", import.Format);
        Assert.Equal(1, import.CandidatePatches);
        Assert.Equal(0, import.ExtraRegions);
        Assert.Equal(3, import.Polygons);
        double expected = set.Annotations.Sum(a => a.Geometry.Area) / (ModelSpacing * ModelSpacing);
        Assert.InRange(import.PixelsPerClass["tumour"], expected * 0.95, expected * 1.05);
        Assert.False(import.PixelsPerClass.ContainsKey("background"));
        var mask = ImageFile.ReadLabels(Path.Combine(ws.Root, "rounds", "r1", "patches", "masks", import.Patches[0] + ".png"));
        Assert.InRange(mask.Width, ((e.Width + 128) / ModelSpacing) - 1, ((e.Width + 128) / ModelSpacing) + 1);
        Assert.Equal(LabelMap.Ignore, mask[0, 0]);
    }

    // 10000×6600 px written in strips so the test never holds the whole slide.
    private static string StreamedSlide(string path, int width, int height)
    {
        using var writer = PyramidalTiffWriter.Create(path, width, height, PixelKind.Rgb, 1.0);
        const int Strip = 512;
        for (int y = 0; y < height; y += Strip)
        {
            var strip = new RgbImage(width, Math.Min(Strip, height - y));
            for (int i = 0; i < strip.Data.Length; i += 3) (strip.Data[i], strip.Data[i + 1], strip.Data[i + 2]) = ((byte)230, (byte)170, (byte)210);
            writer.WriteRows(strip);
        }
        writer.Complete();
        return path;
    }
}
