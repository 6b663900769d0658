using Uga.Imaging;
using Uga.Inference;
using Uga.Learning;
using static TorchSharp.torch;

namespace Uga.Learning.Tests;

public class ModelFolderTests
{
    private static Ensemble TinyEnsemble(int members = 2, int baseChannels = 4)
    {
        var manifest = new ModelManifest
        {
            ClassNames = ["background", "nucleus"],
            SpacingUm = 0.5,
            PatchSize = 32,
            Depth = 2,
            BaseChannels = baseChannels,
            Normalisation = "batch",
            Dropout = 0.1,
            InputMean = [0.7f, 0.5f, 0.7f],
            InputStd = [0.2f, 0.2f, 0.15f],
            Members = members,
            MemberFiles = Enumerable.Range(0, members).Select(i => $"member-{i}.pt").ToArray(),
            Training = new TrainingRecord { Steps = 3, MemberSeeds = [1, 2], FinalLosses = [0.5, 0.6], Filter = ["preparation=ffpe"] },
        };
        manual_seed(3);
        return new Ensemble(manifest, Enumerable.Range(0, members).Select(_ => new UNet(UNetOptions.Of(manifest))).ToArray());
    }

    [Fact]
    public void SaveThenLoadKeepsManifestAndWeights()
    {
        using var dir = new TempDir();
        var path = dir.File("model");
        using var saved = TinyEnsemble();
        saved.Save(path);
        using var loaded = Ensemble.Load(path);

        Assert.Equal(saved.Manifest.ToJson(), loaded.Manifest.ToJson());
        Assert.Equal(saved.Manifest.ClassNames, loaded.Manifest.ClassNames);
        Assert.Equal(saved.Manifest.Training.FinalLosses, loaded.Manifest.Training.FinalLosses);
        Assert.Equal(saved.Manifest.CreatedAt, loaded.Manifest.CreatedAt);
        for (int m = 0; m < 2; m++)
        {
            var a = saved.Members[m].state_dict();
            var b = loaded.Members[m].state_dict();
            Assert.Equal(a.Keys, b.Keys);
            foreach (var key in a.Keys) Assert.True(a[key].eq(b[key]).all().item<bool>(), key);
            Assert.False(loaded.Members[m].training);
        }
        Assert.DoesNotContain(Directory.GetFileSystemEntries(dir.Path), p => Path.GetFileName(p).StartsWith('.'));
    }

    [Fact]
    public void MissingMemberIsNamed()
    {
        using var dir = new TempDir();
        var path = dir.File("model");
        using (var e = TinyEnsemble()) e.Save(path);
        File.Delete(Path.Combine(path, "member-1.pt"));
        var error = Assert.Throws<InvalidInputException>(() => Ensemble.Load(path));
        Assert.Equal(Path.Combine(path, "member-1.pt"), error.Path);
    }

    [Fact]
    public void CorruptManifestIsNamed()
    {
        using var dir = new TempDir();
        var path = dir.File("model");
        using (var e = TinyEnsemble()) e.Save(path);
        var manifest = Path.Combine(path, ModelManifest.FileName);
        File.WriteAllText(manifest, File.ReadAllText(manifest)[..40]);
        var error = Assert.Throws<InvalidInputException>(() => Ensemble.Load(path));
        Assert.Equal(manifest, error.Path);
        Assert.Contains("corrupt", error.Message);
    }

    [Fact]
    public void InconsistentManifestSaysWhatIsWrong()
    {
        using var dir = new TempDir();
        var path = dir.File("model");
        using (var e = TinyEnsemble()) e.Save(path);
        var manifest = Path.Combine(path, ModelManifest.FileName);
        var json = File.ReadAllText(manifest);
        File.WriteAllText(manifest, json.Replace("\"formatVersion\": 1", "\"formatVersion\": 99"));
        Assert.Contains("version 99", Assert.Throws<InvalidInputException>(() => Ensemble.Load(path)).Message);
        File.WriteAllText(manifest, json.Replace("\"members\": 2", "\"members\": 3"));
        Assert.Contains("3 members", Assert.Throws<InvalidInputException>(() => Ensemble.Load(path)).Message);
    }

    [Fact]
    public void CorruptOrMismatchedWeightsAreNamed()
    {
        using var dir = new TempDir();
        var path = dir.File("model");
        using (var e = TinyEnsemble()) e.Save(path);
        var member = Path.Combine(path, "member-0.pt");
        File.WriteAllBytes(member, [1, 2, 3, 4, 5]);
        Assert.Equal(member, Assert.Throws<InvalidInputException>(() => Ensemble.Load(path)).Path);

        // Weights of a narrower network than the manifest describes: shapes do not match.
        using (var narrow = TinyEnsemble(baseChannels: 2)) narrow.Members[0].save(member);
        Assert.Equal(member, Assert.Throws<InvalidInputException>(() => Ensemble.Load(path)).Path);
    }

    [Fact]
    public void MissingFolderAndManifestAreNamed()
    {
        using var dir = new TempDir();
        Assert.Equal(dir.File("nope"), Assert.Throws<InvalidInputException>(() => Ensemble.Load(dir.File("nope"))).Path);
        Assert.Equal(dir.File(ModelManifest.FileName), Assert.Throws<InvalidInputException>(() => Ensemble.Load(dir.Path)).Path);
    }

    [Fact]
    public void NormaliseAcceptsBytesAndFloatsInEitherLayout()
    {
        using var ensemble = TinyEnsemble();
        var image = new RgbImage(4, 2);
        for (int i = 0; i < image.Data.Length; i++) image.Data[i] = (byte)(i * 9);
        using var fromImage = ensemble.Normalise(image);
        Assert.Equal([1L, 3, 2, 4], fromImage.shape);
        // pixel (x=1, y=1), green: byte 9 * (index(1,1) + 1)
        float expected = ((image.Data[image.Index(1, 1) + 1] / 255f) - 0.5f) / 0.2f;
        Assert.Equal(expected, fromImage[0, 1, 1, 1].item<float>(), 5);

        using var bytes = tensor(image.Data, [1, 2, 4, 3]);
        using var floatsChw = (bytes.to_type(ScalarType.Float32) / 255f).permute(0, 3, 1, 2);
        using var a = ensemble.Normalise(bytes);
        using var b = ensemble.Normalise(floatsChw);
        Assert.True(a.allclose(fromImage));
        Assert.True(b.allclose(fromImage, rtol: 1e-5, atol: 1e-5));
    }
}
