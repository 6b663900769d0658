using System.Text.Json.Nodes;
using Uga.Imaging;
using Uga.Inference;
using Uga.Learning;
using Uga.Learning.Inference;

namespace Uga.Onnx.Tests;

/// <summary>A manifest that does not describe its network fails on loading, naming the field it got wrong.</summary>
public sealed class OnnxManifestTests
{
    private static InvalidInputException LoadFails(string folder) =>
        Assert.Throws<InvalidInputException>(() => EnsembleModels.Load(folder).Dispose());

    private static void EditManifest(string folder, Action<JsonObject> edit)
    {
        var path = Path.Combine(folder, ModelManifest.FileName);
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(json);
        File.WriteAllText(path, json.ToJsonString());
    }

    [Fact]
    public void AMissingOutputFlagIsNamed()
    {
        using var dir = new TempDir();
        var folder = OnnxGraphTests.WriteModel(dir, OnnxGraphTests.LinearModel());
        EditManifest(folder, m => m.Remove("output"));
        var e = LoadFails(folder);
        Assert.Contains("manifest.json", e.Message);
        Assert.Contains("output: missing", e.Message);
        EditManifest(folder, m => m["output"] = "softmax");
        Assert.Contains("output: unknown 'softmax'", LoadFails(folder).Message);
    }

    [Fact]
    public void AWrongChannelCountIsNamed()
    {
        using var dir = new TempDir();
        var folder = OnnxGraphTests.WriteModel(dir, OnnxGraphTests.LinearModel(inputChannels: 1));
        var e = LoadFails(folder);
        Assert.Contains("3 channels (RGB) but the network takes 1", e.Message);
        Assert.Contains("net.onnx", e.Message);
    }

    [Fact]
    public void AWrongClassCountIsNamed()
    {
        using var dir = new TempDir();
        var folder = OnnxGraphTests.WriteModel(dir, OnnxGraphTests.LinearModel());
        EditManifest(folder, m => m["classNames"] = new JsonArray("background", "benign", "tumour"));
        Assert.Contains("classNames: the manifest names 3 classes but the network outputs 2 channels", LoadFails(folder).Message);
    }

    [Fact]
    public void AWrongPatchSizeForAFixedSizeNetworkIsNamed()
    {
        using var dir = new TempDir();
        var folder = OnnxGraphTests.WriteModel(dir, OnnxGraphTests.LinearModel(fixedSize: ["8", "8"]), patch: 4);
        Assert.Contains("patchSize: the manifest says 4 but the network takes 8", LoadFails(folder).Message);
    }

    [Fact]
    public void TrainingCommandsRefuseAnOnnxModelInOneLine()
    {
        using var dir = new TempDir();
        var folder = OnnxGraphTests.WriteModel(dir, OnnxGraphTests.LinearModel());
        var e = Assert.Throws<InvalidInputException>(() => Ensemble.Load(folder));
        Assert.Contains("is an ONNX model", e.Message);
        using var model = EnsembleModels.Load(folder);
        Assert.IsType<OnnxEnsemble>(model);
        Assert.Throws<InvalidInputException>(() => model.CreateSource(SampleSourceKind.Tta));
    }

    [Fact]
    public void UgaManifestsStillNeedTheirArchitecture()
    {
        using var dir = new TempDir();
        var folder = TinyModels.Save(dir, TinyModels.Classes(2), 1.0);
        EditManifest(folder, m => m.Remove("depth"));
        Assert.Contains("depth: must be 1..8", LoadFails(folder).Message);
        EditManifest(folder, m => { m["depth"] = 2; m["output"] = "logits"; });
        Assert.Contains("output: only ONNX models declare it", LoadFails(folder).Message);
    }
}
