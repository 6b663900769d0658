using NetTopologySuite.Geometries;
using Uga.Annotations;
using Uga.Imaging;
using Uga.Loop.Workspace;
using Uga.Slides.Writing;

namespace Uga.Loop.Tests.Workspace;

/// <summary>A tiny slide (1 µm/px, pink with a dark blob), a tiny model, a tiny dataset and a workspace over them.</summary>
internal static class WorkspaceFixtures
{
    public static readonly IReadOnlyList<string> Classes = ["background", "tumour"];
    private static readonly GeometryFactory Factory = new();

    public static string Slide(TempDir dir, int width = 128, int height = 128, string name = "slide.tif")
    {
        var image = new RgbImage(width, height);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                bool dark = (x - 60) * (x - 60) + ((y - 60) * (y - 60)) < 15 * 15;
                int i = image.Index(x, y);
                image.Data[i] = (byte)(dark ? 90 : 230);
                image.Data[i + 1] = (byte)(dark ? 40 : 170);
                image.Data[i + 2] = (byte)(dark ? 140 : 210);
            }
        var path = dir.File(name);
        PyramidalTiffWriter.Write(path, image, 1.0);
        return path;
    }

    /// <summary>Two 32×32 images with a dark square labelled 1.</summary>
    public static string Dataset(TempDir dir)
    {
        var root = dir.File("data");
        Directory.CreateDirectory(Path.Combine(root, "images"));
        Directory.CreateDirectory(Path.Combine(root, "masks"));
        for (int k = 0; k < 2; k++)
        {
            var image = new RgbImage(32, 32);
            var mask = new LabelMap(32, 32);
            for (int y = 0; y < 32; y++)
                for (int x = 0; x < 32; x++)
                {
                    bool dark = x >= 8 + k && x < 20 + k && y >= 10 && y < 22;
                    int i = image.Index(x, y);
                    image.Data[i] = (byte)(dark ? 90 : 230);
                    image.Data[i + 1] = (byte)(dark ? 40 : 170);
                    image.Data[i + 2] = (byte)(dark ? 140 : 210);
                    mask[x, y] = (byte)(dark ? 1 : 0);
                }
            ImageFile.WritePng(image, Path.Combine(root, "images", $"case{k}.png"));
            ImageFile.WritePng(mask, Path.Combine(root, "masks", $"case{k}.png"));
        }
        return root;
    }

    public static LoopWorkspace Workspace(TempDir dir)
    {
        var model = TinyModels.Save(dir, Classes, spacingUm: 1.0);
        return LoopWorkspace.Init(dir.File("ws"), model, new SourceData(Dataset(dir), [], 1.0));
    }

    public static Polygon Rect(double x0, double y0, double x1, double y1) =>
        (Polygon)Factory.ToGeometry(new Envelope(x0, x1, y0, y1));

    public static Polygon Triangle(double x0, double y0, double x1, double y1) =>
        Factory.CreatePolygon([new(x0, y0), new(x1, y0), new(x0, y1), new(x0, y0)]);

    /// <summary>ASAP file with rectangle "UGA 1" over (32..96)² and the given classed polygons.</summary>
    public static string Asap(TempDir dir, string name, params (string Class, Geometry Shape)[] polygons)
    {
        var set = new AnnotationSet();
        set.Annotations.Add(new Annotation("UGA 1", "UGA candidates", Rect(32, 32, 96, 96), AnnotationShape.Rectangle));
        int k = 0;
        foreach (var (cls, shape) in polygons) set.Annotations.Add(new Annotation($"p{++k}", cls, shape));
        var path = dir.File(name);
        AnnotationFiles.Write(set, path);
        return path;
    }
}
