using System.Text.Json;
using NetTopologySuite.Geometries;
using Uga.Imaging;
using Uga.Inference;
using Uga.Learning;
using Uga.Loop.Workspace;
using static TorchSharp.torch;
using F = Uga.Loop.Tests.Workspace.WorkspaceFixtures;

namespace Uga.Loop.Tests.Workspace;

public sealed class WorkspaceTests
{
    [Fact]
    public void Init_copies_the_model_as_v1_and_records_the_source_data()
    {
        using var dir = new TempDir();
        var ws = F.Workspace(dir);
        var reopened = LoopWorkspace.Open(ws.Root);
        Assert.Equal("v1", reopened.Manifest.Current.Id);
        Assert.Equal("registered", reopened.Manifest.Current.How);
        Assert.True(File.Exists(Path.Combine(ws.Root, "models", "v1", ModelManifest.FileName)));
        Assert.Equal(1.0, reopened.Manifest.Source.DataSpacingUm);
        var again = Assert.Throws<InvalidInputException>(() => LoopWorkspace.Init(ws.Root, dir.File("model"), reopened.Manifest.Source));
        Assert.Contains("already exists", again.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Import_rasterises_the_polygon_inside_the_candidate_and_ignores_the_rest()
    {
        using var dir = new TempDir();
        var ws = F.Workspace(dir);
        var slide = F.Slide(dir);
        var file = F.Asap(dir, "a.xml", ("Tumour", F.Triangle(40, 40, 80, 80)));
        var import = AnnotationImporter.Import(ws, new ImportRequest { AnnotationFile = file, SlidePath = slide });

        var round = Assert.Single(LoopWorkspace.Open(ws.Root).Manifest.Rounds);
        Assert.Equal("r1", round.Id);
        Assert.Equal("v1", round.RankedBy);
        Assert.Equal(64, import.Sha256.Length);
        var stem = Assert.Single(import.Patches);
        var mask = ImageFile.ReadLabels(Path.Combine(ws.Root, "rounds", "r1", "patches", "masks", stem + ".png"));
        var image = ImageFile.ReadRgb(Path.Combine(ws.Root, "rounds", "r1", "patches", "images", stem + ".png"));
        Assert.Equal((64, 64), (mask.Width, mask.Height));
        Assert.Equal((64, 64), (image.Width, image.Height));
        Assert.Equal(1, mask[10, 10]);          // level-0 (42, 42): inside the triangle
        Assert.Equal(LabelMap.Ignore, mask[60, 60]); // (92, 92): in the rectangle, outside the polygon
        Assert.Equal(LabelMap.Ignore, mask[45, 45]); // (77, 77): beyond the hypotenuse
        Assert.Equal(90, image.Data[image.Index(28, 28)]); // the slide's dark blob centred at (60, 60)
        Assert.True(import.PixelsPerClass["tumour"] is > 700 and < 900); // ~ 40·40/2
        var twice = Assert.Throws<InvalidInputException>(() => AnnotationImporter.Import(ws, new ImportRequest { AnnotationFile = file, SlidePath = slide }));
        Assert.Contains("already imported into round r1", twice.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unlabelled_pixels_can_take_a_class_and_outside_polygons_become_extra_patches()
    {
        using var dir = new TempDir();
        var ws = F.Workspace(dir);
        var slide = F.Slide(dir);
        var file = F.Asap(dir, "a.xml", ("tumour", F.Triangle(40, 40, 80, 80)), ("tumour", F.Rect(100, 2, 120, 20)));
        var import = AnnotationImporter.Import(ws, new ImportRequest { AnnotationFile = file, SlidePath = slide, UnlabelledClass = "background" });
        Assert.Equal(1, import.CandidatePatches);
        Assert.Equal(1, import.ExtraRegions);
        var masks = Path.Combine(ws.Root, "rounds", "r1", "patches", "masks");
        var candidate = ImageFile.ReadLabels(Path.Combine(masks, import.Patches[0] + ".png"));
        Assert.Equal(0, candidate[60, 60]);
        var extra = ImageFile.ReadLabels(Path.Combine(masks, import.Patches[1] + ".png"));
        Assert.Equal((20, 18), (extra.Width, extra.Height));
        Assert.All(extra.Data, v => Assert.Equal(1, v));
        // A patch smaller than the model's 32 px training patch still trains.
        var v2 = WorkspaceFineTuner.FineTune(ws, new FineTuneRequest { Recipe = new FineTuneRecipe { Steps = 2, BatchSize = 2 }, Threads = 1 }, cancel: TestContext.Current.CancellationToken);
        Assert.Equal(2, v2.PatchCount);
    }

    [Fact]
    public void Asap_exclusion_groups_cut_holes_out_of_their_class()
    {
        using var dir = new TempDir();
        var ws = F.Workspace(dir);
        var slide = F.Slide(dir);
        var ring = F.Rect(40, 40, 90, 90);
        var withHole = ring.Factory.CreatePolygon(ring.Shell, [(LinearRing)F.Rect(55, 55, 75, 75).Shell]);
        var file = F.Asap(dir, "a.xml", ("tumour", withHole)); // ASAP writes the hole to group "tumour exclusion"
        var import = AnnotationImporter.Import(ws, new ImportRequest { AnnotationFile = file, SlidePath = slide });
        var mask = ImageFile.ReadLabels(Path.Combine(ws.Root, "rounds", "r1", "patches", "masks", import.Patches[0] + ".png"));
        Assert.Equal(1, mask[12, 12]);                // (44, 44): in the polygon
        Assert.Equal(LabelMap.Ignore, mask[33, 33]); // (65, 65): in the hole
        Assert.Equal(50 * 50 - (20 * 20), import.PixelsPerClass["tumour"]);
    }

    [Theory]
    [InlineData("stroma", "unknown class 'stroma'; known classes: background, tumour")]
    [InlineData("outside", "matches no candidate and lies outside the slide")]
    [InlineData("text", "notes.txt")]
    public void Bad_input_fails_with_one_line_and_writes_nothing(string kind, string expected)
    {
        using var dir = new TempDir();
        var ws = F.Workspace(dir);
        var slide = F.Slide(dir);
        var before = ws.Snapshot();
        string file = kind switch
        {
            "stroma" => F.Asap(dir, "a.xml", ("stroma", F.Triangle(40, 40, 80, 80))),
            "outside" => F.Asap(dir, "a.xml", ("tumour", F.Rect(500, 500, 520, 520))),
            _ => dir.File("notes.txt"),
        };
        if (kind == "text") File.WriteAllText(file, "not annotations");
        var e = Assert.Throws<InvalidInputException>(() => AnnotationImporter.Import(ws, new ImportRequest { AnnotationFile = file, SlidePath = slide }));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Equal(before, ws.Snapshot());
        Assert.False(Directory.Exists(Path.Combine(ws.Root, "rounds")));
    }

    [Fact]
    public void Finetune_makes_v2_keeps_v1_records_lineage_and_lowers_the_loss_on_the_new_patch()
    {
        using var dir = new TempDir();
        var ws = F.Workspace(dir);
        var slide = F.Slide(dir);
        var file = F.Asap(dir, "a.xml", ("tumour", F.Triangle(40, 40, 80, 80)));
        var import = AnnotationImporter.Import(ws, new ImportRequest { AnnotationFile = file, SlidePath = slide, UnlabelledClass = "background" });
        var v1Files = Directory.GetFiles(Path.Combine(ws.Root, "models", "v1")).ToDictionary(f => f, File.ReadAllBytes);
        var patchDir = Path.Combine(ws.Root, "rounds", "r1", "patches");
        var image = ImageFile.ReadRgb(Path.Combine(patchDir, "images", import.Patches[0] + ".png"));
        var labels = ImageFile.ReadLabels(Path.Combine(patchDir, "masks", import.Patches[0] + ".png"));
        double before = Loss(Path.Combine(ws.Root, "models", "v1"), image, labels);

        var v2 = WorkspaceFineTuner.FineTune(ws, new FineTuneRequest { Recipe = new FineTuneRecipe { Steps = 40, LearningRate = 1e-3, BatchSize = 4, Augmentation = AugmentationOptions.None }, Threads = 1 }, cancel: TestContext.Current.CancellationToken);

        Assert.Equal("v2", v2.Id);
        Assert.Equal("v1", v2.Parent);
        Assert.Equal(["r1"], v2.TrainedOnRounds);
        foreach (var (path, bytes) in v1Files) Assert.Equal(bytes, File.ReadAllBytes(path));
        var reopened = LoopWorkspace.Open(ws.Root);
        Assert.Equal(["v1", "v2"], reopened.Manifest.Versions.Select(v => v.Id));
        var m2 = ModelManifest.Read(Path.Combine(ws.Root, "models", "v2", ModelManifest.FileName));
        Assert.True(m2.Training.WarmStart);
        Assert.NotNull(m2.Training.Previous);
        Assert.Equal(1, m2.Training.ExtraSampleCount);
        double after = Loss(Path.Combine(ws.Root, "models", "v2"), image, labels);
        Assert.True(after < before, $"loss on the new patch went from {before:0.0000} to {after:0.0000}");
        Assert.Equal("v1", reopened.Manifest.Versions[1].Parent);
    }

    [Fact]
    public void Finetune_without_imports_is_a_clear_error()
    {
        using var dir = new TempDir();
        var ws = F.Workspace(dir);
        var e = Assert.Throws<InvalidInputException>(() => WorkspaceFineTuner.FineTune(ws, new FineTuneRequest { Recipe = new FineTuneRecipe { Steps = 2 } }, cancel: TestContext.Current.CancellationToken));
        Assert.Contains("no imported annotations", e.Message, StringComparison.Ordinal);
    }

    // Mean over members of SegmentationLoss on the whole patch (eval mode).
    private static double Loss(string modelDir, RgbImage image, LabelMap labels)
    {
        using var ensemble = Ensemble.Load(modelDir);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var input = ensemble.Normalise(image);
        var target = tensor(labels.Data, [1, labels.Height, labels.Width]).to_type(ScalarType.Int64);
        double sum = 0;
        foreach (var net in ensemble.Members)
        {
            net.eval();
            sum += SegmentationLoss.Compute(net.forward(input), target).item<float>();
        }
        return sum / ensemble.Members.Count;
    }
}
