using System.Text;
using NetVips;
using Uga.Inference;
using Uga.Inference.Artifacts;

namespace Uga.Fuzz;

/// <summary>
/// Starting inputs for each target: small real files from ../shared/data where they exist (AFL works best on
/// seeds of a few kB), otherwise files written by Uga's own writers, so every seed is a valid input.
/// </summary>
public static class SeedCorpus
{
    private const int MaxSharedSeedBytes = 8 * 1024;

    public static int Write(string target, string dir, string? dataDir)
    {
        Directory.CreateDirectory(dir);
        var seeds = Generated(target).ToList();
        if (dataDir is not null && Directory.Exists(dataDir)) seeds.AddRange(Shared(target, dataDir));
        foreach (var (name, bytes) in seeds) File.WriteAllBytes(Path.Combine(dir, name), bytes);
        return seeds.Count;
    }

    private static IEnumerable<(string Name, byte[] Bytes)> Shared(string target, string data)
    {
        var (folder, pattern) = target switch
        {
            "annotations" => ("annotations", "*.*"),
            "cases-csv" => (".", "cases.csv"),
            "image" => (".", "*.png"),
            _ => ((string?)null, ""),
        };
        if (folder is null) return [];
        return Directory.EnumerateFiles(Path.Combine(data, folder), pattern, SearchOption.AllDirectories)
            .Where(f => new FileInfo(f).Length <= MaxSharedSeedBytes)
            .OrderBy(f => f, StringComparer.Ordinal).Take(6)
            .Select(f => ($"shared-{Path.GetFileName(Path.GetDirectoryName(f))}-{Path.GetFileName(f)}", File.ReadAllBytes(f)));
    }

    private static IEnumerable<(string Name, byte[] Bytes)> Generated(string target) => target switch
    {
        "annotations" => [("asap.xml", Utf8(AsapSeed)), ("aperio.xml", Utf8(AperioSeed)), ("qupath.geojson", Utf8(GeoJsonSeed))],
        "cases-csv" => [("cases.csv", Utf8("case,split,patient\nimg_1,train,p1\n\"img,2\",test,p2\n"))],
        "model-manifest" => [("manifest.json", Utf8(Manifest().ToJson()))],
        "workspace-manifest" => RepoFile("tests/Uga.Loop.Tests/Workspace/Round1Workspace/workspace.json"),
        "artifact-manifest" => [("zarr.json", Utf8(Artifact().ToGroupJson()))],
        "zarr-array" => [("zarr.json", ZarrMetadata())],
        "tiff" => [("tiled.tif", Tiff(bigtiff: false, tile: true)), ("big.tif", Tiff(bigtiff: true, tile: true)), ("strips.tif", Tiff(bigtiff: false, tile: false))],
        "image" => [("small.png", Pattern().PngsaveBuffer()), ("small.jpg", Pattern().JpegsaveBuffer())],
        "workbench-save" => [("save.json", Utf8("""{"revision":2,"author":"ada","regions":[{"class":"tumour","coordinates":[[[[0,0],[40,0],[40,30],[0,0]],[[5,5],[9,5],[9,9]]]]}]}"""))],
        _ => throw new ArgumentException($"no seeds for target '{target}'", nameof(target)),
    };

    private const string AsapSeed = """<?xml version="1.0"?><ASAP_Annotations><Annotations><Annotation Name="a" Type="Polygon" PartOfGroup="tumour"><Coordinates><Coordinate Order="0" X="10" Y="10"/><Coordinate Order="1" X="60" Y="12"/><Coordinate Order="2" X="40" Y="50"/></Coordinates></Annotation></Annotations><AnnotationGroups><Group Name="tumour" PartOfGroup="None" Color="#ff0000"/></AnnotationGroups></ASAP_Annotations>""";
    private const string AperioSeed = """<Annotations MicronsPerPixel="0.25"><Annotation Id="1"><Regions><Region Id="1" Type="0"><Vertices><Vertex X="1" Y="1"/><Vertex X="30" Y="2"/><Vertex X="20" Y="25"/></Vertices></Region></Regions></Annotation></Annotations>""";
    private const string GeoJsonSeed = """{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[40,0],[40,30],[0,0]]]},"properties":{"objectType":"annotation","classification":{"name":"Tumor","color":[200,0,0]}}}]}""";

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static ModelManifest Manifest() => new()
    {
        ClassNames = ["background", "benign", "tumour"],
        SpacingUm = 2,
        PatchSize = 64,
        Depth = 2,
        BaseChannels = 4,
        Normalisation = "batch",
        InputMean = [0.7f, 0.5f, 0.7f],
        InputStd = [0.15f, 0.2f, 0.15f],
        Members = 2,
        MemberFiles = ["member-0.pt", "member-1.pt"],
        Training = new TrainingRecord(),
    };

    private static ArtifactManifest Artifact() => new()
    {
        Key = new PredictionKey("sha256:model", "sha256:slide", "ensemble", 16, 0.05),
        SlidePath = "slide.svs",
        SlideWidth = 2000,
        SlideHeight = 1500,
        SlideSpacingUm = 0.5,
        Width = 500,
        Height = 375,
        SpacingUm = 2,
        ClassNames = ["background", "tumour"],
        Measures = ["ce_disagreement", "entropy"],
        Chunk = 256,
        PatchesPredicted = 12,
        CreatedAt = DateTimeOffset.UnixEpoch,
    };

    private static byte[] ZarrMetadata()
    {
        var dir = Directory.CreateTempSubdirectory("uga-fuzz-seed-");
        try
        {
            ZarrArray.Create(dir.FullName, 300, 200, 256, ZarrType.Float16, 1);
            return File.ReadAllBytes(Path.Combine(dir.FullName, "zarr.json"));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static Image Pattern() => Image.Xyz(24, 24).ExtractBand(0).Cast(Enums.BandFormat.Uchar).Bandjoin(128, 200);

    private static byte[] Tiff(bool bigtiff, bool tile) =>
        Pattern().Resize(4).TiffsaveBuffer(tile: tile, tileWidth: 16, tileHeight: 16, pyramid: tile, bigtiff: bigtiff, compression: Enums.ForeignTiffCompression.None);

    private static IEnumerable<(string Name, byte[] Bytes)> RepoFile(string relative)
    {
        // The harness runs from the repository (fuzz/run.sh) or from its build output inside it (tests).
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Uga.slnx")))
                    return [(Path.GetFileName(relative), File.ReadAllBytes(Path.Combine(dir.FullName, relative)))];
            }
        }
        throw new InvalidOperationException($"repository root not found above {Environment.CurrentDirectory} or {AppContext.BaseDirectory}");
    }
}
